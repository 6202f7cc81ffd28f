package urlcheck

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Result is the verdict on one URL. The JSON field names are a contract.
type Result struct {
	URL     string  `json:"url"`
	Line    int     `json:"line,omitempty"` // input line, when read from a stream
	Verdict Verdict `json:"verdict"`
	Valid   bool    `json:"valid"`
	// Whitelisted is set when a whitelist is configured. It points to
	// storage shared by all results: read it, never write through it.
	Whitelisted *bool  `json:"whitelisted,omitempty"`
	Code        string `json:"code,omitempty"` // "E413" for a malformed URL
	Rule        string `json:"rule"`
	Reason      string `json:"reason"`
	// Host is the normalised host: lower case, A-labels, no trailing dot;
	// IPv4 in dotted decimal, IPv6 in brackets.
	Host        string    `json:"host,omitempty"`
	HostUnicode string    `json:"host_unicode,omitempty"` // U-label form of an internationalised host
	Port        string    `json:"port,omitempty"`
	Matched     string    `json:"matched,omitempty"` // the whitelist entry that matched
	IPClass     string    `json:"ip_class,omitempty"`
	Warnings    []Warning `json:"warnings,omitempty"`
	// Truncated means the input line was longer than the reader keeps; URL
	// holds its beginning.
	Truncated bool `json:"truncated,omitempty"`
}

// yes and no back Result.Whitelisted without an allocation per URL; they
// are never written through.
var yes, no = true, false

// Options configure a Checker.
type Options struct {
	// Whitelist, when non-nil, decides valid-allowed versus
	// valid-not-whitelisted. Without it only the E413 rules apply.
	Whitelist *Whitelist
	// HTTPSOnly refuses http:// URLs (rule https-only) instead of warning.
	HTTPSOnly bool
}

// Checker judges URLs. It is safe for concurrent use.
type Checker struct {
	opts Options
}

// New returns a Checker.
func New(opts Options) *Checker { return &Checker{opts: opts} }

// Check judges raw exactly as given.
func (c *Checker) Check(raw string) Result {
	r := Result{URL: raw}
	p, fail := parse(raw)
	if fail != nil {
		return c.invalid(r, fail.rule, fail.reason)
	}
	r.Host, r.HostUnicode, r.Port = p.host, p.hostUnicode, p.port
	wl := c.opts.Whitelist
	switch {
	case p.ip.IsValid():
		r.IPClass = ClassifyIP(p.ip)
		desc := "the host is an IP literal (" + r.IPClass + " address " + p.ip.String() + ")"
		if p.ip.Is4In6() {
			desc = "the host is an IPv4-mapped IPv6 literal (" + r.IPClass + " address " + p.ip.Unmap().String() + ")"
		}
		if wl != nil {
			c.notWhitelisted(&r, RuleIPHost, desc+"; whitelist entries are domains and never match an IP: Kaleyra will accept it, but no callback will be made")
		} else {
			c.allowed(&r, RuleOK, "well-formed")
			r.Warnings = append(r.Warnings, Warning{WarnIPHost, desc + "; Kaleyra's whitelist holds domains, so callbacks to it are not made"})
		}
	case wl == nil:
		c.allowed(&r, RuleOK, "well-formed")
	default:
		if i, ok := wl.match(p.host); ok {
			e := wl.entries[i]
			r.Matched = e.String()
			reason := wl.under[i]
			if p.host == e.Domain {
				reason = wl.isEntry[i]
			}
			c.allowed(&r, RuleWhitelisted, reason)
			if !wl.above[i] {
				// no public suffix below the entry: nothing to warn about
			} else if ps, _ := publicsuffix.PublicSuffix(p.host); len(ps) > len(e.Domain) {
				r.Warnings = append(r.Warnings, Warning{WarnSharedSuffix,
					p.host + " is under the public suffix " + ps + ", which lies below the entry " + e.Domain + ": names under " + ps + " belong to other parties"})
			}
		} else {
			c.notWhitelisted(&r, RuleNotWhitelisted, "the host is not under any whitelist entry: Kaleyra will accept it, but no callback will be made")
		}
	}
	c.warn(&r, raw, p)
	if p.scheme == "http" && c.opts.HTTPSOnly {
		r.Verdict, r.Valid, r.Rule = Invalid, false, RuleHTTPSOnly
		r.Reason = "http:// is refused by the https-only policy (Kaleyra itself accepts it)"
		if r.Whitelisted != nil {
			r.Whitelisted = &no
		}
		r.Warnings = dropWarning(r.Warnings, WarnHTTP)
	}
	return r
}

