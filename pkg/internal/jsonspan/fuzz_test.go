package jsonspan

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks the parser against encoding/json: it accepts exactly
// what json.Valid accepts (for UTF-8 input within the depth limit), every
// value's span is valid JSON on its own, every string decodes as
// encoding/json decodes it, and deleting any item or replacing any value
// leaves valid JSON.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2,{"a":"b"}]`, `{"a":1,}`, `[{"a":1]`, `"\ud83d\ude2e"`, `-0.5e+1`, `{"a":"x`, `01`, ` null `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return
		}
		d, err := Parse(b)
		valid := json.Valid(b)
		se := syntaxErrorOf(t, err)
		if se != nil && strings.Contains(se.Msg, "nesting deeper") {
			return
		}
		if (err == nil) != valid {
			t.Fatalf("Parse err=%v but json.Valid=%v for %q", err, valid, b)
		}
		if err != nil {
			if se.Offset < 0 || se.Offset > len(b) {
				t.Fatalf("error offset %d outside the input", se.Offset)
			}
			return
		}
		for i := range d.nodes {
			n := int32(i)
			if !json.Valid(d.Raw(n)) {
				t.Fatalf("node %d span %q is not JSON", i, d.Raw(n))
			}
			if d.Kind(n) == String {
				var want string
				if err := json.Unmarshal(d.Raw(n), &want); err != nil {
					t.Fatalf("node %d: %v", i, err)
				}
				if got := d.Scalar(n); got != want {
					t.Fatalf("string %s decodes to %q, encoding/json says %q", d.Raw(n), got, want)
				}
			}
			if out, err := Apply(b, []Edit{d.Replace(n, []byte(`null`))}); err != nil || !json.Valid(out) {
				t.Fatalf("replacing node %d of %q gives %q (%v)", i, b, out, err)
			}
			if d.IsObject(n) || d.IsArray(n) {
				for c := d.First(n); c >= 0; c = d.Next(c) {
					e, ok := d.Delete(n, c)
					if !ok {
						t.Fatalf("node %d is not an item of node %d", c, i)
					}
					if out, err := Apply(b, []Edit{e}); err != nil || !json.Valid(out) {
						t.Fatalf("deleting node %d of %q gives %q (%v)", c, b, out, err)
					}
				}
			}
			if d.IsObject(n) {
				if out, err := Apply(b, []Edit{d.InsertMember(n, []byte(`"k"`), []byte(`[]`))}); err != nil || !json.Valid(out) {
					t.Fatalf("inserting into node %d of %q gives %q (%v)", i, b, out, err)
				}
			}
		}
	})
}

// FuzzValidUTF8 checks that a parsed document's ValidUTF8 is utf8.Valid
// of its source, for any bytes in its strings.
func FuzzValidUTF8(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "{\"a\":\"\xff\"}", "[\"\xc3\xa9\",\"\xc3\"]", `"é"`, "{\"\xe2\x82\xac\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		defer d.Release()
		if got, want := d.ValidUTF8(), utf8.Valid(b); got != want {
			t.Fatalf("ValidUTF8(%q) = %v, utf8.Valid = %v", b, got, want)
		}
	})
}
