package jsonspan

import (
	"encoding/json"
	"errors"
	"testing"
)

// nth returns the n-th item of container c.
func nth(d *Doc, c int32, n int) int32 {
	i := d.First(c)
	for ; n > 0 && i >= 0; n-- {
		i = d.Next(i)
	}
	return i
}

func TestDelete(t *testing.T) {
	tests := []struct {
		doc  string
		item int
		want string
	}{
		{`{"a":1,"b":2,"c":3}`, 0, `{"b":2,"c":3}`},
		{`{"a":1,"b":2,"c":3}`, 1, `{"a":1,"c":3}`},
		{`{"a":1,"b":2,"c":3}`, 2, `{"a":1,"b":2}`},
		{`{"a":1}`, 0, `{}`},
		{`{ "a" : 1 , "b" : 2 }`, 0, `{ "b" : 2 }`},
		{`{ "a" : 1 , "b" : 2 }`, 1, `{ "a" : 1 }`},
		{`{"\u0061":{"x":[1]},"b":"\u00e9"}`, 0, `{"b":"\u00e9"}`},
		{`[1,2,3]`, 0, `[2,3]`},
		{`[1,2,3]`, 1, `[1,3]`},
		{`[1,2,3]`, 2, `[1,2]`},
		{`[ [1] ]`, 0, `[  ]`},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		e, ok := d.Delete(0, nth(d, 0, tt.item))
		if !ok {
			t.Fatalf("delete item %d of %s: not an item", tt.item, tt.doc)
		}
		out, err := Apply([]byte(tt.doc), []Edit{e})
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.want {
			t.Errorf("delete item %d of %s = %s, want %s", tt.item, tt.doc, out, tt.want)
		}
		if !json.Valid(out) {
			t.Errorf("result is not JSON: %s", out)
		}
	}
	d, _ := Parse([]byte(`{"a":{"b":1},"c":2}`))
	if _, ok := d.Delete(0, d.First(d.First(0))); ok {
		t.Error("a grandchild was deleted as an item of the root")
	}
}

func TestInsertMember(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{}`, `{"k":"v"}`},
		{`{ }`, `{ "k":"v"}`},
		{`{"a":1}`, `{"a":1,"k":"v"}`},
		{`{"a" : {"x":1} }`, `{"a" : {"x":1},"k":"v" }`},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		out, err := Apply([]byte(tt.doc), []Edit{d.InsertMember(0, []byte(`"k"`), []byte(`"v"`))})
		if err != nil || string(out) != tt.want {
			t.Errorf("insert into %s = %s (%v), want %s", tt.doc, out, err, tt.want)
		}
	}
}

func TestReplaceKeepsTheRest(t *testing.T) {
	doc := `{"b":"\u00e9", "a" : [1, {"id":"x"}],"c":"<&>"}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	id := d.Member(nth(d, d.Member(0, "a"), 1), "id")
	out, err := Apply([]byte(doc), []Edit{d.Replace(id, []byte(`"y"`)), d.Replace(d.Member(0, "c"), []byte(`7`))})
	want := `{"b":"\u00e9", "a" : [1, {"id":"y"}],"c":7}`
	if err != nil || string(out) != want {
		t.Errorf("replace = %s (%v), want %s", out, err, want)
	}
}

func TestApply(t *testing.T) {
	if _, err := Apply([]byte("abcdef"), []Edit{{1, 4, nil}, {3, 5, nil}}); !errors.Is(err, ErrOverlap) {
		t.Errorf("overlapping edits: err = %v", err)
	}
	if _, err := Apply([]byte("abc"), []Edit{{2, 9, nil}}); err == nil {
		t.Error("an edit past the end was accepted")
	}
	out, err := Apply([]byte("abcdef"), []Edit{{4, 5, []byte("XY")}, {0, 1, []byte("_")}})
	if err != nil || string(out) != "_bcdXYf" {
		t.Errorf("Apply = %q, %v", out, err)
	}
	out, err = Apply([]byte("ab"), []Edit{{1, 1, []byte("1")}, {1, 1, []byte("2")}})
	if err != nil || string(out) != "a12b" {
		t.Errorf("two inserts at one offset = %q, %v (want them in order)", out, err)
	}
	src := []byte("same")
	if out, err := Apply(src, nil); err != nil || &out[0] != &src[0] {
		t.Error("no edits should return the source itself")
	}
}
