package urlcheck

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// hostError is a failed host rule: the rule id and a human reason.
type hostError struct {
	rule   string
	reason string
}

// normHost is a normalised host.
type normHost struct {
	ascii   string     // lower-case A-label form, no trailing dot
	unicode string     // U-label form when any label is internationalised, else ""
	ip      netip.Addr // valid when the host is an IPv4 address in any WHATWG spelling
}

// normalizeHost applies the shared host normalisation to a reg-name or IPv4
// host (not a bracketed IPv6 literal): strip one trailing dot, lower-case
// ASCII, IDNA (registration profile) for non-ASCII labels, LDH and length
// checks, xn-- labels must decode, and the WHATWG "ends in a number" rule.
func normalizeHost(h string) (normHost, *hostError) {
	if h == "" {
		return normHost{}, &hostError{RuleEmptyHost, "the host is empty"}
	}
	trailingDot := strings.HasSuffix(h, ".")
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return normHost{}, &hostError{RuleEmptyHost, `the host is only "."`}
	}
	if strings.HasSuffix(h, ".") {
		return normHost{}, &hostError{RuleLabel, "the host ends in an empty label (two trailing dots)"}
	}
	nonASCII := false
	upper := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= utf8.RuneSelf {
			nonASCII = true
		} else if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if upper {
		h = asciiLower(h)
	}
	var out normHost
	input := h
	if nonASCII {
		a, herr := toASCII(h)
		if herr != nil {
			return normHost{}, herr
		}
		out.unicode = h
		h = a
	}
	if len(h) > 253 {
		return normHost{}, &hostError{RuleHostTooLong, "the host is " + itoa(len(h)) + " bytes long (at most 253)"}
	}
	// Labels IDNA produced from Unicode are valid by construction; A-labels
	// written as such in the input must decode and round-trip.
	hasPuny := false
	for start := 0; start <= len(h); {
		end := strings.IndexByte(h[start:], '.')
		if end < 0 {
			end = len(h)
		} else {
			end += start
		}
		label := h[start:end]
		if herr := checkLDH(label); herr != nil {
			return normHost{}, herr
		}
		if len(label) >= 4 && label[:4] == "xn--" {
			hasPuny = true
			if !nonASCII || inputHasALabel(input, label) {
				if herr := checkALabel(label); herr != nil {
					return normHost{}, herr
				}
			}
		}
		start = end + 1
	}
	out.ascii = h
	if hasPuny && out.unicode == "" {
		if u, err := idna.Punycode.ToUnicode(h); err == nil {
			out.unicode = u
		}
	}
	if endsInNumber(h) {
		v4, ok := parseWHATWGIPv4(h)
		if !ok {
			return normHost{}, &hostError{RuleEndsInNumber, "the last label is a number but " + quote(h) + " is not an IPv4 address"}
		}
		if herr := cLibraryReadsName(h, v4, trailingDot); herr != nil {
			return normHost{}, herr
		}
		out.ip = v4
	}
	return out, nil
}

// cLibraryReadsName refuses an IPv4 host that only WHATWG parsers read as
// an address: curl and Python hand the host to the C library, whose
// inet_aton wants digits after "0x" and no trailing dot, and otherwise
// look the text up as a name, so the parsers would reach different hosts.
func cLibraryReadsName(h string, v4 netip.Addr, trailingDot bool) *hostError {
	if trailingDot {
		return &hostError{RuleEndsInNumber, quote(h+".") + " is the IPv4 address " + v4.String() +
			" to WHATWG parsers but a name to curl and Python, which read no trailing dot in an address"}
	}
	for _, part := range strings.Split(h, ".") {
		if part == "0x" || part == "0X" {
			return &hostError{RuleEndsInNumber, quote(h) + " is the IPv4 address " + v4.String() +
				` to WHATWG parsers but a name to curl and Python, which read no "0x" without hex digits`}
		}
	}
	return nil
}

// inputHasALabel reports whether label was written as an A-label in the
// input host (rather than produced by IDNA from a Unicode label).
func inputHasALabel(input, label string) bool {
	for _, l := range strings.Split(input, ".") {
		if l == label {
			return true
		}
	}
	return false
}