func (c *Checker) invalid(r Result, rule, reason string) Result {
	r.Verdict, r.Valid, r.Code, r.Rule, r.Reason = Invalid, false, CodeE413, rule, reason
	if c.opts.Whitelist != nil {
		r.Whitelisted = &no
	}
	return r
}

func (c *Checker) allowed(r *Result, rule, reason string) {
	r.Verdict, r.Valid, r.Rule, r.Reason = Allowed, true, rule, reason
	if c.opts.Whitelist != nil {
		r.Whitelisted = &yes
	}
}

func (c *Checker) notWhitelisted(r *Result, rule, reason string) {
	r.Verdict, r.Valid, r.Rule, r.Reason, r.Whitelisted = NotWhitelisted, true, rule, reason, &no
}

func dropWarning(ws []Warning, rule string) []Warning {
	out := ws[:0]
	for _, w := range ws {
		if w.Rule != rule {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// warn adds the warnings of a valid URL.
func (c *Checker) warn(r *Result, raw string, p parsed) {
	if p.scheme == "http" {
		r.Warnings = append(r.Warnings, Warning{WarnHTTP, "http:// sends the callbacks' customer data unencrypted; use https://"})
	}
	if !p.ip.IsValid() {
		nameWarnings(p.host, func(w Warning) { r.Warnings = append(r.Warnings, w) })
		if p.hostUnicode != "" {
			for _, label := range strings.Split(p.hostUnicode, ".") {
				if scripts, mixed := mixedScript(label); mixed {
					r.Warnings = append(r.Warnings, Warning{WarnMixedScript,
						"the label " + quote(label) + " mixes scripts (" + strings.Join(scripts, ", ") + "): a classic look-alike"})
					break
				}
			}
			if w, ok := deviationWarning(p.hostUnicode); ok {
				r.Warnings = append(r.Warnings, w)
			}
			for _, ch := range p.hostUnicode {
				if looks, ok := pathLookalikes[ch]; ok {
					r.Warnings = append(r.Warnings, Warning{WarnPathLookalike,
						"the host holds " + unicodeName(ch) + ", which looks like " + quote(looks) + ": " + quote(p.hostUnicode) + " is one host name, " + p.host})
					break
				}
			}
		}
		if wl := c.opts.Whitelist; wl != nil && r.Matched == "" {
			form := p.host
			if p.hostUnicode != "" {
				form = p.hostUnicode
			}
			if e, ok := wl.lookalike(form); ok {
				r.Warnings = append(r.Warnings, Warning{WarnConfusable,
					"the host " + quote(form) + " looks like the whitelist entry " + quote(displayForm(e.Domain)) + " but is not under it"})
			}
		}
	}
	if p.rawQuery != "" {
		if names := queryParamCollisions(p.rawQuery); len(names) > 0 {
			r.Warnings = append(r.Warnings, Warning{WarnCallbackParam,
				"the query already has " + strings.Join(names, ", ") + ", which a GET callback appends too: the handler may read the wrong value"})
		}
	}
	if len(raw)+CallbackReserve > MaxURLBytes {
		r.Warnings = append(r.Warnings, Warning{WarnCallbackTooLong,
			"the URL is " + itoa(len(raw)) + " bytes; a GET callback appends about " + itoa(CallbackReserve) + " bytes of query, past the 2048-byte limit many servers and proxies keep"})
	}
}

func unicodeName(r rune) string {
	code := fmt.Sprintf("U+%04X", r)
	if name, ok := lookalikeNames[r]; ok {
		return code + " " + name
	}
	if unicode.IsPrint(r) {
		return code + " " + quote(string(r))
	}
	return code
}

var lookalikeNames = map[rune]string{
	'\u2044': "FRACTION SLASH", '\u2215': "DIVISION SLASH", '\u29f8': "BIG SOLIDUS",
	'\u0294': "LATIN LETTER GLOTTAL STOP", '\u02d0': "MODIFIER LETTER TRIANGULAR COLON",
	'\ua789': "MODIFIER LETTER COLON", '\u0589': "ARMENIAN FULL STOP", '\u00b7': "MIDDLE DOT",
	'\u06d4': "ARABIC FULL STOP", '\ua4f8': "LISU LETTER TONE MYA TI",
}

// parsed is what a valid URL is made of.
type parsed struct {
	scheme      string // "http" or "https"
	host        string // normalised
	hostUnicode string
	port        string
	ip          netip.Addr
	rawQuery    string
}

type failure struct {
	rule, reason string
}

func fail(rule, reason string) (parsed, *failure) {
	return parsed{}, &failure{rule, reason}
}

// parse applies the E413 rules in their fixed order to the raw string:
// each group below is one step, and the first rule that fails decides.
func parse(s string) (parsed, *failure) {
	if f := checkText(s); f != nil { // 1-4
		return parsed{}, f
	}
	u, f := parseWithGo(s) // 5-6
	if f != nil {
		return parsed{}, f
	}
	auth, pathQuery, f := splitAuthority(s, u.Scheme) // 7-8
	if f != nil {
		return parsed{}, f
	}
	if f := checkPathQuery(pathQuery); f != nil { // 9
		return parsed{}, f
	}
	if f := checkAuthorityChars(auth); f != nil { // 10
		return parsed{}, f
	}
	host, port, f := splitHostPort(auth) // 11-12
	if f != nil {
		return parsed{}, f
	}
	inBrackets := strings.HasPrefix(host, "[")
	// Go must read the same host and port, or parsers disagree.
	goHost := u.Hostname()
	ourHost := host
	if inBrackets {
		ourHost = host[1 : len(host)-1]
	}
	if goHost != ourHost || u.Port() != port || u.User != nil || u.Opaque != "" {
		return fail(RuleParserMismatch, "net/url reads host "+quote(goHost)+" port "+quote(u.Port())+", wa-cb reads "+quote(ourHost)+" port "+quote(port))
	}
	p := parsed{scheme: u.Scheme, port: port, rawQuery: u.RawQuery}
	if inBrackets {
		return parseIPv6Host(p, host) // 13
	}
	return parseNamedHost(p, host) // 14
}

// checkText: rules 1-4, on the raw text before any parser reads it.
func checkText(s string) *failure {
	// 1. length in bytes
	if len(s) > MaxURLBytes {
		return &failure{RuleTooLong, "the URL is " + itoa(len(s)) + " bytes long (at most 2048)"}
	}
	if s == "" {
		return &failure{RuleParseError, "the URL is empty"}
	}
	// 2. controls, white space, and bytes that are not UTF-8
	badUTF8 := -1
	for i := 0; i < len(s); i++ {
		// fast path: ASCII
		if c := s[i]; c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return &failure{RuleControlOrSpace, describeRune(rune(c)) + " at byte " + itoa(i) + ": white space and control characters are never part of a URL (browsers silently drop some, which changes the host)"}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if badUTF8 < 0 {
				badUTF8 = i
			}
			continue
		}
		i += size - 1
		if (r >= 0x80 && r <= 0x9f) || unicode.IsSpace(r) {
			return &failure{RuleControlOrSpace, describeRune(r) + " at byte " + itoa(i-size+1) + ": white space and control characters are never part of a URL (browsers silently drop some, which changes the host)"}
		}
	}
	if badUTF8 >= 0 {
		return &failure{RuleInvalidUTF8, "the byte at " + itoa(badUTF8) + " is not valid UTF-8"}
	}
	// 3. backslash
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		return &failure{RuleBackslash, `a "\" at byte ` + itoa(i) + `: browsers read it as "/", other parsers as data`}
	}
	// 4. fragment, even an empty one
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return &failure{RuleFragment, `a "#" at byte ` + itoa(i) + ": callback URLs carry no fragment"}
	}
	return nil
}

