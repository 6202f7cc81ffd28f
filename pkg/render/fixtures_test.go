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

// TestFixturesTableFits: the table fits the terminal whatever the
// catalogue holds: names whole, a long status and kind shortened, the
// description dropped when there is no room for it.
func TestFixturesTableFits(t *testing.T) {
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	rows := []FixtureRow{{Name: "cloud-incoming-text-frequently-forwarded", Source: "cloud", Kind: "business-capability",
		Status: "increased_capabilities_eligibility_failed", Description: "a long one", Origin: fixture.OriginBundled}}
	for _, fx := range fxs {
		rows = append(rows, RowOf(fx))
	}
	for _, width := range []int{80, 100, 120, 200} {
		var b bytes.Buffer
		if err := FixturesTable(&b, build(&b, false, width), rows); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		for i, l := range lines {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line is %d columns: %q", width, n, l)
			}
			if i > 0 && !strings.HasPrefix(l, rows[i-1].Name+" ") {
				t.Errorf("width %d: name cut: %q", width, l)
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("width %d: trailing spaces: %q", width, l)
			}
		}
		if hasDesc := strings.Contains(lines[0], "DESCRIPTION"); hasDesc != (width > 80) {
			t.Errorf("width %d: description shown %v:\n%s", width, hasDesc, lines[0])
		}
		if long := strings.Contains(lines[1], "increased_capabilities_eligibility_failed"); long != (width == 200) {
			t.Errorf("width %d: the long status is whole: %v:\n%s", width, long, lines[1])
		}
		if width == 200 && !strings.Contains(b.String(), "Kaleyra v1 status callback: read by the customer") {
			t.Errorf("width %d: descriptions cut", width)
		}
	}
}
