package rawinput

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// TooLargeError is returned by Reader.Next for input, or one line of a
// log, larger than the Reader's limit.
type TooLargeError struct {
	Line int // the line of a log; 0 for input read whole
	Max  int64
}

func (e *TooLargeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d is larger than %d bytes", e.Line, e.Max)
	}
	return fmt.Sprintf("larger than %d bytes", e.Max)
}

// Reader reads raw callbacks from a stream, as Parse reads them from text,
// but a log is read a line at a time: `tail -f access.log | wa-cb decode`
// prints each callback as its line comes, and a log of any length takes
// the memory of one line.
//
// A log is recognised by its first two non-blank lines (lines starting
// with '#' are skipped): each must be a whole callback on its own line (a
// JSON line must be whole JSON), and the first must not start an HTTP
// request. From then on every line is one input, as Parse would read it;
// the one difference is a later line that does not look like a callback,
// which Parse would fold, with the whole input, into one payload: here it
// is one input of its own (its decoder says what it is not). Any other
// input (an HTTP request or several, a JSON document over several lines,
// one line) is read to its end, up to the limit, and then read by Parse.
type Reader struct {
	br   *bufio.Reader
	max  int64
	line int // lines read so far
	// head holds the text read while it is not known to be a log.
	head []byte
	// first is the first line of what may be a log (Line 0: none yet),
	// and pastFirst says a line came after it.
	first struct {
		Line int
		line []byte
	}
	pastFirst bool
	pending   []Input
	mode      readMode
	several   bool
	err       error // returned once pending is empty
}

type readMode int

const (
	modeUndecided readMode = iota
	modeLines
)

// NewReader reads raw callbacks from r; max bounds the input read whole,
// and each line of a log.
func NewReader(r io.Reader, max int64) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next input; io.EOF once there is none left (no input
// at all for blank input), a *TooLargeError past the limit, or the
// underlying reader's error.
func (r *Reader) Next() (Input, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return Input{}, r.err
		}
		r.step()
	}
	in := r.pending[0]
	r.pending[0] = Input{}
	r.pending = r.pending[1:]
	return in, nil
}

// Several reports whether the input holds more than one callback, which
// is known once Next has returned the first.
func (r *Reader) Several() bool { return r.several }

// Waiting reports whether more input has been read already, so that a
// caller may hold its output until it would otherwise wait for more.
func (r *Reader) Waiting() bool { return len(r.pending) > 0 || r.br.Buffered() > 0 }

// step reads a line, or when the input is not a log, all of it.
func (r *Reader) step() {
	if r.mode == modeUndecided && r.line == 0 {
		if b, _ := r.br.Peek(2); len(b) == 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
			r.whole() // UTF-16 is read as a whole
			return
		}
	}
	raw, err := r.readLine()
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
		return
	}
	if raw == nil && err != nil {
		r.end()
		return
	}
	r.line++
	if r.mode == modeLines {
		if in, ok := r.lineInput(raw); ok {
			r.pending = append(r.pending, in)
		}
		if err != nil {
			r.err = io.EOF
		}
		return
	}
	r.head = append(r.head, raw...)
	if err != nil {
		r.end()
		return
	}
	r.decide(raw)
}

// decide reads raw, the line just added to head: a log's first two
// lines commit the Reader to reading lines; a line no log starts with
// sends it to read the whole input.
func (r *Reader) decide(raw []byte) {
	if r.line == 1 {
		raw = bytes.TrimPrefix(raw, utf8BOM)
	}
	line := bytes.TrimSpace(raw)
	if r.first.Line > 0 && !r.pastFirst {
		r.pastFirst = true
		// A request line followed by a header line or a blank line starts
		// an HTTP request (or a log that Parse tells apart from one only
		// at its end).
		if _, _, ok := fullRequestLine(r.first.line); ok && (len(line) == 0 || isHeaderLine(bytes.TrimRight(raw, "\r\n"))) {
			r.whole()
			return
		}
	}
	if len(line) == 0 || line[0] == '#' {
		return
	}
	if !wholeLine(line) {
		r.whole()
		return
	}
	if r.first.Line == 0 {
		r.first.Line, r.first.line = r.line, line
		return
	}
	first := one(r.first.line)
	first.Line = r.first.Line
	second := one(line)
	second.Line = r.line
	r.pending = append(r.pending, first, second)
	r.head, r.mode, r.several = nil, modeLines, true
}

// wholeLine reports whether a line of a log is a callback on its own.
func wholeLine(line []byte) bool {
	if !looksLikeCallback(line) {
		return false
	}
	return (line[0] != '{' && line[0] != '[') || json.Valid(line)
}

// lineInput is one line of a log as an input; blank lines and comments are
// none.
func (r *Reader) lineInput(raw []byte) (Input, bool) {
	line := bytes.TrimSpace(raw)
	if len(line) == 0 || line[0] == '#' {
		return Input{}, false
	}
	in := one(line)
	in.Line = r.line
	return in, true
}

// whole reads the rest of the input and hands it all to Parse.
func (r *Reader) whole() {
	rest, err := io.ReadAll(io.LimitReader(r.br, r.max-int64(len(r.head))+1))
	if err != nil {
		r.err = err
		return
	}
	r.head = append(r.head, rest...)
	if int64(len(r.head)) > r.max {
		r.err = &TooLargeError{Max: r.max}
		return
	}
	r.end()
}

// end parses what head holds, the whole input when the Reader did not
// find a log (nothing once it did), and ends the reading.
func (r *Reader) end() {
	if r.mode == modeUndecided {
		r.pending = Parse(r.head)
		r.several = len(r.pending) > 1
	}
	r.head = nil
	r.err = io.EOF
}

// readLine reads one line, its "\n" included; at the end of the input it
// returns the last line (nil if none) with io.EOF. A line, or the head
// with it while the Reader does not know the input is a log, may not pass
// the limit.
func (r *Reader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		line = append(line, chunk...)
		if int64(len(r.head)+len(line)) > r.max {
			err := &TooLargeError{Max: r.max}
			if r.mode == modeLines {
				err.Line = r.line + 1
			}
			return nil, err
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, io.EOF
			}
			return line, io.EOF
		default:
			return nil, err
		}
	}
}
