package urlcheck

import (
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// whatwgLookup is domain-to-ASCII as the WHATWG URL Standard calls it: UTS
// #46 with mapping, non-transitional, CheckBidi and CheckJoiners on,
// CheckHyphens and the DNS length check off.
var whatwgLookup = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.StrictDomainName(false),
	idna.VerifyDNSLength(false),
)

// whatwgHost reads the host of raw the way a WHATWG URL parser (browsers,
// Node's URL) does for http and https: leading and trailing C0 controls and
// spaces dropped, tabs and newlines removed anywhere, any run of "/" and "\"
// after the scheme skipped, the authority cut at "/", "\", "?" or "#", user
// info cut at the last "@", the host percent-decoded, mapped through UTS #46
// and read as IPv4 when it ends in a number. It is a test reference, written
// apart from the checker, and returns the host serialised as WHATWG does for
// domains and IPv4, and in brackets for IPv6.
func whatwgHost(raw string) (string, bool) {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= 0x20 })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return "", false
	}
	scheme := strings.ToLower(s[:colon])
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	rest := strings.TrimLeft(s[colon+1:], `/\`)
	if end := strings.IndexAny(rest, `/\?#`); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	host := rest
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", false
		}
		ip, err := netip.ParseAddr(host[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", false
		}
		return "[" + ip.String() + "]", true
	}
	if c := strings.IndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	if host == "" {
		return "", false
	}
	decoded, ok := percentDecode(host)
	if !ok {
		return "", false
	}
	ascii, err := whatwgLookup.ToASCII(decoded)
	if err != nil || ascii == "" {
		return "", false
	}
	if strings.ContainsAny(ascii, "\x00\t\n\r #/:<>?@[\\]^|%\x7f") {
		return "", false
	}
	// ends in a number: the last non-empty label
	labels := strings.Split(strings.TrimSuffix(ascii, "."), ".")
	last := labels[len(labels)-1]
	numeric := last != "" && strings.Trim(last, "0123456789") == ""
	if !numeric && (strings.HasPrefix(last, "0x") || strings.HasPrefix(last, "0X")) {
		numeric = strings.Trim(last[2:], "0123456789abcdefABCDEF") == ""
	}
	if numeric {
		ip, ok := refIPv4(ascii)
		if !ok {
			return "", false
		}
		return ip.String(), true
	}
	return ascii, true
}

func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v1, _ := digitVal(s[i+1])
			v2, _ := digitVal(s[i+2])
			b = append(b, byte(v1<<4|v2))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b), true
}
