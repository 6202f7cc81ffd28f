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
		// a special byte in the last eight, after one already written
		"abcdefg\"xy", "abcdefgh\x01", "abcdefghi\xff", "\tbcdefghij", "abcdefghijklmn\u2028", "abcdefg\xc3\xa9",
		// short strings, plain or not
		"POST", "cloud", "message", "a\"bc", "abc\\", "ab\ncd", "\xffabc", "abcdé", "ab\x7fc",
	} {
		if got := string(Append(nil, s)); got != want(s) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want(s))
		}
		p := []byte(s)
		if got := string(AppendBytes([]byte("x"), p)); got != "x"+want(s) {
			t.Errorf("AppendBytes(%q) = %s, want x%s", s, got, want(s))
		}
		if string(p) != s {
			t.Errorf("AppendBytes changed its input %q to %q", s, p)
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

func TestAppendASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a<b>&", `"a<b>&"`},
		{"héllo", `"h\u00e9llo"`},
		{"🚚", `"\ud83d\ude9a"`},
		{"line\nbreak\"", `"line\nbreak\""`},
		{"ಅ\u2028", `"\u0c85\u2028"`},
		{"bad \xff", `"bad \ufffd"`},
	}
	for _, tt := range tests {
		got := AppendASCII([]byte("x:"), tt.in)
		if string(got) != "x:"+tt.want {
			t.Errorf("AppendASCII(%q) = %s, want x:%s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal(got[2:], &back); err != nil || back != string(bytes.ToValidUTF8([]byte(tt.in), []byte("\uFFFD"))) {
			t.Errorf("round trip of %q: %q %v", tt.in, back, err)
		}
	}
}

func TestEscapeNonASCII(t *testing.T) {
	plain := []byte(`{"a":"b"}`)
	if got := EscapeNonASCII(plain); &got[0] != &plain[0] {
		t.Error("ASCII text was copied")
	}
	if got := string(EscapeNonASCII([]byte(`{"é":["ಅ",1]}`))); got != `{"\u00e9":["\u0c85",1]}` {
		t.Errorf("EscapeNonASCII = %s", got)
	}
}

// BenchmarkAppend writes the strings of a decoded location message event.
func BenchmarkAppend(b *testing.B) {
	strs := []string{"wa-cb.event/v1", "cloud", "message", "location",
		"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=",
		"15551234567", "Maya Patel", "15550783881", "2026-12-01T12:43:02Z", "Meta HQ",
		"1 Hacker Way, Menlo Park, CA 94025", "https://maps.google.com/?cid=2186406451413567841",
		"phone_number_id", "106540352242922", "waba_id", "102290129340398", "3f9a0c1e-0001", "POST", "/webhook"}
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, s := range strs {
			buf = Append(buf, s)
		}
	}
}
