package render

import (
	"io"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

func TestURLPrinterPlain(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	p := NewURLPrinter(New(ios), false)
	f := false
	r := urlcheck.Result{URL: "https://evil.net/\x1b[2J", Verdict: urlcheck.Invalid, Code: "E413", Rule: "control-or-space",
		Reason: "bad", Whitelisted: &f, Warnings: []urlcheck.Warning{{Rule: "http", Message: "line\nbreak"}}}
	got := string(p.AppendResult(nil, &r))
	want := "invalid\tcontrol-or-space\t\"https://evil.net/\\x1b[2J\"\tE413: bad\n" +
		"warning\thttp\t\"https://evil.net/\\x1b[2J\"\tline\\nbreak\n"
	if got != want {
		t.Errorf("plain:\n%q\nwant\n%q", got, want)
	}
	r = urlcheck.Result{URL: "https://example.com/" + strings.Repeat("a", 10), Verdict: urlcheck.Invalid, Rule: "too-long", Code: "E413", Reason: "long", Truncated: true}
	if got := string(p.AppendResult(nil, &r)); !strings.Contains(got, "aaaa...\tE413: long\n") {
		t.Errorf("truncated URL not marked: %q", got)
	}
}

func TestURLPrinterSummary(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	p := NewURLPrinter(NewErr(ios), false)
	cases := []struct {
		c    URLCounts
		want string
	}{
		{URLCounts{Allowed: 1}, "1 URL: 1 valid, 0 invalid\n"},
		{URLCounts{Allowed: 2, NotWhitelisted: 1, Invalid: 3, Warnings: 1, Whitelist: true}, "6 URLs: 2 valid, 1 not whitelisted, 3 invalid, 1 warning\n"},
		{URLCounts{Invalid: 1, Warnings: 2}, "1 URL: 0 valid, 1 invalid, 2 warnings\n"},
	}
	for _, tc := range cases {
		if got := p.Summary(tc.c); got != tc.want {
			t.Errorf("Summary(%+v) = %q; want %q", tc.c, got, tc.want)
		}
	}
	w := urlcheck.EntryWarning{Entry: "amazonaws.com", Source: "wl.txt:3", Rule: "entry-above-suffix", Message: "m"}
	if got := p.EntryWarning(w); got != "warning: whitelist entry amazonaws.com (from wl.txt:3): m [entry-above-suffix]\n" {
		t.Errorf("EntryWarning = %q", got)
	}
}

func TestURLDisplay(t *testing.T) {
	cases := map[string]string{
		"https://example.com/":     "https://example.com/",
		"https://bücher.de/":       "https://bücher.de/",
		"https://a b/":             `"https://a b/"`,
		"https://x/\u202e":         `"https://x/\u202e"`,
		"https://x/\u200b":         `"https://x/\u200b"`,
		"https://x/\xff":           `"https://x/\xff"`,
		"":                         `""`,
		"https://evil⁄example.com": "https://evil⁄example.com",
	}
	for in, want := range cases {
		if got := urlDisplay(in); got != want {
			t.Errorf("urlDisplay(%q) = %s; want %s", in, got, want)
		}
	}
}

// TestURLPrinterTerminal: on a terminal the verdict and the URL (whole)
// head each result; the reason and the warnings follow, indented and
// wrapped at words to the terminal's width.
func TestURLPrinterTerminal(t *testing.T) {
	p := NewURLPrinter(build(io.Discard, false, 60), true)
	tr := true
	r := urlcheck.Result{URL: "https://xn--exmple-cua.com/a/rather/long/path/that/runs/past/sixty/columns", Verdict: urlcheck.NotWhitelisted, Rule: "not-whitelisted",
		Reason: "the host is not under any whitelist entry: Kaleyra will accept it, but no callback will be made", Whitelisted: &tr,
		Warnings: []urlcheck.Warning{{Rule: "confusable", Message: `the host "exämple.com" looks like the whitelist entry "example.com" but is not under it`}}}
	got := string(p.AppendResult(nil, &r))
	want := "! https://xn--exmple-cua.com/a/rather/long/path/that/runs/past/sixty/columns  not-whitelisted\n" +
		"  the host is not under any whitelist entry: Kaleyra will\n" +
		"  accept it, but no callback will be made\n" +
		"  ⚠ confusable: the host \"exämple.com\" looks like the\n" +
		"    whitelist entry \"example.com\" but is not under it\n"
	if got != want {
		t.Errorf("terminal:\n%s\nwant\n%s", got, want)
	}
}
