package jsonspan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// Parse accepts exactly what encoding/json accepts (within the depth
// limit) and reports an offset inside the input.
func TestParseAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `0`, `-0`, `-0.5e+10`, `1E5`, `"a\u00e9\n"`, `true`, `null`, ` {"a" : [1 , 2] } `,
		`{"a":}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `"\x"`, `"\u12"`, `"abc`,
		`{"a" 1}`, `{a:1}`, `[1 2]`, `tru`, `nul`, `falsey`, `{"a":1}}`, `"` + "\x01" + `"`, ``, ` `,
		`[` + strings.Repeat(`{"a":`, 50) + `1` + strings.Repeat(`}`, 50) + `]`, `{"":""}`, `"\/"`,
		`[1e999]`, `["\ud800"]`,
	}
	for _, doc := range docs {
		_, err := Parse([]byte(doc))
		if (err == nil) != json.Valid([]byte(doc)) {
			t.Errorf("Parse(%q) err=%v, json.Valid=%v", doc, err, json.Valid([]byte(doc)))
		}
		if se := syntaxErrorOf(t, err); se != nil && (se.Offset < 0 || se.Offset > len(doc)) {
			t.Errorf("Parse(%q) offset %d out of range", doc, se.Offset)
		}
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("%d levels rejected: %v", MaxDepth, err)
	}
	deep := "[" + ok + "]"
	_, err := Parse([]byte(deep))
	if se := syntaxErrorOf(t, err); se == nil || !strings.Contains(se.Msg, "nesting deeper") {
		t.Errorf("%d levels: err = %v, want a nesting error", MaxDepth+1, err)
	}
}

func TestAccess(t *testing.T) {
	src := []byte(` {"k" : [1, -2.5e3, "s\"q", true, false, null, {}, []], "\u00e9":"\u00e9", "d":1, "d":"two", "t":"true"} `)
	d, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release()
	const root = 0
	if !d.IsObject(root) || d.IsArray(root) || d.Kind(root) != Object {
		t.Fatalf("root kind = %v", d.Kind(root))
	}
	arr := d.Member(root, "k")
	if !d.IsArray(arr) {
		t.Fatalf("k is %v", d.Kind(arr))
	}
	want := []struct {
		raw, scalar, text string
		kind              Kind
	}{
		{"1", "1", "1", Number},
		{"-2.5e3", "-2.5e3", "-2.5e3", Number},
		{`"s\"q"`, `s"q`, `s"q`, String},
		{"true", "true", "true", True},
		{"false", "false", "false", False},
		{"null", "", "", Null},
		{"{}", "", "{}", Object},
		{"[]", "", "[]", Array},
	}
	i := 0
	for e := d.First(arr); e >= 0; e = d.Next(e) {
		if i >= len(want) {
			t.Fatalf("more than %d elements", len(want))
		}
		w := want[i]
		if got := string(d.Raw(e)); got != w.raw {
			t.Errorf("element %d raw = %q, want %q", i, got, w.raw)
		}
		if got := d.Scalar(e); got != w.scalar {
			t.Errorf("element %d scalar = %q, want %q", i, got, w.scalar)
		}
		if got := d.Text(e); got != w.text {
			t.Errorf("element %d text = %q, want %q", i, got, w.text)
		}
		if d.Kind(e) != w.kind {
			t.Errorf("element %d kind = %v, want %v", i, d.Kind(e), w.kind)
		}
		if start, end := d.Span(e); string(src[start:end]) != w.raw {
			t.Errorf("element %d span %d:%d", i, start, end)
		}
		i++
	}
	if i != len(want) {
		t.Fatalf("got %d elements, want %d", i, len(want))
	}
	if got := d.MemberScalar(root, "é"); got != "é" {
		t.Errorf("escaped key and value: %q", got)
	}
	if m := d.Member(root, "é"); !d.KeyIs(m, "é") || d.Key(m) != "é" {
		t.Errorf("escaped key reads as %q", d.Key(m))
	}
	var keys []string
	for f := d.First(root); f >= 0; f = d.Next(f) {
		keys = append(keys, string(d.KeyBytes(f)))
	}
	if got := strings.Join(keys, " "); got != "k é d d t" {
		t.Errorf("KeyBytes read the keys %q", got)
	}
	if got := d.MemberScalar(root, "d"); got != "two" {
		t.Errorf("duplicate key: %q, want the last one", got)
	}
	if !d.ScalarIs(d.Member(root, "d"), "two") || d.ScalarIs(d.Member(root, "d"), "1") {
		t.Error("ScalarIs")
	}
	if !d.Truthy(d.Member(root, "t")) || d.Truthy(d.Member(root, "d")) || !d.Truthy(d.First(arr)+3) {
		t.Error("Truthy")
	}
	// A missing value reads as null everywhere.
	missing := d.Member(root, "nope")
	if missing != -1 || d.Kind(missing) != Null || d.First(missing) != -1 || d.Raw(missing) != nil ||
		d.Scalar(missing) != "" || d.Text(missing) != "" || d.Member(missing, "x") != -1 || d.Truthy(missing) {
		t.Error("a missing value does not read as null")
	}
	if d.First(d.Member(root, "t")) != -1 {
		t.Error("First of a scalar")
	}
}

