package listener

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

const cloudText = `{"object":"whatsapp_business_account","entry":[{"id":"5467539754836534","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1122334455667"},"contacts":[{"profile":{"name":"Test Name"},"wa_id":"972987654321"}],"messages":[{"from":"972987654321","id":"wamid.xyzxyz","timestamp":"1697043223","text":{"body":"Body Text"},"type":"text"}]}}]}]}`

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// collect records emitted exchanges.
type collect struct {
	mu  sync.Mutex
	exs []*Exchange
}

func (c *collect) emit(ex *Exchange) {
	c.mu.Lock()
	c.exs = append(c.exs, ex)
	c.mu.Unlock()
}

func (c *collect) only(t *testing.T) *Exchange {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.exs) != 1 {
		t.Fatalf("emitted %d exchanges, want 1", len(c.exs))
	}
	return c.exs[0]
}

func testConfig(cfg Config) Config {
	cfg.Now = func() time.Time { return fixedTime }
	n := 0
	var mu sync.Mutex
	cfg.NewID = func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return "req-" + string(rune('0'+n))
	}
	return cfg
}

type reqSpec struct {
	method, target, body string
	header               map[string]string
}

// serve runs one request through a Handler. Unless cfg has hooks that
// would see it twice, it also runs it through a deferring handler (as
// Server uses) and fails when the two differ in anything they answered,
// decoded or encoded.
func serve(t *testing.T, cfg Config, rs reqSpec) (*httptest.ResponseRecorder, *Exchange) {
	t.Helper()
	w, ex := serveWith(t, NewHandler, cfg, rs)
	if cfg.Respond != nil || cfg.Answered != nil || cfg.Lifecycle != nil {
		return w, ex
	}
	dw, dex := serveWith(t, newDeferringHandler, cfg, rs)
	if dex.undecoded {
		t.Fatal("deferring handler: exchange still undecoded after finish")
	}
	if dw.Code != w.Code || dw.Body.String() != w.Body.String() || !reflect.DeepEqual(dw.Header(), w.Header()) {
		t.Errorf("deferring handler answered %d %q %v, want %d %q %v", dw.Code, dw.Body, dw.Header(), w.Code, w.Body, w.Header())
	}
	got, want := bytes.Join(dex.EventsJSON, []byte("\n")), bytes.Join(ex.EventsJSON, []byte("\n"))
	if !bytes.Equal(got, want) {
		t.Errorf("deferring handler's events:\n%s\nwant:\n%s", got, want)
	}
	if dex.Signature != ex.Signature || dex.DecodePanic != ex.DecodePanic || dex.InternalError != ex.InternalError || dex.Answer.Reason != ex.Answer.Reason {
		t.Errorf("deferring handler: signature %q, panic %q, internal error %q, reason %q; want %q, %q, %q, %q",
			dex.Signature, dex.DecodePanic, dex.InternalError, dex.Answer.Reason, ex.Signature, ex.DecodePanic, ex.InternalError, ex.Answer.Reason)
	}
	return w, ex
}

func serveWith(t *testing.T, newHandler func(Config, func(*Exchange)) *Handler, cfg Config, rs reqSpec) (*httptest.ResponseRecorder, *Exchange) {
	t.Helper()
	var c collect
	h := newHandler(testConfig(cfg), c.emit)
	var body io.Reader
	if rs.body != "" {
		body = strings.NewReader(rs.body)
	}
	r := httptest.NewRequest(rs.method, rs.target, body)
	for k, v := range rs.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	ex := c.only(t)
	h.finish(ex)
	return w, ex
}

