package urlcheck

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Entry is one accepted whitelist entry.
type Entry struct {
	// Domain is the normalised entry: lower case, A-labels, no trailing dot.
	Domain string `json:"domain"`
	// Exact entries ("=hooks.example.com", or any entry under --exact) match
	// only that host; others also match every subdomain.
	Exact bool `json:"exact,omitempty"`
	// Raw is the entry as written; Source says where (--whitelist,
	// WA_CB_WHITELIST, FILE:LINE).
	Raw    string `json:"raw"`
	Source string `json:"source"`
}

// String is the entry as it matches: "example.com" or "=hooks.example.com".
func (e Entry) String() string {
	if e.Exact {
		return "=" + e.Domain
	}
	return e.Domain
}

// EntryError is a whitelist entry refused as a configuration error.
type EntryError struct {
	Raw    string // the entry as written
	Source string // --whitelist, WA_CB_WHITELIST, FILE:LINE
	Reason string
}

func (e *EntryError) Error() string {
	return "whitelist entry " + quote(e.Raw) + " (from " + e.Source + "): " + e.Reason
}

// WhitelistError lists every refused entry.
type WhitelistError struct {
	Errs []*EntryError
}

func (e *WhitelistError) Error() string {
	if len(e.Errs) == 1 {
		return e.Errs[0].Error()
	}
	var b strings.Builder
	b.WriteString(itoa(len(e.Errs)))
	b.WriteString(" bad whitelist entries:")
	for _, x := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(x.Error())
	}
	return b.String()
}

