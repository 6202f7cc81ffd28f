package listener

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

const (
	kaleyraV1Status = "/cb?id=a2d4ef99-fa14-4487-ab3a-d245b65611a4%3A0&phone_number=%2B12025550143&status=delivered&timestamp=1580972783"
	kaleyraV2Status = `{"meta_object":{"value":{"messaging_product":"whatsapp","statuses":[{"id":"XXX7f9c32XXXX9deXXXXXXacac299cfb","status":"sent","timestamp":"1722834665","recipient_id":"919407000000"}]},"field":"messages"},"status":"sent"}`
	onPremStatus    = `{"statuses":[{"id":"ABGGFlA5FpafAgo6tHcNmNjXmuSf","recipient_id":"16315555555","status":"delivered","timestamp":"1518694708"}]}`
)

// TestRequireSignatureByFamily: only requests of a family that signs (Meta
// Cloud, or one wa-cb cannot place) are refused without a valid signature;
// Kaleyra and on-premises callbacks never carry one and pass, shown without
// a "missing" mark. An invalid signature is refused whatever the family.
func TestRequireSignatureByFamily(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		target    string
		body      string
		signature string // X-Hub-Signature-256, "" for none
		status    int
		state     string
	}{
		{"cloud unsigned", "POST", "/", cloudText, "", 401, callback.SignatureMissing},
		{"cloud signed", "POST", "/", cloudText, sign("s3cret", cloudText), 200, callback.SignatureValid},
		{"kaleyra v1 GET", "GET", kaleyraV1Status, "", "", 200, ""},
		{"kaleyra v2 unsigned", "POST", "/", kaleyraV2Status, "", 200, ""},
		{"on-premises unsigned", "POST", "/", onPremStatus, "", 200, ""},
		{"kaleyra v2 badly signed", "POST", "/", kaleyraV2Status, sign("other", kaleyraV2Status), 401, callback.SignatureInvalid},
		{"unknown family unsigned", "POST", "/", `{"hello":"world"}`, "", 401, callback.SignatureMissing},
		{"handshake", "GET", "/?hub.mode=subscribe&hub.challenge=7&hub.verify_token=t", "", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/json"}
			if tt.signature != "" {
				hdr["X-Hub-Signature-256"] = tt.signature
			}
			w, ex := serve(t, Config{AppSecret: "s3cret", RequireSignature: true}, reqSpec{method: tt.method, target: tt.target, body: tt.body, header: hdr})
			if w.Code != tt.status {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tt.status)
			}
			if ex.Signature != tt.state {
				t.Fatalf("signature %q, want %q", ex.Signature, tt.state)
			}
			for _, ev := range ex.Events {
				if ev.Signature != tt.state {
					t.Errorf("event signature %q, want %q", ev.Signature, tt.state)
				}
			}
			st := NewStats()
			st.Add(ex)
			if want := map[bool]int{true: 1}[tt.state == callback.SignatureMissing]; st.SignatureMissing != want {
				t.Errorf("counted %d missing signatures, want %d", st.SignatureMissing, want)
			}
		})
	}
}

func TestSigns(t *testing.T) {
	ev := func(source string) callback.Event { return callback.Event{Source: source} }
	tests := []struct {
		evs  []callback.Event
		want bool
	}{
		{[]callback.Event{ev(callback.SourceCloud)}, true},
		{[]callback.Event{ev(callback.SourceUnknown)}, true},
		{[]callback.Event{ev(callback.SourceKaleyraV1)}, false},
		{[]callback.Event{ev(callback.SourceKaleyraV2), ev(callback.SourceKaleyraV2)}, false},
		{[]callback.Event{ev(callback.SourceOnPrem)}, false},
		{[]callback.Event{ev(callback.SourceOnPrem), ev(callback.SourceCloud)}, true},
		{nil, true},
	}
	for _, tt := range tests {
		if got := Signs(tt.evs); got != tt.want {
			t.Errorf("Signs(%v) = %v, want %v", tt.evs, got, tt.want)
		}
	}
}

// TestHandlerLifecycle: with a tracker, status events carry their
// lifecycle note, by arrival, timed by the statuses' own timestamps.
func TestHandlerLifecycle(t *testing.T) {
	tr := lifecycle.New(lifecycle.Options{})
	var c collect
	h := NewHandler(testConfig(Config{Lifecycle: tr}), c.emit)
	for _, q := range []string{
		"/cb?id=m1&phone_number=1&status=read&timestamp=1580972790",
		"/cb?id=m1&phone_number=1&status=delivered&timestamp=1580972783",
		"/cb?id=m1&phone_number=1&status=delivered&timestamp=1580972783",
		"/cb?from=1&type=text&body=hi&wanumber=2&id=m2",
		`/cb?id=m1&phone_number=1&status=&timestamp=1580972790`, // no status: nothing to follow
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", q, nil))
	}
	if len(c.exs) != 5 {
		t.Fatalf("%d exchanges", len(c.exs))
	}
	want := []string{
		`{"seq":1,"missing":["sent","delivered"]}`,
		`{"seq":2,"previous":"read","since_previous_ms":-7000,"flags":["out_of_order"],"missing":["sent"]}`,
		`{"seq":3,"previous":"delivered","since_previous_ms":0,"flags":["out_of_order","duplicate"],"missing":["sent"]}`,
	}
	for i, w := range want {
		ev := c.exs[i].Events[0]
		if ev.Kind != callback.KindStatus || ev.Lifecycle == nil {
			t.Fatalf("exchange %d: kind %s lifecycle %v", i, ev.Kind, ev.Lifecycle)
		}
		if got := mustJSON(t, ev.Lifecycle); got != w {
			t.Errorf("exchange %d lifecycle %s, want %s", i, got, w)
		}
	}
	for _, ex := range c.exs[3:] {
		if ev := ex.Events[0]; ev.Lifecycle != nil {
			t.Errorf("%s %s event got a lifecycle: %+v", ev.Kind, ev.Status, ev.Lifecycle)
		}
	}
	if tl, _ := tr.Timeline("m1"); len(tl.Entries) != 3 {
		t.Errorf("m1 has %d statuses, want 3", len(tl.Entries))
	}
	if tr.Anomalous() != 1 {
		t.Errorf("anomalous messages %d, want 1", tr.Anomalous())
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