// toASCII converts a lower-cased host with non-ASCII characters to A-labels
// with the non-mapping IDNA2008 registration profile. The whole host goes
// through the profile (so the cross-label BiDi rule applies); only when that
// fails because of an R-LDH ASCII label ("r3---sn-abc", legal in DNS but
// refused by the IDNA hyphen check) are the non-ASCII labels converted one
// by one.
func toASCII(h string) (string, *hostError) {
	a, err := idna.Registration.ToASCII(h)
	if err == nil {
		return a, nil
	}
	if !hasRLDHLabel(h) {
		return "", &hostError{RuleIDNA, "IDNA2008 refuses the host: " + idnaReason(err)}
	}
	var b strings.Builder
	for i, label := range strings.Split(h, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		if isASCII(label) {
			b.WriteString(label)
			continue
		}
		al, err := idna.Registration.ToASCII(label)
		if err != nil {
			return "", &hostError{RuleIDNA, "IDNA2008 refuses the host: " + idnaReason(err)}
		}
		b.WriteString(al)
	}
	return b.String(), nil
}

func hasRLDHLabel(h string) bool {
	for _, label := range strings.Split(h, ".") {
		if isASCII(label) && len(label) >= 4 && label[2] == '-' && label[3] == '-' && !strings.HasPrefix(label, "xn--") {
			return true
		}
	}
	return false
}

func idnaReason(err error) string {
	return strings.TrimPrefix(err.Error(), "idna: ")
}

// checkLDH checks one ASCII label: 1-63 bytes of a-z 0-9 and "-", no hyphen
// at either end. Double hyphens (R-LDH labels) are legal.
func checkLDH(label string) *hostError {
	if label == "" {
		return &hostError{RuleLabel, "the host has an empty label"}
	}
	if len(label) > 63 {
		return &hostError{RuleLabel, "the label " + quote(label[:20]+"...") + " is " + itoa(len(label)) + " bytes long (at most 63)"}
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return &hostError{RuleLabel, "the label " + quote(label) + " holds " + quote(string(rune(c))) + " (only a-z, 0-9 and - are allowed)"}
		}
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return &hostError{RuleLabel, "the label " + quote(label) + " starts or ends with a hyphen"}
	}
	return nil
}

// checkALabel makes sure an xn-- label decodes to a valid U-label that
// encodes back to exactly the same A-label.
func checkALabel(label string) *hostError {
	u, err := idna.Registration.ToUnicode(label)
	if err != nil {
		return &hostError{RuleIDNA, "the label " + quote(label) + " is not a valid A-label: " + idnaReason(err)}
	}
	back, err := idna.Registration.ToASCII(u)
	if err != nil || back != label {
		return &hostError{RuleIDNA, "the label " + quote(label) + " does not round-trip through IDNA"}
	}
	return nil
}

// endsInNumber is the WHATWG URL "ends in a number" test on a normalised,
// non-empty host without a trailing dot: the last label is all ASCII digits,
// or "0x" followed by hex digits (possibly none).
func endsInNumber(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	if allDigits(last, 10) {
		return true
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		return allDigits(last[2:], 16)
	}
	return false
}

