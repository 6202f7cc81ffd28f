package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

// want is what encoding/json writes with HTML escaping off.
func want(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain ascii longer than eight bytes", `quote " and backslash \`,
		"tab\tnewline\ncr\rbs\bff\f", "\x00\x01\x1f\x7f", "<html>&amp;",
		"caf\u00e9 \U0001F600", "line\u2028para\u2029", "bad \xff\xfe utf-8", "\xc3",
		"12345678\"12345678\\", "https://example.com/cb?id=1&status=read",
	} {
		if got := string(Append(nil, s)); got != want(s) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want(s))
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("https://example.com/\u2028")
	f.Add("\xff\x00\"")
	f.Fuzz(func(t *testing.T, s string) {
		if got := string(Append(nil, s)); got != want(s) {
			t.Fatalf("Append(%q) = %s, want %s", s, got, want(s))
		}
	})
}
