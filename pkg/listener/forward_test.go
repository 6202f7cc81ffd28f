package listener

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestForwardURL(t *testing.T) {
	tests := []struct {
		target, path, query, want string
	}{
		{"http://127.0.0.1:3000/hooks", "/wa", "x=1", "http://127.0.0.1:3000/hooks/wa?x=1"},
		{"http://127.0.0.1:3000/hooks/", "/wa", "", "http://127.0.0.1:3000/hooks/wa"},
		{"http://127.0.0.1:3000/hooks", "/", "", "http://127.0.0.1:3000/hooks"},
		{"http://127.0.0.1:3000", "/", "id=1", "http://127.0.0.1:3000/?id=1"},
		{"http://127.0.0.1:3000", "/a/b", "", "http://127.0.0.1:3000/a/b"},
		{"http://127.0.0.1:3000/?k=abc", "/", "x=1", "http://127.0.0.1:3000/?k=abc&x=1"},
		{"http://127.0.0.1:3000/h?k=abc", "/wa", "", "http://127.0.0.1:3000/h/wa?k=abc"},
		{"https://app.example/cb", "/p%2Fq", "a=%20", "https://app.example/cb/p%2Fq?a=%20"},
	}
	for _, tt := range tests {
		if got := ForwardURL(mustURL(t, tt.target), tt.path, tt.query); got != tt.want {
			t.Errorf("ForwardURL(%s, %s, %s) = %s, want %s", tt.target, tt.path, tt.query, got, tt.want)
		}
	}
}

func TestForwardHeader(t *testing.T) {
	in := http.Header{
		"Connection":          {"keep-alive, X-Secret"},
		"X-Secret":            {"hop only"},
		"Keep-Alive":          {"timeout=5"},
		"Proxy-Authorization": {"Basic eA=="},
		"Proxy-Connection":    {"keep-alive"},
		"Te":                  {"trailers"},
		"Trailer":             {"X-T"},
		"Transfer-Encoding":   {"chunked"},
		"Upgrade":             {"h2c"},
		"Host":                {"listener"},
		"Expect":              {"100-continue"},
		"Content-Type":        {"application/json"},
		"X-Hub-Signature-256": {"sha256=abc"},
		"X-Multi":             {"a", "b"},
		"X-Forwarded-For":     {"10.0.0.9"},
	}
	out := ForwardHeader(in, "127.0.0.1:5555", "127.0.0.1:4280")
	for _, k := range []string{"Connection", "X-Secret", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Expect"} {
		if _, ok := out[k]; ok {
			t.Errorf("%s passed on", k)
		}
	}
	for k, want := range map[string]string{
		"Content-Type":        "application/json",
		"X-Hub-Signature-256": "sha256=abc",
		"X-Forwarded-For":     "10.0.0.9, 127.0.0.1",
		"X-Forwarded-Host":    "127.0.0.1:4280",
		"X-Forwarded-Proto":   "http",
	} {
		if got := out.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := out["X-Multi"]; len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("X-Multi = %q", got)
	}
	// the input is not changed
	if in.Get("X-Forwarded-For") != "10.0.0.9" || in.Get("Connection") == "" {
		t.Errorf("input header changed: %v", in)
	}
}

// capture is an app that records what it got.
type capture struct {
	mu     sync.Mutex
	method string
	uri    string
	host   string
	header http.Header
	body   []byte
}

func (c *capture) handler(status int, ctype, answer string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.method, c.uri, c.host, c.header, c.body = r.Method, r.RequestURI, r.Host, r.Header.Clone(), b
		c.mu.Unlock()
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	})
}

