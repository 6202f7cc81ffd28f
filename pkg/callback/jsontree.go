package callback

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// The decoder reads JSON bodies with a small validating parser that builds a
// flat tree of value spans over the original bytes. One pass gives typed
// access (strings, numbers kept as text, objects in document order) and the
// exact bytes of every sub-object for the event's raw field, without
// reflection and without a second decode.

// maxDepth bounds the nesting the parser and the repair accept. Real
// callbacks nest about ten levels deep.
const maxDepth = 128

// maxBody bounds the spans a tree can address.
const maxBody = 1<<31 - 1

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jnode is one JSON value. Indices refer to doc.nodes; -1 means none.
type jnode struct {
	start, end   int32 // value span; strings include their quotes
	kstart, kend int32 // member key span without quotes (object members only)
	child, next  int32
	kind         jkind
	esc          bool // the string value holds escapes
	kesc         bool // the key holds escapes
}

type jdoc struct {
	src   []byte
	nodes []jnode
}

// syntaxError says where and why a document is not valid JSON.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.off) + ": " + e.msg
}

type jparser struct {
	src   []byte
	pos   int
	nodes []jnode
}

// parseJSON parses src strictly (RFC 8259, UTF-8 assumed already checked)
// and returns its tree, or the first syntax error.
func parseJSON(src []byte) (*jdoc, *syntaxError) {
	if len(src) > maxBody {
		return nil, &syntaxError{0, "document too large"}
	}
	p := jparser{src: src, nodes: getNodes(16 + len(src)/24)}
	p.ws()
	if p.pos >= len(src) {
		putNodes(p.nodes)
		return nil, &syntaxError{p.pos, "empty document"}
	}
	if _, err := p.value(0); err != nil {
		putNodes(p.nodes)
		return nil, err
	}
	p.ws()
	if p.pos < len(src) {
		putNodes(p.nodes)
		return nil, &syntaxError{p.pos, "unexpected data after the top-level value"}
	}
	return &jdoc{src: src, nodes: p.nodes}, nil
}

// Node slices are recycled: a tree lives only while one request is
// decoded (events keep byte slices of the source, never nodes).
var nodePool = sync.Pool{New: func() any { return new([]jnode) }}

// maxPooled keeps huge trees out of the pool.
const maxPooled = 1 << 14

func getNodes(hint int) []jnode {
	p := nodePool.Get().(*[]jnode)
	s := (*p)[:0]
	*p = nil
	nodePool.Put(p)
	if cap(s) < hint && hint <= maxPooled {
		s = make([]jnode, 0, hint)
	}
	return s
}

func putNodes(s []jnode) {
	if cap(s) == 0 || cap(s) > maxPooled {
		return
	}
	p := nodePool.Get().(*[]jnode)
	*p = s[:0]
	nodePool.Put(p)
}

// release returns the tree's nodes for reuse; d must not be used after.
func (d *jdoc) release() {
	putNodes(d.nodes)
	d.nodes = nil
}

func (p *jparser) ws() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) add(n jnode) int32 {
	p.nodes = append(p.nodes, n)
	return int32(len(p.nodes) - 1)
}

func (p *jparser) eof(what string) *syntaxError {
	return &syntaxError{len(p.src), "unexpected end of input in " + what}
}

func (p *jparser) value(depth int) (int32, *syntaxError) {
	if p.pos >= len(p.src) {
		return -1, p.eof("value")
	}
	start := p.pos
	switch c := p.src[p.pos]; c {
	case '{':
		if depth >= maxDepth {
			return -1, &syntaxError{p.pos, "nesting deeper than " + strconv.Itoa(maxDepth) + " levels"}
		}
		return p.object(depth + 1)
	case '[':
		if depth >= maxDepth {
			return -1, &syntaxError{p.pos, "nesting deeper than " + strconv.Itoa(maxDepth) + " levels"}
		}
		return p.array(depth + 1)
	case '"':
		end, esc, err := p.str()
		if err != nil {
			return -1, err
		}
		return p.add(jnode{kind: jString, start: int32(start), end: int32(end), esc: esc, child: -1, next: -1}), nil
	case 't':
		return p.lit("true", jTrue)
	case 'f':
		return p.lit("false", jFalse)
	case 'n':
		return p.lit("null", jNull)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number()
		}
		return -1, &syntaxError{p.pos, "unexpected character " + quoteByte(c)}
	}
}

