package inspector

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/listener"
)

// Detail is everything the detail view shows of one exchange.
type Detail struct {
	Summary
	Request  RequestView     `json:"request"`
	Events   json.RawMessage `json:"events"`
	Response ResponseView    `json:"response"`
	Forward  *ForwardView    `json:"forward,omitempty"`
	Replays  []ReplayResult  `json:"replays,omitempty"`
}

// RequestView is the raw request as received, secrets masked.
type RequestView struct {
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Query       string      `json:"query,omitempty"`
	QueryParams [][2]string `json:"query_params,omitempty"`
	Host        string      `json:"host,omitempty"`
	RemoteAddr  string      `json:"remote_addr,omitempty"`
	Header      [][2]string `json:"headers"`
	Body        BodyView    `json:"body"`
}

// BodyView shows a body for reading: as text, pretty JSON (with where it
// breaks when it is not valid), a form's fields, or a hex dump.
type BodyView struct {
	Size int    `json:"size"`
	Kind string `json:"kind"` // empty, json, form, text, binary
	// Text is the body as text (valid UTF-8 only).
	Text string `json:"text,omitempty"`
	// Pretty is valid JSON indented.
	Pretty string `json:"pretty,omitempty"`
	// JSONError locates the syntax error of a body that looks like JSON
	// and is not.
	JSONError *JSONError `json:"json_error,omitempty"`
	// Fields are a form body's fields.
	Fields [][2]string `json:"fields,omitempty"`
	// Hex is a hex dump of a binary body (the first maxHex bytes).
	Hex string `json:"hex,omitempty"`
	// Base64 is a binary body, whole, for editing.
	Base64 string `json:"base64,omitempty"`
	// Decoded is a request body sent with a Content-Encoding (Coding),
	// decompressed as the listener decoded it; Note says what stopped the
	// decompression short. The body itself stays as received, to be
	// replayed with its Content-Encoding.
	Decoded *BodyView `json:"decoded,omitempty"`
	Coding  string    `json:"coding,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// JSONError is where a JSON document breaks.
type JSONError struct {
	Message string `json:"message"`
	Offset  int64  `json:"offset"` // bytes before the error
	Line    int    `json:"line"`   // 1-based
	Column  int    `json:"column"` // 1-based, in characters
}

// ResponseView is the answer the listener gave.
type ResponseView struct {
	Status    int      `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	LatencyMS float64  `json:"latency_ms"`
	Body      BodyView `json:"body"`
}

// ForwardView is the app's answer to the forwarded request.
type ForwardView struct {
	URL       string      `json:"url"`
	Status    int         `json:"status"`
	Header    [][2]string `json:"headers,omitempty"`
	Body      BodyView    `json:"body"`
	Truncated bool        `json:"truncated,omitempty"`
	Error     string      `json:"error,omitempty"`
	LatencyMS float64     `json:"latency_ms"`
}

// maxHex bounds the hex dump of a binary body.
const maxHex = 64 << 10

func (e *entry) detail() Detail {
	r := e.ex.Record
	q := maskQuery(r.Request.RawQuery)
	d := Detail{
		Summary: e.summaryOf(),
		Request: RequestView{
			Method:      r.Request.Method,
			Path:        r.Request.Path,
			Query:       q,
			QueryParams: queryParams(q),
			Host:        r.Request.Host,
			RemoteAddr:  r.Request.RemoteAddr,
			Header:      sortedHeader(maskHeader(r.Request.Header)),
			Body:        requestBody(r.Request.Header, r.Request.Body),
		},
		Events: e.eventsJSON(),
		Response: ResponseView{
			Status:    r.Response.Status,
			Reason:    r.Response.Reason,
			LatencyMS: r.Response.LatencyMS,
			Body:      bodyView([]byte(r.Response.Body), ""),
		},
		Replays: e.replaysMade(),
	}
	if d.Request.Header == nil {
		d.Request.Header = [][2]string{}
	}
	if f := r.Forward; f != nil {
		body := []byte(f.Body)
		if f.BodyBase64 != "" {
			if b, err := base64.StdEncoding.DecodeString(f.BodyBase64); err == nil {
				body = b
			}
		}
		d.Forward = &ForwardView{
			URL:       f.URL,
			Status:    f.Status,
			Header:    sortedHeader(maskHeader(f.Header)),
			Body:      bodyView(body, headerValue(f.Header, "Content-Type")),
			Truncated: f.Truncated,
			Error:     f.Error,
			LatencyMS: f.LatencyMS,
		}
	}
	return d
}

// queryParams splits a raw query into its parameters, in order,
// unescaped; a part that does not unescape is shown as sent.
func queryParams(raw string) [][2]string {
	if raw == "" {
		return nil
	}
	var out [][2]string
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// maxInflated bounds a decompressed body shown: a body that decompresses
// to more is shown as received.
const maxInflated = 16 << 20

// requestBody is a request body for display; one sent with a
// Content-Encoding is shown decompressed too, as it was decoded.
func requestBody(h http.Header, b []byte) BodyView {
	ct := headerValue(h, "Content-Type")
	v := bodyView(b, ct)
	coding := headerValue(h, "Content-Encoding")
	if coding == "" || len(b) == 0 {
		return v
	}
	if plain, note, err := listener.Inflate(h, b, maxInflated); err == nil && plain != nil {
		d := bodyView(plain, ct)
		v.Decoded, v.Coding, v.Note = &d, coding, note
	}
	return v
}

// bodyView reads a body for display.
func bodyView(b []byte, contentType string) BodyView {
	v := BodyView{Size: len(b)}
	if len(b) == 0 {
		v.Kind = "empty"
		return v
	}
	if !utf8.Valid(b) {
		v.Kind = "binary"
		v.Hex = hex.Dump(b[:min(len(b), maxHex)])
		v.Base64 = base64.StdEncoding.EncodeToString(b)
		return v
	}
	v.Text = string(b)
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(b)
	looksJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	switch {
	case looksJSON || strings.HasSuffix(mt, "json"):
		v.Kind = "json"
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err == nil {
			v.Pretty = out.String()
		} else {
			v.JSONError = locateJSONError(b)
		}
	case mt == "application/x-www-form-urlencoded":
		v.Kind = "form"
		v.Fields = queryParams(strings.TrimSpace(string(b)))
	default:
		v.Kind = "text"
	}
	return v
}

// locateJSONError finds where a document stops being JSON.
func locateJSONError(b []byte) *JSONError {
	var sink any
	err := json.Unmarshal(b, &sink)
	if err == nil {
		return nil
	}
	je := &JSONError{Message: err.Error(), Offset: int64(len(b))}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		je.Offset = se.Offset
	}
	// The offset counts the bytes read, the bad one included.
	at := int(je.Offset)
	if at > 0 {
		at--
	}
	at = min(at, len(b))
	before := b[:at]
	je.Line = 1 + bytes.Count(before, []byte("\n"))
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	je.Column = 1 + utf8.RuneCount(before[lineStart:])
	return je
}
