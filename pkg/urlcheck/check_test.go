package urlcheck

import (
	"strings"
	"testing"
)

// short verdict names keep the tables readable.
const (
	ok  = Allowed
	nw  = NotWhitelisted
	bad = Invalid
)

type checkCase struct {
	in      string
	verdict Verdict
	rule    string
	host    string // expected normalised host, when non-empty
}

func mustWhitelist(t testing.TB, entries ...string) *Whitelist {
	t.Helper()
	var b Builder
	for _, e := range entries {
		b.AddEntry(e, "test")
	}
	wl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return wl
}

func runCases(t *testing.T, c *Checker, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		r := c.Check(tc.in)
		if r.Verdict != tc.verdict || r.Rule != tc.rule || (tc.host != "" && r.Host != tc.host) {
			t.Errorf("Check(%q) = %s/%s host %q (%s); want %s/%s host %q",
				tc.in, r.Verdict, r.Rule, r.Host, r.Reason, tc.verdict, tc.rule, tc.host)
			continue
		}
		if r.URL != tc.in {
			t.Errorf("Check(%q).URL = %q: the input must be echoed unchanged", tc.in, r.URL)
		}
		if (r.Verdict == Invalid) != (r.Code == CodeE413 || r.Rule == RuleHTTPSOnly) || r.Valid == (r.Verdict == Invalid) {
			t.Errorf("Check(%q): inconsistent verdict %s valid=%v code=%q", tc.in, r.Verdict, r.Valid, r.Code)
		}
		if r.Reason == "" {
			t.Errorf("Check(%q): empty reason", tc.in)
		}
	}
}

