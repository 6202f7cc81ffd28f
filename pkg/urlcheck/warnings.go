package urlcheck

import (
	"net/url"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/net/idna"
)

// Warning is a remark that does not change the verdict.
type Warning struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Special names, by kind. One map so a host's suffixes are looked up once.
const (
	nameWildcardDNS = iota + 1 // resolves to whatever IP the name spells (10.0.0.1.nip.io)
	nameLoopback               // a public name that resolves to 127.0.0.1
	nameSpecialUse             // never resolves on the public internet
)

type specialName struct {
	kind int
	note string
}

var specialNames = map[string]specialName{
	"nip.io": {nameWildcardDNS, ""}, "sslip.io": {nameWildcardDNS, ""}, "xip.io": {nameWildcardDNS, ""},
	"traefik.me": {nameWildcardDNS, ""}, "backname.io": {nameWildcardDNS, ""}, "nip.direct": {nameWildcardDNS, ""},
	"localtest.me": {nameLoopback, ""}, "lvh.me": {nameLoopback, ""}, "vcap.me": {nameLoopback, ""},
	"lacolhost.com": {nameLoopback, ""}, "localh.st": {nameLoopback, ""},
	"localhost":   {nameSpecialUse, "localhost is this machine"},
	"local":       {nameSpecialUse, ".local is multicast DNS on the local link"},
	"internal":    {nameSpecialUse, ".internal is reserved for private networks"},
	"test":        {nameSpecialUse, ".test is reserved for testing"},
	"example":     {nameSpecialUse, ".example is reserved for documentation"},
	"invalid":     {nameSpecialUse, ".invalid never resolves"},
	"onion":       {nameSpecialUse, ".onion is only reachable through Tor"},
	"home.arpa":   {nameSpecialUse, ".home.arpa is for home networks"},
	"localdomain": {nameSpecialUse, ".localdomain is a local-only name"},
	"lan":         {nameSpecialUse, ".lan is a local-only name"},
	"intranet":    {nameSpecialUse, ".intranet is a local-only name"},
	"corp":        {nameSpecialUse, ".corp is a local-only name"},
	"home":        {nameSpecialUse, ".home is a local-only name"},
	"private":     {nameSpecialUse, ".private is a local-only name"},
}

// nameWarnings reports wildcard-DNS services and names Kaleyra cannot reach
// (localhost and its kin, special-use names, single labels).
func nameWarnings(host string, add func(Warning)) {
	var wildcard, local string
	var note string
	// Every special name has one or two labels: look up only the host's
	// last two labels and its last label.
	last2 := host
	if dot := strings.LastIndexByte(host, '.'); dot >= 0 {
		if dot2 := strings.LastIndexByte(host[:dot], '.'); dot2 >= 0 {
			last2 = host[dot2+1:]
		}
	}
	for d := last2; ; {
		if n, ok := specialNames[d]; ok {
			switch n.kind {
			case nameWildcardDNS:
				if wildcard == "" {
					wildcard = d
				}
			case nameLoopback:
				if local == "" {
					local, note = d, d+" resolves to 127.0.0.1"
				}
			case nameSpecialUse:
				if local == "" {
					local, note = d, n.note
				}
			}
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			break
		}
		d = d[dot+1:]
	}
	if wildcard != "" {
		add(Warning{WarnWildcardDNS, wildcard + " is a wildcard-DNS service: the name resolves to whatever IP it spells, so it can point anywhere, including private addresses"})
	}
	switch {
	case local != "":
		add(Warning{WarnLocalName, note + ": Kaleyra cannot reach " + host})
	case !strings.Contains(host, "."):
		add(Warning{WarnLocalName, "a single-label name does not resolve on the internet: Kaleyra cannot reach " + host})
	}
}

// entryWarnings are remarks on an accepted entry.
func entryWarnings(d string) []EntryWarning {
	var ws []EntryWarning
	if below := pslRulesBelow(d); below {
		ws = append(ws, EntryWarning{Rule: EntryWarnAboveSuffix,
			Message: "public suffixes lie below this entry (Public Suffix List), so it also trusts names other parties own, e.g. under a hosting or cloud service; prefer the exact subdomain you use"})
	}
	if w, ok := deviationWarning(displayForm(d)); ok {
		ws = append(ws, EntryWarning{Rule: WarnIDNADeviation, Message: w.Message})
	}
	nameWarnings(d, func(w Warning) {
		rule := EntryWarnLocalName
		if w.Rule == WarnWildcardDNS {
			rule = EntryWarnWildcardDNS
		}
		ws = append(ws, EntryWarning{Rule: rule, Message: w.Message})
	})
	return ws
}

var (
	pslParentsOnce sync.Once
	pslParentsList []string
)

