// Package record reads and writes wa-cb recordings: one JSON object per
// line, one line per exchange the listener answered (the raw request, its
// events, the answer given and the forward result).
//
// A body is stored so that it comes back byte for byte: as a JSON string in
// "body" when it is valid UTF-8 (JSON strings round-trip such text exactly),
// otherwise base64 in "body_base64".
package record

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// Schema names the line format.
const Schema = "wa-cb.record/v1"

// Record is one exchange.
type Record struct {
	Schema     string           `json:"schema"`
	RequestID  string           `json:"request_id"`
	ReceivedAt time.Time        `json:"received_at"`
	Request    Request          `json:"request"`
	Events     []callback.Event `json:"events"`
	// EventsJSON, when set, is Events already encoded, one object each
	// (listener.Exchange.EventsJSON): Marshal writes these bytes as they
	// are, so raw stays byte for byte what the JSON stream shows.
	EventsJSON [][]byte `json:"-"`
	Response   Response `json:"response"`
	Forward    *Forward `json:"forward,omitempty"`
	// Error says why the request was not taken in normally (body too large,
	// unreadable, a listener failure).
	Error string `json:"error,omitempty"`
	// Redacted: personal data was masked in this record, so its body is no
	// longer the bytes received (and a signature over it no longer holds).
	Redacted bool `json:"redacted,omitempty"`
}

// Request is the request exactly as received.
type Request struct {
	Method     string      `json:"method"`
	Path       string      `json:"path"` // escaped path as on the wire
	RawQuery   string      `json:"query,omitempty"`
	Host       string      `json:"host,omitempty"`
	RemoteAddr string      `json:"remote_addr,omitempty"`
	Header     http.Header `json:"headers,omitempty"`
	Body       []byte      `json:"-"`
}

// Response is the answer the listener gave.
type Response struct {
	Status    int     `json:"status"`
	Body      string  `json:"body,omitempty"`
	Reason    string  `json:"reason,omitempty"` // why this answer, when not the configured one
	LatencyMS float64 `json:"latency_ms"`
}

// Forward is the result of forwarding the request to the developer's app.
type Forward struct {
	URL        string      `json:"url"`
	Status     int         `json:"status,omitempty"`
	Header     http.Header `json:"headers,omitempty"`
	Body       string      `json:"body,omitempty"`
	BodyBase64 string      `json:"body_base64,omitempty"`
	Truncated  bool        `json:"body_truncated,omitempty"`
	Error      string      `json:"error,omitempty"`
	LatencyMS  float64     `json:"latency_ms"`
}

// MarshalJSON stores the body as text or base64.
func (r Request) MarshalJSON() ([]byte, error) {
	return appendRequest(make([]byte, 0, 256+len(r.Body)*5/4), &r), nil
}

