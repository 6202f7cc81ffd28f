package delivery

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/sender"

	"golang.org/x/net/http/httpguts"
)

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders([]string{"Authorization: Bearer a:b", "x-trace:1", "X-Trace: 2"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Authorization") != "Bearer a:b" || strings.Join(h.Values("X-Trace"), ",") != "1,2" {
		t.Errorf("headers = %v", h)
	}
	for _, bad := range []string{"nocolon", ": v", "Bad Name: v", "X: a\nb"} {
		if _, err := ParseHeaders([]string{bad}); err == nil || !cmdutil.IsFlagError(err) {
			t.Errorf("ParseHeaders(%q) = %v", bad, err)
		}
	}
}

type printer struct{ n int }

func (p *printer) Print(sender.Result) error { p.n++; return nil }
func (p *printer) PrintsErrors() bool        { return false }

func TestDeliverStopsWhenCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errOut bytes.Buffer
	p := &printer{}
	err := Deliver(ctx, &errOut, &sender.Sender{Client: srv.Client()}, p, []sender.Job{{Request: sender.Request{Method: "GET", URL: srv.URL}}}, "")
	if err != cmdutil.ErrCheckFailed || !strings.Contains(errOut.String(), "stopped after 0 of 1 deliveries") || p.n != 0 {
		t.Errorf("err=%v stderr=%q printed=%d", err, errOut.String(), p.n)
	}
}

type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func TestDeliverRefusedHint(t *testing.T) {
	snd := &sender.Sender{Client: &http.Client{Transport: refuse{}}}
	for _, tt := range []struct {
		url, want string
	}{
		{DefaultTarget, "wa-cb: POST http://127.0.0.1:4280/: connection refused (is wa-cb listen running? --to picks another target)\n" +
			"wa-cb: POST http://127.0.0.1:4280/: connection refused\n"},
		{"http://127.0.0.1:9/", "wa-cb: POST http://127.0.0.1:9/: connection refused\nwa-cb: POST http://127.0.0.1:9/: connection refused\n"},
	} {
		var errOut bytes.Buffer
		req := sender.Request{Method: "POST", URL: tt.url}
		err := Deliver(context.Background(), &errOut, snd, &printer{}, []sender.Job{{Request: req}, {Request: req}}, "")
		if err != cmdutil.ErrCheckFailed || errOut.String() != tt.want {
			t.Errorf("err=%v stderr=%q, want %q", err, errOut.String(), tt.want)
		}
	}
}

// FuzzParseHeaders: -H either is refused as a usage error or gives headers
// that net/http will send as they are.
func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{"Authorization: Bearer a:b", "x-trace:1", "X: ", ": v", "Bad Key: v",
		"K: a\r\nInjected: 1", "K\x00: v", "K: v\x7f", "Ключ: v", "K: \tpadded\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		h, err := ParseHeaders([]string{arg})
		if err != nil {
			if !cmdutil.IsFlagError(err) {
				t.Fatalf("ParseHeaders(%q) error %v is not a usage error", arg, err)
			}
			return
		}
		for k, vs := range h {
			if !httpguts.ValidHeaderFieldName(k) {
				t.Fatalf("ParseHeaders(%q) kept invalid name %q", arg, k)
			}
			for _, v := range vs {
				if !httpguts.ValidHeaderFieldValue(v) {
					t.Fatalf("ParseHeaders(%q) kept invalid value %q", arg, v)
				}
			}
		}
	})
}

// A --to with user info says which flag carries credentials.
func TestValidateUserInfo(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	var df Flags
	AddFlags(cmd, &df, true)
	df.To = "http://u:p@127.0.0.1:4280/"
	err := df.Validate(cmd, nil)
	if err == nil || !cmdutil.IsFlagError(err) || err.Error() != `--to: invalid URL "http://u:p@127.0.0.1:4280/": user info is not sent by callback senders; use -H 'Authorization: ...'` {
		t.Errorf("error = %v", err)
	}
}

// A delivery to an untrusted certificate says which flag accepts it.
func TestSenderHintNamesInsecure(t *testing.T) {
	snd := (&Flags{}).Sender(&cmdutil.Factory{})
	if got := snd.Hint(&sender.CertificateError{Err: syscall.EINVAL}); got != "--insecure accepts it" {
		t.Errorf("hint %q", got)
	}
}

// A self-signed server: the delivery's error says, in send's words, how to
// accept it, and --insecure does.
func TestDeliverUntrustedCertificate(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	df := &Flags{Timeout: 5 * time.Second}
	res := df.Sender(&cmdutil.Factory{}).Deliver(context.Background(), sender.Request{Method: "GET", URL: srv.URL}, false)
	if !strings.HasPrefix(res.Error, "TLS certificate not trusted: ") || !strings.HasSuffix(res.Error, "(--insecure accepts it)") {
		t.Errorf("self-signed: %q", res.Error)
	}
	df.Insecure = true
	if res := df.Sender(&cmdutil.Factory{}).Deliver(context.Background(), sender.Request{Method: "GET", URL: srv.URL}, false); !res.OK {
		t.Errorf("with --insecure: %+v", res)
	}
}

func TestTalkURL(t *testing.T) {
	long := "http://127.0.0.1:4280/?id=af8fbb21-b62d-4d86-8f30-0724be345b6a%3A0&phone_number=%2B919812345678&status=failed"
	tests := map[string]string{
		"http://127.0.0.1:4280/":               "http://127.0.0.1:4280/",
		"http://127.0.0.1:4280/?id=a%3A0":      "http://127.0.0.1:4280/?id=a%3A0",
		long:                                   long[:len("http://127.0.0.1:4280/?")+60] + "…",
		"http://h/?" + strings.Repeat("é", 40): "http://h/?" + strings.Repeat("é", 30) + "…",
	}
	for in, want := range tests {
		if got := TalkURL(in); got != want {
			t.Errorf("TalkURL(%q) = %q, want %q", in, got, want)
		}
	}
}
