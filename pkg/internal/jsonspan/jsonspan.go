// Package jsonspan reads JSON with a small validating parser that builds a
// flat tree of value spans over the original bytes. One pass gives typed
// access (strings, numbers kept as text, objects in document order) and the
// exact bytes of every value, without reflection, without a second decode
// and with one allocation per document (the node slice, which is pooled).
// Edits (replace, insert, delete) are expressed as byte ranges over the
// source, so everything they do not touch (key order, escapes, spacing)
// stays as it was.
package jsonspan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/internal/swar"
)

// MaxDepth bounds the nesting Parse accepts (and the nesting callers that
// scan JSON by hand should accept). Real callbacks nest about ten levels deep.
const MaxDepth = 128

// maxSize bounds the spans a tree can address.
const maxSize = 1<<31 - 1

// Kind is the type of a JSON value.
type Kind uint8

// The kinds of JSON values.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// node is one JSON value. Indices refer to Doc.nodes; -1 means none.
type node struct {
	start, end   int32 // value span; strings include their quotes
	kstart, kend int32 // member key span without quotes (object members only)
	child, next  int32
	kind         Kind
	esc          bool // the string value holds escapes
	kesc         bool // the key holds escapes
}

// A Doc is a parsed JSON document. Values are addressed by index: 0 is the
// top-level value, -1 means "none" and every accessor accepts it (a
// missing member reads as null), so lookups chain without checks.
// A Doc is for one goroutine (its reads cache the text of its values).
type Doc struct {
	src   []byte
	nodes []node
	// text is src as one string, made on the first Scalar, Key or Text
	// that needs it: the strings they return are slices of it, one
	// allocation per document instead of one per value (a callback's
	// dozen ids, numbers and names). Only for documents up to sharedMax,
	// so a value kept from a large one does not hold all of it.
	text string
	// released: d is in the pool, so that a second Release does not
	// pool it twice.
	released bool
	// high: some string may hold bytes above 0x7f (see ValidUTF8).
	high bool
}

// sharedMax is the largest document whose values share one string.
const sharedMax = 64 << 10

// sub returns src[start:end] as a string (sharing d.text when the
// document is small).
func (d *Doc) sub(start, end int32) string {
	if start >= end {
		return ""
	}
	if len(d.src) > sharedMax {
		return string(d.src[start:end])
	}
	if len(d.text) != len(d.src) {
		d.text = string(d.src)
	}
	return d.text[start:end]
}

