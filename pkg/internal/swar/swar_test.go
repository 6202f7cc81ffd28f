package swar

import (
	"encoding/binary"
	"math/bits"
	"testing"
)

// StringStops finds the first stop of every word exactly, checked against
// a byte-by-byte scan.
func TestStringStops(t *testing.T) {
	words := [][8]byte{
		{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'},
		{'a', '"', 'c', 'd', 'e', 'f', 'g', 'h'},
		{'a', 'b', 'c', 'd', 'e', 'f', 'g', '\\'},
		{0x1f, 'b', 'c', 'd', 'e', 'f', 'g', 'h'},
		{0x20, 0x7f, 0x80, 0xff, 0xc3, 0xa9, '!', '#'},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
		{'"', '"', '\\', 0, 1, 2, 3, 4},
		{0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x1f, 0x20},
	}
	for v := range 256 {
		words = append(words, [8]byte{'x', 'x', 'x', byte(v), 'x', 'x', 'x', 'x'})
	}
	for _, w := range words {
		want := 8
		for i, c := range w {
			if c < 0x20 || c == '"' || c == '\\' {
				want = i
				break
			}
		}
		m := StringStops(binary.LittleEndian.Uint64(w[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want || m&^Highs != 0 {
			t.Errorf("% x: first stop %d (mask %#x), want %d", w, got, m, want)
		}
	}
}
