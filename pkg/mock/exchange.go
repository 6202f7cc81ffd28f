package mock

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Origins of an Exchange: the same words the web inspector uses.
const (
	OriginAPI  = "api"  // a call the app made to the mock
	OriginSent = "sent" // a callback the mock delivered to the app
)

// Exchange is one whole HTTP exchange of the mock, for a viewer such as
// the web inspector: the request exactly as made (the app's call, or the
// callback the mock sent) and its answer, in the recording's shape, with
// the decoded events of a callback. Log is the event-log record of the
// same exchange.
type Exchange struct {
	Origin string
	Record *record.Record
	Log    Record
}

// captureWriter keeps the status and body a handler answers.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len() < 64<<10 {
		c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// observeAPI serves a provider call through next and hands the whole
// exchange to Config.Exchanges. The body is read here (up to one byte more
// than MaxBody, so the handler still answers 413) and given back to the
// handler unchanged.
func (m *Mock) observeAPI(next http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, m.cfg.MaxBody+1))
	// the handler reads all of it (a media upload may be larger than
	// MaxBody); only the first MaxBody+1 bytes are kept here
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	cw := &captureWriter{ResponseWriter: w}
	var log Record
	r = r.WithContext(withLogHook(r.Context(), func(rec Record) { log = rec }))
	next.ServeHTTP(cw, r)
	rec := &record.Record{
		Schema:     record.Schema,
		RequestID:  m.cfg.Renderer.FreshID(uuidShape),
		ReceivedAt: start.UTC(),
		Request: record.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host,
			RemoteAddr: r.RemoteAddr, Header: r.Header.Clone(), Body: body},
		Response: record.Response{Status: cw.status, Body: cw.body.String(), LatencyMS: msSince(start)},
	}
	if int64(len(body)) > m.cfg.MaxBody {
		rec.Request.Body = nil
		rec.Error = "body larger than the limit: not kept"
	}
	m.cfg.Exchanges(Exchange{Origin: OriginAPI, Record: rec, Log: log})
}

// observeCallback hands a delivered callback to Config.Exchanges; sentAt
// (wall clock) is when it went out.
func (m *Mock) observeCallback(req sender.Request, res sender.Result, log Record, sentAt time.Time) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return
	}
	cr := callback.Request{Method: req.Method, Path: u.EscapedPath(), RawQuery: u.RawQuery, Header: req.Header, Body: req.Body}
	rec := &record.Record{
		Schema:     record.Schema,
		RequestID:  m.cfg.Renderer.FreshID(uuidShape),
		ReceivedAt: sentAt.UTC(),
		Request:    record.Request{Method: req.Method, Path: cr.Path, RawQuery: cr.RawQuery, Host: u.Host, Header: req.Header.Clone(), Body: req.Body},
		Events:     callback.Decode(cr),
		Response:   record.Response{Status: res.Status, Body: res.Response, LatencyMS: res.LatencyMS, Reason: res.Error},
	}
	if res.Signed {
		// the signature headers the sender added
		h := rec.Request.Header
		if h == nil {
			h = http.Header{}
			rec.Request.Header = h
		}
		sender.SignHeaders(h, m.cfg.AppSecret, req.Body)
	}
	m.cfg.Exchanges(Exchange{Origin: OriginSent, Record: rec, Log: log})
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

type logHookKey struct{}

// withLogHook lets observeAPI learn the event-log record its handler
// emitted.
func withLogHook(ctx context.Context, fn func(Record)) context.Context {
	return context.WithValue(ctx, logHookKey{}, fn)
}

// emitAPI emits the record of an API call and hands it to the exchange
// being observed, if any.
func (m *Mock) emitAPI(r *http.Request, rec Record) {
	m.emit(rec)
	if fn, ok := r.Context().Value(logHookKey{}).(func(Record)); ok {
		fn(rec)
	}
}
