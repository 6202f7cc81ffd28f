package sender

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

func TestDeliver(t *testing.T) {
	var gotBody []byte
	var gotHeader http.Header
	var gotURI string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		gotHeader = r.Header.Clone()
		gotURI = r.RequestURI
		switch r.URL.Query().Get("answer") {
		case "500":
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "boom\nline two")
		case "big":
			_, _ = io.WriteString(w, strings.Repeat("x", 100000))
		case "bad-utf8":
			_, _ = w.Write([]byte("ok\xff\x00end"))
		default:
			w.WriteHeader(204)
		}
	}))
	defer srv.Close()
	s := &Sender{Client: srv.Client(), Secret: "s3cret", UserAgent: "wa-cb/test"}
	body := []byte(`{"object":"whatsapp_business_account","x":"\u00e9"}`)

	res := s.Deliver(context.Background(), Request{Name: "n", Method: "POST", URL: srv.URL + "/hook?a=%20b", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Extra": {"1"}}}, true)
	if !res.OK || res.Status != 204 || res.Error != "" || !res.Signed || res.Sent != len(body) || res.StatusText != "No Content" {
		t.Fatalf("result = %+v", res)
	}
	if string(gotBody) != string(body) || gotURI != "/hook?a=%20b" {
		t.Errorf("server got %s %q", gotURI, gotBody)
	}
	if !callback.VerifySignature("s3cret", gotBody, gotHeader.Get(callback.SignatureHeader)) {
		t.Errorf("bad signature %q", gotHeader.Get(callback.SignatureHeader))
	}
	// HMAC-SHA1("s3cret", body), computed independently
	if got := gotHeader.Get(LegacySignatureHeader); got != "sha1="+legacyWant {
		t.Errorf("X-Hub-Signature = %q", got)
	}
	if gotHeader.Get("User-Agent") != "wa-cb/test" || gotHeader.Get("X-Extra") != "1" {
		t.Errorf("headers = %v", gotHeader)
	}

	res = s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL + "/?answer=500"}, true)
	if res.OK || res.Status != 500 || res.Response != "boom line two" || res.Signed {
		t.Errorf("500: %+v", res)
	}
	if gotHeader.Get(callback.SignatureHeader) != "" {
		t.Error("a request without a body was signed")
	}
	res = s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL + "/?answer=big"}, false)
	if !res.OK || len(res.Response) != PreviewBytes || res.ResponseBytes != 100000 {
		t.Errorf("big: ok=%v preview=%d total=%d", res.OK, len(res.Response), res.ResponseBytes)
	}
	res = s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL + "/?answer=bad-utf8"}, false)
	if res.Response != "ok\uFFFD\uFFFDend" {
		t.Errorf("preview = %q", res.Response)
	}
	s.Expect, _ = ParseExpect("500")
	if res := s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL + "/?answer=500"}, false); !res.OK {
		t.Errorf("expected 500 not OK: %+v", res)
	}
	if res := s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL + "/"}, false); res.OK {
		t.Errorf("204 OK although 500 was expected: %+v", res)
	}
	s.Secret = ""
	if res := s.Deliver(context.Background(), Request{Method: "POST", URL: srv.URL, Body: body}, true); res.Signed {
		t.Error("signed without a secret")
	}
}

func TestDeliverFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	s := &Sender{Client: &http.Client{Timeout: 5 * time.Second}}
	res := s.Deliver(context.Background(), Request{Method: "POST", URL: closed, Body: []byte("{}")}, false)
	if res.Status != 0 || res.OK || res.Error != "connection refused" {
		t.Errorf("refused: %+v", res)
	}

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s = &Sender{Client: &http.Client{Timeout: 50 * time.Millisecond}}
	res = s.Deliver(context.Background(), Request{Method: "GET", URL: srv.URL}, false)
	if res.Status != 0 || res.Error != "timed out after 50ms" {
		t.Errorf("timeout: %+v", res)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = (&Sender{}).Deliver(ctx, Request{Method: "GET", URL: srv.URL}, false)
	if res.Error != "cancelled" {
		t.Errorf("cancelled: %+v", res)
	}
	res = (&Sender{}).Deliver(context.Background(), Request{Method: "BAD METHOD", URL: srv.URL}, false)
	if res.Error == "" || res.Status != 0 {
		t.Errorf("bad method: %+v", res)
	}
}

