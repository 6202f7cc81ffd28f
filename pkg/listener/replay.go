package listener

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// ReplayRequest is the delivery of a recorded request to target, byte
// for byte: the same method and body, the recorded path and query joined
// onto target's, the recorded headers without the hop-by-hop ones,
// Content-Length and Host (set anew), and no User-Agent when none was
// recorded. A credential the recording masked (record.Masked) is not
// sent: extra headers (-H) give it back, and they are set on top.
func ReplayRequest(rec *record.Record, target *url.URL, extra http.Header) sender.Request {
	h := EndToEndHeader(rec.Request.Header, len(extra)+1)
	h.Del("Content-Length")
	for k := range record.MaskedHeaders(rec.Request.Header) {
		delete(h, k)
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // none, as recorded
	}
	for k, vs := range extra {
		h[k] = append([]string(nil), vs...)
	}
	// A recording may come from anywhere: a path without its leading
	// slash ("@other.host/x", ".example.com/") would join the target's
	// host and send the request to another machine.
	path := rec.Request.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return sender.Request{
		Name:   rec.RequestID,
		Method: rec.Request.Method,
		URL:    sender.JoinURL(target, path, rec.Request.RawQuery),
		Header: h,
		Body:   rec.Request.Body,
	}
}