// TestCheckWhitelist covers every rule of the E413 list and the whitelist
// match, in the order the rules are checked, with whitelist example.com.
func TestCheckWhitelist(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com")})
	runCases(t, c, []checkCase{
		// whitelisted forms
		{"https://example.com", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/cb?x=1&y=%41", ok, RuleWhitelisted, "example.com"},
		{"https://EXAMPLE.COM", ok, RuleWhitelisted, "example.com"},
		{"HTTPS://Example.Com/cb", ok, RuleWhitelisted, "example.com"},
		{"hTtPs://example.com", ok, RuleWhitelisted, "example.com"},
		{"https://hooks.example.com:8443/wa", ok, RuleWhitelisted, "hooks.example.com"},
		{"https://a.b.c.example.com/", ok, RuleWhitelisted, "a.b.c.example.com"},
		{"https://example.com./", ok, RuleWhitelisted, "example.com"},
		{"https://hooks.example.com.:443/", ok, RuleWhitelisted, "hooks.example.com"},
		{"http://example.com/", ok, RuleWhitelisted, "example.com"},
		{"https://example.com:1/", ok, RuleWhitelisted, "example.com"},
		{"https://example.com:65535/", ok, RuleWhitelisted, "example.com"},
		{"https://example.com//evil.net/", ok, RuleWhitelisted, "example.com"},
		// "@" after the authority: every parser ends the authority first
		{"https://example.com/@evil.net", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/?@evil.net", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/@team", ok, RuleWhitelisted, "example.com"},
		{"https://hooks.example.com/cb?who=@x", ok, RuleWhitelisted, "hooks.example.com"},
		{"https://example.com?who=@x", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/cb?email=a%40b.example", ok, RuleWhitelisted, "example.com"},
		{"https://example.com?next=https://evil.net", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/%2e%2e/%2F", ok, RuleWhitelisted, "example.com"},
		{"https://bücher.example.com/", ok, RuleWhitelisted, "xn--bcher-kva.example.com"},
		{"https://xn--bcher-kva.example.com/", ok, RuleWhitelisted, "xn--bcher-kva.example.com"},
		{"https://XN--BCHER-KVA.example.com/", ok, RuleWhitelisted, "xn--bcher-kva.example.com"},
		{"https://r3---sn-abc.example.com/", ok, RuleWhitelisted, "r3---sn-abc.example.com"},
		{"https://r3---sn-abc.bücher.example.com/", ok, RuleWhitelisted, "r3---sn-abc.xn--bcher-kva.example.com"},
		{"https://0x.example.com/", ok, RuleWhitelisted, "0x.example.com"},
		{"https://1.example.com/", ok, RuleWhitelisted, "1.example.com"},
		{"https://127.0.0.1.example.com/", ok, RuleWhitelisted, "127.0.0.1.example.com"},

		// not under the entry
		{"https://example.com.evil.net", nw, RuleNotWhitelisted, "example.com.evil.net"},
		{"https://evilexample.com", nw, RuleNotWhitelisted, "evilexample.com"},
		{"https://example.commit.malicious.io", nw, RuleNotWhitelisted, "example.commit.malicious.io"},
		{"https://example.co", nw, RuleNotWhitelisted, "example.co"},
		{"https://com/", nw, RuleNotWhitelisted, "com"},
		{"https://evil.net?@example.com", nw, RuleNotWhitelisted, "evil.net"},
		{"https://evil.net/@example.com", nw, RuleNotWhitelisted, "evil.net"},
		{"https://evil.net/example.com", nw, RuleNotWhitelisted, "evil.net"},
		{"https://evil.net?example.com", nw, RuleNotWhitelisted, "evil.net"},
		{"https://evil.net⁄example.com/", nw, RuleNotWhitelisted, "evil.xn--netexample-496e.com"},
		{"https://evil.net∕example.com/", nw, RuleNotWhitelisted, ""},
		{"https://exаmple.com/", nw, RuleNotWhitelisted, "xn--exmple-4nf.com"},
		{"https://examp1e.com/", nw, RuleNotWhitelisted, "examp1e.com"},
		{"https://r3---sn-abc.googlevideo.com/", nw, RuleNotWhitelisted, "r3---sn-abc.googlevideo.com"},
		{"https://faß.de/", nw, RuleNotWhitelisted, "xn--fa-hia.de"},
		{"https://localhost/", nw, RuleNotWhitelisted, "localhost"},
		{"https://localhost:8080/cb", nw, RuleNotWhitelisted, "localhost"},
		{"https://example.com.localhost/", nw, RuleNotWhitelisted, ""},
		{"https://xn--ls8h.la/", nw, RuleNotWhitelisted, "xn--ls8h.la"},

		// 1. length
		{"https://example.com/" + strings.Repeat("a", 2048-20), ok, RuleWhitelisted, ""},
		{"https://example.com/" + strings.Repeat("a", 2048-19), bad, RuleTooLong, ""},

		// 2. controls, white space (anywhere, including around the URL)
		{" https://example.com", bad, RuleControlOrSpace, ""},
		{"https://example.com ", bad, RuleControlOrSpace, ""},
		{"https ://example.com", bad, RuleControlOrSpace, ""},
		{"https://exa mple.com", bad, RuleControlOrSpace, ""},
		{"https://example.com/a b", bad, RuleControlOrSpace, ""},
		{"https://example.com/?q=a b", bad, RuleControlOrSpace, ""},
		{"https://exa\tmple.com/", bad, RuleControlOrSpace, ""},
		{"https://example.com/\n", bad, RuleControlOrSpace, ""},
		{"https://example.com\r\n", bad, RuleControlOrSpace, ""},
		{"https://ex\nample.com", bad, RuleControlOrSpace, ""},
		{"https://example.com/\x00", bad, RuleControlOrSpace, ""},
		{"https://example.com\x00.evil.net", bad, RuleControlOrSpace, ""},
		{"https://example.com/\x7f", bad, RuleControlOrSpace, ""},
		{"https://example.com/\x0b", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u0085", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u0080", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u009f", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u00a0", bad, RuleControlOrSpace, ""},
		{"https://example.com\u00a0/", bad, RuleControlOrSpace, ""},
		{"https://example.com\u3000/", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u2028", bad, RuleControlOrSpace, ""},
		{"https://example.com/\u2029", bad, RuleControlOrSpace, ""},
		{"https://example.com\u1680/", bad, RuleControlOrSpace, ""},
		{"https://example.com\u2009/", bad, RuleControlOrSpace, ""},
		{"\thttps://example.com", bad, RuleControlOrSpace, ""},
		{"\x1bhttps://example.com", bad, RuleControlOrSpace, ""},
		// invalid UTF-8 (checked with rule 2)
		{"https://example.com/\xff", bad, RuleInvalidUTF8, ""},
		{"https://\xffexample.com", bad, RuleInvalidUTF8, ""},
		{"https://example.com/\xc3", bad, RuleInvalidUTF8, ""},
		{"https://example.com/\xed\xa0\x80", bad, RuleInvalidUTF8, ""},

		// 3. backslash
		{`https://evil.net\@example.com`, bad, RuleBackslash, ""},
		{`https://example.com\.evil.net`, bad, RuleBackslash, ""},
		{`https://evil.net/\example.com`, bad, RuleBackslash, ""},
		{`https:\\example.com`, bad, RuleBackslash, ""},
		{`https:/\example.com`, bad, RuleBackslash, ""},
		{`https:\/example.com`, bad, RuleBackslash, ""},
		{`https://example.com\`, bad, RuleBackslash, ""},
		{`https://example.com/cb?x=\`, bad, RuleBackslash, ""},

		// 4. fragment, even empty
		{"https://example.com/cb#", bad, RuleFragment, ""},
		{"https://example.com/cb#frag", bad, RuleFragment, ""},
		{"https://evil.net#@example.com", bad, RuleFragment, ""},
		{"https://evil.net#.example.com", bad, RuleFragment, ""},
		{"https://example.com#", bad, RuleFragment, ""},
		{"#https://example.com", bad, RuleFragment, ""},

		// 5. net/url refuses it
		{"", bad, RuleParseError, ""},
		{"https://example.com/%zz", bad, RuleParseError, ""},
		{"https://example.com/%", bad, RuleParseError, ""},
		{"https://example%2ecom/", bad, RuleParseError, ""},
		{"https://example.com%2eevil.net/", bad, RuleParseError, ""},
		{"https://evil.net%00.example.com/", bad, RuleParseError, ""},
		{"https://evil.net%2F.example.com/", bad, RuleParseError, ""},
		{"https://example.com:443:80/", bad, RuleParseError, ""},
		{"https://example.com:+80/", bad, RuleParseError, ""},
		{"https://example.com:-1/", bad, RuleParseError, ""},
		{"https://example.com:8O/", bad, RuleParseError, ""},
		{"https://[1.2.3.4]/", bad, RuleParseError, ""},
		{"https://[::1/", bad, RuleParseError, ""},
		{"https://[::1]x/", bad, RuleParseError, ""},
		{"https://[::1].example.com/", bad, RuleParseError, ""},
		{"https://[gg::1]/", bad, RuleParseError, ""},
		{"https://[v1.fe80::a]/", bad, RuleParseError, ""},
		{"https://[fe80::1%eth0]/", bad, RuleParseError, ""},
		{"https://[[::1]]/", bad, RuleParseError, ""},
		{"https://a[b]c/", bad, RuleParseError, ""},
		{"://example.com", bad, RuleParseError, ""},
		{":", bad, RuleParseError, ""},
		{"1http://example.com", bad, RuleParseError, ""},

		// 6. scheme
		{"//example.com/cb", bad, RuleScheme, ""},
		{"example.com/cb", bad, RuleScheme, ""},
		{"example.com", bad, RuleScheme, ""},
		{"example.com:443/cb", bad, RuleScheme, ""},
		{"localhost:8080", bad, RuleScheme, ""},
		{"https//example.com", bad, RuleScheme, ""},
		{"ftp://example.com/", bad, RuleScheme, ""},
		{"wss://example.com/", bad, RuleScheme, ""},
		{"javascript:alert(1)", bad, RuleScheme, ""},
		{"data:text/html,x", bad, RuleScheme, ""},
		{"file:///etc/passwd", bad, RuleScheme, ""},
		{"httpss://example.com", bad, RuleScheme, ""},
		{"http+unix://example.com", bad, RuleScheme, ""},
		{"/cb", bad, RuleScheme, ""},

		// 7. no "//" after the scheme
		{"https:example.com", bad, RuleNoAuthority, ""},
		{"https:/example.com", bad, RuleNoAuthority, ""},
		{"https:example.com/@evil.net", bad, RuleNoAuthority, ""},
		{"https:", bad, RuleNoAuthority, ""},
		{"http:evil.net?https://example.com", bad, RuleNoAuthority, ""},

		// 8. user info, in every shape
		{"https://example.com@evil.net", bad, RuleUserinfo, ""},
		{"https://evil.net@example.com", bad, RuleUserinfo, ""},
		{"https://@example.com", bad, RuleUserinfo, ""},
		{"https://user:pass@example.com/", bad, RuleUserinfo, ""},
		{"https://a@b@example.com/", bad, RuleUserinfo, ""},
		{"https://example.com:443@evil.net/", bad, RuleUserinfo, ""},
		{"https://evil.net%2F@example.com/", bad, RuleUserinfo, ""},
		{"https://evil.net%23@example.com/", bad, RuleUserinfo, ""},
		{"https://example.com%40evil.net@example.com/", bad, RuleUserinfo, ""},
		{"https://evil.net:@example.com/", bad, RuleUserinfo, ""},
		{"https://@/", bad, RuleUserinfo, ""},

		// 9. path and query characters, percent escapes
		{"https://example.com/é", bad, RulePathOrQueryChars, ""},
		{"https://example.com/?q=é", bad, RulePathOrQueryChars, ""},
		{"https://example.com/\u200b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a<b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a>b", bad, RulePathOrQueryChars, ""},
		{`https://example.com/a"b`, bad, RulePathOrQueryChars, ""},
		{"https://example.com/a{b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a}b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a|b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a^b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/a`b", bad, RulePathOrQueryChars, ""},
		{"https://example.com/?q=<script>", bad, RulePathOrQueryChars, ""},
		{"https://example.com/cb?q={\"a\":1}", bad, RulePathOrQueryChars, ""},
		{"https://example.com/?q=%zz", bad, RuleBadPercentEscape, ""},
		{"https://example.com/?q=%", bad, RuleBadPercentEscape, ""},
		{"https://example.com/?q=%4", bad, RuleBadPercentEscape, ""},
		{"https://example.com/?q=%4g", bad, RuleBadPercentEscape, ""},
		{"https://example.com/?%", bad, RuleBadPercentEscape, ""},
		{"https://example.com/?q=%41%", bad, RuleBadPercentEscape, ""},

		// 10. authority characters (and "%" there)
		{"https://exa_mple.com/", bad, RuleAuthorityChars, ""},
		{"https://b%C3%BCcher.de/", bad, RuleAuthorityChars, ""},
		{"https://evil.net%E3%80%82example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net;example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net,example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net&example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net!example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net$example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net'example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net(example.com)/", bad, RuleAuthorityChars, ""},
		{"https://evil.net*example.com/", bad, RuleAuthorityChars, ""},
		{"https://*.example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net+example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net=example.com/", bad, RuleAuthorityChars, ""},
		{"https://evil.net~example.com/", bad, RuleAuthorityChars, ""},
		{"https://a]b/", bad, RuleAuthorityChars, ""},
		{"https://[fe80::1%25eth0]/", bad, RuleIPv6Zone, ""},
		{"https://[fe80::1%251]/", bad, RuleIPv6Zone, ""},

		// 11. port
		{"https://example.com:0/", bad, RulePort, ""},
		{"https://example.com:00/", bad, RulePort, ""},
		{"https://example.com:65536/", bad, RulePort, ""},
		{"https://example.com:99999/", bad, RulePort, ""},
		{"https://example.com:4294967739/", bad, RulePort, ""},
		{"https://example.com:00443/", bad, RulePort, ""},
		{"https://example.com:0443/", bad, RulePort, ""},
		{"https://example.com:/", bad, RulePort, ""},
		{"https://example.com:", bad, RulePort, ""},
		{"https://example.com:?x", bad, RulePort, ""},
		{"https://[::1]:/", bad, RulePort, ""},
		{"https://[::1]:0/", bad, RulePort, ""},
		{"https://[::1]:65536/", bad, RulePort, ""},
		{"https://:443/", bad, RuleEmptyHost, ""},

		// 12. empty host
		{"https://", bad, RuleEmptyHost, ""},
		{"https:///", bad, RuleEmptyHost, ""},
		{"https:///example.com", bad, RuleEmptyHost, ""},
		{"https://?x", bad, RuleEmptyHost, ""},
		{"https://./", bad, RuleEmptyHost, ""},

		// 13. IPv6 literals: valid, never whitelisted, classified
		{"https://[::1]/", nw, RuleIPHost, "[::1]"},
		{"https://[::1]:8443/", nw, RuleIPHost, "[::1]"},
		{"https://[0:0:0:0:0:0:0:1]/", nw, RuleIPHost, "[::1]"},
		{"https://[::]/", nw, RuleIPHost, "[::]"},
		{"https://[::ffff:127.0.0.1]/", nw, RuleIPHost, "[::ffff:127.0.0.1]"},
		{"https://[::ffff:7f00:1]/", nw, RuleIPHost, "[::ffff:127.0.0.1]"},
		{"https://[FE80::1]/", nw, RuleIPHost, "[fe80::1]"},
		{"https://[2001:db8::1]/", nw, RuleIPHost, "[2001:db8::1]"},

		// 14. host normalisation
		{"https://example.com../", bad, RuleLabel, ""},
		{"https://.example.com/", bad, RuleLabel, ""},
		{"https://example..com/", bad, RuleLabel, ""},
		{"https://-example.com/", bad, RuleLabel, ""},
		{"https://example-.com/", bad, RuleLabel, ""},
		{"https://example.com-/", bad, RuleLabel, ""},
		{"https://" + strings.Repeat("a", 64) + ".example.com/", bad, RuleLabel, ""},
		{"https://" + strings.Repeat("a", 63) + ".example.com/", ok, RuleWhitelisted, ""},
		{"https://" + strings.Repeat("a.", 121) + "example.com/", ok, RuleWhitelisted, ""},  // 253 bytes
		{"https://" + strings.Repeat("a.", 121) + "example.com./", ok, RuleWhitelisted, ""}, // 253 + root dot
		{"https://" + strings.Repeat("a.", 122) + "example.com/", bad, RuleHostTooLong, ""},
		// Unicode dots, full-width and invisible characters: IDNA's mapping
		// would change the host, so the registration profile refuses them.
		{"https://evil.net。example.com/", bad, RuleIDNA, ""},
		{"https://evil.net．example.com/", bad, RuleIDNA, ""},
		{"https://evil.net｡example.com/", bad, RuleIDNA, ""},
		{"https://example。com/", bad, RuleIDNA, ""},
		{"https://ｅｘａｍｐｌｅ.com/", bad, RuleIDNA, ""},
		{"https://exam\u200bple.com/", bad, RuleIDNA, ""},
		{"https://exam\u00adple.com/", bad, RuleIDNA, ""},
		{"https://exam\u200dple.com/", bad, RuleIDNA, ""},
		{"https://exam\u200cple.com/", bad, RuleIDNA, ""},
		{"https://exam\u2060ple.com/", bad, RuleIDNA, ""},
		{"https://exam\ufeffple.com/", bad, RuleIDNA, ""},
		{"https://example.com\u034f/", bad, RuleIDNA, ""},
		{"https://ⓔⓧⓐⓜⓟⓛⓔ.com/", bad, RuleIDNA, ""},
		{"https://①②⑦.0.0.1/", bad, RuleIDNA, ""},
		{"https://１２７.0.0.1/", bad, RuleIDNA, ""},
		{"https://ＥＸＡＭＰＬＥ.com/", bad, RuleIDNA, ""},
		{"https://BÜCHER.de/", bad, RuleIDNA, ""},
		{"https://bu\u0308cher.de/", bad, RuleIDNA, ""},
		{"https://example.com\u2024evil.net/", bad, RuleIDNA, ""},
		{"https://example.com\ufe52evil.net/", bad, RuleIDNA, ""},
		{"https://exam\u212aple.com/", bad, RuleIDNA, ""}, // KELVIN SIGN maps to k
		{"https://evil.net\u2488example.com/", bad, RuleIDNA, ""},
		{"https://\u202eexample.com/", bad, RuleIDNA, ""},
		{"https://xn--abc.com/", bad, RuleIDNA, ""},
		{"https://xn--.com/", bad, RuleLabel, ""},
		{"https://xn--a.example.com/", bad, RuleIDNA, ""},
		{"https://xn--example-mka.com/", bad, RuleIDNA, ""}, // soft hyphen inside
		{"https://xn--exmple-cua.com/", nw, RuleNotWhitelisted, ""},
		{"https://xn--abc-.com/", bad, RuleLabel, ""},
		{"https://xn--ab-ab.example.com/", bad, RuleIDNA, ""},
		{"https://" + strings.Repeat("ü", 60) + ".example.com/", bad, RuleIDNA, ""},
		// WHATWG "ends in a number"
		{"https://256.0.0.1/", bad, RuleEndsInNumber, ""},
		{"https://4294967296/", bad, RuleEndsInNumber, ""},
		{"https://09.0.0.1/", bad, RuleEndsInNumber, ""},
		{"https://1.2.3.4.5/", bad, RuleEndsInNumber, ""},
		{"https://example.123/", bad, RuleEndsInNumber, ""},
		{"https://example.com.1/", bad, RuleEndsInNumber, ""},
		{"https://example.0x/", bad, RuleEndsInNumber, ""},
		{"https://example.0x1f/", bad, RuleEndsInNumber, ""},
		{"https://1.2.3.256/", bad, RuleEndsInNumber, ""},
		{"https://1.2.65536/", bad, RuleEndsInNumber, ""},
		{"https://0x100000000/", bad, RuleEndsInNumber, ""},
		{"https://99999999999999999999999999/", bad, RuleEndsInNumber, ""},
		{"https://1.08/", bad, RuleEndsInNumber, ""},
		{"https://example.com.0/", bad, RuleEndsInNumber, ""},
		{"https://abc.0x1g/", nw, RuleNotWhitelisted, "abc.0x1g"},
		{"https://0xg.com/", nw, RuleNotWhitelisted, "0xg.com"},
		// IPv4 in every WHATWG spelling: valid, never whitelisted
		{"https://127.0.0.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://2130706433/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0x7f000001/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0X7F000001/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0x7f.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0177.0.0.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0177.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://127.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://127.0.1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0/", nw, RuleIPHost, "0.0.0.0"},
		// spellings only WHATWG reads as an address (curl and Python look
		// them up as names): the parsers disagree, so invalid
		{"https://127.0.0.1./", bad, RuleEndsInNumber, ""},
		{"https://0x/", bad, RuleEndsInNumber, ""},
		{"https://1.0x/", bad, RuleEndsInNumber, ""},
		{"https://0X.1/", bad, RuleEndsInNumber, ""},
		{"https://00/", nw, RuleIPHost, "0.0.0.0"},
		{"https://017700000001/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0x7f.0x0.0x0.0x1/", nw, RuleIPHost, "127.0.0.1"},
		{"https://0x7f.00.0.01/", nw, RuleIPHost, "127.0.0.1"},
		{"https://169.254.169.254/latest/meta-data/", nw, RuleIPHost, "169.254.169.254"},
		{"https://0xa9fea9fe/", nw, RuleIPHost, "169.254.169.254"},
		{"https://1.2.3.0x10/", nw, RuleIPHost, "1.2.3.16"},
		{"https://3232235521/", nw, RuleIPHost, "192.168.0.1"},
		{"https://0.0.0.0:8080/", nw, RuleIPHost, "0.0.0.0"},
		{"https://8.8.8.8/", nw, RuleIPHost, "8.8.8.8"},
		{"https://255.255.255.255/", nw, RuleIPHost, "255.255.255.255"},
		{"https://4294967295/", nw, RuleIPHost, "255.255.255.255"},
	})
}

func TestCheckIPClass(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com")})
	cases := []struct{ in, class string }{
		{"https://127.0.0.1/", IPLoopback},
		{"https://127.255.255.254/", IPLoopback},
		{"https://2130706433/", IPLoopback},
		{"https://[::1]/", IPLoopback},
		{"https://[::ffff:127.0.0.1]/", IPLoopback},
		{"https://10.0.0.1/", IPPrivate},
		{"https://172.16.0.1/", IPPrivate},
		{"https://172.31.255.255/", IPPrivate},
		{"https://192.168.1.1/", IPPrivate},
		{"https://[fc00::1]/", IPPrivate},
		{"https://[fd12:3456::1]/", IPPrivate},
		{"https://[::ffff:10.1.2.3]/", IPPrivate},
		{"https://169.254.169.254/", IPLinkLocal},
		{"https://[fe80::1]/", IPLinkLocal},
		{"https://0.0.0.0/", IPUnspecified},
		{"https://0/", IPUnspecified},
		{"https://[::]/", IPUnspecified},
		{"https://0.1.2.3/", IPThisNetwork},
		{"https://224.0.0.1/", IPMulticast},
		{"https://[ff02::1]/", IPMulticast},
		{"https://255.255.255.255/", IPBroadcast},
		{"https://100.64.0.1/", IPCGNAT},
		{"https://100.127.255.255/", IPCGNAT},
		{"https://192.0.2.1/", IPDocumentation},
		{"https://198.51.100.7/", IPDocumentation},
		{"https://203.0.113.9/", IPDocumentation},
		{"https://[2001:db8::1]/", IPDocumentation},
		{"https://198.18.0.1/", IPBenchmarking},
		{"https://240.0.0.1/", IPReserved},
		{"https://192.0.0.8/", IPReserved},
		{"https://[64:ff9b::1.2.3.4]/", IPNAT64},
		{"https://[::127.0.0.1]/", IPReserved},
		{"https://8.8.8.8/", IPPublic},
		{"https://172.32.0.1/", IPPublic},
		{"https://100.128.0.1/", IPPublic},
		{"https://[2606:4700::1111]/", IPPublic},
	}
	for _, tc := range cases {
		r := c.Check(tc.in)
		if r.Verdict != NotWhitelisted || r.Rule != RuleIPHost || r.IPClass != tc.class {
			t.Errorf("Check(%q) = %s/%s class %q; want %s/%s class %q", tc.in, r.Verdict, r.Rule, r.IPClass, nw, RuleIPHost, tc.class)
		}
		if r.Whitelisted == nil || *r.Whitelisted {
			t.Errorf("Check(%q): whitelisted must be false for an IP host", tc.in)
		}
	}
}

// TestCheckNoWhitelist: without a whitelist only the E413 rules apply.
func TestCheckNoWhitelist(t *testing.T) {
	c := New(Options{})
	runCases(t, c, []checkCase{
		{"https://example.com/cb", ok, RuleOK, "example.com"},
		{"https://anything.example.org:8443/cb?a=b", ok, RuleOK, "anything.example.org"},
		{"http://127.0.0.1:4280/cb", ok, RuleOK, "127.0.0.1"},
		{"https://[::1]/", ok, RuleOK, "[::1]"},
		{"https://localhost/", ok, RuleOK, "localhost"},
		{"https://example.com@evil.net", bad, RuleUserinfo, ""},
		{"https://example.com:0/", bad, RulePort, ""},
	})
	r := c.Check("https://example.com/")
	if r.Whitelisted != nil {
		t.Errorf("whitelisted is set without a whitelist")
	}
	r = c.Check("http://10.0.0.1/")
	if r.IPClass != IPPrivate || !hasWarning(r, WarnIPHost) || !hasWarning(r, WarnHTTP) {
		t.Errorf("http://10.0.0.1/: class %q warnings %v; want private with ip-host and http warnings", r.IPClass, r.Warnings)
	}
}

func TestCheckHTTPSOnly(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com"), HTTPSOnly: true})
	runCases(t, c, []checkCase{
		{"https://example.com/", ok, RuleWhitelisted, "example.com"},
		{"http://example.com/", bad, RuleHTTPSOnly, "example.com"},
		{"HTTP://example.com/", bad, RuleHTTPSOnly, "example.com"},
		{"http://evil.net/", bad, RuleHTTPSOnly, "evil.net"},
		{"http://example.com@evil.net/", bad, RuleUserinfo, ""}, // E413 rules come first
	})
	r := c.Check("http://example.com/")
	if r.Code != "" || r.Whitelisted == nil || *r.Whitelisted || hasWarning(r, WarnHTTP) {
		t.Errorf("https-only result: code %q whitelisted %v warnings %v", r.Code, r.Whitelisted, r.Warnings)
	}
}

func TestCheckExactEntries(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "=hooks.example.com", "example.org")})
	runCases(t, c, []checkCase{
		{"https://hooks.example.com/wa", ok, RuleWhitelisted, "hooks.example.com"},
		{"https://HOOKS.example.com./wa", ok, RuleWhitelisted, "hooks.example.com"},
		{"https://x.hooks.example.com/wa", nw, RuleNotWhitelisted, ""},
		{"https://example.com/wa", nw, RuleNotWhitelisted, ""},
		{"https://a.example.org/wa", ok, RuleWhitelisted, ""},
	})
	if r := c.Check("https://hooks.example.com/"); r.Matched != "=hooks.example.com" {
		t.Errorf("matched = %q; want =hooks.example.com", r.Matched)
	}
	if r := c.Check("https://x.hooks.example.com/"); hasWarning(r, WarnConfusable) {
		t.Errorf("a subdomain of an exact entry is not a look-alike: %v", r.Warnings)
	}
}

// TestCheckMatchedEntry: the most specific entry is reported.
func TestCheckMatchedEntry(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com", "hooks.example.com", "faß.de", "例え.jp")})
	cases := []struct{ in, matched string }{
		{"https://example.com/", "example.com"},
		{"https://a.example.com/", "example.com"},
		{"https://hooks.example.com/", "hooks.example.com"},
		{"https://x.hooks.example.com/", "hooks.example.com"},
		{"https://faß.de/", "xn--fa-hia.de"},
		{"https://www.xn--fa-hia.de/", "xn--fa-hia.de"},
		{"https://例え.jp/", "xn--r8jz45g.jp"},
	}
	for _, tc := range cases {
		r := c.Check(tc.in)
		if r.Verdict != Allowed || r.Matched != tc.matched {
			t.Errorf("Check(%q) = %s matched %q; want allowed matched %q", tc.in, r.Verdict, r.Matched, tc.matched)
		}
	}
	if r := c.Check("https://fass.de/"); r.Verdict != NotWhitelisted {
		t.Errorf("fass.de must not match faß.de (non-transitional IDNA): %s", r.Verdict)
	}
}

func hasWarning(r Result, rule string) bool {
	for _, w := range r.Warnings {
		if w.Rule == rule {
			return true
		}
	}
	return false
}

func TestCheckWarnings(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com", "amazonaws.com", "bücher.de")})
	long := "https://example.com/cb?pad=" + strings.Repeat("x", MaxURLBytes-CallbackReserve-27+1)
	cases := []struct {
		in       string
		warnings []string
	}{
		{"https://example.com/cb", nil},
		{"http://example.com/cb", []string{WarnHTTP}},
		{"https://bucket.s3.amazonaws.com/cb", []string{WarnSharedSuffix}},
		{"https://ec2-1-2-3-4.compute-1.amazonaws.com/", []string{WarnSharedSuffix}},
		{"https://amazonaws.com/", nil},
		{"https://www.amazonaws.com/", nil},
		{"https://10.0.0.1.nip.io/", []string{WarnWildcardDNS}},
		{"https://app.127.0.0.1.sslip.io/", []string{WarnWildcardDNS}},
		{"https://localhost/", []string{WarnLocalName}},
		{"https://api.localhost/", []string{WarnLocalName}},
		{"https://printer.local/", []string{WarnLocalName}},
		{"https://svc.internal/", []string{WarnLocalName}},
		{"https://site.test/", []string{WarnLocalName}},
		{"https://router.home.arpa/", []string{WarnLocalName}},
		{"https://app.localtest.me/", []string{WarnLocalName}},
		{"https://intranet/", []string{WarnLocalName}},
		{"https://exаmple.com/", []string{WarnMixedScript, WarnConfusable}},
		{"https://ехаmрlе.com/", []string{WarnMixedScript, WarnConfusable}},
		{"https://еxample.com/", []string{WarnMixedScript, WarnConfusable}},
		{"https://examp1e.com/", []string{WarnConfusable}},
		{"https://exarnple.com/", []string{WarnConfusable}},
		{"https://hooks.exampie.com/", nil},
		{"https://hooks.examp1e.com/", []string{WarnConfusable}},
		{"https://bucher.de/", []string{WarnConfusable}},
		{"https://bϋcher.de/", []string{WarnMixedScript, WarnConfusable}},
		{"https://例え.jp/", nil},
		{"https://ひらがなカタカナ漢字.jp/", nil},
		{"https://evil.net⁄example.com/", []string{WarnPathLookalike}},
		{"https://faß.de/", []string{WarnIDNADeviation}},
		{"https://xn--fa-hia.de/", []string{WarnIDNADeviation}},
		{"https://straße.example.com/", []string{WarnIDNADeviation}},
		{"https://evil.net∕example.com/", []string{WarnPathLookalike}},
		{"https://exampleʔx.com/", []string{WarnPathLookalike}},
		{"https://example.com/cb?id=1", []string{WarnCallbackParam}},
		{"https://example.com/cb?status=x&timestamp=1&phone_number=2", []string{WarnCallbackParam}},
		{"https://example.com/cb?%69d=1", []string{WarnCallbackParam}},
		{"https://example.com/cb?token=1&ref_id=2", nil},
		{"https://example.com/cb/id/status", nil},
		{long, []string{WarnCallbackTooLong}},
	}
	for _, tc := range cases {
		r := c.Check(tc.in)
		if r.Verdict == Invalid {
			t.Errorf("Check(%q) is invalid (%s: %s); want valid", tc.in, r.Rule, r.Reason)
			continue
		}
		var got []string
		for _, w := range r.Warnings {
			got = append(got, w.Rule)
			if w.Message == "" {
				t.Errorf("Check(%q): warning %s has no message", tc.in, w.Rule)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.warnings, ",") {
			t.Errorf("Check(%q) warnings = %v; want %v", tc.in, got, tc.warnings)
		}
	}
	if r := c.Check(long[:len(long)-1]); hasWarning(r, WarnCallbackTooLong) {
		t.Errorf("a URL at the reserve's edge must not warn (len %d)", len(long)-1)
	}
}

// TestCheckAdversarial collects payload families from URL-parser confusion
// research, written fresh: each must be refused or judged on the host every
// parser sees, never allowed for a host other than example.com's.
func TestCheckAdversarial(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com")})
	runCases(t, c, []checkCase{
		// user info hidden behind delimiters and their look-alikes
		{"https://example.com\uff0f@evil.net/", bad, RuleParseError, ""}, // net/url: invalid userinfo
		{"https://example.com\u2044@evil.net/", bad, RuleParseError, ""},
		{"https://example.com%2F@evil.net/", bad, RuleUserinfo, ""},
		{"https://example.com:443%40evil.net/", bad, RuleParseError, ""},
		{"https://evil.net &@example.com# @example.org/", bad, RuleControlOrSpace, ""},
		{"https://evil.net&@example.com#@example.org/", bad, RuleFragment, ""},
		{"https://evil.net\\@@example.com/", bad, RuleBackslash, ""},
		{"https://1.1.1.1&@2.2.2.2/", bad, RuleUserinfo, ""},
		{"https://example.com%00.evil.net/", bad, RuleParseError, ""},
		{"https://example.com%0d%0a.evil.net/", bad, RuleParseError, ""},
		// mapped and disallowed code points in the host
		{"https://evil.net\uff03.example.com/", bad, RuleIDNA, ""},
		{"https://evil.net\uff1f.example.com/", bad, RuleIDNA, ""},
		{"https://evil.net\u2047example.com/", bad, RuleIDNA, ""},
		{"https://example.com\u0338/", nw, RuleNotWhitelisted, "example.xn--com-wjc"}, // one label "com̸"
		{"https://examp\u216ce.com/", bad, RuleIDNA, ""},                              // ROMAN NUMERAL FIFTY maps to l
		{"https://\U0001d41e\U0001d431ample.com/", bad, RuleIDNA, ""},
		{"https://example.\u217d\u2170\u217f/", bad, RuleIDNA, ""},
		// look-alikes that are valid names elsewhere
		{"https://xn--80ak6aa92e.com/", nw, RuleNotWhitelisted, "xn--80ak6aa92e.com"},
		{"https://example.com.xn--80ak6aa92e.com/", nw, RuleNotWhitelisted, ""},
		// numbers at the end: a host WHATWG would read as an address
		{"https://example.com.0x7f/", bad, RuleEndsInNumber, ""},
		{"https://foo.09/", bad, RuleEndsInNumber, ""},
		{"https://example.com.0xg/", nw, RuleNotWhitelisted, "example.com.0xg"},
		{"https://0x7f.example.com/", ok, RuleWhitelisted, "0x7f.example.com"},
		// brackets and colons
		{"https://[::ffff:example.com]/", bad, RuleParseError, ""},
		{"https://example.com:443:443/", bad, RuleParseError, ""},
		{"https://example.com::443/", bad, RuleParseError, ""},
		{"https://[::1]:443:443/", bad, RuleParseError, ""},
		// percent-encoding everywhere it may hide a delimiter
		{"https://example.com/%40evil.net", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/%2F%2Fevil.net", ok, RuleWhitelisted, "example.com"},
		{"https://example.com/?next=%2F%2Fevil.net", ok, RuleWhitelisted, "example.com"},
		{"https%3A%2F%2Fexample.com", bad, RuleScheme, ""},
		// scheme confusion
		{"https:/\\/example.com", bad, RuleBackslash, ""},
		{"https:://example.com", bad, RuleNoAuthority, ""},
		{"https://https://example.com/", bad, RulePort, ""}, // host "https", empty port
		{"http://https://example.com/", bad, RulePort, ""},
		{"HTTPS:example.com", bad, RuleNoAuthority, ""},
	})
	r := New(Options{Whitelist: mustWhitelist(t, "apple.com")}).Check("https://xn--80ak6aa92e.com/")
	if !hasWarning(r, WarnConfusable) {
		t.Errorf("all-Cyrillic аррӏе.com must be flagged as confusable with apple.com: %v", r.Warnings)
	}
}

// TestCheckEscapedHostReason: Go refuses a percent-encoded host with words
// that read as if the escape were malformed; the reason says what is
// wrong with it. A malformed escape in the path keeps Go's words alone.
func TestCheckEscapedHostReason(t *testing.T) {
	c := New(Options{})
	for in, want := range map[string]string{
		"https://ex%61mple.com/":          `net/url: invalid URL escape "%61": a "%" in the host, which WHATWG parsers decode (ex%61mple.com is example.com) and Go refuses`,
		"https://example.com%2eevil.net/": `a "%" in the host`,
		"https://example.com/%zz":         `net/url: invalid URL escape "%zz"`,
	} {
		r := c.Check(in)
		if r.Rule != RuleParseError || !strings.Contains(r.Reason, want) {
			t.Errorf("Check(%q) = %s: %q, want %s containing %q", in, r.Rule, r.Reason, RuleParseError, want)
		}
		if strings.HasSuffix(in, "%zz") && strings.Contains(r.Reason, "host") {
			t.Errorf("Check(%q) blames the host: %q", in, r.Reason)
		}
	}
}
