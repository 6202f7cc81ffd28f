package callback

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
)

// shortDecimal reads what it accepts exactly as strconv.ParseFloat does,
// to the bit (signed zeros included), and leaves every other shape to it.
func TestShortDecimalMatchesParseFloat(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"37.4847483", true}, {"-122.1473105", true}, {"0", true}, {"-0", true}, {"-0.0", true},
		{"007.50", true}, {"123456789012345", true}, {"0.00000000000001", true}, {"0.000000000000001", false}, {"99999999999999.9", true},
		{"9007199254740993", false}, {"1234567890123456", false}, {"0.1234567890123456", false},
		{"1.", false}, {".5", false}, {"-", false}, {"+1", false}, {"1e5", false}, {"1E-2", false},
		{"1.2.3", false}, {"--1", false}, {"0x1p-2", false}, {"Inf", false}, {"NaN", false}, {"1_0", false}, {" 1", false},
	}
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		s := strconv.FormatInt(rng.Int63n(1e15), 10)
		if p := rng.Intn(len(s) + 1); p > 0 && p < len(s) {
			s = s[:p] + "." + s[p:]
		}
		if rng.Intn(2) == 0 {
			s = "-" + s
		}
		tests = append(tests, struct {
			in string
			ok bool
		}{s, true})
	}
	for _, tt := range tests {
		got, ok := shortDecimal(tt.in)
		if ok != tt.ok {
			t.Fatalf("shortDecimal(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(tt.in, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("shortDecimal(%q) = %v (%#x), ParseFloat = %v (%#x) %v", tt.in, got, math.Float64bits(got), want, math.Float64bits(want), err)
		}
	}
}