func TestJoinURL(t *testing.T) {
	tests := []struct {
		to, path, query, want string
	}{
		{"http://127.0.0.1:4280/", "/", "", "http://127.0.0.1:4280/"},
		{"http://127.0.0.1:4280", "/", "id=1", "http://127.0.0.1:4280/?id=1"},
		{"https://example.com/hooks/wa", "/", "id=1", "https://example.com/hooks/wa?id=1"},
		{"https://example.com/hooks/", "/kaleyra", "", "https://example.com/hooks/kaleyra"},
		{"https://example.com/hooks", "/kaleyra", "a=%20", "https://example.com/hooks/kaleyra?a=%20"},
		{"https://example.com/wa?key=k1", "/", "id=1", "https://example.com/wa?key=k1&id=1"},
		{"https://example.com/wa?key=k1#frag", "/", "", "https://example.com/wa?key=k1"},
		{"https://example.com/a%2Fb", "/", "", "https://example.com/a%2Fb"},
		{"http://[fe80::1%25eth0]:8080/", "/", "q=1", "http://[fe80::1%25eth0]:8080/?q=1"},
	}
	for _, tt := range tests {
		u, err := ParseTarget(tt.to)
		if err != nil {
			t.Fatal(err)
		}
		if got := JoinURL(u, tt.path, tt.query); got != tt.want {
			t.Errorf("JoinURL(%s, %s, %s) = %s, want %s", tt.to, tt.path, tt.query, got, tt.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:4280", "ftp://x/", "http://", "http://u:p@x/", "http://[::1", "/path"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
	if _, err := ParseTarget("http://u:p@x/"); !errors.Is(err, ErrUserInfo) {
		t.Errorf("ParseTarget of user info: %v, want ErrUserInfo", err)
	}
	for _, good := range []string{"http://127.0.0.1:4280/", "https://example.com/a?b=c", "http://[::1]:8080/"} {
		if _, err := ParseTarget(good); err != nil {
			t.Errorf("ParseTarget(%q): %v", good, err)
		}
	}
}

func TestParseExpect(t *testing.T) {
	tests := []struct {
		spec    string
		ok, bad []int
		wantErr bool
	}{
		{spec: "2xx", ok: []int{200, 204, 299}, bad: []int{199, 300, 500}},
		{spec: "200", ok: []int{200}, bad: []int{201}},
		{spec: "200, 4XX", ok: []int{200, 403}, bad: []int{201, 500}},
		{spec: "503", ok: []int{503}, bad: []int{200}},
		{spec: "2xx,", wantErr: true},
		{spec: "600", wantErr: true},
		{spec: "20", wantErr: true},
		{spec: "abc", wantErr: true},
	}
	for _, tt := range tests {
		f, err := ParseExpect(tt.spec)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseExpect(%q) accepted", tt.spec)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseExpect(%q): %v", tt.spec, err)
		}
		for _, c := range tt.ok {
			if !f(c) {
				t.Errorf("%q rejects %d", tt.spec, c)
			}
		}
		for _, c := range tt.bad {
			if f(c) {
				t.Errorf("%q accepts %d", tt.spec, c)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&url.Error{Op: "Post", URL: "x", Err: context.DeadlineExceeded}, "timed out after 1s"},
		{&url.Error{Op: "Post", URL: "x", Err: io.EOF}, "the server closed the connection without answering"},
		{&net.DNSError{Name: "nope.invalid", IsNotFound: true}, "no such host nope.invalid"},
		{&net.OpError{Op: "dial", Err: io.ErrClosedPipe}, io.ErrClosedPipe.Error()},
	}
	for _, tt := range tests {
		if got := Describe(tt.err, time.Second); got != tt.want {
			t.Errorf("Describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	s := &Sender{Client: srv.Client(), Secret: "s3cret"}
	body := []byte(strings.Repeat(`{"a":"b"}`, 60))
	req := Request{Method: "POST", URL: srv.URL, Body: body, Header: http.Header{"Content-Type": {"application/json"}}}
	b.ReportAllocs()
	for b.Loop() {
		if res := s.Deliver(context.Background(), req, true); !res.OK {
			b.Fatal(res.Error)
		}
	}
}

func TestDeliverTLS(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	s := &Sender{Client: &http.Client{Timeout: 5 * time.Second}, Hint: func(err error) string {
		if _, ok := err.(*CertificateError); ok {
			return "--insecure accepts it"
		}
		return ""
	}}
	res := s.Deliver(context.Background(), Request{Method: "GET", URL: tlsSrv.URL}, false)
	if !strings.HasPrefix(res.Error, "TLS certificate not trusted: ") || !strings.HasSuffix(res.Error, "(--insecure accepts it)") {
		t.Errorf("self-signed: %q", res.Error)
	}
	res = s.Deliver(context.Background(), Request{Method: "GET", URL: strings.Replace(plain.URL, "http://", "https://", 1)}, false)
	if res.Error != "the server does not speak TLS (try http://)" {
		t.Errorf("https to http: %q", res.Error)
	}
	s.Client = tlsSrv.Client()
	if res := s.Deliver(context.Background(), Request{Method: "GET", URL: tlsSrv.URL}, false); !res.OK {
		t.Errorf("trusted: %+v", res)
	}
}

// legacyWant is HMAC-SHA1("s3cret", the body TestDeliver sends), computed
// with another implementation.
const legacyWant = "264c2cc3020d714fc0c4392373a4885812c9efd2"

// TestShownURL: a delivery's report never shows Meta's verify token.
func TestShownURL(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:4280/?hub.mode=subscribe&hub.challenge=42&hub.verify_token=MYSECRET": "http://127.0.0.1:4280/?hub.mode=subscribe&hub.challenge=42&hub.verify_token=[redacted]",
		"http://h/cb?hub_verify_token=s&x=1#f":                                                 "http://h/cb?hub_verify_token=[redacted]&x=1#f",
		"http://h/cb?hub%2Everify_token=s":                                                     "http://h/cb?hub%2Everify_token=[redacted]",
		"http://h/cb?id=a%3A0&status=read":                                                     "http://h/cb?id=a%3A0&status=read",
		"http://h/verify_token?x=1":                                                            "http://h/verify_token?x=1",
	}
	for in, want := range tests {
		if got := ShownURL(in); got != want {
			t.Errorf("ShownURL(%q) = %q, want %q", in, got, want)
		}
	}
}
