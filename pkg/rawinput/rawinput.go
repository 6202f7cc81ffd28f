// Package rawinput reads raw callbacks from text a person saved or pasted:
// a whole HTTP request (as `wa-cb fixtures show` prints it), a JSON body, a
// URL, a request line, a path or query string, a form body, a line of a
// recording, or logs made of such lines. `wa-cb decode` and `wa-cb send
// file` both read their input here, so they agree on what an input is.
//
// Nothing is unescaped or re-encoded: a request carries the bytes given
// (text saved as UTF-16 with a byte order mark, as Windows tools write it,
// is read as the UTF-8 it stands for, and a UTF-8 byte order mark, which no
// sender sends, is dropped).
package rawinput

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// Form says what a raw input was read as.
type Form string

// The forms of raw input.
const (
	FormHTTP   Form = "http"   // request line, headers, blank line, body
	FormRecord Form = "record" // a line of a recording (wa-cb.record/v1)
	FormJSON   Form = "json"   // a JSON body (it may be broken)
	FormURL    Form = "url"    // an absolute http:// or https:// URL
	FormTarget Form = "target" // a request line without headers, or a path
	FormQuery  Form = "query"  // a query string or form body, k=v&k2=v2
	FormText   Form = "text"   // anything else
)

// Input is one raw callback.
type Input struct {
	Line    int // 1-based line it starts on
	Form    Form
	Request callback.Request
	// Problem says what is wrong with the input when something is (an
	// HTTP request whose body is shorter than its Content-Length, ...);
	// Request then holds everything that could be read.
	Problem string
	// ReceivedAt is when a recorded request arrived (FormRecord), RFC 3339;
	// empty for other forms.
	ReceivedAt string
}

// ErrEmpty is returned by ParseOne for input that holds nothing but white
// space.
var ErrEmpty = errors.New("the input is empty")

// Parse reads text holding raw callbacks, as `wa-cb decode` does.
//
// The whole input is one callback when it is one HTTP request, one JSON
// document (pretty or not), or when its lines do not all look like
// callbacks. Several HTTP requests one after the other (Content-Length
// says where a body ends) are several callbacks (a JSON array of objects
// is one input: callback.Decode reads it as a list of callbacks, for the
// listener too). When the input has several
// non-blank lines that each look like a callback (NDJSON of bodies, lines
// of URLs or query strings, "GET /path?query HTTP/1.1" request lines, as
// in logs), each line is one callback; blank lines and lines starting
// with '#' are skipped. A callback that spans the whole input is trimmed
// of the white space around it.
func Parse(data []byte) []Input {
	data = normalize(data)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	lead := len(data) - len(bytes.TrimLeftFunc(data, unicode.IsSpace))
	firstLine := lineAt(data, lead)
	if isHTTPRequest(data[lead:]) {
		return parseHTTPRequests(data, lead)
	}
	if json.Valid(trimmed) {
		in := one(trimmed)
		in.Line = firstLine
		return []Input{in}
	}
	var lines []Input
	all := true
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if !looksLikeCallback(line) {
			all = false
			break
		}
		in := one(line)
		in.Line = i + 1
		lines = append(lines, in)
	}
	if all && len(lines) > 1 {
		return lines
	}
	in := one(trimmed)
	in.Line = firstLine
	return []Input{in}
}

// ParseOne reads data as exactly one callback, as `wa-cb send file` does.
// A JSON or text body is data itself, white space included (JSON saved as
// UTF-16 is its UTF-8); an HTTP request's body is the bytes after its blank
// line, up to Content-Length.
func ParseOne(data []byte) (Input, error) {
	given := bytes.TrimPrefix(data, utf8BOM)
	data = normalize(data)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Input{}, ErrEmpty
	}
	lead := len(data) - len(bytes.TrimLeftFunc(data, unicode.IsSpace))
	if isHTTPRequest(data[lead:]) {
		in, _ := parseHTTP(data[lead:])
		in.Line = lineAt(data, lead)
		return in, nil
	}
	in := one(trimmed)
	in.Line = lineAt(data, lead)
	switch in.Form {
	case FormJSON:
		in.Request.Body = data
	case FormText:
		// Text is sent as given, even when it reads as UTF-16: a binary
		// body may start with the same two bytes.
		in.Request.Body = given
	}
	return in, nil
}

// normalize reads UTF-16 text with a byte order mark as UTF-8 and drops a
// UTF-8 byte order mark.
func normalize(data []byte) []byte {
	return bytes.TrimPrefix(fromUTF16(data), utf8BOM)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// methods are the request methods a request line without an HTTP version
// may start with (with a version, any method token is accepted).
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// requestLine splits "METHOD target [HTTP/x.y]" (the target may hold
// spaces when the version ends the line, as a careless log writes it).
func requestLine(s []byte) (method string, target []byte, ok bool) {
	if m, t, ok := fullRequestLine(s); ok {
		return m, t, true
	}
	for _, m := range methods {
		if len(s) > len(m) && string(s[:len(m)]) == m && (s[len(m)] == ' ' || s[len(m)] == '\t') {
			t := bytes.TrimSpace(s[len(m):])
			return m, t, len(t) > 0
		}
	}
	return "", nil, false
}

// fullRequestLine splits "METHOD target HTTP/x.y", the first line of a
// whole HTTP request; METHOD is any HTTP token in upper case.
func fullRequestLine(s []byte) (method string, target []byte, ok bool) {
	s = bytes.TrimSuffix(s, []byte("\r"))
	sp := bytes.IndexByte(s, ' ')
	if sp <= 0 {
		return "", nil, false
	}
	for _, c := range s[:sp] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", nil, false
		}
	}
	v := bytes.LastIndexByte(s, ' ')
	if v <= sp || !isHTTPVersion(s[v+1:]) {
		return "", nil, false
	}
	t := bytes.TrimSpace(s[sp:v])
	return string(s[:sp]), t, len(t) > 0
}

