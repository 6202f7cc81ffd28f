package urlcheck

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// refIPv4 is a second, independent reading of the WHATWG IPv4 parser, built
// on strconv, used to cross-check parseWHATWGIPv4.
func refIPv4(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		digits := p
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" {
			nums[i] = 0
			continue
		}
		if strings.ContainsAny(digits, "+-_") {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(digits, base, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				n = 1 << 63 // too big for any part: fails the range checks below
			} else {
				return netip.Addr{}, false
			}
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
	}
	lastMax := uint64(1) << (8 * (5 - len(nums)))
	if nums[len(nums)-1] >= lastMax {
		return netip.Addr{}, false
	}
	v := nums[len(nums)-1]
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func TestParseWHATWGIPv4(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" means not an IPv4 address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F000001", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f.0x0.0x0.0x1", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"0x.0x.0x.0x", "0.0.0.0"},
		{"00", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"0xffffffff", "255.255.255.255"},
		{"037777777777", "255.255.255.255"},
		{"1.2.3.0x10", "1.2.3.16"},
		{"1.16777215", "1.255.255.255"},
		{"1.2.65535", "1.2.255.255"},
		{"192.168.257", "192.168.1.1"},
		{"4294967296", ""},
		{"0x100000000", ""},
		{"256.0.0.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"1.16777216", ""},
		{"1.2.3.4.5", ""},
		{"09.0.0.1", ""},
		{"08", ""},
		{"0x1g", ""},
		{"1..2.3", ""},
		{".1.2.3", ""},
		{"", ""},
		{".", ""},
		{"1.2.3.4..", ""},
		{"example.123", ""},
		{"1.2.3.-4", ""},
		{"+1", ""},
		{"1_000", ""},
		{"99999999999999999999999999", ""},
		{"0x0000000000000000000000000000001", "0.0.0.1"},
		{"0000000000000000000000000000000001", "0.0.0.1"},
	}
	for _, tc := range cases {
		ip, ok := parseWHATWGIPv4(tc.in)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tc.want {
			t.Errorf("parseWHATWGIPv4(%q) = %q; want %q", tc.in, got, tc.want)
		}
		ref, rok := refIPv4(tc.in)
		if rok != ok || (ok && ref != ip) {
			t.Errorf("reference disagrees on %q: %v %v vs %v %v", tc.in, ref, rok, ip, ok)
		}
	}
}

// FuzzIPv4 cross-checks the WHATWG IPv4 parser against the strconv-based
// reference and, for dotted quads, against net/netip.
func FuzzIPv4(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x", "09.1", "1.2.3.4.5", "4294967296", "256.1", "0x7f.0x0.0x0.0x1", "1.2.3.4."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, ok := parseWHATWGIPv4(s)
		ref, rok := refIPv4(s)
		if ok != rok || (ok && ip != ref) {
			t.Fatalf("parseWHATWGIPv4(%q) = %v %v; reference %v %v", s, ip, ok, ref, rok)
		}
		if ok && !ip.Is4() {
			t.Fatalf("parseWHATWGIPv4(%q) = %v is not IPv4", s, ip)
		}
		if std, err := netip.ParseAddr(s); err == nil && std.Is4() {
			if !ok || ip != std {
				t.Fatalf("netip reads %q as %v; parseWHATWGIPv4 = %v %v", s, std, ip, ok)
			}
		}
	})
}
