package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func TestFixtureRows(t *testing.T) {
	rows := []FixtureRow{
		{Name: "status-read", Source: "kaleyra-v1", Kind: "status", Status: "read", Description: "Kaleyra v1 read", Origin: fixture.OriginBundled},
		{Name: "mine", Source: "cloud", Kind: "message", Type: "text", Description: "My own\tfixture with a\nbreak", Origin: fixture.OriginUser, Malformed: true},
		{Name: "cloud-errors", Source: "cloud", Kind: "error", Description: strings.Repeat("long ", 40), Origin: fixture.OriginUser, Shadows: true},
	}
	var b bytes.Buffer
	if err := FixturesPlain(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "status-read\tkaleyra-v1\tstatus\tread\tbundled\tKaleyra v1 read\n" +
		"mine\tcloud\tmessage\ttext\tuser\tMy own fixture with a break\n" +
		"cloud-errors\tcloud\terror\t-\tuser\t" + strings.TrimSpace(strings.Repeat("long ", 40)) + "\n"
	if b.String() != want {
		t.Errorf("plain:\n%q\nwant\n%q", b.String(), want)
	}

	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorMode(iostreams.ColorNever)
	b.Reset()
	if err := FixturesTable(&b, New(ios), rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[4], "(user*) replaces") {
		t.Fatalf("table:\n%s", b.String())
	}
	if !strings.Contains(lines[2], "mine (user)") || !strings.Contains(lines[3], "cloud-errors (user*)") {
		t.Errorf("user marks missing:\n%s", b.String())
	}
	col := strings.Index(lines[0], "SOURCE")
	for _, l := range lines[1:4] {
		if []rune(l)[col-1] != ' ' || !strings.HasPrefix(string([]rune(l)[col:]), "kaleyra-v1") && !strings.HasPrefix(string([]rune(l)[col:]), "cloud") {
			t.Errorf("column not aligned: %q", l)
		}
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line wider than the terminal (%d): %q", n, l)
		}
	}
}

func TestRowOf(t *testing.T) {
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		r := RowOf(fx)
		if r.Name != fx.Name || r.Origin != fixture.OriginBundled || r.File != "" || r.Method == "" {
			t.Errorf("row %+v", r)
		}
	}
}
