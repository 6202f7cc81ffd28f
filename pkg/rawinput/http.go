package rawinput

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/http/httpguts"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// isHTTPRequest reports whether data starts with a whole HTTP request: a
// request line with an HTTP version ("POST /cb HTTP/1.1"), then a header
// line, a blank line or nothing. Lines of a log that are all request lines
// (blank lines between them or not) are not one request.
func isHTTPRequest(data []byte) bool {
	first, rest, more := bytes.Cut(data, []byte("\n"))
	if _, _, ok := fullRequestLine(first); !ok {
		return false
	}
	if !more {
		return true
	}
	next, _, _ := bytes.Cut(rest, []byte("\n"))
	if len(bytes.TrimSpace(next)) == 0 {
		return !onlyRequestLines(rest)
	}
	return isHeaderLine(bytes.TrimSuffix(next, []byte("\r")))
}

// onlyRequestLines reports whether text has non-blank lines and all of
// them are request lines.
func onlyRequestLines(text []byte) bool {
	seen := false
	for _, line := range bytes.Split(text, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if _, _, ok := requestLine(line); !ok {
			return false
		}
		seen = true
	}
	return seen
}

// isHeaderLine reports "Name: value" with a valid field name.
func isHeaderLine(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte(":"))
	return ok && httpguts.ValidHeaderFieldName(string(name))
}

// parseHTTPRequests reads one or more HTTP requests from data[pos:], one
// after the other (white space between them is skipped).
func parseHTTPRequests(data []byte, pos int) []Input {
	var out []Input
	for {
		in, rest := parseHTTP(data[pos:])
		in.Line = lineAt(data, pos)
		out = append(out, in)
		left := bytes.TrimLeftFunc(rest, unicode.IsSpace)
		if len(left) == 0 {
			return out
		}
		next := len(data) - len(left)
		if !isHTTPRequest(data[next:]) {
			last := &out[len(out)-1]
			last.Problem = joinProblems(last.Problem, fmt.Sprintf(
				"%d bytes after the body (past its Content-Length, from line %d) are not a request and were not decoded",
				len(bytes.TrimSpace(left)), lineAt(data, next)))
			return out
		}
		pos = next
	}
}

// parseHTTP reads the HTTP request data starts with (its first line is a
// request line with a version) and returns it with what follows its body:
// the bytes past Content-Length, or another request that starts right
// after a body-less one.
func parseHTTP(data []byte) (in Input, rest []byte) {
	in.Form = FormHTTP
	first, _, _ := bytes.Cut(data, []byte("\n"))
	method, tgt, _ := fullRequestLine(first)
	switch {
	case hasURLScheme(tgt) || (len(tgt) > 0 && tgt[0] == '/'):
		in.Request = target(method, tgt)
	default:
		in.Request = callback.Request{Method: method, Path: "/"}
		in.Problem = fmt.Sprintf("request target %q must start with /", tgt)
	}
	h, bodyStart, problem := readHeader(data, len(first)+1)
	in.Problem = joinProblems(in.Problem, problem)
	in.Request.Header = h
	body, rest, problem := readBody(data[min(bodyStart, len(data)):], h)
	in.Problem = joinProblems(in.Problem, problem)
	for _, k := range []string{"Host", "Content-Length", "Transfer-Encoding", "Connection"} {
		h.Del(k) // they describe the saved message, not the callback; a sender sets its own
	}
	if len(body) > 0 {
		in.Request.Body = body
	}
	return in, rest
}

// readHeader reads header lines from data[pos:] up to the blank line and
// returns the header and where the body starts. A line that is not a
// header ends the header there and starts the body, with a problem.
func readHeader(data []byte, pos int) (h http.Header, bodyStart int, problem string) {
	h = http.Header{}
	last := ""
	for pos < len(data) {
		line, _, _ := bytes.Cut(data[pos:], []byte("\n"))
		next := pos + len(line) + 1
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			return h, next, ""
		case (line[0] == ' ' || line[0] == '\t') && last != "":
			// An obsolete folded line continues the previous value.
			vs := h[last]
			vs[len(vs)-1] += " " + string(bytes.TrimSpace(line))
		case isHeaderLine(line):
			name, value, _ := bytes.Cut(line, []byte(":"))
			last = http.CanonicalHeaderKey(string(name))
			h[last] = append(h[last], string(bytes.TrimSpace(value)))
		default:
			return h, pos, fmt.Sprintf("line %d is not a header line (%.40q): read as the start of the body", lineAt(data, pos), line)
		}
		pos = next
	}
	return h, len(data), ""
}

// readBody cuts the body from what follows the header, as Content-Length
// or chunked Transfer-Encoding say; without either the body runs to the end
// of the input (a hand-written request rarely counts its bytes) unless
// another request starts right there.
func readBody(b []byte, h http.Header) (body, rest []byte, problem string) {
	cl := strings.TrimSpace(h.Get("Content-Length"))
	switch {
	case strings.Contains(strings.ToLower(h.Get("Transfer-Encoding")), "chunked"):
		src := bytes.NewReader(b)
		br := bufio.NewReader(src)
		body, err := io.ReadAll(httputil.NewChunkedReader(br))
		if err != nil {
			return b, nil, "the chunked body cannot be read (" + err.Error() + "): taken as it is"
		}
		used := len(b) - src.Len() - br.Buffered()
		return body, b[used:], ""
	case cl != "":
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return b, nil, fmt.Sprintf("bad Content-Length %q: the body is taken to run to the end", cl)
		}
		if n > len(b) {
			return b, nil, fmt.Sprintf("the Content-Length header says %d bytes but the body has %d", n, len(b))
		}
		return b[:n], b[n:], ""
	}
	if left := bytes.TrimLeftFunc(b, unicode.IsSpace); len(left) > 0 && startsRequestWithHeader(left) {
		return nil, b, ""
	}
	return b, nil, ""
}

// startsRequestWithHeader reports a request line followed by a header
// line: surely the next request, not a body.
func startsRequestWithHeader(b []byte) bool {
	first, rest, ok := bytes.Cut(b, []byte("\n"))
	if _, _, isReq := fullRequestLine(first); !isReq || !ok {
		return false
	}
	next, _, _ := bytes.Cut(rest, []byte("\n"))
	return isHeaderLine(bytes.TrimSuffix(next, []byte("\r")))
}

func joinProblems(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