// SyntaxError says where and why a document is not valid JSON.
type SyntaxError struct {
	Offset int    // byte offset of the problem in the source
	Msg    string // what is wrong there
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

type parser struct {
	src   []byte
	pos   int
	nodes []node
	high  bool // some string may hold a byte above 0x7f
}

// Parse parses src strictly (RFC 8259; UTF-8 is the caller's to check, as
// invalid bytes inside strings are passed through) and returns its tree,
// or the first syntax error as a *SyntaxError. The Doc keeps src: do not
// change it while the Doc is in use.
func Parse(src []byte) (*Doc, error) {
	if len(src) > maxSize {
		return nil, &SyntaxError{0, "document too large"}
	}
	d := docPool.Get().(*Doc)
	d.released = false
	p := parser{src: src, nodes: d.nodes[:0]}
	if hint := 16 + len(src)/24; cap(p.nodes) < hint && hint <= maxPooled {
		p.nodes = make([]node, 0, hint)
	}
	d.nodes = p.nodes
	p.ws()
	if p.pos >= len(src) {
		d.Release()
		return nil, &SyntaxError{p.pos, "empty document"}
	}
	_, err := p.value(0)
	if err == nil {
		p.ws()
		if p.pos < len(src) {
			err = &SyntaxError{p.pos, "unexpected data after the top-level value"}
		}
	}
	d.nodes = p.nodes
	if err != nil {
		d.Release()
		return nil, err
	}
	d.src, d.high = src, p.high
	return d, nil
}

// ValidUTF8 reports whether the document's strings are valid UTF-8 (Parse
// lets invalid bytes through): at no cost for a document whose strings
// are ASCII, which Parse has seen, else with one pass of utf8.Valid.
func (d *Doc) ValidUTF8() bool { return !d.high || utf8.Valid(d.src) }

// Docs and their node slices are recycled: a tree lives only while one
// request is decoded (events keep byte slices of the source and strings
// of its text, never the Doc or its nodes).
var docPool = sync.Pool{New: func() any { return &Doc{released: true} }}

// maxPooled keeps huge trees out of the pool.
const maxPooled = 1 << 14

// Release returns the tree for reuse; d must not be used after. Calling it
// is optional (an unreleased tree is garbage collected), calling it again
// does nothing.
func (d *Doc) Release() {
	if d.released {
		return
	}
	nodes := d.nodes[:0]
	if cap(nodes) > maxPooled {
		nodes = nil
	}
	*d = Doc{nodes: nodes, released: true}
	docPool.Put(d)
}

// skipSpace returns the offset of the first byte at or after i that is
// not whitespace.
func skipSpace(s []byte, i int) int {
	// Callbacks are mostly compact: one comparison settles a byte above
	// the space.
	for i < len(s) && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func (p *parser) ws() { p.pos = skipSpace(p.src, p.pos) }

// add appends a node without children, key or successor (yet). Its
// fields are stored one by one in place: a node built beside and copied
// in costs a stalled 16-byte load of what was just stored in pieces.
func (p *parser) add(kind Kind, start, end int, esc bool) int32 {
	i := len(p.nodes)
	if i == cap(p.nodes) {
		p.nodes = slices.Grow(p.nodes, 1)
	}
	p.nodes = p.nodes[:i+1]
	n := &p.nodes[i]
	n.start, n.end, n.kstart, n.kend = int32(start), int32(end), 0, 0
	n.child, n.next = -1, -1
	n.kind, n.esc, n.kesc = kind, esc, false
	return int32(i)
}

func (p *parser) eof(what string) *SyntaxError {
	return &SyntaxError{len(p.src), "unexpected end of input in " + what}
}

func (p *parser) value(depth int) (int32, *SyntaxError) {
	if p.pos >= len(p.src) {
		return -1, p.eof("value")
	}
	start := p.pos
	switch c := p.src[p.pos]; c {
	case '{':
		if depth >= MaxDepth {
			return -1, &SyntaxError{p.pos, "nesting deeper than " + strconv.Itoa(MaxDepth) + " levels"}
		}
		return p.object(depth + 1)
	case '[':
		if depth >= MaxDepth {
			return -1, &SyntaxError{p.pos, "nesting deeper than " + strconv.Itoa(MaxDepth) + " levels"}
		}
		return p.array(depth + 1)
	case '"':
		end, esc, err := p.str()
		if err != nil {
			return -1, err
		}
		return p.add(String, start, end, esc), nil
	case 't':
		return p.lit("true", True)
	case 'f':
		return p.lit("false", False)
	case 'n':
		return p.lit("null", Null)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number()
		}
		return -1, &SyntaxError{p.pos, "unexpected character " + quoteByte(c)}
	}
}

func (p *parser) lit(word string, k Kind) (int32, *SyntaxError) {
	start := p.pos
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.src) {
			return -1, p.eof("literal " + word)
		}
		if p.src[p.pos] != word[i] {
			return -1, &SyntaxError{p.pos, "invalid literal (expected " + word + ")"}
		}
		p.pos++
	}
	return p.add(k, start, p.pos, false), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) number() (int32, *SyntaxError) {
	s, i := p.src, p.pos
	start := i
	if s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return -1, p.eof("number")
	}
	switch {
	case s[i] == '0':
		i++
	case isDigit(s[i]):
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return -1, &SyntaxError{i, "invalid number"}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) {
			return -1, p.eof("number")
		}
		if !isDigit(s[i]) {
			return -1, &SyntaxError{i, "invalid number (digit expected after '.')"}
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) {
			return -1, p.eof("number")
		}
		if !isDigit(s[i]) {
			return -1, &SyntaxError{i, "invalid number (digit expected in exponent)"}
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	p.pos = i
	return p.add(Number, start, i, false), nil
}

// IsHex reports whether c is a hexadecimal digit.
func IsHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str scans the string starting at p.pos (a quote), moves past it and
// returns the offset just past its closing quote.
func (p *parser) str() (int, bool, *SyntaxError) {
	end, esc, high, err := scanString(p.src, p.pos)
	if err == nil {
		p.pos = end
		p.high = p.high || high
	}
	return end, esc, err
}

// scanString scans the string starting at s[start] (a quote) and returns
// the offset just past its closing quote, whether it holds escapes, and
// whether it may hold bytes above 0x7f (high: the bytes tested eight at a
// time may run past the string).
func scanString(s []byte, start int) (end int, esc, high bool, err *SyntaxError) {
	i := start + 1
	var seen uint64 // the bytes tested, ORed: their high bits tell non-ASCII
	for {
		// Eight bytes at a time: skip them when none is special, else go
		// straight to the first that is; the last few one by one.
		for i+8 <= len(s) {
			x := binary.LittleEndian.Uint64(s[i : i+8])
			seen |= x
			m := swar.StringStops(x)
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 {
			seen |= uint64(s[i])
			i++
		}
		if i >= len(s) {
			return 0, false, false, &SyntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(start)}
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, esc, seen&swar.Highs != 0, nil
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				return 0, false, false, &SyntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(start)}
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) {
					return 0, false, false, &SyntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(start)}
				}
				for k := i + 2; k < i+6; k++ {
					if !IsHex(s[k]) {
						return 0, false, false, &SyntaxError{i, "invalid \\u escape in string"}
					}
				}
				i += 6
			default:
				return 0, false, false, &SyntaxError{i, "invalid escape " + quoteByte(s[i+1]) + " in string"}
			}
		default:
			return 0, false, false, &SyntaxError{i, "control character " + quoteByte(c) + " in string"}
		}
	}
}