// UnmarshalJSON restores the body bytes.
func (r *Request) UnmarshalJSON(b []byte) error {
	type plain Request
	var in struct {
		plain
		Body       *string `json:"body"`
		BodyBase64 string  `json:"body_base64"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = Request(in.plain)
	switch {
	case in.Body != nil:
		r.Body = []byte(*in.Body)
	case in.BodyBase64 != "":
		body, err := base64.StdEncoding.DecodeString(in.BodyBase64)
		if err != nil {
			return fmt.Errorf("body_base64: %w", err)
		}
		r.Body = body
	}
	return nil
}

// Writer appends records to a file, one line each. Write never waits for
// the disk: it adds the line to the pending ones, and a writer goroutine
// writes everything pending, one write(2) per chunk of lines (a chunk is
// chunkSize bytes, or one longer line). While records keep coming it
// lets them gather for a moment (lingerFor) before each write, so that
// many share one system call; after a pause the next one is written at
// once. Flush waits for the pending lines; Close writes them all, syncs and
// closes. Lines are whole and never interleave.
type Writer struct {
	mu      sync.Mutex
	changed sync.Cond // signalled after each write
	f       *os.File
	err     error // the first failed write: every later Write returns it
	// pending holds the whole lines not yet handed to write(2), in chunks
	// that lines are appended to (only the last one has room left): a
	// burst of records takes more chunks instead of growing, and so
	// copying, one buffer.
	pending [][]byte
	spare   [][]byte // the list of chunks of the last write, reused
	free    [][]byte // empty chunks of chunkSize, reused
	added   uint64   // lines ever added to pending
	written uint64   // lines ever written (or failed)
	closed  bool
	wake    chan struct{} // holds a token while lines may be pending
	done    chan struct{} // closed when the writer goroutine has ended
	onError func(error)   // told of the first failed write
}

// The writer lingers only when its last write was less than busyWithin
// ago (records keep coming), and then for lingerFor.
const (
	busyWithin = 2 * time.Millisecond
	lingerFor  = 500 * time.Microsecond
)

// Create opens path for appending (creating it if needed).
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.changed.L = &w.mu
	go w.run()
	return w, nil
}

// OnError sets a function told, once, of the first write that fails (on
// the writer's goroutine, as soon as it happens). Set it before the first
// Write.
func (w *Writer) OnError(f func(error)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onError = f
}

// errClosed is returned by a Write after Close.
var errClosed = errors.New("record: writer closed")

// maxSpare is the largest line buffer kept for reuse.
const maxSpare = 1 << 20

// chunkSize is the room of a chunk of pending lines (a line longer than
// that has a chunk of its own, not reused); maxFree chunks are kept for
// reuse, as much as a burst of records in one linger of a loaded writer
// takes.
const (
	chunkSize = 64 << 10
	maxFree   = 32
)

// Write queues one record for writing. It is safe for concurrent use. It
// returns the error of an earlier failed write, if any: once a write has
// failed, nothing more is written.
func (w *Writer) Write(rec *Record) error {
	if rec.Schema == "" {
		rec.Schema = Schema
	}
	// Encoded outside the lock, in a pooled buffer, then copied in.
	buf := linePool.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxSpare {
			linePool.Put(buf)
		}
	}()
	line, err := appendRecord((*buf)[:0], rec)
	if err != nil {
		return err
	}
	*buf = line
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.err != nil:
		return w.err
	case w.closed:
		return errClosed
	}
	w.addLine(line)
	w.added++
	select { // under mu: Close cannot have closed wake yet
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// addLine appends line and its newline to the last pending chunk, or to a
// new one when it has no room left. w.mu must be held.
func (w *Writer) addLine(line []byte) {
	n := len(w.pending)
	if n == 0 || cap(w.pending[n-1])-len(w.pending[n-1]) <= len(line) {
		var chunk []byte
		if f := len(w.free); f > 0 && len(line) < chunkSize {
			chunk, w.free = w.free[f-1], w.free[:f-1]
		} else {
			chunk = make([]byte, 0, max(chunkSize, len(line)+1))
		}
		w.pending = append(w.pending, chunk)
		n++
	}
	w.pending[n-1] = append(append(w.pending[n-1], line...), '\n')
}

// linePool holds the buffers Write encodes lines in.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// run writes what is pending each time it is woken, until Close.
func (w *Writer) run() {
	defer close(w.done)
	var last time.Time
	for range w.wake {
		if time.Since(last) < busyWithin {
			time.Sleep(lingerFor)
		}
		w.writePending()
		last = time.Now()
	}
	w.writePending()
}

func (w *Writer) writePending() {
	w.mu.Lock()
	chunks, upto := w.pending, w.added
	w.pending, w.spare = w.spare[:0], nil // pending and spare never share an array
	failed := w.err != nil
	w.mu.Unlock()
	var err error
	for _, chunk := range chunks {
		if failed || err != nil {
			break // once a write has failed, nothing more is written
		}
		_, err = w.f.Write(chunk)
	}
	w.mu.Lock()
	var tell func(error)
	if err != nil && w.err == nil {
		w.err = err
		tell = w.onError
	}
	w.written = upto
	for i, chunk := range chunks {
		if cap(chunk) == chunkSize && len(w.free) < maxFree {
			w.free = append(w.free, chunk[:0])
		}
		chunks[i] = nil
	}
	w.spare = chunks[:0]
	w.changed.Broadcast()
	w.mu.Unlock()
	if tell != nil {
		tell(err)
	}
}

// Flush waits until every record written so far is in the file (or has
// failed) and returns the first write error.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.written < w.added {
		w.changed.Wait()
	}
	return w.err
}

// Marshal encodes rec as one line (without the newline): the bytes an
// encoding/json Encoder with SetEscapeHTML(false) writes for rec, with
// rec.EventsJSON in place of the events when set. It is written by hand,
// part by part, because it runs once per request of listen --record.
// Strings keep <, > and & as they are, so an event's raw is byte for byte
// the raw of the JSON stream.
func Marshal(rec *Record) ([]byte, error) {
	size := 1024 + len(rec.Request.Body)*5/4
	for _, e := range rec.EventsJSON {
		size += len(e) + 1
	}
	return appendRecord(make([]byte, 0, size), rec)
}

// appendRecord appends rec's line to b, as Marshal writes it.
func appendRecord(b []byte, rec *Record) ([]byte, error) {
	schema := rec.Schema
	if schema == "" {
		schema = Schema
	}
	if !finite(rec.Response.LatencyMS) || (rec.Forward != nil && !finite(rec.Forward.LatencyMS)) {
		return nil, errors.New("record: latency is NaN or infinite")
	}
	b = append(b, `{"schema":`...)
	b = jsonstr.Append(b, schema)
	b = append(b, `,"request_id":`...)
	b = jsonstr.Append(b, rec.RequestID)
	b = append(b, `,"received_at":`...)
	// AppendText writes the RFC 3339 text MarshalJSON quotes, in place;
	// for a time it refuses, MarshalJSON gives its own error.
	b, err := rec.ReceivedAt.AppendText(append(b, '"'))
	if err != nil {
		_, err = rec.ReceivedAt.MarshalJSON()
		return nil, err
	}
	b = append(b, '"')
	b = append(b, `,"request":`...)
	b = appendRequest(b, &rec.Request)
	b = append(b, `,"events":`...)
	switch {
	case rec.EventsJSON != nil:
		b = append(b, '[')
		for i, e := range rec.EventsJSON {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, e...)
		}
		b = append(b, ']')
	case rec.Events == nil:
		b = append(b, "null"...)
	default:
		b = append(b, '[')
		for i := range rec.Events {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = callback.AppendJSON(b, &rec.Events[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"response":{"status":`...)
	b = strconv.AppendInt(b, int64(rec.Response.Status), 10)
	b = jsonstr.AppendField(b, "body", rec.Response.Body)
	b = jsonstr.AppendField(b, "reason", rec.Response.Reason)
	b = append(b, `,"latency_ms":`...)
	b = jsonstr.AppendFloat(b, rec.Response.LatencyMS)
	b = append(b, '}')
	if f := rec.Forward; f != nil {
		b = append(b, `,"forward":{"url":`...)
		b = jsonstr.Append(b, f.URL)
		if f.Status != 0 {
			b = append(b, `,"status":`...)
			b = strconv.AppendInt(b, int64(f.Status), 10)
		}
		b = appendHeader(b, f.Header)
		b = jsonstr.AppendField(b, "body", f.Body)
		b = jsonstr.AppendField(b, "body_base64", f.BodyBase64)
		if f.Truncated {
			b = append(b, `,"body_truncated":true`...)
		}
		b = jsonstr.AppendField(b, "error", f.Error)
		b = append(b, `,"latency_ms":`...)
		b = jsonstr.AppendFloat(b, f.LatencyMS)
		b = append(b, '}')
	}
	b = jsonstr.AppendField(b, "error", rec.Error)
	if rec.Redacted {
		b = append(b, `,"redacted":true`...)
	}
	return append(b, '}'), nil
}

// appendRequest writes r as MarshalJSON does.
func appendRequest(b []byte, r *Request) []byte {
	b = append(b, `{"method":`...)
	b = jsonstr.Append(b, r.Method)
	b = append(b, `,"path":`...)
	b = jsonstr.Append(b, r.Path)
	b = jsonstr.AppendField(b, "query", r.RawQuery)
	b = jsonstr.AppendField(b, "host", r.Host)
	b = jsonstr.AppendField(b, "remote_addr", r.RemoteAddr)
	b = appendHeader(b, r.Header)
	if len(r.Body) > 0 {
		if utf8.Valid(r.Body) {
			b = append(b, `,"body":`...)
			b = jsonstr.AppendBytes(b, r.Body)
		} else {
			b = append(b, `,"body_base64":"`...)
			b = base64.StdEncoding.AppendEncode(b, r.Body)
			b = append(b, '"')
		}
	}
	return append(b, '}')
}

// appendHeader writes ,"headers":{...} with sorted names, unless empty.
// The values of credential headers are written as Masked (SecretHeader).
func appendHeader(b []byte, h http.Header) []byte {
	if len(h) == 0 {
		return b
	}
	// The names with their values, taken in the one walk of the map, in
	// the order of the names.
	var small [16]headerField
	fields := small[:0]
	for k, vs := range h {
		fields = append(fields, headerField{k, vs})
	}
	if len(fields) <= 12 {
		// As slices.SortFunc does for so few, without a call per compare.
		for i := 1; i < len(fields); i++ {
			for j := i; j > 0 && fields[j].name < fields[j-1].name; j-- {
				fields[j], fields[j-1] = fields[j-1], fields[j]
			}
		}
	} else {
		slices.SortFunc(fields, func(a, b headerField) int { return strings.Compare(a.name, b.name) })
	}
	b = append(b, `,"headers":{`...)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		k, vs := f.name, f.values
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		secret := SecretHeader(k)
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			if secret {
				v = Masked
			}
			b = jsonstr.Append(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

type headerField struct {
	name   string
	values []string
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Close writes every pending record, syncs the file to disk and closes
// it. It returns the first error of a write, the sync or the close.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	w.closed = true
	w.mu.Unlock()
	close(w.wake)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.err
	serr := w.f.Sync()
	if errors.Is(serr, syscall.EINVAL) || errors.Is(serr, syscall.ENOTSUP) {
		serr = nil // a pipe or a device: there is nothing to sync
	}
	if err == nil {
		err = serr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Reader reads records line by line.
type Reader struct {
	r    *bufio.Reader
	line int
}

// NewReader reads records from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 1<<20)}
}

// Next returns the next record, its raw line (for filters), or io.EOF.
// Blank lines are skipped; a line that is not a record is an error naming
// its line number.
func (rd *Reader) Next() (*Record, []byte, error) {
	for {
		line, err := rd.r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil, io.EOF
			}
			return nil, nil, err
		}
		rd.line++
		trimmed := trimSpace(line)
		if len(trimmed) == 0 {
			if err != nil {
				return nil, nil, io.EOF
			}
			continue
		}
		var rec Record
		if uerr := json.Unmarshal(trimmed, &rec); uerr != nil {
			return nil, nil, &LineError{Line: rd.line, Err: uerr}
		}
		if rec.Request.Method == "" {
			le := &LineError{Line: rd.line, Err: errors.New("no request method")}
			if rec.Schema != Schema {
				le.Schema = rec.Schema
			}
			return nil, nil, le
		}
		return &rec, trimmed, nil
	}
}

// LineError is a line that is not a recording line. Reading can go on
// after it with the next line.
type LineError struct {
	Line int
	Err  error
	// Schema is the format the line names when it is another one (an event
	// stream's wa-cb.event/v1): a caller can say what the file is instead.
	Schema string
}

func (e *LineError) Error() string {
	if e.Schema != "" {
		return fmt.Sprintf("line %d: a %s line, not a wa-cb recording line", e.Line, e.Schema)
	}
	return fmt.Sprintf("line %d: not a wa-cb recording line: %v", e.Line, e.Err)
}

// IsEventStream reports whether the line belongs to wa-cb's event stream
// (events and forward results), which keeps no request to send again.
func (e *LineError) IsEventStream() bool {
	return strings.HasPrefix(e.Schema, "wa-cb.event/") || strings.HasPrefix(e.Schema, "wa-cb.forward/")
}

func (e *LineError) Unwrap() error { return e.Err }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
