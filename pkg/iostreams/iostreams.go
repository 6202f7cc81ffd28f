// Package iostreams owns the process's standard streams: where data goes
// (Out), where talk goes (ErrOut), whether each is a terminal, and whether
// colour is on. The decision is made once, here, and nowhere else.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ColorMode is the --color setting.
type ColorMode string

const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// IOStreams is the set of streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorMode                      ColorMode
	getenv                         func(string) string
	termWidth                      func() int
}

// System returns the process's real streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTTY(os.Stdin),
		stdoutTTY: isTTY(os.Stdout),
		stderrTTY: isTTY(os.Stderr),
		colorMode: ColorAuto,
		getenv:    os.Getenv,
		termWidth: func() int {
			if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
				return w
			}
			if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil && w > 0 {
				return w
			}
			return 80
		},
	}
}

// Test returns in-memory streams, none of them a terminal, colour off.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{
		In: in, Out: out, ErrOut: errOut,
		colorMode: ColorAuto,
		getenv:    func(string) string { return "" },
		termWidth: func() int { return 80 },
	}, in, out, errOut
}

// SetColorMode applies --color.
func (s *IOStreams) SetColorMode(m ColorMode) { s.colorMode = m }

// SetStdinTTY, SetStdoutTTY and SetStderrTTY override detection (tests).
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// TerminalWidth is the width to lay out cards in.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth == nil {
		return 80
	}
	return s.termWidth()
}

// ColorEnabled reports whether output to Out is coloured.
func (s *IOStreams) ColorEnabled() bool { return s.colorFor(s.stdoutTTY) }

// ColorEnabledErr reports whether output to ErrOut is coloured.
func (s *IOStreams) ColorEnabledErr() bool { return s.colorFor(s.stderrTTY) }

// colorFor decides colour: --color always/never win, then NO_COLOR,
// CLICOLOR_FORCE, CLICOLOR=0 and TERM=dumb, then whether the stream is a TTY.
func (s *IOStreams) colorFor(tty bool) bool {
	switch s.colorMode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	get := s.getenv
	if get == nil {
		get = func(string) string { return "" }
	}
	if get("NO_COLOR") != "" {
		return false
	}
	if v := get("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if get("CLICOLOR") == "0" || strings.EqualFold(get("TERM"), "dumb") {
		return false
	}
	return tty
}
