package sender

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzParseExpect(f *testing.F) {
	for _, s := range []string{"2xx", "200", "200,204", "4xx, 5xx", "", ",", "2XX", "600", "1xx,599", "20", "2000", "x2x", " 204 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		expect, err := ParseExpect(s)
		if err != nil {
			return
		}
		for _, st := range []int{0, -1, 99, 600, 1000} {
			if expect(st) {
				t.Fatalf("ParseExpect(%q) accepts status %d", s, st)
			}
		}
		for _, part := range strings.Split(s, ",") {
			part = strings.ToLower(strings.TrimSpace(part))
			if strings.HasSuffix(part, "xx") {
				if c := int(part[0]-'0') * 100; !expect(c) || !expect(c+99) {
					t.Fatalf("ParseExpect(%q) rejects class %s", s, part)
				}
				continue
			}
			code := 0
			for _, d := range part {
				code = code*10 + int(d-'0')
			}
			if !expect(code) {
				t.Fatalf("ParseExpect(%q) rejects its own code %d", s, code)
			}
		}
	})
}

func FuzzJoinURL(f *testing.F) {
	for _, s := range [][3]string{
		{"http://127.0.0.1:4280/", "/", "id=1"},
		{"https://example.com/hooks/wa", "/", "id=1&status=read"},
		{"https://example.com/hooks/", "/kaleyra", ""},
		{"https://example.com/wa?k=abc", "/", "id=1"},
		{"http://[::1]:8080/a%20b?x=%zz#frag", "/p", "q=1"},
		{"https://example.com", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, raw, path, query string) {
		target, err := ParseTarget(raw)
		if err != nil {
			return
		}
		if (path != "" && !strings.HasPrefix(path, "/")) || strings.ContainsAny(path+query, "?# \t\r\n\x00") {
			return // fixtures have absolute paths and raw queries
		}
		got := JoinURL(target, path, query)
		// The host as written in a URL: an IPv6 zone's % is escaped.
		prefix := target.Scheme + "://" + strings.ReplaceAll(target.Host, "%", "%25") + "/"
		if !strings.HasPrefix(got, prefix) {
			t.Fatalf("JoinURL(%q, %q, %q) = %q: not below %s", raw, path, query, got, prefix)
		}
		if strings.Contains(got, "#") && !strings.Contains(target.EscapedPath()+target.RawQuery, "#") {
			t.Fatalf("JoinURL(%q, %q, %q) = %q keeps a fragment", raw, path, query, got)
		}
		if query != "" && !strings.HasSuffix(got, query) {
			t.Fatalf("JoinURL(%q, %q, %q) = %q: the query is not last", raw, path, query, got)
		}
		if path != "" && path != "/" {
			p, _, _ := strings.Cut(got, "?")
			if !strings.HasSuffix(p, path) {
				t.Fatalf("JoinURL(%q, %q, %q) = %q: the path is not appended", raw, path, query, got)
			}
		}
		if _, err := url.Parse(got); err != nil && isParsable(target.EscapedPath(), path, query) {
			t.Fatalf("JoinURL(%q, %q, %q) = %q does not parse: %v", raw, path, query, got, err)
		}
	})
}

// isParsable: the parts hold nothing url.Parse would refuse (bad escapes,
// control characters), so the joined URL must parse too.
func isParsable(parts ...string) bool {
	for _, p := range parts {
		if _, err := url.Parse("http://h/" + strings.TrimPrefix(p, "/")); err != nil {
			return false
		}
	}
	return true
}