// parseWithGo: rules 5-6, Go's parser and the scheme it reads.
func parseWithGo(s string) (*url.URL, *failure) {
	// 5. Go's parser
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Err.Error()
		}
		if !strings.HasPrefix(msg, "net/url: ") {
			msg = "net/url: " + msg
		}
		if hostEscaped(s) {
			// Go's words alone ("invalid URL escape %61") read as if the
			// escape were malformed: say why a host may hold none.
			msg += `: a "%" in the host, which WHATWG parsers decode (ex%61mple.com is example.com) and Go refuses`
		}
		return nil, &failure{RuleParseError, msg}
	}
	// 6. scheme
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, &failure{RuleScheme, "no scheme: the URL must start with https://"}
		}
		return nil, &failure{RuleScheme, "the scheme " + quote(u.Scheme) + " is not http or https"}
	}
	return u, nil
}

// hostEscaped reports whether the authority after "scheme://" holds a "%"
// outside an IPv6 literal (where it starts a zone).
func hostEscaped(s string) bool {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	if end := strings.IndexAny(rest, "/?"); end >= 0 {
		rest = rest[:end]
	}
	if i := strings.LastIndexByte(rest, ']'); i >= 0 {
		rest = rest[i:]
	}
	return strings.Contains(rest, "%")
}

