// Package swar scans JSON text eight bytes at a time, in one machine word
// (SIMD within a register): the one place the JSON parser, compactor and
// string writer find where a string's plain run of bytes ends.
package swar

// Ones and Highs are the byte-wise constants of the scans: 0x01 and 0x80
// in every byte.
const (
	Ones  = 0x0101010101010101
	Highs = 0x8080808080808080
)

// StringStops marks, with the high bit of its byte, each of the eight
// bytes of x (read little-endian) that ends a plain run in a JSON string:
// below 0x20, '"' or '\\'. Bytes of 0x80 and above are not marked. Bytes
// above a marked one may be marked wrongly; the lowest mark is exact, so
// bits.TrailingZeros64(m)>>3 is the index of the first stop.
func StringStops(x uint64) uint64 {
	quote := x ^ (Ones * '"')
	bslash := x ^ (Ones * '\\')
	// (v - Ones*n) &^ v & Highs: the bytes of v below n.
	return ((x-Ones*0x20)&^x | (quote-Ones)&^quote | (bslash-Ones)&^bslash) & Highs
}
