package sender

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/rawinput"
)

// Payload kinds DetectPayload recognises.
const (
	PayloadJSON   = "json"   // a JSON body: POST application/json
	PayloadQuery  = "query"  // a query string: GET
	PayloadHTTP   = "http"   // a whole HTTP request, as `wa-cb fixtures show` prints it
	PayloadRecord = "record" // the request of a recording line, as it was received
	PayloadRaw    = "raw"    // anything else, sent as is with the given content type
)

// Errors of DetectPayload that an option settles (commands say which of
// theirs).
var (
	// ErrUnknownPayload is content that is none of the forms DetectPayload
	// knows: it is sendable with DetectOptions.ContentType.
	ErrUnknownPayload = errors.New("cannot tell what the payload is (not JSON, a query string or an HTTP request)")
	// ErrQuerySpace is a query string with white space, which a URL
	// cannot carry: it is sendable as a form body (DetectOptions.Method
	// POST), or encoded (%20).
	ErrQuerySpace = errors.New("the query string holds white space, which a URL cannot carry")
)

// Payload is a raw callback read from a file, ready to deliver.
type Payload struct {
	Kind     string
	Method   string
	Path     string // "/" unless the file names one
	RawQuery string
	Header   http.Header
	Body     []byte
}

// DetectOptions override what detection decides.
type DetectOptions struct {
	Method      string // e.g. POST turns a query string into a form body
	ContentType string // sets Content-Type; makes unrecognised content sendable
}

// DetectPayload decides how to deliver a file's content, read as one
// callback by rawinput.ParseOne (the reader `wa-cb decode` uses):
//
//   - "METHOD TARGET HTTP/1.1" then headers, a blank line and a body: that
//     request (Host and Content-Length are recomputed);
//   - a line of a recording (listen --record): the request it holds;
//   - a JSON object or array: POSTed as application/json, bytes unchanged;
//   - a query string (k=v&k2=v2, optionally starting with '?'), a path with
//     a query (/cb?k=v), a request line without headers or a URL (its host
//     and path are the listener's, so only its query is used): sent as GET,
//     or as a form body (application/x-www-form-urlencoded) with Method POST;
//   - anything else needs ContentType and is POSTed as is.
func DetectPayload(data []byte, o DetectOptions) (*Payload, error) {
	in, err := rawinput.ParseOne(data)
	if errors.Is(err, rawinput.ErrEmpty) {
		return nil, errors.New("the payload is empty")
	}
	if err != nil {
		return nil, err
	}
	if in.Problem != "" {
		return nil, errors.New(in.Problem)
	}
	r := in.Request
	p := &Payload{Method: r.Method, Path: r.Path, RawQuery: r.RawQuery, Header: r.Header.Clone(), Body: r.Body}
	if p.Header == nil {
		p.Header = http.Header{}
	}
	p.Header.Del("Host") // a recording's headers: the sender sets its own
	p.Header.Del("Content-Length")
	switch in.Form {
	case rawinput.FormHTTP:
		p.Kind = PayloadHTTP
	case rawinput.FormRecord:
		p.Kind = PayloadRecord
	case rawinput.FormJSON:
		p.Kind = PayloadJSON
	case rawinput.FormURL, rawinput.FormTarget, rawinput.FormQuery:
		p.Kind = PayloadQuery
		if in.Form == rawinput.FormURL {
			p.Path = "/"
		}
		if strings.EqualFold(o.Method, http.MethodPost) || strings.EqualFold(o.Method, http.MethodPut) {
			p.Body, p.RawQuery = []byte(p.RawQuery), ""
			p.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else if strings.ContainsAny(p.RawQuery, " \t\r\n") {
			return nil, ErrQuerySpace
		}
	default:
		if o.ContentType == "" {
			return nil, ErrUnknownPayload
		}
		p.Kind = PayloadRaw
	}
	if o.Method != "" {
		p.Method = strings.ToUpper(o.Method)
	}
	if o.ContentType != "" {
		p.Header.Set("Content-Type", o.ContentType)
	}
	return p, nil
}
