// Package urlcheck judges WhatsApp callback URLs the way a careful Kaleyra
// integration must: the E413 format rules ("The Callback URL format is
// invalid") and the account's domain whitelist.
//
// The guiding property: when a URL is reported as whitelisted, every
// reasonable URL parser (Go net/url, WHATWG URL as in browsers and Node,
// curl, Python) agrees that its host is the whitelisted one. Where parsers
// could disagree, the URL is invalid. The input is judged exactly as given:
// it is never cleaned, trimmed or re-serialised.
//
// The package is pure: no I/O beyond the io.Reader a caller hands to
// ParseWhitelistFile, no terminal, no command-line concerns.
package urlcheck

// Verdict is the outcome for one URL.
type Verdict string

const (
	// Allowed: a well-formed URL whose host is covered by a whitelist entry
	// (or any well-formed URL when no whitelist is given).
	Allowed Verdict = "valid-allowed"
	// NotWhitelisted: well-formed, so Kaleyra accepts it, but its host is
	// under no whitelist entry (or is an IP literal): no callback is made.
	NotWhitelisted Verdict = "valid-not-whitelisted"
	// Invalid: Kaleyra answers E413 (or --https-only refused it).
	Invalid Verdict = "invalid"
)

// CodeE413 is Kaleyra's error code for a malformed callback_url.
const CodeE413 = "E413"

// Rule ids. They are a contract: CI logs and jq filters match on them, so an
// id is never renamed or reused for another meaning.
const (
	// Outcomes of valid URLs.
	RuleOK             = "ok"              // valid; no whitelist was given
	RuleWhitelisted    = "whitelisted"     // valid; host equals or is under an entry
	RuleNotWhitelisted = "not-whitelisted" // valid; host is under no entry
	RuleIPHost         = "ip-host"         // valid; host is an IP literal, which no entry matches

	// E413 rules, in the order they are checked.
	RuleTooLong          = "too-long"
	RuleControlOrSpace   = "control-or-space"
	RuleInvalidUTF8      = "invalid-utf8"
	RuleBackslash        = "backslash"
	RuleFragment         = "fragment"
	RuleParseError       = "parse-error"
	RuleScheme           = "scheme"
	RuleNoAuthority      = "no-authority"
	RuleUserinfo         = "userinfo"
	RulePathOrQueryChars = "path-or-query-chars"
	RuleBadPercentEscape = "bad-percent-escape"
	RuleAuthorityChars   = "authority-chars"
	RuleIPv6Zone         = "ipv6-zone"
	RulePort             = "port"
	RuleEmptyHost        = "empty-host"
	RuleIPv6             = "ipv6"
	RuleLabel            = "label"
	RuleIDNA             = "idna"
	RuleHostTooLong      = "host-too-long"
	RuleEndsInNumber     = "ends-in-number"
	RuleParserMismatch   = "parser-mismatch"
	RuleHTTPSOnly        = "https-only" // wa-cb policy (Options.HTTPSOnly), not E413
)

// Warning rule ids (a URL with warnings keeps its verdict).
const (
	WarnHTTP            = "http"
	WarnSharedSuffix    = "shared-suffix"
	WarnWildcardDNS     = "wildcard-dns"
	WarnLocalName       = "local-name"
	WarnMixedScript     = "mixed-script"
	WarnConfusable      = "confusable"
	WarnPathLookalike   = "path-lookalike"
	WarnIDNADeviation   = "idna-deviation"
	WarnCallbackParam   = "callback-param"
	WarnCallbackTooLong = "callback-too-long"
	WarnIPHost          = "ip-host"
)

// Whitelist entry warning ids (reported once, when the whitelist is built).
const (
	EntryWarnAboveSuffix = "entry-above-suffix"
	EntryWarnWildcardDNS = "wildcard-dns"
	EntryWarnLocalName   = "local-name"
)

// RuleInfo documents one rule id.
type RuleInfo struct {
	ID   string
	Kind string // "valid", "not-whitelisted", "invalid", "policy", "warning"
	Text string
}

