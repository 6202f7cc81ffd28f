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
	dst := slices.Grow(b, len(p)+len(p)/4+16)
	dst = dst[:cap(dst)]
	j := start
	dst[j] = '"'
	j++
	for i := 0; i < len(p); {
		// A step writes at most a word, of which up to 7 bytes are kept,
		// then an escape of 6.
		if len(dst)-j < 16 {
			dst = slices.Grow(dst[:j], 16+len(p)-i+(len(p)-i)/4)
			dst = dst[:cap(dst)]
		}
		if len(p)-i >= 8 {
			// Copy the next eight bytes at once and keep those before the
			// first one that needs a look: in JSON a quote comes every few
			// bytes, so this takes a run per step rather than a byte.
			w := binary.LittleEndian.Uint64(p[i:])
			binary.LittleEndian.PutUint64(dst[j:], w)
			plain := firstSpecial(w)
			i += plain
			j += plain
			if plain == 8 {
				continue
			}
		}
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
	if len(dst)-j < 1 {
		dst = slices.Grow(dst[:j], 1)
		dst = dst[:cap(dst)]
	}
	dst[j] = '"'
	return dst[:j+1], true
}

const hexDigit = "0123456789abcdef"

// firstSpecial is the index of the first of the eight bytes of w (first
// in memory: w is read little-endian) that needs a look of its own: below
// 0x20, '"', '\\' or non-ASCII; 8 when there is none.
func firstSpecial(w uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// (v - n*ones) & ^v & highs flags the bytes of v below n, except that a
	// borrow from a flagged byte can flag bytes above it as well: the
	// lowest flag is always right, and only it is used. Bytes with their
	// high bit set are flagged apart (w & highs), so the others have it
	// clear, as the subtraction needs.
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	flags := w&highs |
		(w-ones*0x20)&^w&highs |
		(quote-ones)&^quote&highs |
		(backslash-ones)&^backslash&highs
	return bits.TrailingZeros64(flags) / 8
}
