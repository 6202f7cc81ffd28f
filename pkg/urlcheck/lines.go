package urlcheck

import (
	"bufio"
	"errors"
	"io"
)

// MaxLineKeep is how many bytes of one input line ScanURLs keeps; the rest
// of a longer line is read and dropped (such a line is far past the 2048-byte
// limit anyway), so memory stays constant whatever the input.
const MaxLineKeep = 64 << 10

// ScanURLs reads one URL per line from r and calls fn for each, with its
// 1-based line number. A line loses only its ending ("\n" or "\r\n");
// nothing else is trimmed. Lines that are empty or hold only spaces and
// tabs, and lines whose first non-blank character is "#", are skipped.
// truncated reports a line longer than MaxLineKeep (line holds its start).
//
// idle, when non-nil, is called before a read that may block: the moment to
// flush buffered output, so a slow producer still sees results promptly
// while bulk input is written in large blocks.
func ScanURLs(r io.Reader, fn func(line string, lineNo int, truncated bool) error, idle func() error) error {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	var long []byte // the kept start of a line longer than the buffer
	seen := 0       // bytes of that line read so far
	var last byte   // the last byte read of that line
	lineNo := 0
	for {
		if idle != nil && br.Buffered() == 0 {
			if err := idle(); err != nil {
				return err
			}
		}
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) < MaxLineKeep {
				n := min(len(chunk), MaxLineKeep-len(long))
				long = append(long, chunk[:n]...)
			}
			seen += len(chunk)
			last = chunk[len(chunk)-1]
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if len(chunk) == 0 && seen == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		lineNo++
		truncated := false
		var line string
		if seen > 0 {
			// The line ending may straddle the buffer boundary ("\r" then "\n").
			content := seen + len(chunk)
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				content--
				prev := last
				if len(chunk) >= 2 {
					prev = chunk[len(chunk)-2]
				}
				if prev == '\r' {
					content--
				}
			}
			truncated = content > MaxLineKeep
			if len(long) < MaxLineKeep {
				n := min(len(chunk), MaxLineKeep-len(long))
				long = append(long, chunk[:n]...)
			}
			line = string(long[:min(content, len(long))])
			long, seen = long[:0], 0
		} else {
			line = string(trimEOL(chunk))
		}
		if !skippable(line) {
			if ferr := fn(line, lineNo, truncated); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// trimEOL drops a final "\n" and then one "\r" before it.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func skippable(line string) bool {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ' ', '\t':
			continue
		case '#':
			return true
		default:
			return false
		}
	}
	return true
}
