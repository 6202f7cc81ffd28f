package jsoncompact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// check compares Append with json.Compact, which it must equal.
func check(t *testing.T, src []byte) {
	t.Helper()
	var want bytes.Buffer
	wantErr := json.Compact(&want, src)
	got, err := Append([]byte("x"), src)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: Append error %v, json.Compact error %v", src, err, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Fatalf("%q: error %q, want %q", src, err, wantErr)
		}
		if string(got) != "x" {
			t.Fatalf("%q: Append changed dst on error: %q", src, got)
		}
		return
	}
	if !bytes.Equal(got[1:], want.Bytes()) {
		t.Fatalf("%q: Append %q, json.Compact %q", src, got[1:], want.Bytes())
	}
}

func TestAppendMatchesCompact(t *testing.T) {
	tests := []string{
		`{}`, `[]`, ` { } `, "\t[ ]\r\n", `{"a":1}`, `{ "a" : [ 1 , 2.5e-3 , -0 , true , false , null ] , "b" : { } }`,
		`"x"`, ` "a b" `, `0`, `-1.0E+10`, `123456789012345678901234567890`, `null`, `true`, `false`,
		"{\"body\":\"<b> & c \u2028 \xff\xfe\",\n \"x\" : [ true, null, -0.5 ]}",
		`"\u00e9\n\"\\\/\b\f\r\t"`,
		// spaces inside strings only (copied whole), and beside escaped quotes
		`{"a b":" x ","c":[" ",{"d":"\" "}]}`, `[ "a\" b" , "\\" , { "k\\\"" : " } " } ]`, "[\n1\r,\t2 ]", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		// invalid
		``, ` `, `{`, `}`, `[1,]`, `{"a":}`, `{"a"}`, `{"a":1,}`, `{,}`, `[,1]`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`,
		`tru`, `nul`, `truex`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01b\"", `{} {}`, `[1] x`, `{1:2}`, `{"a":1 "b":2}`,
		`[1 2]`, `'a'`, `NaN`, `[}`, `{]`, `"\`, "\"a\tb\"",
	}
	for _, src := range tests {
		check(t, []byte(src))
	}
}

func TestAppendDepth(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001} {
		check(t, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		check(t, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
	}
}

func FuzzAppend(f *testing.F) {
	f.Add([]byte(`{ "a" : [ 1 , 2.5e-3 , "x\u00e9" ] }`))
	f.Add([]byte("{\"body\":\"<b> & c \u2028 \xff\"}"))
	f.Add([]byte(`[1,]`))
	f.Fuzz(func(t *testing.T, src []byte) { check(t, src) })
}

func BenchmarkAppend(b *testing.B) {
	src := []byte(`{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}`)
	b.Run("Append", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		var dst []byte
		for b.Loop() {
			dst, _ = Append(dst[:0], src)
		}
	})
	b.Run("json.Compact", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		var dst bytes.Buffer
		for b.Loop() {
			dst.Reset()
			_ = json.Compact(&dst, src)
		}
	})
}
