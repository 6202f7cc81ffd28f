// Package sender delivers callback requests over HTTP the way WhatsApp
// Business senders do, signs bodies with X-Hub-Signature-256 and reports
// what each delivery got back. A Sender is safe for concurrent use, so a
// load runner can share one (and its keep-alive connections) across
// workers.
package sender

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Request is one delivery.
type Request struct {
	Name   string // the fixture (or file) delivered, for reports
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Result is what one delivery got. It is the --json shape of a delivery.
type Result struct {
	Name   string `json:"fixture,omitempty"`
	Method string `json:"method"`
	URL    string `json:"url"`
	// Status is the response status code; 0 when no response arrived.
	Status     int     `json:"status"`
	StatusText string  `json:"status_text,omitempty"`
	LatencyMS  float64 `json:"latency_ms"`
	Sent       int     `json:"bytes_sent"`
	Signed     bool    `json:"signed,omitempty"`
	// Response is the start of the response body (at most PreviewBytes,
	// invalid UTF-8 replaced); ResponseBytes is its full length.
	Response      string `json:"response,omitempty"`
	ResponseBytes int64  `json:"response_bytes"`
	// Error says why no response arrived (refused, timeout, ...).
	Error string `json:"error,omitempty"`
	// Problem says why a response that arrived is not what was expected
	// (e.g. a handshake answer that does not echo hub.challenge).
	Problem string `json:"problem,omitempty"`
	// OK is true when the status (and answer) is what the caller expects.
	OK bool `json:"ok"`

	// Latency is LatencyMS as a duration, for aggregation.
	Latency time.Duration `json:"-"`
}

// LegacySignatureHeader is the SHA-1 signature Meta's webhooks send
// beside X-Hub-Signature-256, for handlers written against it.
const LegacySignatureHeader = "X-Hub-Signature"

// SignHeaders sets X-Hub-Signature-256 (sha256=<hex HMAC-SHA256>) and
// X-Hub-Signature (sha1=<hex HMAC-SHA1>) for body, as Meta does.
func SignHeaders(h http.Header, secret string, body []byte) {
	h.Set(callback.SignatureHeader, callback.Sign(secret, body))
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	h.Set(LegacySignatureHeader, "sha1="+hex.EncodeToString(m.Sum(nil)))
}

// PreviewBytes is how much of a response body a Result keeps.
const PreviewBytes = 512

// maxDrain bounds how much of a response is read so the connection can be
// reused; a larger answer closes it instead.
const maxDrain = 1 << 20

// Sender delivers requests with one shared client.
type Sender struct {
	Client *http.Client
	// Secret signs bodies when Sign is set on Deliver; empty means never.
	Secret string
	// UserAgent is sent unless the request sets one.
	UserAgent string
	// Expect decides which statuses are OK; nil means 2xx.
	Expect func(status int) bool
	// Now is the clock for latency (monotonic readings); nil means time.Now.
	Now func() time.Time
	// Hint adds the command's advice to a failed delivery's Error.
	Hint Hint
}

// Deliver sends req and reports the result. sign asks for an
// X-Hub-Signature-256 header over the exact body bytes (when a Secret is
// set and the body is not empty). Deliver never returns an error: a failed
// delivery is a Result with Error set.
func (s *Sender) Deliver(ctx context.Context, req Request, sign bool) Result {
	res := s.deliver(ctx, req, sign)
	if shown := ShownURL(req.URL); shown != req.URL {
		res.URL = shown
		res.Error = strings.ReplaceAll(res.Error, req.URL, shown)
	}
	return res
}

func (s *Sender) deliver(ctx context.Context, req Request, sign bool) Result {
	res := Result{Name: req.Name, Method: req.Method, URL: req.URL, Sent: len(req.Body)}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for k, vs := range req.Header {
		hr.Header[k] = append([]string(nil), vs...)
	}
	if hr.Header.Get("User-Agent") == "" && s.UserAgent != "" {
		hr.Header.Set("User-Agent", s.UserAgent)
	}
	if sign && s.Secret != "" && len(req.Body) > 0 {
		SignHeaders(hr.Header, s.Secret, req.Body)
		res.Signed = true
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	start := now()
	resp, err := client.Do(hr)
	if err != nil {
		res.Latency = now().Sub(start)
		res.LatencyMS = ms(res.Latency)
		res.Error = DescribeWithHint(err, client.Timeout, s.Hint)
		return res
	}
	preview, n, rerr := readPreview(resp.Body)
	resp.Body.Close()
	res.Latency = now().Sub(start)
	res.LatencyMS = ms(res.Latency)
	res.Status = resp.StatusCode
	res.StatusText = http.StatusText(resp.StatusCode)
	res.Response = preview
	res.ResponseBytes = n
	if rerr != nil {
		res.Error = "reading the response: " + DescribeWithHint(rerr, client.Timeout, s.Hint)
	}
	expect := s.Expect
	if expect == nil {
		expect = Is2xx
	}
	res.OK = rerr == nil && expect(res.Status)
	return res
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// Is2xx accepts any 2xx status.
func Is2xx(status int) bool { return status >= 200 && status < 300 }

// readPreview reads the body up to maxDrain and keeps its start.
func readPreview(r io.Reader) (string, int64, error) {
	buf := make([]byte, PreviewBytes)
	n, err := io.ReadFull(r, buf)
	total := int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	} else if err == nil {
		var m int64
		m, err = io.Copy(io.Discard, io.LimitReader(r, maxDrain))
		total += m
	}
	return Preview(buf[:n]), total, err
}

// Preview makes a response body printable on one line: invalid UTF-8 and
// control characters are replaced, line breaks become spaces.
func Preview(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			sb.WriteRune('\uFFFD')
		case r == '\n' || r == '\r' || r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			sb.WriteRune('\uFFFD')
		default:
			sb.WriteRune(r)
		}
	}
	return strings.TrimSpace(sb.String())
}