func (p *jparser) lit(word string, k jkind) (int32, *syntaxError) {
	start := p.pos
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.src) {
			return -1, p.eof("literal " + word)
		}
		if p.src[p.pos] != word[i] {
			return -1, &syntaxError{p.pos, "invalid literal (expected " + word + ")"}
		}
		p.pos++
	}
	return p.add(jnode{kind: k, start: int32(start), end: int32(p.pos), child: -1, next: -1}), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *jparser) number() (int32, *syntaxError) {
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
		return -1, &syntaxError{i, "invalid number"}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) {
			return -1, p.eof("number")
		}
		if !isDigit(s[i]) {
			return -1, &syntaxError{i, "invalid number (digit expected after '.')"}
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
			return -1, &syntaxError{i, "invalid number (digit expected in exponent)"}
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	p.pos = i
	return p.add(jnode{kind: jNumber, start: int32(start), end: int32(i), child: -1, next: -1}), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str scans the string starting at p.pos (a quote) and returns the offset
// just past its closing quote.
func (p *jparser) str() (int, bool, *syntaxError) {
	s := p.src
	i := p.pos + 1
	esc := false
	for {
		// Fast path over ordinary bytes.
		for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 {
			i++
		}
		if i >= len(s) {
			return 0, false, &syntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(p.pos)}
		}
		switch c := s[i]; {
		case c == '"':
			p.pos = i + 1
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				return 0, false, &syntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(p.pos)}
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) {
					return 0, false, &syntaxError{len(s), "unterminated string starting at byte " + strconv.Itoa(p.pos)}
				}
				for k := i + 2; k < i+6; k++ {
					if !isHex(s[k]) {
						return 0, false, &syntaxError{i, "invalid \\u escape in string"}
					}
				}
				i += 6
			default:
				return 0, false, &syntaxError{i, "invalid escape " + quoteByte(s[i+1]) + " in string"}
			}
		default:
			return 0, false, &syntaxError{i, "control character " + quoteByte(c) + " in string"}
		}
	}
}

func (p *jparser) object(depth int) (int32, *syntaxError) {
	start := p.pos
	idx := p.add(jnode{kind: jObject, start: int32(start), child: -1, next: -1})
	p.pos++
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.nodes[idx].end = int32(p.pos)
		return idx, nil
	}
	last := int32(-1)
	for {
		if p.pos >= len(p.src) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		if p.src[p.pos] != '"' {
			if p.src[p.pos] == '}' && last >= 0 {
				return -1, &syntaxError{p.pos, "trailing comma before '}'"}
			}
			return -1, &syntaxError{p.pos, "expected a string key, found " + quoteByte(p.src[p.pos])}
		}
		kstart := p.pos
		kend, kesc, err := p.str()
		if err != nil {
			return -1, err
		}
		p.ws()
		if p.pos >= len(p.src) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		if p.src[p.pos] != ':' {
			return -1, &syntaxError{p.pos, "expected ':' after object key, found " + quoteByte(p.src[p.pos])}
		}
		p.pos++
		p.ws()
		child, err := p.value(depth)
		if err != nil {
			return -1, err
		}
		n := &p.nodes[child]
		n.kstart, n.kend, n.kesc = int32(kstart+1), int32(kend-1), kesc
		if last < 0 {
			p.nodes[idx].child = child
		} else {
			p.nodes[last].next = child
		}
		last = child
		p.ws()
		if p.pos >= len(p.src) {
			return -1, p.eof("object (unterminated object starting at byte " + strconv.Itoa(start) + ")")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.ws()
		case '}':
			p.pos++
			p.nodes[idx].end = int32(p.pos)
			return idx, nil
		default:
			return -1, &syntaxError{p.pos, "expected ',' or '}' after object member, found " + quoteByte(p.src[p.pos])}
		}
	}
}