func TestForwarderByteExact(t *testing.T) {
	var c capture
	app := httptest.NewServer(c.handler(202, "application/json", `{"ok":true}`))
	defer app.Close()
	body := []byte("{\"a\":\"caf\xc3\xa9\",\"bin\":\"\xff\xfe\"}  \n")
	ex := &Exchange{
		ID: "r1", Method: "PUT", Path: "/wa/x%2Fy", RawQuery: "b=2&a=1&a=%20",
		Host: "127.0.0.1:4280", RemoteAddr: "127.0.0.1:6000",
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Hub-Signature-256": {"sha256=00"}},
		Body:   body,
	}
	f := NewForwarder(mustURL(t, app.URL+"/hooks"), time.Minute)
	fr := f.Forward(context.Background(), ex)
	if fr.Error != "" || fr.Status != 202 || string(fr.Body) != `{"ok":true}` || fr.Truncated {
		t.Fatalf("result %+v", fr)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.method != "PUT" || c.uri != "/hooks/wa/x%2Fy?b=2&a=1&a=%20" {
		t.Errorf("got %s %s", c.method, c.uri)
	}
	if !bytes.Equal(c.body, body) {
		t.Errorf("body %q, want %q", c.body, body)
	}
	if c.host != strings.TrimPrefix(app.URL, "http://") {
		t.Errorf("Host %q", c.host)
	}
	if _, ok := c.header["User-Agent"]; ok {
		t.Errorf("User-Agent added: %q", c.header.Get("User-Agent"))
	}
	if _, ok := c.header["Accept-Encoding"]; ok {
		t.Errorf("Accept-Encoding added: %q", c.header.Get("Accept-Encoding"))
	}
	if c.header.Get("X-Hub-Signature-256") != "sha256=00" || c.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("headers %v", c.header)
	}
	a := AnswerFrom(fr)
	if a.Status != 202 || string(a.Body) != `{"ok":true}` || a.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answer %+v", a)
	}
}

func TestForwarderKeepsRedirectsAndLargeAnswers(t *testing.T) {
	big := strings.Repeat("x", MaxForwardAnswer+10)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, big)
	}))
	defer app.Close()
	f := NewForwarder(mustURL(t, app.URL), time.Minute)
	f.Hint = func(err error) string {
		if _, ok := err.(*sender.CertificateError); ok {
			return "--forward-insecure accepts it"
		}
		return ""
	}
	fr := f.Forward(context.Background(), &Exchange{Method: "POST", Path: "/moved", Header: http.Header{}})
	if fr.Status != http.StatusFound {
		t.Errorf("redirect followed: %+v", fr)
	}
	fr = f.Forward(context.Background(), &Exchange{Method: "GET", Path: "/", Header: http.Header{}})
	if fr.Status != 200 || len(fr.Body) != MaxForwardAnswer || !fr.Truncated {
		t.Errorf("status %d, %d bytes, truncated %v", fr.Status, len(fr.Body), fr.Truncated)
	}
}

func TestForwarderAppDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := NewForwarder(mustURL(t, "http://"+addr+"/"), time.Minute)
	fr := f.Forward(context.Background(), &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")})
	if fr.Status != 0 || fr.Error != "connection refused" {
		t.Fatalf("result %+v", fr)
	}
	a := AnswerFrom(fr)
	if a.Status != http.StatusBadGateway || !strings.Contains(a.Reason, "connection refused") || !strings.Contains(string(a.Body), "connection refused") {
		t.Errorf("answer %+v", a)
	}
}

func TestForwarderTimeout(t *testing.T) {
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer app.Close()
	defer close(release)
	f := NewForwarder(mustURL(t, app.URL), 20*time.Millisecond)
	fr := f.Forward(context.Background(), &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")})
	if fr.Status != 0 || fr.Error != "timed out after 20ms" {
		t.Fatalf("result %+v", fr)
	}
	a := AnswerFrom(fr)
	if a.Status != http.StatusGatewayTimeout || a.Reason != "app timed out after 20ms" {
		t.Errorf("answer %+v", a)
	}
}

func TestAnswerFromWithoutContentType(t *testing.T) {
	a := AnswerFrom(&ForwardResult{Status: 200, Header: http.Header{}, Body: []byte("<html>")})
	if v, ok := a.Header["Content-Type"]; !ok || v != nil {
		t.Errorf("Content-Type %v (want present and nil, so none is sniffed)", a.Header)
	}
	w := httptest.NewRecorder()
	(&Handler{}).write(w, a)
	if ct := w.Result().Header.Get("Content-Type"); ct != "" {
		t.Errorf("sniffed Content-Type %q", ct)
	}
}

func TestResponderFailEvery(t *testing.T) {
	w := &Responder{FailEvery: 3, FailStatus: 503}
	var got []int
	for i := 0; i < 7; i++ {
		got = append(got, w.Respond(context.Background(), &Exchange{ReceivedAt: time.Now()}).Status)
	}
	want := []int{0, 0, 503, 0, 0, 503, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	a := (&Responder{FailEvery: 1}).Respond(context.Background(), &Exchange{})
	if a.Status != 500 || a.Reason != "simulated failure (every request)" {
		t.Errorf("answer %+v", a)
	}
}

func TestResponderFailRateSeeded(t *testing.T) {
	run := func(seed uint64) []int {
		w := &Responder{FailRate: 0.5, Seed: seed}
		var out []int
		for i := 0; i < 200; i++ {
			out = append(out, w.Respond(context.Background(), &Exchange{}).Status)
		}
		return out
	}
	a, b := run(42), run(42)
	fails := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs with the same seed", i)
		}
		if a[i] == 500 {
			fails++
		}
	}
	if fails < 60 || fails > 140 {
		t.Errorf("%d of 200 failed at rate 0.5", fails)
	}
	c := run(43)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("another seed drew the same 200 outcomes")
	}
	for _, s := range run(0) {
		if s != 0 && s != 500 {
			t.Fatalf("status %d", s)
		}
	}
	if a := (&Responder{FailRate: 1}).Respond(context.Background(), &Exchange{}); a.Status != 500 || a.Reason != "simulated failure (rate 1)" {
		t.Errorf("rate 1: %+v", a)
	}
}