// Describe turns a transport error into a short reason: "connection
// refused", "timed out after 10s", "no such host", ... without Go's
// wrapping of method and URL (the caller prints those).
func Describe(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		if timeout > 0 {
			return fmt.Sprintf("timed out after %s", timeout)
		}
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering"
	}
	var certErr *CertificateError
	if errors.As(Typed(err), &certErr) {
		return certErr.Error()
	}
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return "TLS certificate is for another host: " + hostErr.Error()
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return "the server does not speak TLS (try http://)"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "no such host " + dnsErr.Name
		}
		return "DNS lookup failed for " + dnsErr.Name
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	return err.Error()
}

// CertificateError is a server's TLS certificate that is not trusted
// (self-signed, unknown authority, expired): a development server's, as a
// rule. Commands say how to accept it, in their own flag words (see Hint).
type CertificateError struct{ Err error }

func (e *CertificateError) Error() string { return "TLS certificate not trusted: " + e.Err.Error() }
func (e *CertificateError) Unwrap() error { return e.Err }

// Typed returns a transport error as the sender's typed error when it is
// one (a *CertificateError for an untrusted certificate), else err itself.
func Typed(err error) error {
	var ce *CertificateError
	if errors.As(err, &ce) {
		return ce
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return &CertificateError{Err: certErr.Err}
	}
	return err
}

// Hint is a caller's advice for a failed delivery, e.g. the flag that
// accepts a *CertificateError; it gets the error as Typed returns it and returns ""
// when it has none.
type Hint func(err error) string

// DescribeWithHint is Describe followed by the hint's advice in
// parentheses, when it has one.
func DescribeWithHint(err error, timeout time.Duration, hint Hint) string {
	msg := Describe(err, timeout)
	if hint != nil {
		if h := hint(Typed(err)); h != "" {
			msg += " (" + h + ")"
		}
	}
	return msg
}

// JoinURL builds the delivery URL: the target's path followed by the
// fixture's path (a fixture path of "/" adds nothing), and the target's
// query followed by the fixture's query.
//
//	--to http://127.0.0.1:4280/       + /        + id=1  -> http://127.0.0.1:4280/?id=1
//	--to https://example.com/hooks/wa + /        + id=1  -> https://example.com/hooks/wa?id=1
//	--to https://example.com/hooks    + /kaleyra         -> https://example.com/hooks/kaleyra
//	--to https://example.com/wa?k=abc + /        + id=1  -> https://example.com/wa?k=abc&id=1
func JoinURL(target *url.URL, path, rawQuery string) string {
	u := *target
	u.Fragment, u.RawFragment = "", ""
	p := u.EscapedPath()
	if path != "" && path != "/" {
		p = strings.TrimSuffix(p, "/") + path
	}
	if p == "" {
		p = "/"
	}
	q := u.RawQuery
	switch {
	case q == "":
		q = rawQuery
	case rawQuery != "":
		q += "&" + rawQuery
	}
	// url.Parse unescapes an IPv6 zone ([fe80::1%25eth0] holds
	// fe80::1%eth0): the URL written out escapes it again.
	host := strings.ReplaceAll(u.Host, "%", "%25")
	s := u.Scheme + "://" + host + p
	if q != "" {
		s += "?" + q
	}
	return s
}

// ErrUserInfo is a target URL with user info (user:password@), which
// callback senders do not send: credentials go in a header.
var ErrUserInfo = errors.New("user info is not sent by callback senders")

// ParseTarget checks a delivery target URL: absolute http or https with a
// host and no user info (ErrUserInfo).
func ParseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", raw, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid URL %q: want http:// or https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", raw, ErrUserInfo)
	}
	return u, nil
}

// ParseExpect reads an --expect-status list: codes and classes separated by
// commas, e.g. "2xx", "200", "200,204", "4xx,5xx".
func ParseExpect(s string) (func(int) bool, error) {
	var codes []int
	var classes []int
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case len(part) == 3 && part[1:] == "xx" && part[0] >= '1' && part[0] <= '5':
			classes = append(classes, int(part[0]-'0'))
		case len(part) == 3 && allDigits(part) && part[0] >= '1' && part[0] <= '5':
			codes = append(codes, int(part[0]-'0')*100+int(part[1]-'0')*10+int(part[2]-'0'))
		default:
			return nil, fmt.Errorf("invalid status %q: want a code such as 204 or a class such as 2xx", part)
		}
	}
	return func(status int) bool {
		for _, c := range codes {
			if status == c {
				return true
			}
		}
		for _, c := range classes {
			if status/100 == c {
				return true
			}
		}
		return false
	}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// UserAgent is what wa-cb sends as User-Agent: wa-cb/VERSION ("dev" for a
// build without one).
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "wa-cb/" + version
}

// ShownURL is u as a delivery's report shows it: the value of Meta's
// hub.verify_token, a secret, masked; every other byte as sent.
func ShownURL(u string) string {
	q := strings.IndexByte(u, '?')
	if q < 0 || !strings.Contains(u[q:], "verify_token") {
		return u
	}
	frag := ""
	if i := strings.IndexByte(u[q:], '#'); i >= 0 {
		u, frag = u[:q+i], u[q+i:]
	}
	parts := strings.Split(u[q+1:], "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && callback.IsVerifyToken(name) {
			parts[i] = k + "=" + callback.Masked
		}
	}
	return u[:q+1] + strings.Join(parts, "&") + frag
}
