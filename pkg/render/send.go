package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// DeliveryPrinter prints delivery results: a line each (styled on a
// terminal, tab-separated otherwise) or one JSON object each. It is safe
// for concurrent use; every result is written with one Write.
type DeliveryPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	s    *Styles
	tty  bool
	json bool
	buf  bytes.Buffer
}

// NewDeliveryPrinter prints to ios.Out.
func NewDeliveryPrinter(ios *iostreams.IOStreams, asJSON bool) *DeliveryPrinter {
	return &DeliveryPrinter{w: ios.Out, s: New(ios), tty: ios.IsStdoutTTY(), json: asJSON}
}

// Print writes one result.
func (p *DeliveryPrinter) Print(r sender.Result) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Reset()
	switch {
	case p.json:
		enc := json.NewEncoder(&p.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return err
		}
	case p.tty:
		p.line(r)
	default:
		p.plain(r)
	}
	_, err := p.w.Write(p.buf.Bytes())
	return err
}

// PrintsErrors reports whether transport failures appear in the output
// (JSON); otherwise the caller reports them on stderr only.
func (p *DeliveryPrinter) PrintsErrors() bool { return p.json }

// plain: name, method, url, status, latency_ms, response preview.
func (p *DeliveryPrinter) plain(r sender.Result) {
	name := r.Name
	if name == "" {
		name = "-"
	}
	fmt.Fprintf(&p.buf, "%s\t%s\t%s\t%d\t%s\t%s\n", name, r.Method, r.URL, r.Status,
		strconv.FormatFloat(r.LatencyMS, 'f', 1, 64), strings.ReplaceAll(r.Response, "\t", " "))
}

// line: "✓ 200 OK  POST http://127.0.0.1:4280/  3.1ms  incoming-text  ok".
func (p *DeliveryPrinter) line(r sender.Result) {
	s := p.s
	mark := s.OK.Sprint("✓")
	if !r.OK {
		mark = s.Bad.Sprint("✗")
	}
	status := strconv.Itoa(r.Status)
	if r.StatusText != "" {
		status += " " + r.StatusText
	}
	fmt.Fprintf(&p.buf, "%s %s  %s %s  %s", mark, s.StatusCode(r.Status, status), s.Info.Sprint(r.Method), r.URL,
		s.Dim.Sprint(formatLatency(r.LatencyMS)))
	if r.Name != "" {
		fmt.Fprintf(&p.buf, "  %s", s.Bold.Sprint(r.Name))
	}
	if r.Signed {
		fmt.Fprintf(&p.buf, "  %s", s.Dim.Sprint("signed"))
	}
	if r.Response != "" {
		width := s.Width - 40
		if width < 20 {
			width = 20
		}
		fmt.Fprintf(&p.buf, "  %s", s.Dim.Sprint(fxTruncate(r.Response, width)))
	}
	p.buf.WriteByte('\n')
}

func formatLatency(ms float64) string {
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms*1000, 'f', 0, 64) + "µs"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	}
}
