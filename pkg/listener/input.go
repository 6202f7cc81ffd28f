package listener

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// Input is one raw callback found in offline input (wa-cb decode).
type Input struct {
	Line    int // 1-based line it starts on
	Request callback.Request
}

// ParseInput turns text holding raw callbacks into requests to decode.
//
// The whole input is one callback when it is one JSON document (pretty or
// not) or when its lines do not all look like callbacks; a JSON array of
// objects is a list of callbacks (no webhook body is a bare array). When it has
// several non-blank lines that each look like a callback (NDJSON of
// bodies, lines of URLs or query strings, "GET /path?query HTTP/1.1"
// request lines, as in logs), each line is one callback; blank lines and
// lines starting with '#' are skipped.
//
// One callback is read as:
//   - the request of a recording line (wa-cb.record/v1), as it was received,
//   - a JSON body when it starts with '{' or '[' (POST, application/json),
//   - a URL when it starts with http:// or https:// (GET of its query),
//   - a request line "METHOD target [HTTP/x.y]",
//   - a path with a query ("/cb?id=…"), or a query string with or without
//     its leading '?' (GET),
//   - anything else as a raw POST body.
//
// Nothing is unescaped or re-encoded: the decoder sees the bytes given
// (text saved as UTF-16 with a byte order mark, as Windows tools write it,
// is read as the UTF-8 it stands for).
func ParseInput(data []byte) []Input {
	data = fromUTF16(data)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	lead := len(data) - len(bytes.TrimLeftFunc(data, unicode.IsSpace))
	firstLine := 1 + bytes.Count(data[:lead], []byte("\n"))
	if json.Valid(trimmed) {
		if items := arrayItems(trimmed); len(items) > 0 {
			base := lead
			out := make([]Input, len(items))
			for i, it := range items {
				line := 1 + bytes.Count(data[:base+it.offset], []byte("\n"))
				out[i] = Input{Line: line, Request: parseOne(it.raw)}
			}
			return out
		}
		return []Input{{Line: firstLine, Request: parseOne(trimmed)}}
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
		lines = append(lines, Input{Line: i + 1, Request: parseOne(line)})
	}
	if all && len(lines) > 1 {
		return lines
	}
	return []Input{{Line: firstLine, Request: parseOne(trimmed)}}
}

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// requestLine splits "METHOD target [HTTP/x.y]".
func requestLine(s []byte) (method string, target []byte, ok bool) {
	for _, m := range methods {
		if len(s) > len(m) && string(s[:len(m)]) == m && (s[len(m)] == ' ' || s[len(m)] == '\t') {
			t := bytes.TrimSpace(s[len(m):])
			if i := bytes.LastIndexByte(t, ' '); i >= 0 && bytes.HasPrefix(t[i+1:], []byte("HTTP/")) {
				t = bytes.TrimSpace(t[:i])
			}
			return m, t, len(t) > 0
		}
	}
	return "", nil, false
}

func hasURLScheme(s []byte) bool {
	l := strings.ToLower(string(s[:min(len(s), 8)]))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

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

func parseOne(s []byte) callback.Request {
	if req, ok := recorded(s); ok {
		return req
	}
	switch {
	case s[0] == '{' || s[0] == '[':
		return callback.Request{
			Method: http.MethodPost, Path: "/",
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   s,
		}
	case hasURLScheme(s), s[0] == '/', s[0] == '?':
		return target(http.MethodGet, s)
	}
	if m, t, ok := requestLine(s); ok {
		return target(m, t)
	}
	if eq := bytes.IndexByte(s, '='); eq > 0 && !bytes.ContainsAny(s[:eq], " \t\r\n") {
		return callback.Request{Method: http.MethodGet, Path: "/", RawQuery: string(s)}
	}
	return callback.Request{Method: http.MethodPost, Path: "/", Header: http.Header{}, Body: s}
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
// it holds, exactly as it was received.
func recorded(s []byte) (callback.Request, bool) {
	if s[0] != '{' || !bytes.Contains(s, []byte(`"`+record.Schema+`"`)) {
		return callback.Request{}, false
	}
	var rec struct {
		Schema  string         `json:"schema"`
		Request record.Request `json:"request"`
	}
	if err := json.Unmarshal(s, &rec); err != nil || rec.Schema != record.Schema || rec.Request.Method == "" {
		return callback.Request{}, false
	}
	r := rec.Request
	path := r.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return callback.Request{Method: r.Method, Path: path, RawQuery: r.RawQuery, Header: r.Header, Body: r.Body}, true
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

type arrayItem struct {
	offset int // byte offset in the document
	raw    []byte
}

// arrayItems splits a JSON array whose elements are all objects; nil for
// anything else.
func arrayItems(doc []byte) []arrayItem {
	if doc[0] != '[' {
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(doc, &elems); err != nil || len(elems) == 0 {
		return nil
	}
	items := make([]arrayItem, 0, len(elems))
	pos := 1
	for _, e := range elems {
		if len(e) == 0 || e[0] != '{' {
			return nil
		}
		// Find the element where it starts, after pos.
		i := bytes.Index(doc[pos:], e)
		if i < 0 {
			return nil
		}
		items = append(items, arrayItem{offset: pos + i, raw: doc[pos+i : pos+i+len(e)]})
		pos += i + len(e)
	}
	return items
}