// splitAuthority: rules 7-8, the authority after "scheme://" up to the
// first "/" or "?", and the path and query after it.
func splitAuthority(s, scheme string) (auth, pathQuery string, f *failure) {
	// 7. "//" right after "scheme:"
	rest := s[len(scheme)+1:]
	if !strings.HasPrefix(rest, "//") {
		return "", "", &failure{RuleNoAuthority, quote(s[:len(scheme)+1]) + ` is not followed by "//"`}
	}
	rest = rest[2:]
	// 8. authority up to the first "/" or "?"
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	auth, pathQuery = rest[:end], rest[end:]
	if i := strings.IndexByte(auth, '@'); i >= 0 {
		return "", "", &failure{RuleUserinfo, `an "@" in the authority ` + quote(auth) + ": parsers disagree on which host it names"}
	}
	return auth, pathQuery, nil
}

// checkPathQuery: rule 9, path and query characters and escapes.
func checkPathQuery(pathQuery string) *failure {
	badEscape := -1
	for i := 0; i < len(pathQuery); i++ {
		c := pathQuery[i]
		if c >= 0x80 {
			r, _ := utf8.DecodeRuneInString(pathQuery[i:])
			return &failure{RulePathOrQueryChars, "the path or query holds the raw non-ASCII " + describeRune(r) + "; percent-encode it"}
		}
		if !specialInPath[c] {
			continue
		}
		switch c {
		case '%':
			if badEscape < 0 && (i+2 >= len(pathQuery) || !isHex(pathQuery[i+1]) || !isHex(pathQuery[i+2])) {
				badEscape = i
			}
		default:
			return &failure{RulePathOrQueryChars, "the path or query holds " + quote(string(c)) + "; percent-encode it"}
		}
	}
	if badEscape >= 0 {
		esc := pathQuery[badEscape:min(badEscape+3, len(pathQuery))]
		return &failure{RuleBadPercentEscape, "the escape " + quote(esc) + ` is not "%" followed by two hex digits`}
	}
	return nil
}

