package record

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

func TestAppendBodyText(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"short", "hi"},
		{"json", `{"object":"whatsapp_business_account","entry":[{"id":"1"}]}`},
		{"every escape", "q\" b\\ n\n r\r t\t b\b f\f nul\x00 us\x1f del\x7f"},
		{"control run", strings.Repeat("\x01", 40)},
		{"escapes only", strings.Repeat(`"\`, 100)},
		{"non-ASCII", "café naïve \U0001F600 日本語 " + strings.Repeat("é", 30)},
		{"separators", "a\u2028b\u2029c \u2027\u202a"},
		{"replacement char", "\uFFFD kept"},
		{"html kept", "<b>&amp;</b>"},
		{"long plain", strings.Repeat("abcdefgh", 200)},
		{"escape after seven plain", strings.Repeat("1234567\x01", 20)},
		{"controls then quotes", "00000\x17\x17\x17\x1700\"0000000\""},
		{"escapes then a character in one word", "a\"\\\n\u00e9bcdefgh\"\u2028\"xyz1234567"},
		{"every byte of a word escaped", strings.Repeat("\x01\"\\\n\x1f\t\"\x00", 5)},
		{"invalid at end", "plain text then \xff"},
		{"invalid at start", "\xc3("},
		{"truncated rune", "abc\xe2\x80"},
		{"surrogate", "\xed\xa0\x80"},
		{"overlong", "\xc0\xaf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every size of what is there already, each without spare room:
			// the body's text must fit however the room first made falls.
			for n := range 80 {
				prefix := strings.Repeat("x", n)
				b := []byte(prefix)
				got, ok := appendBodyText(b, []byte(tc.body))
				if valid := utf8.ValidString(tc.body); ok != valid {
					t.Fatalf("ok %v for a body whose UTF-8 validity is %v", ok, valid)
				}
				want := prefix
				if ok {
					want += string(jsonstr.AppendBytes(nil, []byte(tc.body)))
				}
				if string(got) != want {
					t.Fatalf("got  %q\nwant %q", got, want)
				}
			}
		})
	}
}

// FuzzBodyText: appendBodyText writes what jsonstr does for UTF-8 text
// and refuses anything else.
func FuzzBodyText(f *testing.F) {
	f.Add([]byte(`{"a":"<b>\n"}`))
	f.Add([]byte("caf\xc3\xa9 \xe2\x80\xa8 \xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := appendBodyText([]byte("prefix"), body)
		if ok != utf8.Valid(body) {
			t.Fatalf("ok %v for %q", ok, body)
		}
		want := []byte("prefix")
		if ok {
			want = jsonstr.AppendBytes(want, body)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// cloudBody is a Cloud API location callback, as listen receives them.
const cloudBody = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maya Patel"},"wa_id":"15551234567"}],"messages":[{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}]},"field":"messages"}]}]}`

func BenchmarkBodyText(b *testing.B) {
	body := []byte(cloudBody)
	buf := make([]byte, 0, 4096)
	b.Run("appendBodyText", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			buf, _ = appendBodyText(buf[:0], body)
		}
	})
	b.Run("jsonstr", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if utf8.Valid(body) {
				buf = jsonstr.AppendBytes(buf[:0], body)
			}
		}
	})
}

// specialBytes flags exactly the bytes that need a look, whatever their
// neighbours: every pair of byte values, side by side both ways.
func TestSpecialBytes(t *testing.T) {
	special := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf }
	for x := range 256 {
		for y := range 256 {
			var word [8]byte
			var want uint64
			for k := range word {
				c := byte(x)
				if k%2 == 1 {
					c = byte(y)
				}
				word[k] = c
				if special(c) {
					want |= 0x80 << (8 * k)
				}
			}
			if got := specialBytes(binary.LittleEndian.Uint64(word[:])); got != want {
				t.Fatalf("specialBytes(% x) = %#x, want %#x", word, got, want)
			}
		}
	}
}
