package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

// DefaultForwardTimeout bounds one forwarded request by default.
const DefaultForwardTimeout = 10 * time.Second

// MaxForwardAnswer is how much of the app's answer is kept and relayed to
// the caller; a longer answer is cut there (and marked truncated).
const MaxForwardAnswer = 1 << 20

// ReasonAppAnswer is the Answer.Reason of an answer passed on from the
// app the request was forwarded to.
const ReasonAppAnswer = "app's answer"

// hopHeaders are the hop-by-hop headers a forwarder drops (RFC 9110
// section 7.6.1); Proxy-* are dropped by prefix.
var hopHeaders = []string{"Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// Forwarder passes requests on to the developer's app, byte for byte.
// It is safe for concurrent use.
type Forwarder struct {
	Target  *url.URL
	Client  *http.Client
	Timeout time.Duration // per request (default DefaultForwardTimeout)
	Now     func() time.Time
	// Hint adds the command's advice to a failed forward's Error (the flag
	// that accepts an untrusted certificate, say).
	Hint sender.Hint
}

// NewForwarder builds a Forwarder to target with its own keep-alive
// client: no proxy from the environment, no redirects followed, no
// transparent decompression (the app's answer is relayed as it came).
func NewForwarder(target *url.URL, timeout time.Duration) *Forwarder {
	if timeout <= 0 {
		timeout = DefaultForwardTimeout
	}
	client := sender.NewClient(sender.ClientOptions{MaxIdle: 256, DisableCompression: true})
	return &Forwarder{Target: target, Client: client, Timeout: timeout}
}

// Insecure makes the forwarder accept any TLS certificate of an https
// target (a development server with a self-signed one).
func (f *Forwarder) Insecure() {
	f.Client = sender.InsecureClient(f.Client)
}

// ForwardURL is where a request is forwarded: the target's path joined
// with the request's path (a target path ending in "/" does not double the
// slash; a request path of "/" adds nothing), the target's own query kept
// before the request's.
//
//	http://127.0.0.1:3000/hooks  + /wa?x=1  -> http://127.0.0.1:3000/hooks/wa?x=1
//	http://127.0.0.1:3000/hooks/ + /wa      -> http://127.0.0.1:3000/hooks/wa
//	http://127.0.0.1:3000/?k=1   + /?x=1    -> http://127.0.0.1:3000/?k=1&x=1
func ForwardURL(target *url.URL, path, rawQuery string) string {
	return sender.JoinURL(target, path, rawQuery)
}

// ForwardHeader copies the request's headers for the app: everything but
// the hop-by-hop headers (and those Connection names), with
// X-Forwarded-For, -Host and -Proto added.
func ForwardHeader(in http.Header, remoteAddr, host string) http.Header {
	out := EndToEndHeader(in, 3)
	if ip, _, err := net.SplitHostPort(remoteAddr); err == nil && ip != "" {
		if prior := out.Values("X-Forwarded-For"); len(prior) > 0 {
			out.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+ip)
		} else {
			out.Set("X-Forwarded-For", ip)
		}
	}
	if host != "" {
		out.Set("X-Forwarded-Host", host)
	}
	out.Set("X-Forwarded-Proto", "http")
	return out
}

// EndToEndHeader copies in without its hop-by-hop headers (Connection,
// those Connection names, Keep-Alive, Proxy-*, TE, Trailer,
// Transfer-Encoding, Upgrade), without Host and Expect, with room for
// extra more.
func EndToEndHeader(in http.Header, extra int) http.Header {
	out := make(http.Header, len(in)+extra)
	drop := map[string]bool{}
	for _, v := range in["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				drop[textproto.CanonicalMIMEHeaderKey(name)] = true
			}
		}
	}
	for k, vs := range in {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		// Expect: 100-continue is answered here: the whole body is
		// already read and goes out at once.
		if drop[ck] || isHop(ck) || ck == "Host" || ck == "Expect" {
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func isHop(canonical string) bool {
	for _, h := range hopHeaders {
		if canonical == h {
			return true
		}
	}
	return strings.HasPrefix(canonical, "Proxy-")
}

// Forward sends ex to the app and returns what it answered. It never
// fails: a transport error is a result with Status 0 and Error set. ctx
// cancels it (its deadline is the Timeout).
func (f *Forwarder) Forward(ctx context.Context, ex *Exchange) *ForwardResult {
	now := f.Now
	if now == nil {
		now = time.Now
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultForwardTimeout
	}
	res := &ForwardResult{URL: ForwardURL(f.Target, ex.Path, ex.RawQuery)}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if len(ex.Body) > 0 {
		body = bytes.NewReader(ex.Body)
	}
	req, err := http.NewRequestWithContext(ctx, ex.Method, res.URL, body)
	if err != nil {
		res.Error = "cannot build the request: " + err.Error()
		return res
	}
	req.Header = ForwardHeader(ex.Header, ex.RemoteAddr, ex.Host)
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{""} // send none rather than Go's own
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	start := now()
	resp, err := client.Do(req)
	if err != nil {
		res.Latency = now().Sub(start)
		res.Error = f.describe(err, ctx, timeout)
		return res
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxForwardAnswer+1))
	if len(b) > MaxForwardAnswer {
		b, res.Truncated = b[:MaxForwardAnswer], true
	}
	res.Latency = now().Sub(start)
	res.Status = resp.StatusCode
	res.Header = resp.Header
	res.Body = b
	if rerr != nil {
		res.Error = "reading the answer: " + f.describe(rerr, ctx, timeout)
	}
	return res
}

func (f *Forwarder) describe(err error, ctx context.Context, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("timed out after %s", timeout)
	}
	return sender.DescribeWithHint(err, timeout, f.Hint)
}

// AnswerFrom is the answer to give the caller for a forward result: the
// app's own status, body and content type; 502 when the app could not be
// reached, 504 when it did not answer in time.
func AnswerFrom(fr *ForwardResult) Answer {
	if fr.Status == 0 {
		status := http.StatusBadGateway
		reason := "app unreachable: " + fr.Error
		if strings.HasPrefix(fr.Error, "timed out") {
			status = http.StatusGatewayTimeout
			reason = "app " + fr.Error
		}
		return Answer{
			Status: status,
			Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			Body:   []byte("wa-cb: forwarding to the app failed: " + fr.Error + "\n"),
			Reason: reason,
		}
	}
	a := Answer{Status: fr.Status, Body: fr.Body, Reason: ReasonAppAnswer}
	if ct := fr.Header.Get("Content-Type"); ct != "" {
		a.Header = http.Header{"Content-Type": {ct}}
	} else if len(fr.Body) > 0 {
		// Without this, net/http would sniff one for the caller.
		a.Header = http.Header{"Content-Type": nil}
	}
	return a
}