func TestHandlerMethodsAndPaths(t *testing.T) {
	tests := []struct {
		name   string
		req    reqSpec
		status int
		cfg    Config
		kind   string
		source string
	}{
		{"cloud POST", reqSpec{method: "POST", target: "/webhook", body: cloudText, header: map[string]string{"Content-Type": "application/json"}}, 200, Config{}, "message", "cloud"},
		{"K1 status GET", reqSpec{method: "GET", target: "/cb?id=a2d4ef99%3A0&phone_number=%2B12025550143&status=delivered&timestamp=1580972783"}, 200, Config{}, "status", "kaleyra-v1"},
		{"PUT deep path", reqSpec{method: "PUT", target: "/a/b/c?x=1", body: "hello"}, 200, Config{}, "unknown", "unknown"},
		{"DELETE no body", reqSpec{method: "DELETE", target: "/"}, 200, Config{}, "unknown", "unknown"},
		{"custom status", reqSpec{method: "POST", target: "/x", body: cloudText}, 202, Config{Status: 202}, "message", "cloud"},
		{"failing status", reqSpec{method: "POST", target: "/x", body: cloudText}, 503, Config{Status: 503}, "message", "cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ex := serve(t, tt.cfg, tt.req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ex.Answer.Status != tt.status {
				t.Errorf("exchange answer %d, want %d", ex.Answer.Status, tt.status)
			}
			if len(ex.Events) == 0 {
				t.Fatal("no events")
			}
			ev := ex.Events[0]
			if ev.Kind != tt.kind || ev.Source != tt.source {
				t.Errorf("event %s/%s, want %s/%s", ev.Source, ev.Kind, tt.source, tt.kind)
			}
			if ev.RequestID != "req-1" || ev.Method != tt.req.method || ev.ReceivedAt != "2026-01-02T03:04:05.6Z" {
				t.Errorf("request facts: id %q method %q received %q", ev.RequestID, ev.Method, ev.ReceivedAt)
			}
			wantPath, _, _ := strings.Cut(tt.req.target, "?")
			if ev.Path != wantPath || ex.Path != wantPath {
				t.Errorf("path %q / %q, want %q", ev.Path, ex.Path, wantPath)
			}
			if ev.Signature != "" {
				t.Errorf("signature %q without a secret", ev.Signature)
			}
			if string(ex.Body) != tt.req.body {
				t.Errorf("body %q, want %q", ex.Body, tt.req.body)
			}
		})
	}
}