func (p *parser) object(depth int) (int32, *SyntaxError) {
	// The source and position are kept in locals (p.pos is written back
	// only around the calls that need it): the loop is the parser's hottest.
	s := p.src
	start := p.pos
	idx := p.add(Object, start, 0, false)
	i := skipSpace(s, start+1)
	if i < len(s) && s[i] == '}' {
		p.pos = i + 1
		p.nodes[idx].end = int32(p.pos)
		return idx, nil
	}
	last := int32(-1)
	for {
		if i >= len(s) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		if s[i] != '"' {
			if s[i] == '}' && last >= 0 {
				return -1, &SyntaxError{i, "trailing comma before '}'"}
			}
			return -1, &SyntaxError{i, "expected a string key, found " + quoteByte(s[i])}
		}
		kstart := i
		kend, kesc, khigh, err := scanString(s, i)
		if err != nil {
			return -1, err
		}
		i = skipSpace(s, kend)
		if i >= len(s) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		if s[i] != ':' {
			return -1, &SyntaxError{i, "expected ':' after object key, found " + quoteByte(s[i])}
		}
		i = skipSpace(s, i+1)
		var child int32
		if i < len(s) && s[i] == '"' {
			// Most member values are strings: scanned here, one call
			// shorter than through value.
			vend, vesc, vhigh, err := scanString(s, i)
			if err != nil {
				return -1, err
			}
			child = p.add(String, i, vend, vesc)
			p.high = p.high || vhigh
			i = vend
		} else {
			p.pos = i
			if child, err = p.value(depth); err != nil {
				return -1, err
			}
			i = p.pos
		}
		p.high = p.high || khigh
		n := &p.nodes[child]
		n.kstart, n.kend, n.kesc = int32(kstart+1), int32(kend-1), kesc
		if last < 0 {
			p.nodes[idx].child = child
		} else {
			p.nodes[last].next = child
		}
		last = child
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			p.pos = i + 1
			p.nodes[idx].end = int32(p.pos)
			return idx, nil
		default:
			return -1, &SyntaxError{i, "expected ',' or '}' after object member, found " + quoteByte(s[i])}
		}
	}
}