// parseWHATWGIPv4 is the WHATWG IPv4 parser: 1 to 4 dot-separated parts,
// each decimal, octal (leading 0) or hexadecimal (0x); every part but the
// last is at most 255, and the last fills the remaining bytes. A single
// trailing empty part is allowed, as in the standard (callers have already
// stripped the trailing dot).
func parseWHATWGIPv4(h string) (netip.Addr, bool) {
	if h == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(h, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums [4]uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := len(parts) - 1
	for i := 0; i < last; i++ {
		if nums[i] > 255 {
			return netip.Addr{}, false
		}
	}
	if nums[last] >= uint64(1)<<(8*(5-len(parts))) {
		return netip.Addr{}, false
	}
	v := nums[last]
	for i := 0; i < last; i++ {
		v += nums[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Number parses one WHATWG IPv4 part. Values beyond 2^40 are
// clamped (they fail the range checks either way).
func parseIPv4Number(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		p, base = p[2:], 16
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	if p == "" {
		return 0, true
	}
	const limit = uint64(1) << 40
	var n uint64
	for i := 0; i < len(p); i++ {
		d, ok := digitVal(p[i])
		if !ok || d >= base {
			return 0, false
		}
		if n < limit {
			n = n*base + d
		}
	}
	return n, true
}

func digitVal(c byte) (uint64, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

func allDigits(s string, base uint64) bool {
	for i := 0; i < len(s); i++ {
		d, ok := digitVal(s[i])
		if !ok || d >= base {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// IP classes reported in Result.IPClass.
const (
	IPLoopback      = "loopback"
	IPPrivate       = "private"
	IPLinkLocal     = "link-local"
	IPUnspecified   = "unspecified"
	IPThisNetwork   = "this-network"
	IPMulticast     = "multicast"
	IPBroadcast     = "broadcast"
	IPCGNAT         = "cgnat"
	IPDocumentation = "documentation"
	IPBenchmarking  = "benchmarking"
	IPReserved      = "reserved"
	IPNAT64         = "nat64"
	IPPublic        = "public"
)

var (
	pfxThisNet   = netip.MustParsePrefix("0.0.0.0/8")
	pfxCGNAT     = netip.MustParsePrefix("100.64.0.0/10")
	pfxIETF      = netip.MustParsePrefix("192.0.0.0/24")
	pfxDoc1      = netip.MustParsePrefix("192.0.2.0/24")
	pfxDoc2      = netip.MustParsePrefix("198.51.100.0/24")
	pfxDoc3      = netip.MustParsePrefix("203.0.113.0/24")
	pfxBench     = netip.MustParsePrefix("198.18.0.0/15")
	pfxReserved4 = netip.MustParsePrefix("240.0.0.0/4")
	pfxDoc6      = netip.MustParsePrefix("2001:db8::/32")
	pfxDoc6b     = netip.MustParsePrefix("3fff::/20")
	pfxNAT64     = netip.MustParsePrefix("64:ff9b::/96")
	pfxNAT64L    = netip.MustParsePrefix("64:ff9b:1::/48")
	pfxCompat    = netip.MustParsePrefix("::/96")
	pfxBench6    = netip.MustParsePrefix("2001:2::/48")
	pfxDiscard6  = netip.MustParsePrefix("100::/64")
)

// ClassifyIP names the address class of ip. An IPv4-mapped IPv6 address
// (::ffff:127.0.0.1) has the class of the IPv4 address it carries.
func ClassifyIP(ip netip.Addr) string {
	if ip.Is4In6() {
		return ClassifyIP(ip.Unmap())
	}
	switch {
	case ip.IsUnspecified():
		return IPUnspecified
	case ip.IsLoopback():
		return IPLoopback
	case ip.IsPrivate():
		return IPPrivate
	case ip.IsLinkLocalUnicast():
		return IPLinkLocal
	case ip.IsMulticast():
		return IPMulticast
	}
	if ip.Is4() {
		switch {
		case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
			return IPBroadcast
		case pfxThisNet.Contains(ip):
			return IPThisNetwork
		case pfxCGNAT.Contains(ip):
			return IPCGNAT
		case pfxDoc1.Contains(ip), pfxDoc2.Contains(ip), pfxDoc3.Contains(ip):
			return IPDocumentation
		case pfxBench.Contains(ip):
			return IPBenchmarking
		case pfxReserved4.Contains(ip), pfxIETF.Contains(ip):
			return IPReserved
		}
		return IPPublic
	}
	switch {
	case pfxDoc6.Contains(ip), pfxDoc6b.Contains(ip):
		return IPDocumentation
	case pfxNAT64.Contains(ip), pfxNAT64L.Contains(ip):
		return IPNAT64
	case pfxBench6.Contains(ip):
		return IPBenchmarking
	case pfxCompat.Contains(ip), pfxDiscard6.Contains(ip):
		return IPReserved
	}
	return IPPublic
}

func itoa(n int) string { return strconv.Itoa(n) }

// quote quotes s for a reason text: invisible or invalid characters come out
// as Go escapes, so a reason never carries raw control characters.
func quote(s string) string { return strconv.Quote(s) }
