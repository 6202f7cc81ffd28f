package urlcheck

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseEntry(t *testing.T) {
	cases := []struct {
		raw    string
		domain string // normalised; "" means refused
		exact  bool
		reason string // substring of the refusal
	}{
		{"example.com", "example.com", false, ""},
		{"  example.com\t", "example.com", false, ""},
		{"EXAMPLE.COM", "example.com", false, ""},
		{"example.com.", "example.com", false, ""},
		{"hooks.example.com", "hooks.example.com", false, ""},
		{"=hooks.example.com", "hooks.example.com", true, ""},
		{"example.co.uk", "example.co.uk", false, ""},
		{"faß.de", "xn--fa-hia.de", false, ""},
		{"bücher.de", "xn--bcher-kva.de", false, ""},
		{"xn--bcher-kva.de", "xn--bcher-kva.de", false, ""},
		{"例え.jp", "xn--r8jz45g.jp", false, ""},
		{"r3---sn-abc.googlevideo.com", "r3---sn-abc.googlevideo.com", false, ""},
		{"www.ck", "www.ck", false, ""},               // exception rule !www.ck
		{"amazonaws.com", "amazonaws.com", false, ""}, // above a private suffix: accepted, warned
		{"my.github.io", "my.github.io", false, ""},
		{"1.example.com", "1.example.com", false, ""},

		// empty
		{"", "", false, "empty"},
		{"   ", "", false, "empty"},
		{"=", "", true, "empty"},
		// public suffixes: ICANN, private, wildcard, default rule
		{"com", "", false, "ICANN"},
		{"co.uk", "", false, "ICANN"},
		{"uk", "", false, "ICANN"},
		{"CO.UK.", "", false, "ICANN"},
		{"公司.cn", "", false, "ICANN"},
		{"foo.ck", "", false, "ICANN"}, // *.ck
		{"github.io", "", false, "private"},
		{"s3.amazonaws.com", "", false, "private"},
		{"blogspot.com", "", false, "private"},
		{"ngrok-free.app", "", false, "private"},
		{"vercel.app", "", false, "private"},
		{"localhost", "", false, "single-label"},
		{"example", "", false, "single-label"},
		{"corp", "", false, "single-label"},
		{"=com", "", true, "ICANN"},
		// IPs and numbers
		{"1.2.3.4", "", false, "IP address"},
		{"127.0.0.1", "", false, "IP address"},
		{"2130706433", "", false, "IP address"},
		{"0x7f.1", "", false, "IP address"},
		{"0.0.1", "", false, "IP address"},
		{"256.0.0.1", "", false, "number"},
		{"example.123", "", false, "number"},
		{"[::1]", "", false, "IP literal"},
		{"::1", "", false, ":"},
		// URL parts
		{"https://example.com", "", false, "scheme"},
		{"https://example.com/", "", false, "scheme"},
		{"example.com/cb", "", false, "path"},
		{"example.com:443", "", false, "port"},
		{"user@example.com", "", false, "user info"},
		{"example.com?x", "", false, "query"},
		{"example.com#x", "", false, "fragment"},
		{"exa%2emple.com", "", false, "percent"},
		{`example.com\`, "", false, "backslash"},
		// wildcard and leading dot
		{"*.example.com", "", false, "wildcard"},
		{"*", "", false, "wildcard"},
		{".example.com", "", false, "leading"},
		{"..example.com", "", false, "leading"},
		// not a domain
		{"exa mple.com", "", false, "white space"},
		{"exa\u00a0mple.com", "", false, "white space"},
		{"example.com,org", "", false, `","`},
		{"exa_mple.com", "", false, "not a domain"},
		{"-example.com", "", false, "not a domain"},
		{"example..com", "", false, "not a domain"},
		{"example.com..", "", false, "not a domain"},
		{"ｅxample.com", "", false, "not a domain"},
		{"evil.net。example.com", "", false, "not a domain"},
		{"xn--abc.com", "", false, "not a domain"},
		{"exa\xffmple.com", "", false, "UTF-8"},
		{strings.Repeat("a", 64) + ".com", "", false, "63"},
	}
	for _, tc := range cases {
		e, reason := ParseEntry(tc.raw)
		if tc.domain == "" {
			if reason == "" {
				t.Errorf("ParseEntry(%q) = %q accepted; want refused (%s)", tc.raw, e.Domain, tc.reason)
			} else if !strings.Contains(reason, tc.reason) {
				t.Errorf("ParseEntry(%q) refused with %q; want a reason mentioning %q", tc.raw, reason, tc.reason)
			}
			continue
		}
		if reason != "" || e.Domain != tc.domain || e.Exact != tc.exact {
			t.Errorf("ParseEntry(%q) = %q exact=%v (%s); want %q exact=%v", tc.raw, e.Domain, e.Exact, reason, tc.domain, tc.exact)
		}
	}
}

func TestBuilderSources(t *testing.T) {
	var b Builder
	b.AddList("example.com, example.org", "--whitelist")
	b.AddList("example.net", "WA_CB_WHITELIST")
	if err := b.AddFile(strings.NewReader("\ufeff# comment\n\nhooks.example.io  # prod\r\n  =api.example.dev\n"), "wl.txt"); err != nil {
		t.Fatal(err)
	}
	wl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range wl.Entries() {
		got = append(got, e.String()+"@"+e.Source)
	}
	want := "example.com@--whitelist example.org@--whitelist example.net@WA_CB_WHITELIST hooks.example.io@wl.txt:3 =api.example.dev@wl.txt:4"
	if strings.Join(got, " ") != want {
		t.Errorf("entries = %v\nwant %s", got, want)
	}
}

func TestBuilderErrors(t *testing.T) {
	cases := []struct {
		name string
		add  func(b *Builder)
		want []string // substrings, one per refused entry, in order
	}{
		{"empty list", func(b *Builder) { b.AddList("", "--whitelist") }, []string{`"" (from --whitelist): the list is empty`}},
		{"trailing comma", func(b *Builder) { b.AddList("example.com,", "--whitelist") }, []string{`"" (from --whitelist): the entry is empty`}},
		{"several", func(b *Builder) { b.AddList("com,example.com,*.example.org", "WA_CB_WHITELIST") },
			[]string{`"com" (from WA_CB_WHITELIST)`, `"*.example.org" (from WA_CB_WHITELIST): wildcards`}},
		{"file lines", func(b *Builder) {
			_ = b.AddFile(strings.NewReader("example.com\ngithub.io\n\n# x\nexa#mple.com\n"), "wl.txt")
		}, []string{`"github.io" (from wl.txt:2)`, `"exa#mple.com" (from wl.txt:5)`}},
		{"file without entries", func(b *Builder) { _ = b.AddFile(strings.NewReader("# only comments\n\n"), "wl.txt") },
			[]string{`(from wl.txt): the file holds no entry`}},
		{"empty file", func(b *Builder) { _ = b.AddFile(strings.NewReader(""), "empty.txt") },
			[]string{`(from empty.txt): the file holds no entry`}},
	}
	for _, tc := range cases {
		var b Builder
		tc.add(&b)
		_, err := b.Build()
		var we *WhitelistError
		if !errors.As(err, &we) {
			t.Errorf("%s: Build error = %v; want a *WhitelistError", tc.name, err)
			continue
		}
		if len(we.Errs) != len(tc.want) {
			t.Errorf("%s: %d errors (%v); want %d", tc.name, len(we.Errs), err, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(we.Errs[i].Error(), w) {
				t.Errorf("%s: error %d = %q; want it to contain %q", tc.name, i, we.Errs[i].Error(), w)
			}
		}
	}
}

func TestBuilderNoSource(t *testing.T) {
	var b Builder
	wl, err := b.Build()
	if wl != nil || err != nil {
		t.Fatalf("Build with no source = %v, %v; want nil, nil", wl, err)
	}
}

func TestBuilderFileReadError(t *testing.T) {
	var b Builder
	boom := errors.New("boom")
	if err := b.AddFile(iotest.ErrReader(boom), "wl.txt"); !errors.Is(err, boom) {
		t.Fatalf("AddFile error = %v; want %v", err, boom)
	}
}

func TestBuilderExact(t *testing.T) {
	b := Builder{Exact: true}
	b.AddList("example.com", "--whitelist")
	wl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := wl.Match("example.com"); !ok {
		t.Error("exact entry must match its own host")
	}
	if _, ok := wl.Match("a.example.com"); ok {
		t.Error("--exact entry must not match a subdomain")
	}
}

func TestEntryWarnings(t *testing.T) {
	cases := []struct {
		entry string
		rules []string
	}{
		{"example.com", nil},
		{"amazonaws.com", []string{EntryWarnAboveSuffix}},
		{"compute.amazonaws.com", []string{EntryWarnAboveSuffix}},
		{"nip.io", []string{EntryWarnWildcardDNS}},
		{"sslip.io", []string{EntryWarnWildcardDNS}},
		{"lvh.me", []string{EntryWarnLocalName}},
		{"example.test", []string{EntryWarnLocalName}},
		{"printer.local", []string{EntryWarnLocalName}},
		{"faß.de", []string{WarnIDNADeviation}},
	}
	for _, tc := range cases {
		var b Builder
		b.AddEntry(tc.entry, "test")
		if _, err := b.Build(); err != nil {
			t.Errorf("%s: %v", tc.entry, err)
			continue
		}
		var got []string
		for _, w := range b.Warnings() {
			got = append(got, w.Rule)
			if w.Entry == "" || w.Source != "test" || w.Message == "" {
				t.Errorf("%s: incomplete warning %+v", tc.entry, w)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.rules, ",") {
			t.Errorf("%s: warnings %v; want %v", tc.entry, got, tc.rules)
		}
	}
}

// TestPSLParentsAgree checks the generated list against the suffix data
// compiled in: no listed parent is a public suffix itself, and the list is
// sorted (pslRulesBelow searches it).
func TestPSLParentsAgree(t *testing.T) {
	pslRulesBelow("example.com")
	if len(pslParentsList) < 100 {
		t.Fatalf("only %d parent domains", len(pslParentsList))
	}
	for i, d := range pslParentsList {
		if i > 0 && pslParentsList[i-1] >= d {
			t.Fatalf("not sorted at %q", d)
		}
		if reason := publicSuffixReason(d); reason != "" {
			t.Errorf("%s is listed as a parent but is a public suffix: %s", d, reason)
		}
	}
}

func TestWhitelistMatch(t *testing.T) {
	wl := mustWhitelist(t, "example.com", "=api.example.org", "deep.a.example.net")
	cases := []struct {
		host, want string
	}{
		{"example.com", "example.com"},
		{"a.example.com", "example.com"},
		{"a.b.example.com", "example.com"},
		{"xexample.com", ""},
		{"example.com.evil.net", ""},
		{"com", ""},
		{"api.example.org", "=api.example.org"},
		{"x.api.example.org", ""},
		{"example.org", ""},
		{"deep.a.example.net", "deep.a.example.net"},
		{"x.deep.a.example.net", "deep.a.example.net"},
		{"a.example.net", ""},
		{"", ""},
	}
	for _, tc := range cases {
		e, ok := wl.Match(tc.host)
		got := ""
		if ok {
			got = e.String()
		}
		if got != tc.want {
			t.Errorf("Match(%q) = %q; want %q", tc.host, got, tc.want)
		}
	}
}

// The hint for a wildcard or dotted entry names the user's own domain when
// it is a valid entry, never a stranger's.
func TestWildcardHintNamesOwnDomain(t *testing.T) {
	cases := map[string]string{
		"*.acme.io":        `wildcards are not accepted; "acme.io" already covers its subdomains`,
		".acme.io":         `a leading "." is not accepted; "acme.io" already covers its subdomains`,
		"**.hooks.acme.io": `wildcards are not accepted; "hooks.acme.io" already covers its subdomains`,
		"*.co.uk":          `wildcards are not accepted; a bare domain (example.com) already covers its subdomains`,
		"a.*.io":           `wildcards are not accepted; a bare domain (example.com) already covers its subdomains`,
		"*":                `wildcards are not accepted; a bare domain (example.com) already covers its subdomains`,
		"*.10.0.0.1":       `wildcards are not accepted; a bare domain (example.com) already covers its subdomains`,
	}
	for raw, want := range cases {
		if _, reason := ParseEntry(raw); reason != want {
			t.Errorf("ParseEntry(%q) reason\n got %q\nwant %q", raw, reason, want)
		}
	}
}
