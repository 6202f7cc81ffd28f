package record

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// bodyEscape says how appendBodyText writes each byte: 0 as it is, a
// letter as a backslash and that letter, 'u' as \u00XX, and utf8.RuneSelf
// for the first byte of a multi-byte character, which is looked at whole.
var bodyEscape = func() (t [256]byte) {
	for c := 0; c < 0x20; c++ {
		t[c] = 'u'
	}
	t['"'], t['\\'] = '"', '\\'
	t['\n'], t['\r'], t['\t'], t['\b'], t['\f'] = 'n', 'r', 't', 'b', 'f'
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = utf8.RuneSelf
	}
	return t
}()

// appendBodyText appends p as a JSON string, byte for byte what
// jsonstr.AppendBytes writes, when p is valid UTF-8; otherwise it returns
// b unchanged and false. It is the one pass over a recorded body (which
// is hundreds of bytes of JSON, a quote every few bytes): it checks the
// UTF-8 as it goes and writes into b's spare room by index, with no
// append per escape.
func appendBodyText(b, p []byte) ([]byte, bool) {
	start := len(b)
	// Room for p, its quotes, and a few escapes; more is made when needed.
	dst := slices.Grow(b, len(p)+len(p)/4+64)
	dst = dst[:cap(dst)]
	j := start
	dst[j] = '"'
	j++
	i := 0
	for i < len(p) {
		// A step writes at most eight escapes of 6 bytes and a word.
		if len(dst)-j < 64 {
			dst = slices.Grow(dst[:j], 64+len(p)-i+(len(p)-i)/4)
			dst = dst[:cap(dst)]
		}
		if len(p)-i >= 8 {
			// Eight bytes at a time: the word is written as it is, then
			// again after each byte that needs an escape, shifted past it.
			// The steps do not wait on one another, as they would if each
			// started where the last escape was found.
			w := binary.LittleEndian.Uint64(p[i:])
			binary.LittleEndian.PutUint64(dst[j:], w)
			flags := specialBytes(w)
			if flags == 0 {
				i += 8
				j += 8
				continue
			}
			done := 0 // bytes of w written
			for ; flags != 0; flags &= flags - 1 {
				k := bits.TrailingZeros64(flags) / 8
				j += k - done
				c := byte(w >> (8 * k))
				e := bodyEscape[c]
				if e == utf8.RuneSelf {
					break // a multi-byte character, taken whole below
				}
				if e == 'u' {
					dst[j], dst[j+1], dst[j+2], dst[j+3] = '\\', 'u', '0', '0'
					dst[j+4], dst[j+5] = hexDigit[c>>4], hexDigit[c&0xF]
					j += 6
				} else {
					dst[j], dst[j+1] = '\\', e
					j += 2
				}
				done = k + 1
				binary.LittleEndian.PutUint64(dst[j:], w>>(8*done))
			}
			if flags == 0 {
				j += 8 - done
				i += 8
				continue
			}
			i += bits.TrailingZeros64(flags) / 8
		}
		// One character: the last few bytes, or one of several bytes.
		c := p[i]
		switch e := bodyEscape[c]; e {
		case 0:
			dst[j] = c
			j++
			i++
		case 'u':
			dst[j], dst[j+1], dst[j+2], dst[j+3] = '\\', 'u', '0', '0'
			dst[j+4], dst[j+5] = hexDigit[c>>4], hexDigit[c&0xF]
			j += 6
			i++
		case utf8.RuneSelf:
			r, size := utf8.DecodeRune(p[i:])
			if r == utf8.RuneError && size == 1 {
				return b[:start], false
			}
			if r == '\u2028' || r == '\u2029' {
				// encoding/json escapes these line and paragraph separators.
				dst[j], dst[j+1], dst[j+2], dst[j+3] = '\\', 'u', '2', '0'
				dst[j+4], dst[j+5] = '2', hexDigit[r&0xF]
				j += 6
			} else {
				j += copy(dst[j:], p[i:i+size])
			}
			i += size
		default:
			dst[j], dst[j+1] = '\\', e
			j += 2
			i++
		}
	}
	dst[j] = '"'
	return dst[:j+1], true
}

const hexDigit = "0123456789abcdef"

// specialBytes has the high bit of each byte of w (read little-endian)
// set that needs a look of its own, and no other bit: a byte below 0x20,
// '"', '\\' or non-ASCII. Each byte is tested alone, by sums that cannot
// carry into the next byte, so every flag is right (a test by subtraction
// would be shorter, but a borrow can flag the bytes after a special one).
func specialBytes(w uint64) uint64 {
	const lows, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	ascii := w & lows
	control := ^(ascii + 0x6060606060606060) // high bit: (byte & 0x7f) < 0x20
	quote := w ^ 0x2222222222222222
	quote = ^((quote&lows + lows) | quote) // high bit: the byte is '"'
	backslash := w ^ 0x5c5c5c5c5c5c5c5c
	backslash = ^((backslash&lows + lows) | backslash) // high bit: the byte is '\\'
	return (w | control | quote | backslash) & highs
}
