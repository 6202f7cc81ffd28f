package listener

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/rawinput"
)

func TestRawJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`not json`, `"not json"`},
		{"bad \xff utf8", `"bad ` + "\ufffd" + ` utf8"`},
		{"", ""},
		{`<html>`, `"\u003chtml\u003e"`},
	}
	for _, tt := range tests {
		if got := string(RawJSON([]byte(tt.in))); got != tt.want {
			t.Errorf("RawJSON(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewIDGenerator(t *testing.T) {
	gen := NewIDGenerator()
	a, b := gen(), gen()
	if a == b || len(a) != 13 || !strings.HasSuffix(a, "-0001") || !strings.HasSuffix(b, "-0002") {
		t.Fatalf("ids %q %q", a, b)
	}
	if other := NewIDGenerator()(); other[:8] == a[:8] && fmt.Sprint(other) == a {
		t.Errorf("two generators made the same id %q", a)
	}
	// Sequence numbers have at least four digits.
	want := map[int]string{3: "-0003", 9: "-0009", 10: "-0010", 99: "-0099", 100: "-0100", 999: "-0999", 1000: "-1000", 12345: "-12345"}
	for n := 3; n <= 12345; n++ {
		id := gen()
		if suffix, ok := want[n]; ok && !strings.HasSuffix(id, suffix) {
			t.Errorf("id %d is %q, want the suffix %q", n, id, suffix)
		}
	}
}

// FuzzSafeDecode: the listener's decode path never panics and always
// yields at least one event that encodes as JSON.
func FuzzSafeDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range rawinput.Parse(data) {
			events, _ := SafeDecode(nil, in.Request)
			if len(events) == 0 {
				t.Fatal("no events")
			}
			for _, ev := range events {
				line, err := json.Marshal(ev)
				if err != nil {
					t.Fatalf("event does not encode: %v", err)
				}
				if !utf8.Valid(line) {
					t.Fatalf("invalid UTF-8 in %q", line)
				}
			}
		}
	})
}
