package sender

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Payload kinds DetectPayload recognises.
const (
	PayloadJSON  = "json"  // a JSON body: POST application/json
	PayloadQuery = "query" // a query string: GET
	PayloadHTTP  = "http"  // a whole HTTP request, as `wa-cb fixtures show` prints it
	PayloadRaw   = "raw"   // anything else, sent as is with the given content type
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

var requestLine = regexp.MustCompile(`^([A-Z][A-Z0-9_-]*) (\S+) HTTP/\d(\.\d)?\r?$`)

// DetectPayload decides how to deliver a file's content:
//
//   - "METHOD TARGET HTTP/1.1" then headers, a blank line and a body: that
//     request (Host and Content-Length are recomputed);
//   - a JSON object or array: POSTed as application/json, bytes unchanged;
//   - a query string (k=v&k2=v2, optionally starting with '?'), a path with
//     a query (/cb?k=v) or a URL (its path is ignored): sent as GET, or as a
//     form body (application/x-www-form-urlencoded) with Method POST;
//   - anything else needs ContentType and is POSTed as is.
func DetectPayload(data []byte, o DetectOptions) (*Payload, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	p := &Payload{Path: "/", Header: http.Header{}}
	firstLine, _, _ := bytes.Cut(trimmed, []byte("\n"))
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("the payload is empty")
	case requestLine.Match(firstLine):
		if err := parseHTTP(trimmedLeft(data), p); err != nil {
			return nil, err
		}
	case trimmed[0] == '{' || trimmed[0] == '[':
		p.Kind, p.Method, p.Body = PayloadJSON, http.MethodPost, data
		p.Header.Set("Content-Type", "application/json")
	case isQueryLike(string(trimmed)):
		s := string(trimmed)
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			u, err := url.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("not a usable URL: %v", err)
			}
			s = "?" + u.RawQuery
		}
		if strings.HasPrefix(s, "/") {
			path, q, _ := strings.Cut(s, "?")
			p.Path, s = path, q
		}
		p.Kind, p.Method, p.RawQuery = PayloadQuery, http.MethodGet, strings.TrimPrefix(s, "?")
		if strings.EqualFold(o.Method, http.MethodPost) || strings.EqualFold(o.Method, http.MethodPut) {
			p.Body, p.RawQuery = []byte(p.RawQuery), ""
			p.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	default:
		if o.ContentType == "" {
			return nil, errors.New("cannot tell what the payload is (not JSON, a query string or an HTTP request): give --content-type, and --method if not POST")
		}
		p.Kind, p.Method, p.Body = PayloadRaw, http.MethodPost, data
	}
	if o.Method != "" {
		p.Method = strings.ToUpper(o.Method)
	}
	if o.ContentType != "" {
		p.Header.Set("Content-Type", o.ContentType)
	}
	return p, nil
}

func trimmedLeft(b []byte) []byte {
	return bytes.TrimLeft(b, " \t\r\n")
}

// isQueryLike accepts one line of k=v pairs, optionally as /path?query or
// a URL.
func isQueryLike(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return strings.Contains(s, "?")
	}
	if strings.HasPrefix(s, "/") {
		_, q, ok := strings.Cut(s, "?")
		return ok && q != ""
	}
	s = strings.TrimPrefix(s, "?")
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, "&") {
		k, _, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return false
		}
	}
	return true
}

func parseHTTP(data []byte, p *Payload) error {
	br := bufio.NewReader(bytes.NewReader(data))
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return fmt.Errorf("reading the request line: %v", err)
	}
	m := requestLine.FindStringSubmatch(line + "\n")
	if m == nil {
		m = requestLine.FindStringSubmatch(line)
	}
	if m == nil {
		return fmt.Errorf("bad request line %q", line)
	}
	p.Kind, p.Method = PayloadHTTP, m[1]
	target := m[2]
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		target = u.RequestURI()
	}
	path, q, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("request target %q must start with /", target)
	}
	p.Path, p.RawQuery = path, q
	hdr, err := tp.ReadMIMEHeader()
	if err != nil && !(errors.Is(err, io.EOF) && len(hdr) > 0) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading headers: %v", err)
	}
	body, _ := io.ReadAll(br)
	for k, vs := range hdr {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection":
			continue
		}
		p.Header[k] = vs
	}
	if cl := hdr.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return fmt.Errorf("bad Content-Length %q", cl)
		}
		if n > len(body) {
			return fmt.Errorf("the Content-Length header says %d bytes but the body has %d", n, len(body))
		}
		body = body[:n]
	}
	if len(body) > 0 {
		p.Body = body
	}
	return nil
}
