package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// PrintLoadReport writes the summary of a load run to ios.Out: one JSON
// object with asJSON, else a block of labelled lines (styled on a
// terminal, plain otherwise; the labels and layout are the same).
//
//	fixtures    cloud-incoming-text
//	target      http://127.0.0.1:4280/
//	sent        1000 in 1.23s: 812.3/s, concurrency 8
//	succeeded   990 (99.0%)
//	failed      10: 8 × status 500, 1 timeout, 1 other
//	statuses    200 ×990, 500 ×8
//	latency     p50 1.20ms  p90 2.31ms  p99 5.10ms  max 9.80ms  (min 0.31ms, mean 1.40ms)
//	other       the server closed the connection without answering ×1
func PrintLoadReport(ios *iostreams.IOStreams, r *sender.LoadReport, asJSON bool) error {
	var buf bytes.Buffer
	if asJSON {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		writeLoadReport(&buf, New(ios), r)
	}
	_, err := ios.Out.Write(buf.Bytes())
	return err
}

func writeLoadReport(w io.Writer, s *Styles, r *sender.LoadReport) {
	line := func(label, value string) {
		fmt.Fprintf(w, "%s %s\n", s.Dim.Sprint(fmt.Sprintf("%-11s", label)), value)
	}
	line("fixtures", strings.Join(r.Fixtures, ", "))
	if r.Target != "" {
		line("target", r.Target)
	}
	sent := fmt.Sprintf("%d in %s, concurrency %d", r.Sent, formatSeconds(r.ElapsedS), r.Concurrency)
	if r.Rate > 0 {
		sent += ", paced at " + formatRate(r.Rate) + "/s"
	}
	line("sent", sent)
	if r.Succeeded > 0 {
		line("throughput", formatRate(r.Throughput)+"/s succeeded")
	} else {
		line("throughput", s.Bad.Sprint("none")+": no delivery succeeded")
	}
	pct := ""
	if r.Sent > 0 {
		pct = fmt.Sprintf(" (%.1f%%)", 100*float64(r.Succeeded)/float64(r.Sent))
	}
	if r.Succeeded == r.Sent {
		line("succeeded", s.OK.Sprint(strconv.Itoa(r.Succeeded))+pct)
	} else {
		line("succeeded", strconv.Itoa(r.Succeeded)+pct)
	}
	if r.Failed == 0 {
		line("failed", "0")
	} else {
		line("failed", s.Bad.Sprint(strconv.Itoa(r.Failed))+": "+failureCauses(r.Failures))
	}
	if len(r.Statuses) > 0 {
		line("statuses", countList(r.Statuses, func(code string) string {
			n, _ := strconv.Atoi(code)
			return s.StatusCode(n, code)
		}))
	}
	if r.Latency.Count > 0 {
		l := r.Latency
		line("latency", fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  %s",
			formatLatency(l.P50), formatLatency(l.P90), formatLatency(l.P99), formatLatency(l.Max),
			s.Dim.Sprintf("(min %s, mean %s)", formatLatency(l.Min), formatLatency(l.Mean))))
	}
	if len(r.Failures.OtherReasons) > 0 {
		line("other", countList(r.Failures.OtherReasons, nil))
	}
	switch r.StoppedBy {
	case sender.StoppedByDuration:
		line("stopped", "after "+formatSeconds(r.DurationS)+" (--duration)")
	case sender.StoppedByInterrupt:
		line("stopped", s.Warn.Sprint("interrupted"))
	}
}

// failureCauses: "8 × status 500, 2 × status 503, 1 timeout, 1 other".
func failureCauses(f sender.Failures) string {
	var parts []string
	codes := make([]string, 0, len(f.Status))
	for c := range f.Status {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d × status %s", f.Status[c], c))
	}
	for _, c := range []struct {
		n    int
		name string
	}{{f.Timeout, "timeout"}, {f.Refused, "refused"}, {f.Other, "other"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	return strings.Join(parts, ", ")
}

// countList: "200 ×990, 500 ×8", most frequent first (ties by key).
func countList(m map[string]int, style func(string) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := k
		if style != nil {
			label = style(k)
		}
		parts[i] = fmt.Sprintf("%s ×%d", label, m[k])
	}
	return strings.Join(parts, ", ")
}

func formatSeconds(s float64) string {
	return strconv.FormatFloat(s, 'f', 2, 64) + "s"
}

func formatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// LoadProgress draws one progress line on stderr while a load run works,
// when stderr is a terminal; otherwise it draws nothing.
type LoadProgress struct {
	w     io.Writer
	s     *Styles
	on    bool
	drawn bool
}

// NewLoadProgress draws on ios.ErrOut if it is a terminal.
func NewLoadProgress(ios *iostreams.IOStreams) *LoadProgress {
	return &LoadProgress{w: ios.ErrOut, s: NewErr(ios), on: ios.IsStderrTTY()}
}

// Enabled reports whether anything is drawn.
func (lp *LoadProgress) Enabled() bool { return lp.on }

// Update redraws the line: "sending 512/1000  51%  812/s  2 failed  0.6s".
func (lp *LoadProgress) Update(p sender.Progress) {
	if !lp.on {
		return
	}
	rate := 0.0
	if secs := p.Elapsed.Seconds(); secs > 0 {
		rate = float64(p.Done) / secs
	}
	var b strings.Builder
	b.WriteString("\r\x1b[K")
	if p.Count > 0 {
		fmt.Fprintf(&b, "sending %d/%d  %d%%", p.Done, p.Count, p.Done*100/p.Count)
	} else {
		fmt.Fprintf(&b, "sending %d", p.Done)
	}
	fmt.Fprintf(&b, "  %s/s  ", formatRate(rate))
	if p.Failed > 0 {
		b.WriteString(lp.s.Bad.Sprintf("%d failed", p.Failed))
	} else {
		b.WriteString("0 failed")
	}
	elapsed := p.Elapsed.Truncate(100 * time.Millisecond)
	if p.Duration > 0 {
		fmt.Fprintf(&b, "  %s of %s", elapsed, p.Duration)
	} else {
		fmt.Fprintf(&b, "  %s", elapsed)
	}
	_, _ = io.WriteString(lp.w, b.String())
	lp.drawn = true
}

// Clear erases the line, if one was drawn.
func (lp *LoadProgress) Clear() {
	if lp.on && lp.drawn {
		_, _ = io.WriteString(lp.w, "\r\x1b[K")
		lp.drawn = false
	}
}
