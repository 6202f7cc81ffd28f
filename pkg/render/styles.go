// Package render is the only importer of lipgloss and fatih/color: every
// style wa-cb shows lives here, built from a fixed ANSI-16 palette so output
// is stable and no terminal is ever queried for its background.
package render

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/fatih/color"
	"github.com/muesli/termenv"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// Palette: ANSI-16 colour numbers.
const (
	ansiRed  = "1"
	ansiBlue = "4"
	ansiGray = "8"
)

// Styles is the set of named styles for one output stream.
type Styles struct {
	Color bool // colour is on for this stream
	Width int  // terminal width to lay out in
	r     *lipgloss.Renderer

	Card    lipgloss.Style // a bordered block per event
	CardBad lipgloss.Style // the same, for failures
	Title   lipgloss.Style
	Key     lipgloss.Style
	Value   lipgloss.Style
	Faint   lipgloss.Style

	OK     *color.Color // ✓, 2xx
	Warn   *color.Color // warnings, 3xx/4xx
	Bad    *color.Color // ✗, failed, 5xx
	Info   *color.Color // kinds, methods
	Accent *color.Color
	Dim    *color.Color
	Bold   *color.Color
}

// New builds the styles for ios.Out.
func New(ios *iostreams.IOStreams) *Styles {
	return build(ios.Out, ios.ColorEnabled(), ios.TerminalWidth())
}

// NewErr builds the styles for ios.ErrOut.
func NewErr(ios *iostreams.IOStreams) *Styles {
	return build(ios.ErrOut, ios.ColorEnabledErr(), ios.TerminalWidth())
}

func build(w io.Writer, on bool, width int) *Styles {
	r := lipgloss.NewRenderer(w)
	if on {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true)

	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	if width <= 0 {
		width = 80
	}
	border := lipgloss.RoundedBorder()
	s := &Styles{Color: on, Width: width, r: r}
	s.Card = r.NewStyle().Border(border).BorderForeground(lipgloss.Color(ansiBlue)).Padding(0, 1)
	s.CardBad = r.NewStyle().Border(border).BorderForeground(lipgloss.Color(ansiRed)).Padding(0, 1)
	s.Title = r.NewStyle().Bold(true)
	s.Key = r.NewStyle().Foreground(lipgloss.Color(ansiGray))
	s.Value = r.NewStyle()
	s.Faint = r.NewStyle().Faint(true)

	s.OK = mk(color.FgGreen)
	s.Warn = mk(color.FgYellow)
	s.Bad = mk(color.FgRed, color.Bold)
	s.Info = mk(color.FgCyan)
	s.Accent = mk(color.FgMagenta)
	s.Dim = mk(color.Faint)
	s.Bold = mk(color.Bold)
	return s
}

// NewStyle returns a fresh style bound to this stream's renderer.
func (s *Styles) NewStyle() lipgloss.Style { return s.r.NewStyle() }

// StatusCode colours an HTTP status: 2xx green, 3xx/4xx yellow, 5xx and
// transport failures (0) red.
func (s *Styles) StatusCode(code int, text string) string {
	switch {
	case code >= 200 && code < 300:
		return s.OK.Sprint(text)
	case code >= 300 && code < 500:
		return s.Warn.Sprint(text)
	default:
		return s.Bad.Sprint(text)
	}
}