func TestSpans(t *testing.T) {
	src := []byte(" {\"k\" : [1, -2.5e3, \"s\\\"q\", true, false, null, {}, []], \"é\":\"\\u00e9\"} ")
	d, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	for m := d.First(0); m >= 0; m = d.Next(m) {
		members++
	}
	if !d.IsObject(0) || members != 2 {
		t.Fatalf("root = %v with %d members", d.Kind(0), members)
	}
	want := []string{"1", "-2.5e3", `"s\"q"`, "true", "false", "null", "{}", "[]"}
	var got []string
	for e := d.First(d.Member(0, "k")); e >= 0; e = d.Next(e) {
		start, end := d.Span(e)
		got = append(got, string(src[start:end]))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("elements = %q, want %q", got, want)
	}
	if v := d.Member(0, "é"); d.Kind(v) != String || d.Scalar(v) != "é" {
		t.Errorf("decoded key/value: %q %v", d.Scalar(v), d.Kind(v))
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"plain"`, "plain"},
		{`"a\nb\tc\\d\/e\"f\b\f\r"`, "a\nb\tc\\d/e\"f\b\f\r"},
		{`"\u00e9\u0c85"`, "éಅ"},
		{`"\ud83d\ude9a"`, "🚚"},
		{`"\ud83d"`, "\uFFFD"},
		{`"\ude9a x"`, "\uFFFD x"},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		var std string
		if err := json.Unmarshal([]byte(tt.in), &std); err != nil || std != tt.want {
			t.Fatalf("test case %s disagrees with encoding/json (%q)", tt.in, std)
		}
		if got := d.Scalar(0); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte(`{"a":1,}`))
	if se := syntaxErrorOf(t, err); se == nil || se.Offset != 7 || err.Error() != "invalid JSON at byte 7: trailing comma before '}'" {
		t.Errorf("err = %v", err)
	}
}

// ValidUTF8 tells documents whose strings are valid UTF-8 (ASCII ones
// without a pass over them) from those holding invalid bytes, wherever
// they are: keys, member values, array elements, short or long strings.
func TestValidUTF8(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`{"a":"plain ascii, longer than eight bytes","b":["x","y"]}`, true},
		{`{"name":"Zoë","é":"ಅ 😀"}`, true},
		{"{\"name\":\"Zo\u00eb\",\"\u00e9\":[\"\u0c85\"]}", true},
		{"{\"a\":\"\xff\"}", false},
		{"{\"\xc3\":1}", false},
		{"[\"ok\",\"long enough to be read eight at a time \xed\xa0\x80\"]", false},
		{"\"\xe2\x82\"", false},
		{`[1,2.5,true,null,{}]`, true},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.src))
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := d.ValidUTF8(); got != tt.want || got != utf8.ValidString(tt.src) {
			t.Errorf("ValidUTF8(%q) = %v, want %v", tt.src, got, tt.want)
		}
		d.Release()
	}
}

// Released Docs are reused: what was read from one stays as it was, a
// second Release does not hand the same Doc to two parses, and a failed
// Parse leaves nothing behind.
func TestReleaseReuse(t *testing.T) {
	docs := []struct{ src, key, want string }{
		{`{"a":"first","b":[1,2,3]}`, "a", "first"},
		{`{"a":1,}`, "", ""}, // invalid
		{`{"b":"second"}`, "b", "second"},
		{` [ ] `, "", ""},
		{`{"a":{"c":"x"},"a":"third"}`, "a", "third"},
	}
	var kept []string
	for round := range 3 {
		for _, doc := range docs {
			d, err := Parse([]byte(doc.src))
			if doc.key == "" {
				if err == nil {
					d.Release()
				}
				continue
			}
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, doc.src, err)
			}
			got := d.MemberScalar(0, doc.key)
			if got != doc.want {
				t.Fatalf("round %d: %s: %s = %q, want %q", round, doc.src, doc.key, got, doc.want)
			}
			kept = append(kept, got)
			d.Release()
			d.Release() // harmless
			other, err := Parse([]byte(`{"z":"other"}`))
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse([]byte(doc.src))
			if err != nil {
				t.Fatal(err)
			}
			if other == again {
				t.Fatal("one Doc handed to two parses after a double Release")
			}
			if got := again.MemberScalar(0, doc.key); got != doc.want || other.MemberScalar(0, "z") != "other" {
				t.Fatalf("round %d: reused Docs read %q and %q", round, got, other.MemberScalar(0, "z"))
			}
			other.Release()
			again.Release()
		}
	}
	for i, s := range kept {
		if want := docs[[]int{0, 2, 4}[i%3]].want; s != want {
			t.Errorf("value %d read before Release is now %q, want %q", i, s, want)
		}
	}
}

// syntaxErrorOf returns err as a *SyntaxError (nil for nil) and fails the
// test for any other error.
func syntaxErrorOf(t testing.TB, err error) *SyntaxError {
	t.Helper()
	if err == nil {
		return nil
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
	}
	return se
}

// BenchmarkParse parses the body of the listener's benchmarks, a Cloud
// location message.
func BenchmarkParse(b *testing.B) {
	src := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maya Patel"},"wa_id":"15551234567"}],"messages":[{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}]},"field":"messages"}]}]}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		d, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		d.Release()
	}
}