func TestResponderStatusAndForward(t *testing.T) {
	var c capture
	app := httptest.NewServer(c.handler(500, "text/plain", "boom"))
	defer app.Close()
	fw := NewForwarder(mustURL(t, app.URL), time.Minute)

	ex := &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")}
	a := (&Responder{Forward: fw}).Respond(context.Background(), ex)
	if a.Status != 500 || string(a.Body) != "boom" || ex.Forward == nil || ex.Forward.Status != 500 {
		t.Errorf("relayed answer %+v, forward %+v", a, ex.Forward)
	}
	ex = &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")}
	a = (&Responder{Forward: fw, Status: 200, StatusReason: "--status"}).Respond(context.Background(), ex)
	if a.Status != 200 || a.Reason != "--status" || ex.Forward.Status != 500 {
		t.Errorf("--status answer %+v, forward %+v", a, ex.Forward)
	}
	// a simulated failure still forwards: the app sees every callback
	ex = &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")}
	a = (&Responder{Forward: fw, FailEvery: 1, FailStatus: 429}).Respond(context.Background(), ex)
	if a.Status != 429 || ex.Forward == nil {
		t.Errorf("failure answer %+v, forward %+v", a, ex.Forward)
	}
}

func TestResponderDelay(t *testing.T) {
	// already past: no wait
	a := (&Responder{Delay: time.Second}).Respond(context.Background(), &Exchange{ReceivedAt: time.Now().Add(-time.Hour)})
	if a.Reason != "delayed 1s" {
		t.Errorf("reason %q", a.Reason)
	}
	// a caller that goes away ends the wait
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Answer)
	go func() {
		done <- (&Responder{Delay: time.Hour, Status: 204}).Respond(ctx, &Exchange{ReceivedAt: time.Now()})
	}()
	cancel()
	select {
	case a := <-done:
		if a.Status != 204 {
			t.Errorf("status %d", a.Status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delay did not end with the caller")
	}
}

func TestHandlerAnsweredHook(t *testing.T) {
	var order []string
	var mu sync.Mutex
	cfg := Config{Answered: func(ex *Exchange) {
		mu.Lock()
		order = append(order, "hook:"+ex.ID)
		mu.Unlock()
		ex.Redacted = true
	}}
	w, ex := serve(t, cfg, reqSpec{method: "POST", target: "/", body: cloudText})
	if w.Code != 200 || !ex.Redacted || len(order) != 1 {
		t.Errorf("code %d, redacted %v, hook calls %v", w.Code, ex.Redacted, order)
	}
	cfg = Config{Answered: func(*Exchange) { panic("hook broke") }}
	w, ex = serve(t, cfg, reqSpec{method: "POST", target: "/", body: cloudText})
	if w.Code != 200 || ex.InternalError != "hook broke" {
		t.Errorf("code %d, internal error %q", w.Code, ex.InternalError)
	}
}

func TestHandlerPassesHandshakesOn(t *testing.T) {
	respond := func(ctx context.Context, ex *Exchange) Answer {
		return Answer{Status: 200, Body: []byte("from-app")}
	}
	cfg := Config{Respond: respond, RespondToHandshakes: true}
	w, ex := serve(t, cfg, reqSpec{method: "GET", target: "/?hub.mode=subscribe&hub.challenge=42&hub.verify_token=t"})
	if w.Body.String() != "from-app" || ex.Handshake.Outcome != HandshakePassedOn || ex.Events[0].Extra["handshake"] != HandshakePassedOn {
		t.Errorf("answer %q, handshake %+v, extra %v", w.Body.String(), ex.Handshake, ex.Events[0].Extra)
	}
	// a configured verify token keeps the check in the listener
	cfg.VerifyToken = "t"
	w, ex = serve(t, cfg, reqSpec{method: "GET", target: "/?hub.mode=subscribe&hub.challenge=42&hub.verify_token=t"})
	if w.Body.String() != "42" || ex.Handshake.Outcome != HandshakeVerified {
		t.Errorf("answer %q, handshake %+v", w.Body.String(), ex.Handshake)
	}
	// without RespondToHandshakes the listener echoes the challenge
	w, _ = serve(t, Config{Respond: respond}, reqSpec{method: "GET", target: "/?hub.mode=subscribe&hub.challenge=42"})
	if w.Body.String() != "42" {
		t.Errorf("answer %q", w.Body.String())
	}
}

func TestForwarderTLS(t *testing.T) {
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure")
	}))
	app.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	app.StartTLS()
	defer app.Close()
	f := NewForwarder(mustURL(t, app.URL), time.Minute)
	f.Hint = func(err error) string {
		if _, ok := err.(*sender.CertificateError); ok {
			return "--forward-insecure accepts it"
		}
		return ""
	}
	fr := f.Forward(context.Background(), &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")})
	if fr.Status != 0 || !strings.Contains(fr.Error, "(--forward-insecure accepts it)") {
		t.Fatalf("self-signed app: %+v", fr)
	}
	f.Insecure()
	fr = f.Forward(context.Background(), &Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")})
	if fr.Status != 200 || string(fr.Body) != "secure" {
		t.Fatalf("with Insecure: %+v", fr)
	}
}

// FuzzForwardHeader: whatever the Connection header names, no hop-by-hop
// header is passed on and every other header is, unchanged.
func FuzzForwardHeader(f *testing.F) {
	f.Add("keep-alive, X-A", "X-A", "v")
	f.Add(",,  ,x-b ,", "X-B", "1")
	f.Add("close", "Proxy-Foo", "bar")
	f.Add("Upgrade", "X-Hub-Signature-256", "sha256=00")
	f.Fuzz(func(t *testing.T, connection, name, value string) {
		in := http.Header{"Connection": {connection}}
		if name != "" {
			in[name] = []string{value}
		}
		out := ForwardHeader(in, "127.0.0.1:1", "h")
		named := map[string]bool{}
		for _, n := range strings.Split(connection, ",") {
			named[http.CanonicalHeaderKey(strings.TrimSpace(n))] = true
		}
		for k := range out {
			ck := http.CanonicalHeaderKey(k)
			if isHop(ck) || ck == "Host" || ck == "Expect" || (named[ck] && !strings.HasPrefix(ck, "X-Forwarded-")) {
				t.Fatalf("%q passed on (Connection: %q)", k, connection)
			}
		}
		ck := http.CanonicalHeaderKey(name)
		keep := name != "" && !isHop(ck) && ck != "Host" && ck != "Expect" && !named[ck] && !strings.HasPrefix(ck, "X-Forwarded-")
		if keep {
			if got, ok := out[name]; !ok || len(got) != 1 || got[0] != value {
				t.Fatalf("%q: %q not passed on unchanged: %v", name, value, out)
			}
		}
	})
}

func TestResponderStatusReasonDefault(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer app.Close()
	ex := &Exchange{Method: "POST", Path: "/", Header: http.Header{}}
	if a := (&Responder{Forward: NewForwarder(mustURL(t, app.URL), time.Minute), Status: 202}).Respond(context.Background(), ex); a.Status != 202 || a.Reason != "status override" {
		t.Errorf("answer %+v", a)
	}
	if a := (&Responder{Status: 202}).Respond(context.Background(), &Exchange{}); a.Status != 202 || a.Reason != "" {
		t.Errorf("without forwarding: %+v", a)
	}
}