func TestHandlerBatchSharesRequestID(t *testing.T) {
	batch := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[{"from":"1","id":"wamid.a","timestamp":"1697043223","text":{"body":"a"},"type":"text"},{"from":"1","id":"wamid.b","timestamp":"1697043223","text":{"body":"b"},"type":"text"}],"statuses":[{"id":"wamid.c","status":"read","timestamp":"1698266945","recipient_id":"1"}]}}]}]}`
	_, ex := serve(t, Config{AppSecret: "s"}, reqSpec{method: "POST", target: "/", body: batch, header: map[string]string{"X-Hub-Signature-256": sign("s", batch)}})
	if len(ex.Events) != 3 {
		t.Fatalf("%d events, want 3", len(ex.Events))
	}
	for i, ev := range ex.Events {
		if ev.RequestID != ex.ID || ev.Signature != callback.SignatureValid {
			t.Errorf("event %d: request_id %q signature %q", i, ev.RequestID, ev.Signature)
		}
	}
}

func TestHandlerHandshake(t *testing.T) {
	const q = "/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock"
	tests := []struct {
		name      string
		token     string
		target    string
		status    int
		body      string
		outcome   string
		reasonHas string
	}{
		{"right token", "meatyhamhock", q, 200, "1158201444", HandshakeVerified, ""},
		{"wrong token", "other", q, 403, "wa-cb: verification failed\n", HandshakeRejected, "wrong hub.verify_token"},
		{"no token sent", "meatyhamhock", "/w?hub.mode=subscribe&hub.challenge=9", 403, "wa-cb: verification failed\n", HandshakeRejected, "no hub.verify_token"},
		{"wrong mode", "meatyhamhock", "/w?hub.mode=unsubscribe&hub.challenge=9&hub.verify_token=meatyhamhock", 403, "wa-cb: verification failed\n", HandshakeRejected, "not \"subscribe\""},
		{"unchecked", "", q, 200, "1158201444", HandshakeUnchecked, "no verify token configured"},
		{"challenge echoed raw", "", "/w?hub.mode=subscribe&hub.challenge=%3Cb%3E&hub.verify_token=x", 200, "<b>", HandshakeUnchecked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ex := serve(t, Config{VerifyToken: tt.token, AppSecret: "s", RequireSignature: true}, reqSpec{method: "GET", target: tt.target})
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Fatalf("answer %d %q, want %d %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
			if tt.status == 200 && w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("content type %q", w.Header().Get("Content-Type"))
			}
			if ex.Handshake == nil || ex.Handshake.Outcome != tt.outcome {
				t.Fatalf("handshake %+v, want outcome %s", ex.Handshake, tt.outcome)
			}
			if !strings.Contains(ex.Handshake.Reason, tt.reasonHas) {
				t.Errorf("reason %q, want it to contain %q", ex.Handshake.Reason, tt.reasonHas)
			}
			if ex.Handshake.token != "" {
				t.Error("the verify token is kept after the check")
			}
			line, _ := json.Marshal(ex.Events)
			if strings.Contains(string(line), "meatyhamhock") {
				t.Errorf("verify token printed: %s", line)
			}
			found := false
			for _, ev := range ex.Events {
				if ev.Kind == callback.KindVerification {
					found = true
					if ev.Extra["handshake"] != tt.outcome {
						t.Errorf("event handshake %q, want %q", ev.Extra["handshake"], tt.outcome)
					}
				}
			}
			if !found {
				t.Error("no verification event")
			}
		})
	}
}

func TestHandlerSignature(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		require bool
		status  int
		state   string
	}{
		{"valid", sign("s3cret", cloudText), false, 200, callback.SignatureValid},
		{"invalid", sign("other", cloudText), false, 200, callback.SignatureInvalid},
		{"garbage", "md5=zz", false, 200, callback.SignatureInvalid},
		{"missing", "", false, 200, callback.SignatureMissing},
		{"valid required", sign("s3cret", cloudText), true, 200, callback.SignatureValid},
		{"invalid required", sign("other", cloudText), true, 401, callback.SignatureInvalid},
		{"missing required", "", true, 401, callback.SignatureMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.header != "" {
				hdr["X-Hub-Signature-256"] = tt.header
			}
			w, ex := serve(t, Config{AppSecret: "s3cret", RequireSignature: tt.require}, reqSpec{method: "POST", target: "/", body: cloudText, header: hdr})
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ex.Signature != tt.state {
				t.Fatalf("signature %q, want %q", ex.Signature, tt.state)
			}
			for _, ev := range ex.Events {
				if ev.Signature != tt.state {
					t.Errorf("event signature %q", ev.Signature)
				}
				if ev.Kind != "message" {
					t.Errorf("refused request not decoded: kind %q", ev.Kind)
				}
			}
			if strings.Contains(w.Body.String(), "s3cret") {
				t.Error("secret in the answer")
			}
		})
	}
}

func TestHandlerTooLarge(t *testing.T) {
	big := strings.Repeat("x", 2048)
	t.Run("declared length", func(t *testing.T) {
		w, ex := serve(t, Config{MaxBody: 1024}, reqSpec{method: "POST", target: "/big", body: big})
		if w.Code != 413 {
			t.Fatalf("status %d, want 413", w.Code)
		}
		if !ex.TooLarge || ex.BodySize != 2048 || ex.Body != nil {
			t.Fatalf("exchange too large %v size %d body %d bytes", ex.TooLarge, ex.BodySize, len(ex.Body))
		}
		if len(ex.Events) != 1 || ex.Events[0].DecodeError != "request refused with 413: body of 2048 bytes exceeds the limit of 1024 bytes" {
			t.Fatalf("events %+v", ex.Events)
		}
		if ex.Events[0].RequestID == "" || ex.Events[0].Path != "/big" {
			t.Error("no request facts on the 413 event")
		}
	})
	t.Run("exactly the limit", func(t *testing.T) {
		w, ex := serve(t, Config{MaxBody: 2048}, reqSpec{method: "POST", target: "/", body: big})
		if w.Code != 200 || ex.TooLarge || len(ex.Body) != 2048 {
			t.Fatalf("status %d too large %v", w.Code, ex.TooLarge)
		}
	})
	t.Run("streamed without length", func(t *testing.T) {
		var c collect
		srv := httptest.NewServer(NewHandler(testConfig(Config{MaxBody: 1024}), c.emit))
		defer srv.Close()
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < 4; i++ {
				if _, err := pw.Write([]byte(big)); err != nil {
					break
				}
			}
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", srv.URL+"/chunked", pr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
		srv.Close()
		ex := c.only(t)
		if !ex.TooLarge || ex.BodySize != -1 || ex.Events[0].DecodeError != "request refused with 413: body exceeds the limit of 1024 bytes" {
			t.Fatalf("exchange %+v", ex)
		}
	})
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		n := copy(p, strings.Repeat("a", f.n))
		f.n -= n
		return n, nil
	}
	return 0, errors.New("connection reset")
}

func TestHandlerUnreadableBody(t *testing.T) {
	var c collect
	h := NewHandler(testConfig(Config{}), c.emit)
	r := httptest.NewRequest("POST", "/x", io.NopCloser(&failingReader{n: 10}))
	r.ContentLength = 100
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	ex := c.only(t)
	if w.Code != 400 || ex.ReadError == "" || string(ex.Body) != "aaaaaaaaaa" {
		t.Fatalf("status %d read error %q body %q", w.Code, ex.ReadError, ex.Body)
	}
	if !strings.Contains(ex.Events[0].DecodeError, "could not be read") {
		t.Errorf("decode error %q", ex.Events[0].DecodeError)
	}
}

func TestHandlerRecoversDecoderPanic(t *testing.T) {
	cfg := Config{Decode: func(callback.Request) []callback.Event { panic("boom") }}
	w, ex := serve(t, cfg, reqSpec{method: "POST", target: "/p", body: `{"a":1}`})
	if w.Code != 200 {
		t.Fatalf("status %d, want 200 (the request is still answered)", w.Code)
	}
	if ex.DecodePanic != "boom" || len(ex.Events) != 1 {
		t.Fatalf("panic %q events %d", ex.DecodePanic, len(ex.Events))
	}
	ev := ex.Events[0]
	if ev.Kind != "unknown" || !strings.Contains(ev.DecodeError, "boom") || string(ev.Raw) != `{"a":1}` || ev.RequestID == "" {
		t.Fatalf("event %+v", ev)
	}
}

func TestHandlerRecoversRespondPanic(t *testing.T) {
	cfg := Config{Respond: func(_ context.Context, ex *Exchange) Answer { panic("respond failed") }}
	w, ex := serve(t, cfg, reqSpec{method: "POST", target: "/p", body: cloudText})
	if w.Code != 500 || ex.InternalError != "respond failed" || ex.Answer.Status != 500 {
		t.Fatalf("status %d internal %q", w.Code, ex.InternalError)
	}
	if len(ex.Events) == 0 || ex.Events[0].Kind != "message" || ex.Events[0].RequestID == "" {
		t.Fatalf("events %+v", ex.Events)
	}
}

func TestHandlerRespondHook(t *testing.T) {
	cfg := Config{Respond: func(_ context.Context, ex *Exchange) Answer {
		if len(ex.Events) == 0 || ex.Events[0].Kind != "message" {
			t.Error("Respond runs before decoding")
		}
		ex.Forward = &ForwardResult{URL: "http://app.test/", Status: 500}
		return Answer{Status: 500, Body: []byte("app failed"), Header: http.Header{"X-App": {"1"}}}
	}}
	w, ex := serve(t, cfg, reqSpec{method: "POST", target: "/", body: cloudText})
	if w.Code != 500 || w.Body.String() != "app failed" || w.Header().Get("X-App") != "1" {
		t.Fatalf("answer %d %q", w.Code, w.Body.String())
	}
	if ex.Forward == nil || ex.Forward.Status != 500 {
		t.Fatal("forward result lost")
	}
}

func TestHandlerEmptyPathAndAbsoluteTarget(t *testing.T) {
	_, ex := serve(t, Config{}, reqSpec{method: "GET", target: "http://example.test/x%20y?a=b"})
	if ex.Path != "/x%20y" || ex.RawQuery != "a=b" {
		t.Fatalf("path %q query %q", ex.Path, ex.RawQuery)
	}
}
