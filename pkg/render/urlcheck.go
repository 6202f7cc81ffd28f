package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// URLPrinter renders validate-url results: a styled line per URL for a
// terminal, stable tab-separated lines otherwise.
type URLPrinter struct {
	s   *Styles
	tty bool
}

// NewURLPrinter renders for a terminal (styled) or not (plain, stable).
func NewURLPrinter(s *Styles, tty bool) *URLPrinter { return &URLPrinter{s: s, tty: tty} }

// AppendResult appends the lines for one result.
//
// Plain form, one line per URL and one per warning, tab-separated:
//
//	valid-allowed	whitelisted	https://hooks.example.com/wa	the host ... (reason)
//	invalid	userinfo	https://example.com@evil.net	E413: an "@" in the authority ...
//	warning	http	http://hooks.example.com/wa	http:// sends ...
//
// The URL is printed as given unless it holds white space, control or
// invisible characters or invalid UTF-8; then it is shown Go-quoted, so no
// input can break the line format or drive the terminal.
func (p *URLPrinter) AppendResult(b []byte, r *urlcheck.Result) []byte {
	u := urlDisplay(r.URL)
	if r.Truncated {
		u += "..."
	}
	reason := r.Reason
	if r.Code != "" {
		reason = r.Code + ": " + reason
	}
	if !p.tty {
		b = append(b, r.Verdict...)
		b = append(b, '\t')
		b = append(b, r.Rule...)
		b = append(b, '\t')
		b = append(b, u...)
		b = append(b, '\t')
		b = append(b, urlText(reason)...)
		b = append(b, '\n')
		for _, w := range r.Warnings {
			b = append(b, "warning\t"...)
			b = append(b, w.Rule...)
			b = append(b, '\t')
			b = append(b, u...)
			b = append(b, '\t')
			b = append(b, urlText(w.Message)...)
			b = append(b, '\n')
		}
		return b
	}
	var mark, rule string
	switch r.Verdict {
	case urlcheck.Allowed:
		mark, rule = p.s.OK.Sprint("✓"), p.s.OK.Sprint(r.Rule)
	case urlcheck.NotWhitelisted:
		mark, rule = p.s.Warn.Sprint("!"), p.s.Warn.Sprint(r.Rule)
	default:
		mark, rule = p.s.Bad.Sprint("✗"), p.s.Bad.Sprint(r.Rule)
	}
	// The verdict and the URL on a line of their own (the URL whole, to
	// copy), then why, and each warning, wrapped at words to the terminal.
	b = append(b, mark...)
	b = append(b, ' ')
	b = append(b, p.s.Bold.Sprint(u)...)
	b = append(b, "  "...)
	b = append(b, rule...)
	b = append(b, '\n')
	b = p.appendWrapped(b, "  ", "  ", urlText(reason), p.s.Dim.Sprint)
	for _, w := range r.Warnings {
		b = p.appendWrapped(b, "  "+p.s.Warn.Sprint("⚠ "+w.Rule+":")+" ", "    ", urlText(w.Message), fmt.Sprint)
	}
	return b
}

// appendWrapped appends text after first, wrapped at words to the
// terminal's width, its later lines after indent.
func (p *URLPrinter) appendWrapped(b []byte, first, indent, text string, paint func(...any) string) []byte {
	width := p.s.Width
	if width <= 0 {
		width = 80
	}
	lines := evWrapWords(text, max(20, width-lipgloss.Width(first)))
	if len(lines) > 1 {
		// the later lines have the width the first one's label took
		lines = append(lines[:1], evWrapWords(strings.Join(lines[1:], " "), max(20, width-lipgloss.Width(indent)))...)
	}
	lead := first
	for _, l := range lines {
		b = append(b, lead...)
		b = append(b, paint(l)...)
		b = append(b, '\n')
		lead = indent
	}
	return b
}

// EntryWarning renders a remark on a whitelist entry (for stderr).
func (p *URLPrinter) EntryWarning(w urlcheck.EntryWarning) string {
	head := "warning: whitelist entry " + urlDisplay(w.Entry) + " (from " + urlText(w.Source) + "): "
	if p.tty {
		head = p.s.Warn.Sprint("⚠") + " whitelist entry " + p.s.Bold.Sprint(urlDisplay(w.Entry)) + " (from " + urlText(w.Source) + "): "
	}
	return head + urlText(w.Message) + " [" + w.Rule + "]\n"
}

// URLCounts are the totals of a validate-url run.
type URLCounts struct {
	Allowed, NotWhitelisted, Invalid, Warnings int
	Whitelist                                  bool // a whitelist was given
}

// Summary is the closing line for stderr.
func (p *URLPrinter) Summary(c URLCounts) string {
	total := c.Allowed + c.NotWhitelisted + c.Invalid
	parts := []string{urlPlural(c.Allowed, "valid", "valid")}
	if c.Whitelist {
		parts = append(parts, urlPlural(c.NotWhitelisted, "not whitelisted", "not whitelisted"))
	}
	parts = append(parts, urlPlural(c.Invalid, "invalid", "invalid"))
	if c.Warnings > 0 {
		parts = append(parts, urlPlural(c.Warnings, "warning", "warnings"))
	}
	head := urlPlural(total, "URL", "URLs") + ": "
	body := strings.Join(parts, ", ")
	if p.tty {
		switch {
		case c.Invalid > 0:
			head = p.s.Bad.Sprint("✗") + " " + head
		case c.NotWhitelisted > 0:
			head = p.s.Warn.Sprint("!") + " " + head
		default:
			head = p.s.OK.Sprint("✓") + " " + head
		}
	}
	return head + body + "\n"
}

func urlPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// urlDisplay returns s unchanged when every character is visible and safe
// on one line, else its Go-quoted form.
func urlDisplay(s string) string {
	if urlSafe(s) && !strings.Contains(s, " ") && s != "" {
		return s
	}
	return fmt.Sprintf("%+q", s)
}

// urlText escapes what is unsafe in a message (reasons quote input already,
// this is a second guard).
func urlText(s string) string {
	if urlSafe(s) || s == "" {
		return s
	}
	q := fmt.Sprintf("%+q", s)
	return q[1 : len(q)-1]
}

func urlSafe(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
		if r >= 0x80 && (unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || !unicode.IsPrint(r)) {
			return false
		}
	}
	return true
}
