package redact

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// structureHeaders say how a message is framed, encoded, cached or which
// software sent it, never who it is about: their values are kept. Every
// other header may carry what an app or a callback profile put there (an
// echoed number, a redirect holding the query), so its value is masked.
var structureHeaders = set("accept", "accept-charset", "accept-encoding", "accept-language",
	"accept-ranges", "age", "cache-control", "connection", "content-encoding", "content-language",
	"content-length", "content-type", "date", "etag", "expires", "host", "keep-alive",
	"last-modified", "pragma", "server", "te", "trailer", "transfer-encoding", "upgrade",
	"user-agent", "vary", "via")

// Header returns h with personal data masked, h itself untouched:
// credential headers (record.SecretHeader) become callback.Masked; the
// structure headers listed above are kept; in every other value the query,
// fragment and user info of a URL or path become "?query:…" (as URL
// masks them), a value that is a query string is masked parameter by
// parameter (as Query masks one) and every run of 7 or more digits becomes
// a phone token (as in text that cannot be parsed). Free words a header
// may hold are not recognised: only numbers, URLs and query strings are.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if vs == nil || structureHeaders[strings.ToLower(k)] {
			out[k] = vs
			continue
		}
		masked := make([]string, len(vs))
		for i, v := range vs {
			if record.SecretHeader(k) {
				masked[i] = callback.Masked
			} else {
				masked[i] = r.headerValue(v)
			}
		}
		out[k] = masked
	}
	return out
}

// headerValue masks one value of a header that is not structure.
func (r *Redactor) headerValue(v string) string {
	switch {
	case isQueryString(v):
		v, _ = r.Query(v)
	case strings.HasPrefix(v, "/") || strings.Contains(v, "://"):
		if u, err := url.Parse(v); err == nil && (u.Host != "" || u.Scheme == "") {
			v = r.reference(u, v)
		}
	}
	return string(r.digits([]byte(v)))
}

// isQueryString reports whether a header value is a query string: it
// starts with a parameter name and '=' and holds no white space, which
// structured header values (`attachment; filename="x"`, `<…>; rel="next"`)
// do not do. Its values may be Kaleyra's unencoded JSON.
func isQueryString(v string) bool {
	eq := strings.IndexByte(v, '=')
	if eq <= 0 || strings.ContainsAny(v, " \t") {
		return false
	}
	for i := 0; i < eq; i++ {
		if c := v[i]; !(isAlnum(v[i:i+1]) || c == '_' || c == '-' || c == '.' || c == '%' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}