// pslRulesBelow reports whether some Public Suffix List rule lies strictly
// below d (amazonaws.com has s3.amazonaws.com and others). The list of such
// parent domains is generated from the rules compiled into x/net.
func pslRulesBelow(d string) bool {
	pslParentsOnce.Do(func() {
		pslParentsList = strings.Split(strings.TrimSpace(pslParents), "\n")
	})
	i := sort.SearchStrings(pslParentsList, d)
	return i < len(pslParentsList) && pslParentsList[i] == d
}

// displayForm is the Unicode form of an A-label host for look-alike checks
// (the host itself when it has no xn-- label or does not decode).
func displayForm(ascii string) string {
	if !strings.Contains(ascii, "xn--") {
		return ascii
	}
	u, err := idna.Punycode.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}

// confusables maps characters that look like an ASCII letter or digit to it
// (a small, hand-picked part of the UTS #39 confusables data: the Cyrillic,
// Greek, Armenian and Latin look-alikes used in real phishing names).
var confusables = map[rune]string{
	// Cyrillic
	'а': "a", 'в': "b", 'е': "e", 'ё': "e", 'о': "o", 'р': "p", 'с': "c", 'у': "y",
	'х': "x", 'і': "i", 'ї': "i", 'ј': "j", 'ѕ': "s", 'ԁ': "d", 'һ': "h", 'ӏ': "l",
	'ԛ': "q", 'ԝ': "w", 'к': "k", 'м': "m", 'н': "h", 'т': "t", 'п': "n", 'г': "r",
	'ь': "b", 'ɡ': "g", 'ԍ': "g", 'ү': "y", 'ɩ': "l",
	// Greek
	'α': "a", 'ο': "o", 'ν': "v", 'ρ': "p", 'ι': "i", 'κ': "k", 'υ': "u", 'χ': "x",
	'ϲ': "c", 'ϳ': "j", 'τ': "t", 'ε': "e", 'η': "n", 'ω': "w", 'γ': "y",
	'ϋ': "u", 'ύ': "u", 'ό': "o", 'ά': "a", 'έ': "e", 'ί': "i", 'ϊ': "i",
	// Armenian
	'ո': "n", 'ս': "u", 'օ': "o", 'հ': "h", 'ց': "g", 'ք': "p", 'զ': "q",
	// Latin look-alikes
	'ı': "i", 'ȷ': "j", 'ɑ': "a", 'ɒ': "a", 'ɛ': "e", 'ɪ': "i", 'ʟ': "l", 'ɴ': "n",
	'ʀ': "r", 'ʏ': "y", 'ᴄ': "c", 'ᴏ': "o", 'ᴜ': "u", 'ᴠ': "v", 'ᴡ': "w", 'ᴢ': "z",
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'è': "e", 'é': "e",
	'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ò': "o", 'ó': "o",
	'ô': "o", 'õ': "o", 'ö': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y",
	'ÿ': "y", 'ç': "c", 'ñ': "n", 'ś': "s", 'ş': "s", 'ž': "z", 'ł': "l", 'ø': "o",
	// ASCII digits that pass for letters
	'0': "o", '1': "l",
}

// skeleton maps a host to a form where look-alike spellings coincide:
// characters through the confusables table, then "rn"→"m", "vv"→"w",
// "cl"→"d", and "-" kept.
func skeleton(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if m, ok := confusables[r]; ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	if strings.Contains(out, "rn") {
		out = strings.ReplaceAll(out, "rn", "m")
	}
	if strings.Contains(out, "vv") {
		out = strings.ReplaceAll(out, "vv", "w")
	}
	if strings.Contains(out, "cl") {
		out = strings.ReplaceAll(out, "cl", "d")
	}
	return out
}

// skeletonHost is the skeleton of every label of a host.
func skeletonHost(h string) string {
	labels := strings.Split(h, ".")
	for i, l := range labels {
		labels[i] = skeleton(l)
	}
	return strings.Join(labels, ".")
}

// scriptOf names the script of r (Common and Inherited count as none).
func scriptOf(r rune) string {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	}
	for _, name := range commonScripts {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	for name, tab := range unicode.Scripts {
		if name == "Common" || name == "Inherited" {
			continue
		}
		if unicode.Is(tab, r) {
			return name
		}
	}
	return ""
}

var commonScripts = []string{"Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew", "Armenian", "Devanagari", "Thai", "Georgian", "Bopomofo", "Cherokee"}

// mixedScript applies UTS #39's "highly restrictive" level to one label: a
// single script, or Latin with the CJK combinations Japanese, Chinese and
// Korean names use. It returns the scripts when the label fails.
func mixedScript(label string) ([]string, bool) {
	set := map[string]bool{}
	for _, r := range label {
		if s := scriptOf(r); s != "" {
			set[s] = true
		}
	}
	if len(set) <= 1 {
		return nil, false
	}
	allowed := [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	}
	for _, combo := range allowed {
		ok := true
		for s := range set {
			in := false
			for _, c := range combo {
				if s == c {
					in = true
					break
				}
			}
			if !in {
				ok = false
				break
			}
		}
		if ok {
			return nil, false
		}
	}
	names := make([]string, 0, len(set))
	for s := range set {
		names = append(names, s)
	}
	sort.Strings(names)
	return names, true
}

