package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseSize reads a byte size such as "3MiB", "512KiB", "512k", "1.5 MB",
// "2048" or "2048B". Binary units: K, KiB, M, MiB, G, GiB (1024-based);
// decimal units: KB, MB, GB (1000-based). Units are case-insensitive. The
// result is a whole number of bytes, greater than zero.
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty size")
	}
	i := 0
	for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
		i++
	}
	num, unit := in[:i], strings.ToLower(strings.TrimSpace(in[i:]))
	if num == "" || strings.Count(num, ".") > 1 || num == "." {
		return 0, fmt.Errorf("invalid size %q: want a number with an optional unit, like 512KiB or 3MiB", s)
	}
	var mult float64
	switch unit {
	case "", "b":
		mult = 1
	case "k", "kib", "ki":
		mult = 1 << 10
	case "m", "mib", "mi":
		mult = 1 << 20
	case "g", "gib", "gi":
		mult = 1 << 30
	case "kb":
		mult = 1e3
	case "mb":
		mult = 1e6
	case "gb":
		mult = 1e9
	default:
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KiB, MiB, GiB, KB, MB or GB)", s, in[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := f * mult
	if v >= math.MaxInt64/2 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	n := int64(math.Round(v))
	if n <= 0 {
		return 0, fmt.Errorf("size %q must be more than zero bytes", s)
	}
	return n, nil
}

// FormatSize writes n bytes the way ParseSize reads them back: "3 MiB",
// "512 KiB", "1.5 MiB", "100 B".
func FormatSize(n int64) string {
	units := []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if n >= u.size {
			if n%u.size == 0 {
				return strconv.FormatInt(n/u.size, 10) + " " + u.name
			}
			return strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

// Ordinal writes 2 as "2nd", 3 as "3rd", 11 as "11th".
func Ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
