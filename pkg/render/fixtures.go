package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/wa-cb/wa-cb/pkg/fixture"
)

// FixtureRow is one line of `wa-cb fixtures list`.
type FixtureRow struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Type        string `json:"type,omitempty"`
	Status      string `json:"status,omitempty"`
	Description string `json:"description"`
	Method      string `json:"method"`
	Origin      string `json:"origin"`
	File        string `json:"file,omitempty"`
	Shadows     bool   `json:"shadows,omitempty"`
	Malformed   bool   `json:"malformed,omitempty"`
	DecodeError string `json:"decode_error,omitempty"`
	Signed      bool   `json:"signed,omitempty"`
}

// RowOf describes a fixture for list.
func RowOf(fx *fixture.Fixture) FixtureRow {
	r := FixtureRow{
		Name: fx.Name, Source: fx.Source, Kind: fx.Kind, Type: fx.Type, Status: fx.Status,
		Description: fx.Description, Method: fx.Method, Origin: fx.Origin,
		Shadows: fx.Shadows, Malformed: fx.Malformed, DecodeError: fx.DecodeError, Signed: fx.IsSigned(),
	}
	if fx.Origin == fixture.OriginUser {
		r.File = fx.File
	}
	return r
}

// FixturesPlain writes rows as stable tab-separated lines:
// name, source, kind, type-or-status, origin, description.
func FixturesPlain(w io.Writer, rows []FixtureRow) error {
	var b strings.Builder
	for _, r := range rows {
		ts := r.Type
		if r.Status != "" {
			ts = r.Status
		}
		if ts == "" {
			ts = "-"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Source, r.Kind, ts, r.Origin, fxOneLine(r.Description))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FixturesTable writes rows as an aligned table for a terminal, fitted to
// its width; the user's fixtures are marked "(user)", and "(user*)" when
// they replace a bundled one.
func FixturesTable(w io.Writer, s *Styles, rows []FixtureRow) error {
	headers := []string{"NAME", "SOURCE", "KIND", "TYPE/STATUS", "DESCRIPTION"}
	cells := make([][]string, len(rows))
	shadowed := false
	widths := make([]int, len(headers)-1)
	for i, h := range headers[:len(widths)] {
		widths[i] = lipgloss.Width(h)
	}
	for i, r := range rows {
		ts := r.Type
		if r.Status != "" {
			ts = r.Status
		}
		name := r.Name
		switch {
		case r.Shadows:
			name += " (user*)"
			shadowed = true
		case r.Origin == fixture.OriginUser:
			name += " (user)"
		}
		cells[i] = []string{name, r.Source, r.Kind, ts}
		for j, c := range cells[i] {
			widths[j] = max(widths[j], lipgloss.Width(c))
		}
	}
	// Fit the terminal: names are never cut; a long type or status, then
	// a long kind, are shortened until the description has room, and the
	// description goes when there is none for it.
	used := func() int {
		n := 0
		for _, wd := range widths {
			n += wd + 2
		}
		return n
	}
	const descWant, descMin = 40, 16
	for _, col := range []struct{ i, min int }{{3, 12}, {2, 13}} {
		for s.Width-used() < descWant && widths[col.i] > col.min {
			widths[col.i]--
		}
	}
	descWidth := s.Width - used()
	showDesc := descWidth >= descMin
	if !showDesc {
		headers = headers[:len(widths)]
		for _, col := range []struct{ i, min int }{{3, 8}, {2, 8}} {
			for used()-2 > s.Width && widths[col.i] > col.min {
				widths[col.i]--
			}
		}
	}
	var b strings.Builder
	pad := func(text string, width int) string {
		return text + strings.Repeat(" ", max(0, width-lipgloss.Width(text)))
	}
	// cell fits text in a column: padded, or shortened with "…".
	cell := func(text string, width int) string {
		return pad(fxTruncate(text, width), width)
	}
	// end closes a line: the description, or nothing (no trailing spaces).
	end := func(line, desc string) string {
		if !showDesc {
			return strings.TrimRight(line, " ") + "\n"
		}
		return line + desc + "\n"
	}
	var head strings.Builder
	for j, h := range headers[:len(widths)] {
		head.WriteString(s.Bold.Sprint(cell(h, widths[j])) + "  ")
	}
	desc := ""
	if showDesc {
		desc = s.Bold.Sprint(headers[len(widths)])
	}
	b.WriteString(end(head.String(), desc))
	for i, r := range rows {
		c := cells[i]
		name := pad(c[0], widths[0])
		if r.Origin == fixture.OriginUser {
			name = s.Accent.Sprint(name)
		}
		var line strings.Builder
		line.WriteString(name + "  ")
		line.WriteString(s.Info.Sprint(cell(c[1], widths[1])) + "  ")
		line.WriteString(cell(c[2], widths[2]) + "  ")
		ts := cell(c[3], widths[3])
		if r.Malformed {
			ts = s.Warn.Sprint(ts)
		}
		line.WriteString(ts + "  ")
		b.WriteString(end(line.String(), s.Dim.Sprint(fxTruncate(fxOneLine(r.Description), descWidth))))
	}
	if shadowed {
		b.WriteString(s.Dim.Sprint("(user*) replaces the bundled fixture of the same name") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fxOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// fxTruncate shortens s to width cells, ending in an ellipsis.
func fxTruncate(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