// isHTTPVersion accepts HTTP/1.1, HTTP/1.0, HTTP/2 and the like.
func isHTTPVersion(s []byte) bool {
	if !bytes.HasPrefix(s, []byte("HTTP/")) || len(s) < 6 {
		return false
	}
	for _, c := range s[5:] {
		if !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return s[5] != '.'
}

func hasURLScheme(s []byte) bool {
	l := strings.ToLower(string(s[:min(len(s), 8)]))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// looksLikeCallback reports whether one line of a log reads as a callback.
func looksLikeCallback(s []byte) bool {
	switch {
	case s[0] == '{' || s[0] == '[' || s[0] == '?' || s[0] == '/':
		return true
	case hasURLScheme(s):
		return true
	}
	if _, _, ok := requestLine(s); ok {
		return true
	}
	eq := bytes.IndexByte(s, '=')
	return eq > 0 && !bytes.ContainsAny(s[:eq], " \t")
}

// one reads a callback that is not a whole HTTP request.
func one(s []byte) Input {
	if req, at, ok := recorded(s); ok {
		return Input{Form: FormRecord, Request: req, ReceivedAt: at}
	}
	switch {
	case s[0] == '{' || s[0] == '[':
		return Input{Form: FormJSON, Request: callback.Request{
			Method: http.MethodPost, Path: "/",
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   s,
		}}
	case hasURLScheme(s):
		return Input{Form: FormURL, Request: target(http.MethodGet, s)}
	case s[0] == '/':
		return Input{Form: FormTarget, Request: target(http.MethodGet, s)}
	case s[0] == '?':
		return Input{Form: FormQuery, Request: target(http.MethodGet, s)}
	}
	if m, t, ok := requestLine(s); ok {
		return Input{Form: FormTarget, Request: target(m, t)}
	}
	if eq := bytes.IndexByte(s, '='); eq > 0 && !bytes.ContainsAny(s[:eq], " \t\r\n") {
		return Input{Form: FormQuery, Request: callback.Request{Method: http.MethodGet, Path: "/", RawQuery: string(s), Header: http.Header{}}}
	}
	return Input{Form: FormText, Request: callback.Request{Method: http.MethodPost, Path: "/", Header: http.Header{}, Body: s}}
}

// target reads an absolute URL, a path with a query or a bare query,
// leniently: the query is everything after the first '?', as sent.
func target(method string, s []byte) callback.Request {
	str := string(s)
	if hasURLScheme(s) {
		rest := str[strings.Index(str, "//")+2:]
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			str = rest[i:]
		} else {
			str = "/"
		}
	}
	path, query, _ := strings.Cut(str, "?")
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return callback.Request{Method: method, Path: path, RawQuery: query, Header: http.Header{}}
}

// recorded reads a line of a recording (wa-cb listen --record): the request
// it holds, exactly as it was received but for the credential headers the
// recording masked, which are left out, and when it arrived (RFC 3339).
func recorded(s []byte) (req callback.Request, receivedAt string, ok bool) {
	if s[0] != '{' || !bytes.Contains(s, []byte(`"`+record.Schema+`"`)) {
		return callback.Request{}, "", false
	}
	var rec struct {
		Schema     string         `json:"schema"`
		ReceivedAt string         `json:"received_at"`
		Request    record.Request `json:"request"`
	}
	if err := json.Unmarshal(s, &rec); err != nil || rec.Schema != record.Schema || rec.Request.Method == "" {
		return callback.Request{}, "", false
	}
	r := rec.Request
	path := r.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	h := r.Header
	if h == nil {
		h = http.Header{}
	}
	for k := range record.MaskedHeaders(h) {
		delete(h, k) // a credential the recording did not keep: none is sent
	}
	return callback.Request{Method: r.Method, Path: path, RawQuery: r.RawQuery, Header: h, Body: r.Body}, rec.ReceivedAt, true
}

// fromUTF16 turns UTF-16 text that starts with a byte order mark into
// UTF-8; anything else is returned as it is.
func fromUTF16(b []byte) []byte {
	var order binary.ByteOrder
	switch {
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		order = binary.LittleEndian
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		order = binary.BigEndian
	default:
		return b
	}
	units := make([]uint16, 0, (len(b)-2)/2)
	for i := 2; i+1 < len(b); i += 2 {
		units = append(units, order.Uint16(b[i:]))
	}
	return []byte(string(utf16.Decode(units)))
}
