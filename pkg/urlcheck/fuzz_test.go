package urlcheck

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// fuzzEntries is the whitelist FuzzValidate judges against.
var fuzzEntries = []string{"example.com", "=hooks.example.org", "bücher.de", "googlevideo.com", "amazonaws.com"}

// seedURLs are adversarial inputs added to every URL fuzz target (the
// checked-in corpus in testdata/fuzz holds more).
var seedURLs = []string{
	"https://example.com/cb", "https://EXAMPLE.COM", "https://hooks.example.com:8443/wa?x=1",
	"https://example.com@evil.net", "https://evil.net?@example.com", "https://evil.net#@example.com",
	`https://evil.net\@example.com`, "https://example.com.evil.net", "https://evilexample.com",
	"https://evil.net⁄example.com/", "https://evil.net。example.com/", "https:example.com",
	"https:/example.com", "https:///example.com", "https://2130706433/", "https://0x7f.1/",
	"https://[::ffff:127.0.0.1]/", "https://[fe80::1%25eth0]/", "https://example.com:00443/",
	"https://example.com:443:80/", "https://faß.de/", "https://r3---sn-abc.googlevideo.com/",
	"https://xn--abc.com/", "https://example.com./", "https://example.com../", "https://bu\u0308cher.de/",
	"https://hooks.example.org/", "https://x.hooks.example.org/", "https://a.s3.amazonaws.com/",
}

// FuzzValidate checks the guiding property: whatever wa-cb calls valid,
// Go's net/url (and net/http's IDNA step) and a WHATWG reading agree on its
// host; whatever it calls whitelisted is under the entry it names for both,
// and holds no "@", "\", "#", control or white space.
func FuzzValidate(f *testing.F) {
	wl := mustWhitelist(f, fuzzEntries...)
	c := New(Options{Whitelist: wl})
	for _, s := range seedURLs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := c.Check(s)
		if r.URL != s {
			t.Fatalf("URL field %q differs from the input %q", r.URL, s)
		}
		if r.Whitelisted == nil || r.Rule == "" || r.Reason == "" {
			t.Fatalf("%q: incomplete result %+v", s, r)
		}
		switch r.Verdict {
		case Invalid:
			if r.Valid || *r.Whitelisted || r.Code != CodeE413 {
				t.Fatalf("%q: invalid result with valid=%v whitelisted=%v code=%q", s, r.Valid, *r.Whitelisted, r.Code)
			}
			return
		case Allowed:
			if !r.Valid || !*r.Whitelisted || r.Matched == "" {
				t.Fatalf("%q: allowed result %+v", s, r)
			}
		case NotWhitelisted:
			if !r.Valid || *r.Whitelisted || r.Matched != "" {
				t.Fatalf("%q: not-whitelisted result %+v", s, r)
			}
		default:
			t.Fatalf("%q: unknown verdict %q", s, r.Verdict)
		}
		// A valid URL is plain, bounded, well-formed text.
		if len(s) > MaxURLBytes || !utf8.ValidString(s) {
			t.Fatalf("%q: valid but too long or not UTF-8", s)
		}
		for _, ch := range s {
			if ch == '\\' || ch == '#' || unicode.IsSpace(ch) || unicode.IsControl(ch) {
				t.Fatalf("%q: valid but holds %q", s, ch)
			}
		}
		// "@" only after the authority, which every parser ends at the
		// first "/" or "?"
		if rest, ok := strings.CutPrefix(s[strings.Index(s, ":")+1:], "//"); !ok || strings.Contains(rest[:authorityEnd(rest)], "@") {
			t.Fatalf("%q: valid but its authority holds \"@\"", s)
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("%q: valid but net/url refuses it: %v", s, err)
		}
		if u.User != nil || u.Opaque != "" || u.Host == "" {
			t.Fatalf("%q: valid but net/url reads user %v opaque %q host %q", s, u.User, u.Opaque, u.Host)
		}
		wh, ok := whatwgHost(s)
		if !ok {
			t.Fatalf("%q: valid but the WHATWG reading has no host", s)
		}
		wh = strings.TrimSuffix(wh, ".")
		goHost := strings.TrimSuffix(asciiLower(u.Hostname()), ".")
		if r.IPClass != "" {
			if wh != r.Host && "["+wh+"]" != r.Host {
				t.Fatalf("%q: IP host %q but WHATWG reads %q", s, r.Host, wh)
			}
			return
		}
		if wh != r.Host {
			t.Fatalf("%q: host %q but WHATWG reads %q", s, r.Host, wh)
		}
		// net/url's host in A-labels, converted without any mapping; and
		// what net/http would connect to (UTS #46 lookup), when it accepts
		// the name at all (it refuses R-LDH labels in IDN hosts).
		goASCII, err := idna.Punycode.ToASCII(goHost)
		if err != nil || goASCII != r.Host {
			t.Fatalf("%q: host %q but net/url reads %q (%q, %v)", s, r.Host, goHost, goASCII, err)
		}
		if !isASCII(goHost) {
			if viaHTTP, err := idna.Lookup.ToASCII(goHost); err == nil && viaHTTP != r.Host {
				t.Fatalf("%q: host %q but net/http would connect to %q", s, r.Host, viaHTTP)
			}
		}
		if r.Verdict == Allowed {
			e, ok := wl.Match(r.Host)
			if !ok || e.String() != r.Matched {
				t.Fatalf("%q: matched %q but Match gives %v %v", s, r.Matched, e, ok)
			}
			for _, h := range []string{wh, goASCII} {
				if h != e.Domain && (e.Exact || !strings.HasSuffix(h, "."+e.Domain)) {
					t.Fatalf("%q: whitelisted by %s but a parser reads host %q", s, e, h)
				}
			}
		}
	})
}

