package callback

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// cloudLocation is the body of the listener's benchmarks (and of
// scripts/bench's listen section): a Cloud location message.
const cloudLocation = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maya Patel"},"wa_id":"15551234567"}],"messages":[{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}]},"field":"messages"}]}]}`

// BenchmarkDecode measures one Decode per request shape, the work the
// listener does for every callback.
func BenchmarkDecode(b *testing.B) {
	cases := []struct{ name, file string }{
		{"cloud-text", "cloud/incoming-text.json"},
		{"cloud-batch", "cloud/batch.json"},
		{"cloud-status", "cloud/status-sent.json"},
		{"k1-status-query", "k1/status-seed-quirk.query"},
		{"k1-media-query", "k1/incoming-image.query"},
		{"k1-media-seed-query", "k1/incoming-image-seed.query"},
		{"k2-status", "kv2/status-failed.json"},
		{"onprem-message", "onprem/text-reply.json"},
		{"repaired-trailing-comma", "kv2/status-sent-doc.json"},
	}
	location := Request{Method: http.MethodPost, Path: "/webhook", Body: []byte(cloudLocation),
		Header: http.Header{"Content-Type": {"application/json"}}}
	for _, c := range cases {
		r := loadRequest(b, filepath.Join("testdata", "requests", c.file))
		b.Run(c.name, func(b *testing.B) { benchDecode(b, r) })
	}
	b.Run("cloud-location", func(b *testing.B) { benchDecode(b, location) })
}

func benchDecode(b *testing.B, r Request) {
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Body) + len(r.RawQuery)))
	for b.Loop() {
		if evs := Decode(r); len(evs) == 0 {
			b.Fatal("no events")
		}
	}
}

// BenchmarkDecodeAndMarshal adds the JSON encoding of the events, as
// listen --json does.
func BenchmarkDecodeAndMarshal(b *testing.B) {
	r := loadRequest(b, filepath.Join("testdata", "requests", "cloud", "incoming-text.json"))
	b.ReportAllocs()
	for b.Loop() {
		for _, ev := range Decode(r) {
			if _, err := json.Marshal(ev); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkSignatureState(b *testing.B) {
	r := loadRequest(b, filepath.Join("testdata", "requests", "cloud", "batch.json"))
	h := http.Header{"X-Hub-Signature-256": {Sign("secret", r.Body)}}
	b.ReportAllocs()
	for b.Loop() {
		if SignatureState("secret", h, r.Body) != SignatureValid {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkDecodeHostile decodes large adversarial inputs (about 1 MB, the
// size of a big Cloud payload); the cost must grow linearly with the size.
func BenchmarkDecodeHostile(b *testing.B) {
	var manyParams, unclosed, batch strings.Builder
	for manyParams.Len() < 1<<20 {
		manyParams.WriteString("a=1&")
	}
	for unclosed.Len() < 1<<20 {
		unclosed.WriteString(`message=["x&`)
	}
	batch.WriteString(`{"messages":[`)
	for i := 0; batch.Len() < 1<<19; i++ {
		if i > 0 {
			batch.WriteByte(',')
		}
		fmt.Fprintf(&batch, `{"from":"%d","id":"m%d","type":"text","text":{"body":"x"}}`, i, i)
	}
	batch.WriteString(`],"contacts":[`)
	for i := 0; batch.Len() < 1<<20; i++ {
		if i > 0 {
			batch.WriteByte(',')
		}
		fmt.Fprintf(&batch, `{"wa_id":"%d","profile":{"name":"n%d"}}`, i, i)
	}
	batch.WriteString(`]}`)
	cases := []struct {
		name string
		r    Request
	}{
		{"many-params", Request{Method: "GET", RawQuery: manyParams.String()}},
		{"unclosed-json-params", Request{Method: "GET", RawQuery: "from=1&type=text&" + unclosed.String()}},
		{"big-batch", Request{Method: "POST", Body: []byte(batch.String())}},
		{"deep-nesting", Request{Method: "POST", Body: []byte(strings.Repeat("[", 1<<20))}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.r.RawQuery) + len(c.r.Body)))
			for b.Loop() {
				Decode(c.r)
			}
		})
	}
}

// BenchmarkBaselineUnmarshal is a yardstick: encoding/json decoding the
// same Cloud body into a generic map, which Decode should beat.
func BenchmarkBaselineUnmarshal(b *testing.B) {
	r := loadRequest(b, filepath.Join("testdata", "requests", "cloud", "incoming-text.json"))
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Body)))
	for b.Loop() {
		var v map[string]any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
