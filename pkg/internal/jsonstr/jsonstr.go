// Package jsonstr writes JSON strings (and the numbers beside them)
// without reflection, for the hot paths that build JSON by hand (events,
// recordings, event raw fields, validate-url results).
package jsonstr

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/wa-cb/wa-cb/pkg/internal/swar"
)

const hexDigits = "0123456789abcdef"

// plainJSON marks the ASCII bytes a JSON string holds as they are.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendBytes is Append of string(p), without copying p into a string
// first (a recorded body is hundreds of bytes).
func AppendBytes(b, p []byte) []byte {
	// Append only reads s while it runs and keeps none of it, so p need
	// not be copied; b and p must not overlap.
	return Append(b, unsafe.String(unsafe.SliceData(p), len(p)))
}

// Append writes s as a JSON string the way encoding/json does with
// HTML escaping off: invalid UTF-8 becomes U+FFFD, control characters and
// U+2028/U+2029 are escaped.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time: skip them when all are plain, else go
		// straight to the first that is not.
		if i+8 <= len(s) {
			m := special8(s[i : i+8])
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if len(s) >= 8 {
			// The last few bytes: test the last eight, without the marks
			// of those before i (already written).
			j := len(s) - 8
			m := special8(s[j:]) >> (8 * (i - j))
			if m == 0 {
				break
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if i == 0 && len(s) >= 4 && special4(s[:4])|special4(s[len(s)-4:]) == 0 {
			// A short string (a kind, a method), plain as nearly all are:
			// its first and last four bytes cover it.
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plainJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// special8 marks, with the high bit of its byte, each of the eight bytes
// of s that is not plain in JSON: below 0x20, '"', '\\' or non-ASCII.
// Bytes above a marked one may be marked wrongly; the lowest mark is exact.
func special8(s string) uint64 {
	// The eight bytes are read as one word (s is only read).
	return specialBytes(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8)))
}

// specialBytes is special8 of the eight bytes of x, little-endian (apart,
// so that both are inlined): the stops of a string's plain run, and the
// bytes above 0x7f, which Append checks as UTF-8.
func specialBytes(x uint64) uint64 {
	return swar.StringStops(x) | x&swar.Highs
}

// special4 is special8 for four bytes: they are tested as the low half
// of a word whose high half is plain spaces.
func special4(s string) uint64 {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
	return specialBytes(x | 0x20202020<<32)
}

// AppendASCII is Append with every non-ASCII character written as a \uXXXX
// escape (a surrogate pair above U+FFFF), the way Meta and Kaleyra encode
// text.
func AppendASCII(b []byte, s string) []byte {
	n := len(b)
	b = Append(b, s)
	for i := n; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return append(b[:i], EscapeNonASCII(b[i:len(b):len(b)])...)
		}
	}
	return b
}

// EscapeNonASCII rewrites the non-ASCII characters of JSON text as \uXXXX
// escapes. In valid JSON they can only stand inside strings, so the text
// means the same afterwards. Text without any is returned as is.
func EscapeNonASCII(text []byte) []byte {
	i := 0
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	if i == len(text) {
		return text
	}
	out := make([]byte, i, len(text)+16)
	copy(out, text[:i])
	for _, r := range string(text[i:]) {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r >= 0x10000:
			r -= 0x10000
			out = appendU4(appendU4(out, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
		default:
			out = appendU4(out, r)
		}
	}
	return out
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// AppendField appends ,"name":"s" unless s is empty: an omitempty string
// member after the first one of an object. name is written as it is.
func AppendField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return Append(b, s)
}

// AppendFloat appends f the way encoding/json writes a float64. f must be
// finite (encoding/json refuses NaN and infinities).
func AppendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 is written 1e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
