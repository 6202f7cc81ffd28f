package callback

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// encodingJSON is what AppendJSON must equal: an Encoder without HTML
// escaping, without its newline.
func encodingJSON(ev *Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func checkAppendJSON(t *testing.T, ev *Event) {
	t.Helper()
	want, wantErr := encodingJSON(ev)
	prefix := []byte("prefix")
	got, err := AppendJSON(prefix, ev)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, encoding/json error %v, event %+v", err, wantErr, ev)
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("AppendJSON lost what b held: %q", got)
	}
	if err != nil {
		if string(got) != "prefix" {
			t.Fatalf("AppendJSON wrote %q on error", got)
		}
		return
	}
	if got := got[len("prefix"):]; !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
	}
}

func TestAppendJSONKnowsEveryField(t *testing.T) {
	for typ, want := range eventFields {
		if got := jsonNames(typ); !reflect.DeepEqual(got, want) {
			t.Errorf("%s has the JSON fields %q, AppendJSON writes %q: teach AppendJSON the new field", typ, got, want)
		}
	}
	if !eventFieldsKnown {
		t.Error("AppendJSON falls back to encoding/json")
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	yes, no := true, false
	ms := int64(-1500)
	tests := map[string]Event{
		"empty":   {},
		"minimal": {Schema: Schema, Source: SourceCloud, Kind: KindMessage},
		"every field": {
			Schema: Schema, Source: SourceCloud, Kind: KindMessage, Type: "text", Status: "read", ID: "wamid.1", From: "1555", To: "1666",
			Name: "Maya <Patel> & co", BusinessNumber: "1777", Timestamp: "2026-01-01T00:00:00Z", Text: "a\u2028b\x01\"\\\t\n\r\b\f\xff é 😀",
			Media:        &Media{ID: "m", URL: "https://x/y?a=1&b=<2>", MimeType: "image/jpeg", SHA256: "abc", Caption: "c", Filename: "f.pdf", Voice: true, Animated: true},
			Location:     &Location{Latitude: f(37.4847483), Longitude: f(-122.1473105), Name: "HQ", Address: "1 Way", URL: "u"},
			Reply:        &Reply{Kind: "button_reply", ID: "b", Title: "t", Description: "d", Payload: "p"},
			Context:      &Context{ID: "c", From: "f", Forwarded: true, FrequentlyForwarded: true, Mentions: []string{"a", "b"}},
			Error:        &Error{Code: "131047", Title: "t", Detail: "d"},
			Errors:       []Error{{Code: "1"}, {Title: "two"}, {}},
			Reaction:     &Reaction{MessageID: "m", Emoji: "👍"},
			Contacts:     []SharedContact{{Name: "n", Phones: []string{"1", "2"}}, {}},
			Referral:     json.RawMessage(` { "source_url" : "https://x/?a=<b>&c" , "n": [1, 2.5e3 ] } `),
			Pricing:      &Pricing{Billable: &yes, Model: "CBP", Category: "service", Conversation: "c", Origin: "o", Price: "0.1"},
			Extra:        map[string]string{"z": "1", "a": "<2>", "m": "", "Q": "x"},
			Verification: &Verification{Mode: "subscribe", Challenge: "123", TokenPresent: true},
			DecodeError:  "invalid JSON at byte 3: x",
			Raw:          json.RawMessage("{\"body\":\"<b> & c \u2028 \xff\",\n \"x\" : [ true, null, -0.5 ]}"),
			RequestID:    "3f9a0c1e-0001", ReceivedAt: "2026-01-01T00:00:00.5Z", Method: "POST", Path: "/wa", Signature: SignatureValid,
			FromUserID: "u1", FromParentUserID: "p1", ToUserID: "u2", ToParentUserID: "p2",
			Lifecycle: &lifecycle.Note{Seq: 2, Previous: "sent", SincePreviousMS: &ms, Flags: []string{"out-of-order"}, Missing: []string{"delivered"}},
		},
		"lifecycle first": {Lifecycle: &lifecycle.Note{}},
		"empty nested":    {Media: &Media{}, Location: &Location{}, Reply: &Reply{}, Context: &Context{}, Error: &Error{}, Reaction: &Reaction{}, Pricing: &Pricing{Billable: &no}, Verification: &Verification{}},
		"empty slices":    {Errors: []Error{}, Contacts: []SharedContact{}, Extra: map[string]string{}, Context: &Context{Mentions: []string{}}},
		"small floats":    {Location: &Location{Latitude: f(1e-7), Longitude: f(0)}},
		"large floats":    {Location: &Location{Latitude: f(1e21), Longitude: f(-1.5e-300)}},
		"negative zero":   {Location: &Location{Latitude: f(math.Copysign(0, -1))}},
		"NaN":             {Location: &Location{Latitude: f(math.NaN())}},
		"infinite":        {Location: &Location{Longitude: f(math.Inf(-1))}},
		"raw not JSON":    {Raw: json.RawMessage(`{"a":`)},
		"referral bad":    {Referral: json.RawMessage(`nope`)},
		"raw string":      {Raw: json.RawMessage(`"a\u003cb"`)},
		"reaction no id":  {Reaction: &Reaction{Emoji: ""}},
		"many extra keys": {Extra: map[string]string{"k01": "", "k02": "", "k03": "", "k04": "", "k05": "", "k06": "", "k07": "", "k08": "", "k09": "", "k10": "", "k11": "", "k12": "", "k13": "", "k14": "", "k15": "", "k16": "", "k17": "", "k18": ""}},
	}
	for name, ev := range tests {
		t.Run(name, func(t *testing.T) { checkAppendJSON(t, &ev) })
	}
}

// Random events of every shape, with raw values that are JSON.
func TestAppendJSONRandomEvents(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	raws := []string{"", `{"a": "<b>&"}`, " [1,\n2] ", `"x"`, `null`, "{\"\u2028\":\"\xff\"}"}
	for i := 0; i < 2000; i++ {
		v, ok := quick.Value(reflect.TypeFor[Event](), rng)
		if !ok {
			t.Fatal("quick.Value failed")
		}
		ev := v.Interface().(Event)
		ev.Raw = json.RawMessage(raws[rng.Intn(len(raws))])
		ev.Referral = json.RawMessage(raws[rng.Intn(len(raws))])
		if l := ev.Location; l != nil && rng.Intn(2) == 0 {
			l.Latitude = nil
		}
		checkAppendJSON(t, &ev)
	}
}

// Every event decoded from the request corpus encodes as encoding/json
// encodes it.
func TestAppendJSONOnDecodedRequests(t *testing.T) {
	files, err := filepath.Glob("testdata/requests/*/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no request corpus: %v", err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range Decode(Request{Method: "POST", Body: body, Header: http.Header{"Content-Type": {"application/json"}}}) {
			checkAppendJSON(t, &ev)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","type":"location","location":{"latitude":1e-7,"longitude":2}}]}}]}]}`))
	f.Add([]byte("{\"a\":\"<b> & c \u2028 \xff\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ev := range Decode(Request{Method: "POST", Body: body, Header: http.Header{"Content-Type": {"application/json"}}}) {
			checkAppendJSON(t, &ev)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	body, err := os.ReadFile("testdata/requests/cloud/incoming-location.json")
	if err != nil {
		b.Skip(err)
	}
	ev := Decode(Request{Method: "POST", Body: body})[0]
	ev.RequestID, ev.ReceivedAt, ev.Method, ev.Path = "3f9a0c1e-0001", "2026-01-01T00:00:00.123456789Z", "POST", "/"
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = AppendJSON(buf[:0], &ev)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(&ev)
		}
	})
}

// An event's raw replaced after decoding (by redaction, a test, the
// listener's fallback) is encoded from what it holds now, never from what
// the decoder read: invalid JSON fails as encoding/json fails, JSON with
// whitespace is compacted, and a copy of the event is encoded the same.
func TestAppendJSONRawReplacedAfterDecode(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"2"},"messages":[{"from":"15551234567","id":"wamid.1","timestamp":"1796152982","type":"text","text":{"body":"hi"}}]}}]}]}`)
	decoded := Decode(Request{Method: "POST", Body: body})
	if len(decoded) != 1 || decoded[0].Raw == nil {
		t.Fatalf("decoded %+v", decoded)
	}
	tests := map[string]json.RawMessage{
		"as decoded":         decoded[0].Raw,
		"invalid JSON":       json.RawMessage(`{"from":"15551234567",`),
		"not JSON at all":    json.RawMessage(`redacted`),
		"JSON with spaces":   json.RawMessage("{ \"from\" : \"+1 555\" ,\n\t\"id\": [ 1, 2 ] }"),
		"a part of the raw":  decoded[0].Raw[:10],
		"the raw, re-sliced": decoded[0].Raw[1 : len(decoded[0].Raw)-1],
		"a copy of the raw":  append(json.RawMessage(nil), decoded[0].Raw...),
		"empty":              nil,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			ev := decoded[0] // a copy, as the listener and redaction hold them
			ev.Raw = raw
			checkAppendJSON(t, &ev)
		})
	}
}