func (p *parser) array(depth int) (int32, *SyntaxError) {
	start := p.pos
	idx := p.add(Array, start, 0, false)
	p.pos++
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.nodes[idx].end = int32(p.pos)
		return idx, nil
	}
	last := int32(-1)
	for {
		if p.pos >= len(p.src) {
			return -1, p.eof("array (unterminated array starting at byte " + strconv.Itoa(start) + ")")
		}
		if p.src[p.pos] == ']' && last >= 0 {
			return -1, &SyntaxError{p.pos, "trailing comma before ']'"}
		}
		child, err := p.value(depth)
		if err != nil {
			return -1, err
		}
		if last < 0 {
			p.nodes[idx].child = child
		} else {
			p.nodes[last].next = child
		}
		last = child
		p.ws()
		if p.pos >= len(p.src) {
			return -1, p.eof("array (unterminated array starting at byte " + strconv.Itoa(start) + ")")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.ws()
		case ']':
			p.pos++
			p.nodes[idx].end = int32(p.pos)
			return idx, nil
		default:
			return -1, &SyntaxError{p.pos, "expected ',' or ']' after array element, found " + quoteByte(p.src[p.pos])}
		}
	}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f && c != '\'' {
		return "'" + string(rune(c)) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// ---- access ----

// Kind returns the kind of value i; a missing value (-1) is Null.
func (d *Doc) Kind(i int32) Kind {
	if i < 0 {
		return Null
	}
	return d.nodes[i].kind
}

// IsObject reports whether value i is an object.
func (d *Doc) IsObject(i int32) bool { return i >= 0 && d.nodes[i].kind == Object }

// IsArray reports whether value i is an array.
func (d *Doc) IsArray(i int32) bool { return i >= 0 && d.nodes[i].kind == Array }

// First returns the first member of an object or element of an array, or
// -1 (for an empty container and for any other value).
func (d *Doc) First(i int32) int32 {
	if i < 0 || (d.nodes[i].kind != Object && d.nodes[i].kind != Array) {
		return -1
	}
	return d.nodes[i].child
}

// Next returns the member or element after i in its container, or -1.
func (d *Doc) Next(i int32) int32 { return d.nodes[i].next }

// KeyIs reports whether member i of an object has the given key.
func (d *Doc) KeyIs(i int32, key string) bool {
	return d.nodes[i].keyIs(d.src, key)
}

func (n *node) keyIs(src []byte, key string) bool {
	if !n.kesc {
		// The lengths first: most keys differ in theirs.
		return int(n.kend-n.kstart) == len(key) && string(src[n.kstart:n.kend]) == key
	}
	return unescape(src[n.kstart:n.kend]) == key
}

// KeyBytes returns the decoded key of object member i as bytes, for a
// switch on string(d.KeyBytes(i)), which the compiler does without
// allocating: an unescaped key is a slice of the source (do not change
// it), only one with escapes is decoded into new memory.
func (d *Doc) KeyBytes(i int32) []byte {
	n := &d.nodes[i]
	if !n.kesc {
		return d.src[n.kstart:n.kend:n.kend]
	}
	return []byte(unescape(d.src[n.kstart:n.kend]))
}

// Key returns the decoded key of object member i.
func (d *Doc) Key(i int32) string {
	n := &d.nodes[i]
	if !n.kesc {
		return d.sub(n.kstart, n.kend)
	}
	return unescape(d.src[n.kstart:n.kend])
}

// Member returns the member of object obj with the given key, or -1. With
// duplicate keys the last one wins, as in encoding/json.
func (d *Doc) Member(obj int32, key string) int32 {
	if obj < 0 || d.nodes[obj].kind != Object {
		return -1
	}
	found := int32(-1)
	for c := d.nodes[obj].child; c >= 0; {
		n := &d.nodes[c]
		// Most keys differ in length: that test is made here, inline.
		if (n.kesc || int(n.kend-n.kstart) == len(key)) && n.keyIs(d.src, key) {
			found = c
		}
		c = n.next
	}
	return found
}

// Scalar returns a scalar as text: strings unescaped, numbers and
// booleans as written, null, containers and missing values as "".
func (d *Doc) Scalar(i int32) string {
	if i < 0 {
		return ""
	}
	n := &d.nodes[i]
	switch n.kind {
	case String:
		if !n.esc {
			return d.sub(n.start+1, n.end-1)
		}
		return unescape(d.src[n.start+1 : n.end-1])
	case Number, True, False:
		return d.sub(n.start, n.end)
	}
	return ""
}

// ScalarIs reports whether Scalar(i) is s, without allocating for
// unescaped strings.
func (d *Doc) ScalarIs(i int32, s string) bool {
	if i < 0 {
		return false
	}
	n := &d.nodes[i]
	if n.kind == String && !n.esc {
		return string(d.src[n.start+1:n.end-1]) == s
	}
	return d.Scalar(i) == s
}

// MemberScalar is Scalar(Member(obj, key)).
func (d *Doc) MemberScalar(obj int32, key string) string { return d.Scalar(d.Member(obj, key)) }

// Truthy reports a JSON true (or the string "true").
func (d *Doc) Truthy(i int32) bool {
	if i < 0 {
		return false
	}
	switch d.nodes[i].kind {
	case True:
		return true
	case String:
		return d.Scalar(i) == "true"
	}
	return false
}

// Raw returns the exact source bytes of value i (nil for -1). The slice
// shares the source's memory and cannot be appended to in place.
func (d *Doc) Raw(i int32) json.RawMessage {
	if i < 0 {
		return nil
	}
	n := &d.nodes[i]
	return json.RawMessage(d.src[n.start:n.end:n.end])
}

// Text returns value i as text: a scalar as Scalar does, a container as
// its source bytes, null as "".
func (d *Doc) Text(i int32) string {
	if i < 0 {
		return ""
	}
	n := &d.nodes[i]
	if n.kind == String || n.kind == Number || n.kind == True || n.kind == False {
		return d.Scalar(i)
	}
	if n.kind == Null {
		return ""
	}
	return d.sub(n.start, n.end)
}

// Span returns the byte range of value i in the source (strings include
// their quotes).
func (d *Doc) Span(i int32) (start, end int) {
	n := &d.nodes[i]
	return int(n.start), int(n.end)
}

// memberStart is the offset of member i's key (its opening quote), where
// the member begins.
func (d *Doc) memberStart(i int32) int { return int(d.nodes[i].kstart) - 1 }

// unescape decodes the body of a valid JSON string.
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+5 > len(b) {
				out = append(out, b[i-1:]...)
				return string(out)
			}
			r := hex4(b[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+7 <= len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					r2 := hex4(b[i+3 : i+7])
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, b[i])
		}
	}
	return string(out)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return utf8.RuneError
		}
	}
	return r
}
