package listener

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Requests with a Content-Encoding (RFC 9110 section 8.4) are decoded from
// the body with its codings undone; the body itself stays as received, for
// the recording, the forward and the signature. Only gzip (x-gzip) and
// deflate are undone, with the standard library; identity is nothing to
// undo. None of this runs for a request without Content-Encoding.

// ErrInflatedTooLarge: the decompressed body is over the limit.
var ErrInflatedTooLarge = errors.New("decompressed body too large")

// decideEncoded is decide for a request with a Content-Encoding: the body
// is decompressed (bounded by MaxBody: a body that inflates past it is
// answered 413, as one sent that large), decoded, and what could not be
// undone is said first in every event's decode_error.
func (h *Handler) decideEncoded(w http.ResponseWriter, r *http.Request, ex *Exchange) {
	inflated, note, err := Inflate(r.Header, ex.Body, h.cfg.MaxBody)
	if errors.Is(err, ErrInflatedTooLarge) {
		ex.refuseTooLarge(h.cfg.tooLarge(-1) + " once decompressed (Content-Encoding " + strings.Join(contentCodings(r.Header), ", ") + ")")
		return
	}
	ex.Inflated = inflated
	h.decide(r, ex, handshake(r, ex.RawQuery))
	if note == "" {
		return
	}
	callback.NoteFirst(ex.Events, note)
}

// contentCodings lists the codings of Content-Encoding in the order they
// were applied, lower case, identity left out.
func contentCodings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

// Inflate undoes the Content-Encoding of header on body, as the listener
// does before decoding (wa-cb decode does it for the requests it reads),
// each stage bounded by max bytes: past it, the error is
// ErrInflatedTooLarge. It returns nil when there is nothing to undo or it
// cannot be undone at all (the body is then decoded as received), and note
// says why in the events' words. A stream cut short gives what it held
// and a note.
func Inflate(header http.Header, body []byte, max int64) ([]byte, string, error) {
	return inflate(body, contentCodings(header), max)
}

// inflate undoes codings, applied in that order (see Inflate).
func inflate(body []byte, codings []string, max int64) (out []byte, note string, err error) {
	if len(body) == 0 || len(codings) == 0 {
		return nil, "", nil
	}
	all := strings.Join(codings, ", ")
	for _, c := range codings {
		if c != "gzip" && c != "x-gzip" && c != "deflate" {
			return nil, "Content-Encoding " + all + ": " + strconv.Quote(c) + " is not undone (wa-cb undoes gzip and deflate); the body is decoded as received", nil
		}
	}
	out = body
	for i := len(codings) - 1; i >= 0; i-- {
		next, rerr := inflateOne(out, codings[i], max)
		switch {
		case errors.Is(rerr, ErrInflatedTooLarge):
			return nil, "", rerr
		case rerr != nil && len(next) == 0:
			return nil, "Content-Encoding " + all + ": the body does not decompress (" + rerr.Error() + "); it is decoded as received", nil
		case rerr != nil:
			note = "Content-Encoding " + all + ": the body is cut short after " + strconv.Itoa(len(next)) + " decompressed bytes (" + rerr.Error() + "); decoded as far as it goes"
		}
		out = next
	}
	return out, note, nil
}

// inflateOne undoes one coding. HTTP's deflate is a zlib stream, but some
// senders send raw DEFLATE: that is read too.
func inflateOne(b []byte, coding string, max int64) ([]byte, error) {
	var zr io.Reader
	switch coding {
	case "deflate":
		r, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			zr = flate.NewReader(bytes.NewReader(b))
		} else {
			zr = r
		}
	default:
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		zr = r
	}
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if int64(len(out)) > max {
		return nil, ErrInflatedTooLarge
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of the compressed data")
	}
	return out, err
}