// checkAuthorityChars: rule 10, the characters an authority may hold.
func checkAuthorityChars(auth string) *failure {
	inBrackets := strings.HasPrefix(auth, "[")
	for i := 0; i < len(auth); i++ {
		c := auth[i]
		if c >= 0x80 {
			continue // internationalised host: IDNA decides
		}
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == ':':
			continue
		case c == '[' && i == 0:
			continue
		case c == ']' && inBrackets:
			continue
		case c == '%' && inBrackets && i < strings.IndexByte(auth, ']'):
			return &failure{RuleIPv6Zone, "an IPv6 zone id in " + quote(auth) + ": WHATWG parsers refuse zones, Go accepts them"}
		}
		return &failure{RuleAuthorityChars, "the authority " + quote(auth) + " holds " + quote(string(c)) + "; only letters, digits, \"-\", \".\", \":\" and an IPv6 literal's brackets are allowed"}
	}
	return nil
}

// splitHostPort: rules 11-12, the port (checked) and a host that is not
// empty; an IPv6 literal's host keeps its brackets.
func splitHostPort(auth string) (host, port string, f *failure) {
	// 11. port
	hasPort := false
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			return "", "", &failure{RuleIPv6, "the IPv6 literal " + quote(auth) + ` has no closing "]"`}
		}
		host = auth[:j+1]
		after := auth[j+1:]
		if after != "" {
			if after[0] != ':' {
				return "", "", &failure{RuleAuthorityChars, quote(after) + ` follows the IPv6 literal; only ":port" may`}
			}
			port, hasPort = after[1:], true
		}
	} else {
		if i := strings.IndexByte(auth, ':'); i >= 0 {
			host, port, hasPort = auth[:i], auth[i+1:], true
		} else {
			host = auth
		}
	}
	if hasPort {
		if reason := checkPort(port); reason != "" {
			return "", "", &failure{RulePort, reason}
		}
	}
	// 12. empty host
	if host == "" {
		return "", "", &failure{RuleEmptyHost, "the URL has no host"}
	}
	return host, port, nil
}

// parseIPv6Host: rule 13, an IPv6 literal ("[...]").
func parseIPv6Host(p parsed, host string) (parsed, *failure) {
	inner := host[1 : len(host)-1]
	ip, err := netip.ParseAddr(inner)
	if err != nil || !ip.Is6() {
		return fail(RuleIPv6, quote(host)+" is not an IPv6 address")
	}
	if ip.Zone() != "" {
		return fail(RuleIPv6Zone, "an IPv6 zone id in "+quote(host))
	}
	p.ip = ip
	p.host = "[" + ip.String() + "]"
	return p, nil
}

// parseNamedHost: rule 14, host normalisation, IDNA and WHATWG IPv4.
func parseNamedHost(p parsed, host string) (parsed, *failure) {
	h, herr := normalizeHost(host)
	if herr != nil {
		return fail(herr.rule, herr.reason)
	}
	p.host, p.hostUnicode, p.ip = h.ascii, h.unicode, h.ip
	if h.ip.IsValid() {
		p.host, p.hostUnicode = h.ip.String(), ""
	}
	return p, nil
}

func checkPort(port string) string {
	if port == "" {
		return `the port after ":" is empty`
	}
	if len(port) > 5 {
		return "the port " + quote(port) + " is out of range (1-65535)"
	}
	n := 0
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return "the port " + quote(port) + " is not a number"
		}
		n = n*10 + int(c-'0')
	}
	if port[0] == '0' {
		if n == 0 {
			return "port 0 is not a port a server listens on"
		}
		return "the port " + quote(port) + " has a leading zero; parsers disagree on it"
	}
	if n > 65535 {
		return "the port " + quote(port) + " is out of range (1-65535)"
	}
	return ""
}

// specialInPath marks the ASCII bytes rule 9 looks at in path and query.
var specialInPath = [utf8.RuneSelf]bool{'"': true, '<': true, '>': true, '^': true, '{': true, '|': true, '}': true, '`': true, '%': true}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func describeRune(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n':
		return "a line feed"
	case '\r':
		return "a carriage return"
	}
	return unicodeName(r)
}