// FuzzEntry checks whitelist entry parsing: an accepted entry is a
// normalised, registrable domain name that ParseEntry maps to itself and
// that matches URLs on its host (and subdomains unless exact).
func FuzzEntry(f *testing.F) {
	for _, s := range []string{"example.com", "=hooks.example.com", " EXAMPLE.COM. ", "faß.de", "com", "github.io",
		"foo.ck", "www.ck", "*.example.com", ".example.com", "localhost", "2130706433", "0.0.1", "1.2.3.4",
		"https://example.com", "example.com:443", "例え.jp", "公司.cn", "amazonaws.com", "xn--abc.com", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, reason := ParseEntry(raw)
		if reason != "" {
			if e.Domain != "" {
				t.Fatalf("ParseEntry(%q) refused (%s) but set Domain %q", raw, reason, e.Domain)
			}
			return
		}
		d := e.Domain
		if d == "" || len(d) > 253 || !strings.Contains(d, ".") || endsInNumber(d) {
			t.Fatalf("ParseEntry(%q) accepted %q", raw, d)
		}
		for _, label := range strings.Split(d, ".") {
			if herr := checkLDH(label); herr != nil {
				t.Fatalf("ParseEntry(%q) accepted %q: %s", raw, d, herr.reason)
			}
		}
		if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
			t.Fatalf("ParseEntry(%q) accepted the public suffix %q", raw, d)
		}
		again, reason := ParseEntry(e.String())
		if reason != "" || again.Domain != d || again.Exact != e.Exact {
			t.Fatalf("ParseEntry(%q) = %q, but ParseEntry(%q) = %q (%s)", raw, d, e.String(), again.Domain, reason)
		}
		c := New(Options{Whitelist: NewWhitelist([]Entry{e})})
		if r := c.Check("https://" + d + "/"); r.Verdict != Allowed || r.Matched != e.String() {
			t.Fatalf("entry %q: its own host is %s/%s (%s)", d, r.Verdict, r.Rule, r.Reason)
		}
		if len(d) < 240 {
			r := c.Check("https://x." + d + "/")
			if want := !e.Exact; (r.Verdict == Allowed) != want {
				t.Fatalf("entry %s: subdomain verdict %s, want allowed=%v", e, r.Verdict, want)
			}
			if r := c.Check("https://x" + d + "/"); r.Verdict == Allowed {
				t.Fatalf("entry %s: x%s is allowed", e, d)
			}
		}
	})
}

// FuzzAppendJSON checks the hand-written encoder against encoding/json.
func FuzzAppendJSON(f *testing.F) {
	f.Add("https://example.com/\u2028<&>", "reason \"q\" \\ \x00 \x7f", "xn--bcher-kva.de", 3, true)
	f.Add("\xff\xfe bad utf-8", "\t\n\r\b\f", "", 0, false)
	f.Fuzz(func(t *testing.T, u, reason, host string, line int, flag bool) {
		r := Result{URL: u, Line: line, Verdict: NotWhitelisted, Valid: flag, Rule: "rule", Reason: reason,
			Host: host, HostUnicode: reason, Port: host, Matched: u, IPClass: host, Truncated: flag}
		if flag {
			r.Whitelisted = &yes
			r.Code = CodeE413
			r.Warnings = []Warning{{Rule: u, Message: reason}, {Rule: "x", Message: host}}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendJSON:\n got %s\nwant %s", got, want.Bytes())
		}
	})
}

// FuzzScanURLs checks the line reader against a plain split.
func FuzzScanURLs(f *testing.F) {
	f.Add("https://a.example\nhttps://b.example\r\n\n# c\n  \n\thttps://c\r\rx\n")
	f.Add("no newline at end\r")
	f.Add("\n\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		type line struct {
			s string
			n int
		}
		var got []line
		err := ScanURLs(strings.NewReader(in), func(s string, n int, truncated bool) error {
			if truncated {
				t.Fatalf("short input reported truncated")
			}
			got = append(got, line{s, n})
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []line
		parts := strings.Split(in, "\n")
		for i, p := range parts {
			if i == len(parts)-1 && p == "" {
				break
			}
			if i < len(parts)-1 {
				p = strings.TrimSuffix(p, "\r")
			}
			if skippable(p) {
				continue
			}
			want = append(want, line{p, i + 1})
		}
		if len(got) != len(want) {
			t.Fatalf("ScanURLs(%q) = %v; want %v", in, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("ScanURLs(%q)[%d] = %v; want %v", in, i, got[i], want[i])
			}
		}
	})
}

func checkJSONEqual(t *testing.T, r *Result) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	if got := r.AppendJSON(nil); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want.Bytes())
	}
}

// authorityEnd is where the authority of rest (the text after "//") ends.
func authorityEnd(rest string) int {
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		return i
	}
	return len(rest)
}