// transitional is IDNA as IDNA2003 and UTS #46 transitional processing do
// it: deviation characters are mapped (ß to ss, ς to σ, ZWJ and ZWNJ
// dropped). Older browsers, Python's built-in "idna" codec and other
// IDNA2003 libraries still resolve names this way.
var transitional = idna.New(idna.MapForLookup(), idna.Transitional(true), idna.CheckHyphens(false), idna.BidiRule())

// deviationWarning reports a host whose Unicode form holds a deviation
// character, naming the host transitional clients reach instead.
func deviationWarning(u string) (Warning, bool) {
	if !strings.ContainsAny(u, "\u00df\u03c2\u200c\u200d") {
		return Warning{}, false
	}
	other, err := transitional.ToASCII(u)
	msg := "the host holds a deviation character (ß, ς, ZWJ or ZWNJ): IDNA2003 and transitional clients (older browsers, Python's built-in idna codec) map it"
	if err == nil {
		msg += " and reach " + other + " instead"
	}
	return Warning{WarnIDNADeviation, msg}, true
}

// pathLookalikes are characters IDNA lets into a host that read as URL
// delimiters: "evil.net⁄example.com" looks like a path on example.com.
var pathLookalikes = map[rune]string{
	'\u2044': "/", '\u2215': "/", '\u29f8': "/", '\u2571': "/", '\u27cb': "/", '\u3033': "/", '\u1735': "/",
	'\u0294': "?", '\u0241': "?", '\u0242': "?", '\u097d': "?",
	'\u02d0': ":", '\ua789': ":", '\u0589': ":", '\u05c3': ":", '\u16ec': ":", '\u02f8': ":", '\u2236': ":",
	'\ua4f8': ".", '\u0701': ".", '\u0702': ".", '\u06d4': ".", '\u00b7': ".", '\ua60e': ".", '\u0660': ".", '\u06f0': ".",
	'\u2d4c': "#", '\u01c2': "#",
}

// callbackParams are the query parameter names Kaleyra's GET callbacks send
// (status, incoming message and quality callbacks).
var callbackParams = map[string]bool{
	"id": true, "status": true, "timestamp": true, "phone_number": true, "mobile": true,
	"error": true, "error_code": true, "message": true, "price": true, "custom_response": true,
	"ref": true, "ref1": true, "ref2": true, "from": true, "type": true, "wanumber": true,
	"media_url": true, "mime_type": true, "media_name": true, "created_at": true,
	"reply_to": true, "body": true, "company_id": true, "name": true, "contacts": true,
	"location": true, "display_phone_number": true, "event": true, "current_limit": true,
}

// sampleCallbackQuery is what a Kaleyra status callback profile appends to
// the URL for a failed message (every documented parameter, realistic
// values). Its length is the reserve the callback-too-long warning keeps.
const sampleCallbackQuery = "?id=ad97e1b2-c923-4a1b-b3a3-0b1c2d3e4d97%3A0&custom_response=false&timestamp=1700000000" +
	"&mobile=919812345683&message=Message%20undeliverable&status=failed&phone_number=919812345683" +
	"&error=Message%20failed%20to%20send%20because%20more%20than%2024%20hours%20have%20passed%20since%20the%20customer%20last%20replied" +
	"&error_code=131047&ref=order-2024-000042&ref1=campaign-november&ref2=customer-segment-a&price=0.01"

// CallbackReserve is the number of bytes a GET callback adds to the URL.
var CallbackReserve = len(sampleCallbackQuery)

// MaxURLBytes is the longest URL accepted (and the longest GET callback
// request target that is safe).
const MaxURLBytes = 2048

// queryParamCollisions lists query parameter names in rawQuery that a GET
// callback also sends, in order, without duplicates.
func queryParamCollisions(rawQuery string) []string {
	var out []string
	for rest := rawQuery; rest != ""; {
		part := rest
		if amp := strings.IndexByte(rest, '&'); amp >= 0 {
			part, rest = rest[:amp], rest[amp+1:]
		} else {
			rest = ""
		}
		name := part
		if eq := strings.IndexByte(part, '='); eq >= 0 {
			name = part[:eq]
		}
		if strings.ContainsAny(name, "%+") {
			if dec, err := url.QueryUnescape(name); err == nil {
				name = dec
			}
		}
		if !callbackParams[name] {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == name
		}
		if !dup {
			out = append(out, name)
		}
	}
	return out
}

// needsSkeleton reports whether skeleton could change s.
func needsSkeleton(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80, c == '0', c == '1':
			return true
		case i+1 < len(s) && (c == 'r' && s[i+1] == 'n' || c == 'v' && s[i+1] == 'v' || c == 'c' && s[i+1] == 'l'):
			return true
		}
	}
	return false
}