// EntryWarning is a remark on an accepted entry (it still applies).
type EntryWarning struct {
	Entry   string `json:"entry"`
	Source  string `json:"source"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Builder collects whitelist entries from several sources and reports every
// bad one at once.
type Builder struct {
	// Exact makes every entry match only its own host.
	Exact bool

	entries  []Entry
	errs     []*EntryError
	warnings []EntryWarning
	sources  int
}

// AddList adds a comma-separated list (--whitelist a.com,b.org or
// WA_CB_WHITELIST). ASCII spaces around each entry are ignored; an empty
// list or an empty entry is an error.
func (b *Builder) AddList(list, source string) {
	b.sources++
	if strings.Trim(list, " \t") == "" {
		b.errs = append(b.errs, &EntryError{Raw: list, Source: source, Reason: "the list is empty"})
		return
	}
	for _, raw := range strings.Split(list, ",") {
		b.AddEntry(raw, source)
	}
}

// AddEntry adds one entry.
func (b *Builder) AddEntry(raw, source string) {
	b.sources++
	e, reason := ParseEntry(raw)
	if reason != "" {
		b.errs = append(b.errs, &EntryError{Raw: strings.Trim(raw, " \t"), Source: source, Reason: reason})
		return
	}
	e.Source = source
	if b.Exact {
		e.Exact = true
	}
	b.entries = append(b.entries, e)
	for _, w := range entryWarnings(e.Domain) {
		w.Entry, w.Source = e.String(), source
		b.warnings = append(b.warnings, w)
	}
}

// AddFile adds the entries of a whitelist file: one entry per line, blank
// lines and lines starting with "#" skipped, and a "#" comment after white
// space at the end of a line ignored. A file without any entry is an error.
// The returned error is a read error; entry errors are kept for Build.
func (b *Builder) AddFile(r io.Reader, name string) error {
	b.sources++
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n, lineNo := 0, 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		line = strings.TrimSuffix(line, "\r")
		if i := commentStart(line); i >= 0 {
			line = line[:i]
		}
		if strings.Trim(line, " \t") == "" {
			continue
		}
		n++
		b.AddEntry(line, name+":"+itoa(lineNo))
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			b.errs = append(b.errs, &EntryError{Raw: "", Source: name + ":" + itoa(lineNo+1), Reason: "the line is longer than 1 MiB"})
			return nil
		}
		return err
	}
	if n == 0 {
		b.errs = append(b.errs, &EntryError{Raw: "", Source: name, Reason: "the file holds no entry"})
	}
	return nil
}

// commentStart finds a comment: "#" at the start of the (space-trimmed)
// line or after a space or tab. A "#" inside an entry is not a comment, so
// "exa#mple.com" is refused rather than cut.
func commentStart(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] != '#' {
			continue
		}
		if strings.Trim(line[:i], " \t") == "" || line[i-1] == ' ' || line[i-1] == '\t' {
			return i
		}
	}
	return -1
}

// Warnings are remarks on accepted entries, in the order they were added.
func (b *Builder) Warnings() []EntryWarning { return b.warnings }

// Build returns the whitelist, or nil when no source was added. Any refused
// entry makes it fail with a *WhitelistError.
func (b *Builder) Build() (*Whitelist, error) {
	if len(b.errs) > 0 {
		return nil, &WhitelistError{Errs: b.errs}
	}
	if b.sources == 0 {
		return nil, nil
	}
	return NewWhitelist(b.entries), nil
}

// ParseEntry checks one whitelist entry and returns it normalised, or the
// reason it is refused. Entries are bare domains: "example.com" covers the
// domain and its subdomains; "=hooks.example.com" covers that host only.
func ParseEntry(raw string) (Entry, string) {
	s := strings.Trim(raw, " \t")
	e := Entry{Raw: s}
	if s == "" {
		return e, "the entry is empty"
	}
	if s[0] == '=' {
		e.Exact = true
		s = s[1:]
		if s == "" {
			return e, `the entry is empty after "="`
		}
	}
	if reason := entrySyntax(s); reason != "" {
		return e, reason
	}
	h, herr := normalizeHost(s)
	if herr != nil {
		if herr.rule == RuleEndsInNumber {
			return e, "it ends in a number, so it is neither a domain nor an IPv4 address"
		}
		return e, "not a domain name: " + herr.reason
	}
	if h.ip.IsValid() {
		return e, "it is an IP address (" + h.ip.String() + "); entries are domain names, and Kaleyra whitelists domains"
	}
	if reason := publicSuffixReason(h.ascii); reason != "" {
		return e, reason
	}
	e.Domain = h.ascii
	return e, ""
}

// entrySyntax refuses what is clearly not a bare domain, with a pointed reason.
func entrySyntax(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		return "it has a scheme; give the bare domain (example.com)"
	}
	if s[0] == '.' {
		return `a leading "." is not accepted; ` + coveredBy(s)
	}
	for _, r := range s {
		switch {
		case r == '*':
			return `wildcards are not accepted; ` + coveredBy(s)
		case r == '/':
			return `it has a path ("/"); give the bare domain`
		case r == ':':
			return `it has a port or scheme (":"); give the bare domain`
		case r == '@':
			return `it has user info ("@")`
		case r == '[' || r == ']':
			return "it is an IP literal ([...]); entries are domain names"
		case r == '?' || r == '#':
			return "it has a query or fragment (" + quote(string(r)) + ")"
		case r == '%':
			return `it has a percent escape ("%"); write the domain itself`
		case r == '\\':
			return `it has a backslash`
		case r == ',':
			return `it has a ","; give one entry per line`
		case r == utf8.RuneError:
			return "it is not valid UTF-8"
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return "it has white space or a control character (" + quote(string(r)) + ")"
		}
	}
	return ""
}

// coveredBy says which entry to give instead of a wildcard or dotted one:
// the user's own domain ("*.acme.io" -> "acme.io") when that is a valid
// entry, else a bare domain in general.
func coveredBy(s string) string {
	d := strings.TrimLeft(s, "*.")
	if d != "" && !strings.Contains(d, "*") && entrySyntax(d) == "" {
		if h, err := normalizeHost(d); err == nil && !h.ip.IsValid() && publicSuffixReason(h.ascii) == "" {
			return quote(d) + " already covers its subdomains"
		}
	}
	return "a bare domain (example.com) already covers its subdomains"
}

// publicSuffixReason refuses an entry that is itself a public suffix: a
// name anyone can register under (com, co.uk, github.io, s3.amazonaws.com,
// foo.ck through the *.ck rule) or a single label (the PSL default rule).
func publicSuffixReason(d string) string {
	ps, icann := publicsuffix.PublicSuffix(d)
	if ps != d {
		return ""
	}
	switch {
	case icann:
		return "it is a public suffix (ICANN section of the Public Suffix List): anyone can register names under it"
	case !strings.Contains(d, "."):
		return "it is a single-label name, a public suffix under the list's default rule; give a registrable domain"
	default:
		return "it is a public suffix (private section of the Public Suffix List): anyone can get names under it"
	}
}

// Whitelist matches normalised hosts against entries.
type Whitelist struct {
	entries []Entry
	display []string       // Unicode form of each entry
	isEntry []string       // reason when a host equals the entry
	under   []string       // reason when a host is under the entry
	above   []bool         // a Public Suffix List rule lies below the entry
	sub     map[string]int // domain -> index of an entry covering subdomains
	exact   map[string]int // domain -> index of an exact entry
	skel    map[string]int // confusable skeleton -> entry index
}

// NewWhitelist builds a whitelist from entries returned by ParseEntry.
func NewWhitelist(entries []Entry) *Whitelist {
	w := &Whitelist{
		entries: entries,
		display: make([]string, len(entries)),
		isEntry: make([]string, len(entries)),
		under:   make([]string, len(entries)),
		above:   make([]bool, len(entries)),
		sub:     make(map[string]int),
		exact:   make(map[string]int),
		skel:    make(map[string]int),
	}
	for i, e := range entries {
		m := w.sub
		if e.Exact {
			m = w.exact
		}
		if _, dup := m[e.Domain]; !dup {
			m[e.Domain] = i
		}
		w.display[i] = displayForm(e.Domain)
		w.isEntry[i] = "the host is the whitelist entry " + e.String()
		w.under[i] = "the host is under the whitelist entry " + e.String()
		w.above[i] = pslRulesBelow(e.Domain)
		sk := skeletonHost(w.display[i])
		if _, dup := w.skel[sk]; !dup {
			w.skel[sk] = i
		}
	}
	return w
}

// Entries returns the entries in the order they were given.
func (w *Whitelist) Entries() []Entry { return w.entries }

// Len is the number of entries.
func (w *Whitelist) Len() int { return len(w.entries) }

// Match finds the most specific entry covering host (normalised, A-label):
// host equal to the entry, or ending in "." + entry for non-exact entries.
func (w *Whitelist) Match(host string) (Entry, bool) {
	if i, ok := w.match(host); ok {
		return w.entries[i], true
	}
	return Entry{}, false
}

func (w *Whitelist) match(host string) (int, bool) {
	if i, ok := w.exact[host]; ok {
		return i, true
	}
	for d := host; ; {
		if i, ok := w.sub[d]; ok {
			return i, true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return -1, false
		}
		d = d[dot+1:]
	}
}

// lookalike finds an entry that the host (in display form) looks like
// without being under it: some trailing labels of the host have the same
// skeleton as the entry but are spelled differently.
func (w *Whitelist) lookalike(form string) (Entry, bool) {
	if !needsSkeleton(form) {
		// The host is its own skeleton: walk its suffixes without copying.
		for k, d := 0, form; ; k++ {
			if i, ok := w.skel[d]; ok {
				if e := w.entries[i]; (!e.Exact || k == 0) && d != w.display[i] {
					return e, true
				}
			}
			dot := strings.IndexByte(d, '.')
			if dot < 0 {
				return Entry{}, false
			}
			d = d[dot+1:]
		}
	}
	labels := strings.Split(form, ".")
	skels := make([]string, len(labels))
	for i, l := range labels {
		skels[i] = skeleton(l)
	}
	for k := range labels {
		i, ok := w.skel[strings.Join(skels[k:], ".")]
		if !ok {
			continue
		}
		e := w.entries[i]
		if e.Exact && k > 0 {
			continue
		}
		if strings.Join(labels[k:], ".") != w.display[i] {
			return e, true
		}
	}
	return Entry{}, false
}