func (p *jparser) array(depth int) (int32, *syntaxError) {
	start := p.pos
	idx := p.add(jnode{kind: jArray, start: int32(start), child: -1, next: -1})
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
			return -1, &syntaxError{p.pos, "trailing comma before ']'"}
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
			return -1, &syntaxError{p.pos, "expected ',' or ']' after array element, found " + quoteByte(p.src[p.pos])}
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

func (d *jdoc) kind(i int32) jkind {
	if i < 0 {
		return jNull
	}
	return d.nodes[i].kind
}

func (d *jdoc) isObject(i int32) bool { return i >= 0 && d.nodes[i].kind == jObject }
func (d *jdoc) isArray(i int32) bool  { return i >= 0 && d.nodes[i].kind == jArray }

// first returns the first child of an object or array, or -1.
func (d *jdoc) first(i int32) int32 {
	if i < 0 || (d.nodes[i].kind != jObject && d.nodes[i].kind != jArray) {
		return -1
	}
	return d.nodes[i].child
}

func (d *jdoc) next(i int32) int32 { return d.nodes[i].next }

// keyIs reports whether member i of an object has the given key.
func (d *jdoc) keyIs(i int32, key string) bool {
	n := &d.nodes[i]
	if !n.kesc {
		return string(d.src[n.kstart:n.kend]) == key
	}
	return unescape(d.src[n.kstart:n.kend]) == key
}

// key returns the key of object member i.
func (d *jdoc) key(i int32) string {
	n := &d.nodes[i]
	if !n.kesc {
		return string(d.src[n.kstart:n.kend])
	}
	return unescape(d.src[n.kstart:n.kend])
}

// get returns the member of object obj with the given key, or -1. With
// duplicate keys the last one wins, as in encoding/json.
func (d *jdoc) get(obj int32, key string) int32 {
	if obj < 0 || d.nodes[obj].kind != jObject {
		return -1
	}
	found := int32(-1)
	for c := d.nodes[obj].child; c >= 0; c = d.nodes[c].next {
		if d.keyIs(c, key) {
			found = c
		}
	}
	return found
}

// str returns a scalar as text: strings unescaped, numbers and booleans
// as written, null and containers as "".
func (d *jdoc) str(i int32) string {
	if i < 0 {
		return ""
	}
	n := &d.nodes[i]
	switch n.kind {
	case jString:
		if !n.esc {
			return string(d.src[n.start+1 : n.end-1])
		}
		return unescape(d.src[n.start+1 : n.end-1])
	case jNumber, jTrue, jFalse:
		return string(d.src[n.start:n.end])
	}
	return ""
}

// strIs reports whether value i is the string s, without allocating for
// unescaped strings.
func (d *jdoc) strIs(i int32, s string) bool {
	if i < 0 {
		return false
	}
	n := &d.nodes[i]
	if n.kind == jString && !n.esc {
		return string(d.src[n.start+1:n.end-1]) == s
	}
	return d.str(i) == s
}

// gets is str(get(obj, key)).
func (d *jdoc) gets(obj int32, key string) string { return d.str(d.get(obj, key)) }

// truthy reports a JSON true (or the string "true").
func (d *jdoc) truthy(i int32) bool {
	if i < 0 {
		return false
	}
	switch d.nodes[i].kind {
	case jTrue:
		return true
	case jString:
		return d.str(i) == "true"
	}
	return false
}

// raw returns the exact bytes of value i.
func (d *jdoc) raw(i int32) json.RawMessage {
	if i < 0 {
		return nil
	}
	n := &d.nodes[i]
	return json.RawMessage(d.src[n.start:n.end:n.end])
}

// text returns the bytes of value i as a string (containers included).
func (d *jdoc) text(i int32) string {
	if i < 0 {
		return ""
	}
	n := &d.nodes[i]
	if n.kind == jString || n.kind == jNumber || n.kind == jTrue || n.kind == jFalse {
		return d.str(i)
	}
	if n.kind == jNull {
		return ""
	}
	return string(d.src[n.start:n.end])
}

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