// Rules lists every result and warning rule id with a one-line description,
// in check order. The command's help is built from it.
var Rules = []RuleInfo{
	{RuleOK, "valid", "well-formed; no whitelist given, so only the E413 rules apply"},
	{RuleWhitelisted, "valid", "well-formed and the host equals a whitelist entry or is under one"},
	{RuleNotWhitelisted, "not-whitelisted", "well-formed, but the host is under no whitelist entry"},
	{RuleIPHost, "not-whitelisted", "well-formed, but the host is an IP literal (any WHATWG spelling); no entry matches an IP"},
	{RuleTooLong, "invalid", "longer than 2048 bytes"},
	{RuleControlOrSpace, "invalid", "a C0/C1 control character, DEL or any Unicode white space anywhere"},
	{RuleInvalidUTF8, "invalid", "bytes that are not valid UTF-8"},
	{RuleBackslash, "invalid", `a "\" anywhere (browsers read it as "/")`},
	{RuleFragment, "invalid", `a "#" anywhere, even an empty fragment`},
	{RuleParseError, "invalid", "Go's net/url refuses the URL"},
	{RuleScheme, "invalid", "the scheme is not http or https (or missing)"},
	{RuleNoAuthority, "invalid", `"scheme:" is not followed by "//"`},
	{RuleUserinfo, "invalid", `an "@" in the authority (user info, even empty)`},
	{RulePathOrQueryChars, "invalid", "path or query holds a raw non-ASCII byte or one of \" < > ^ ` { | } (an \"@\" there is fine: every parser ends the authority before it)"},
	{RuleBadPercentEscape, "invalid", `a "%" in path or query not followed by two hex digits`},
	{RuleAuthorityChars, "invalid", `the authority holds "%" or an ASCII character other than letters, digits, "-", ".", ":", "[", "]"`},
	{RuleIPv6Zone, "invalid", "an IPv6 zone id ([fe80::1%25eth0])"},
	{RulePort, "invalid", "the port is empty, has a leading zero, is not a number or is outside 1-65535"},
	{RuleEmptyHost, "invalid", "no host"},
	{RuleIPv6, "invalid", "a bracketed host that is not an IPv6 address"},
	{RuleLabel, "invalid", "an empty label, a label over 63 bytes, a character outside a-z 0-9 -, or a hyphen at a label's edge"},
	{RuleIDNA, "invalid", "an internationalised name the IDNA2008 registration profile refuses (mapped, ignored or disallowed code points, not NFC, bad xn-- label)"},
	{RuleHostTooLong, "invalid", "the host is longer than 253 bytes in A-label form"},
	{RuleEndsInNumber, "invalid", "the last label is numeric but the host is not an IPv4 address every parser reads alike (256.0.0.1, example.123, 0x, 127.0.0.1.)"},
	{RuleParserMismatch, "invalid", "Go's net/url reads a different host or port than wa-cb does"},
	{RuleHTTPSOnly, "policy", "http:// refused by the https-only policy (Kaleyra itself accepts it)"},
	{WarnHTTP, "warning", "http:// sends customer data in clear text"},
	{WarnIPHost, "warning", "the host is an IP literal (shown without a whitelist)"},
	{WarnSharedSuffix, "warning", "matched an entry that lies above a public suffix the host belongs to (amazonaws.com for x.s3.amazonaws.com): other parties own such names"},
	{WarnWildcardDNS, "warning", "a wildcard-DNS service (nip.io, sslip.io, ...) that resolves to any IP"},
	{WarnLocalName, "warning", "localhost or a special-use name (.local, .internal, .test, ...) Kaleyra cannot reach"},
	{WarnMixedScript, "warning", "an internationalised label mixes scripts (UTS #39 highly restrictive)"},
	{WarnConfusable, "warning", "the host looks like a whitelisted entry but is not under it"},
	{WarnPathLookalike, "warning", `the host holds a character that looks like "/", "?", "#", "@", ":" or "." (U+2044 FRACTION SLASH, ...)`},
	{WarnIDNADeviation, "warning", "the host holds ß, ς, ZWJ or ZWNJ, which older (IDNA2003, transitional) clients map to another name (faß.de becomes fass.de)"},
	{WarnCallbackParam, "warning", "a query parameter name that a GET callback also sends (id, status, timestamp, phone_number, ...)"},
	{WarnCallbackTooLong, "warning", "with the query a GET callback appends, the request line would exceed 2048 bytes"},
}
