package inspector

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/listener"
)

// Curl is a shell command that sends rec's request to target again, as a
// replay does: method, path, query, headers (credentials masked) and the
// exact body. A body that is not text is piped in through base64 -d.
func Curl(ex Exchange, target *url.URL) string {
	rec := ex.Record
	req := listener.ReplayRequest(rec, target, nil)
	var b strings.Builder
	binary := len(req.Body) > 0 && (!utf8.Valid(req.Body) || strings.IndexByte(string(req.Body), 0) >= 0)
	if binary {
		b.WriteString("printf %s " + shellQuote(base64.StdEncoding.EncodeToString(req.Body)) + " | base64 -d | ")
	}
	// --globoff: curl would expand {a,b} and [1-2] in the URL (a query
	// such as k[]=1 holds them) into other requests.
	b.WriteString("curl -sS --globoff")
	// curl sends a body with POST and none with GET by itself.
	if (req.Method != "GET" || len(req.Body) > 0) && (req.Method != "POST" || len(req.Body) == 0) {
		b.WriteString(" -X " + shellQuote(req.Method))
	}
	b.WriteString(" " + shellQuote(maskURLQuery(req.URL)))
	h := maskHeader(req.Header)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			line := k + ": " + v
			if v == "" {
				line = k + ":" // curl then sends none of its own
			}
			b.WriteString(" \\\n  -H " + shellQuote(line))
		}
	}
	if _, ok := h["Accept"]; !ok {
		b.WriteString(" \\\n  -H 'Accept:'")
	}
	if _, ok := h["Content-Type"]; !ok && len(req.Body) > 0 {
		// curl would give the body a form's type of its own.
		b.WriteString(" \\\n  -H 'Content-Type:'")
	}
	switch {
	case binary:
		b.WriteString(" \\\n  --data-binary @-")
	case len(req.Body) > 0:
		// --data-raw: a body that starts with @ is sent as it is, where
		// --data-binary would read (and send) the file it names.
		b.WriteString(" \\\n  --data-raw " + shellQuote(string(req.Body)))
	}
	b.WriteString("\n")
	return b.String()
}

// maskURLQuery masks secret parameters in a URL's query.
func maskURLQuery(raw string) string {
	base, q, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	return base + "?" + maskQuery(q)
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote inside closed, escaped with a backslash and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
