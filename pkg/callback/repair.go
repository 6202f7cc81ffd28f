package callback

import (
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
)

// Lenient repair of broken JSON documents. Callback samples in the wild
// (and in vendor documentation) carry trailing commas, truncated bodies,
// a missing '}' before ']' and raw control characters in strings. The repair
// rewrites such a document into valid JSON in one bounded pass; whatever it
// cannot make sense of is left for the strict parser to reject.

const (
	stVal      uint8 = iota // a value is expected
	stAfterVal              // ',' or a closer is expected
	stKey                   // an object key or '}' is expected
	stColon                 // ':' is expected
)

type rframe struct {
	open byte
	st   uint8
}

// repairCounts records what a repair changed.
type repairCounts struct {
	trailingCommas int
	strayCommas    int
	missingCommas  int
	missingValues  int
	missingColons  int
	closedAtEOF    int
	mismatched     int
	droppedClosers int
	unterminated   int
	literals       int
	controls       int
	badEscapes     int
	trailingData   int // offset of ignored trailing data, or 0
}

func (c *repairCounts) String() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, one)
		case n > 1:
			parts = append(parts, strconv.Itoa(n)+" "+many)
		}
	}
	add(c.trailingCommas, "dropped a trailing comma", "trailing commas dropped")
	add(c.strayCommas, "dropped a stray comma", "stray commas dropped")
	add(c.missingCommas, "inserted a missing comma", "missing commas inserted")
	add(c.missingColons, "inserted a missing ':'", "missing colons inserted")
	add(c.missingValues, "filled a missing value with null", "missing values filled with null")
	add(c.unterminated, "closed an unterminated string", "unterminated strings closed")
	add(c.literals, "completed a truncated literal", "truncated literals completed")
	add(c.mismatched, "closed a container left open before a mismatched bracket", "containers left open before mismatched brackets closed")
	add(c.droppedClosers, "dropped an unmatched closing bracket", "unmatched closing brackets dropped")
	add(c.closedAtEOF, "closed an unterminated container at end of input", "unterminated containers closed at end of input")
	add(c.controls, "escaped a control character in a string", "control characters in strings escaped")
	add(c.badEscapes, "kept an invalid escape as text", "invalid escapes kept as text")
	if c.trailingData > 0 {
		parts = append(parts, "ignored trailing data from byte "+strconv.Itoa(c.trailingData))
	}
	return strings.Join(parts, ", ")
}

// repairJSON returns a rewritten document and a description of the changes,
// or ok=false when the input cannot be repaired (unknown tokens, nesting too
// deep, no value at all).
func repairJSON(src []byte) (out []byte, what string, ok bool) {
	r := &repairer{src: src, out: make([]byte, 0, len(src)+16), stack: make([]rframe, 0, 16), top: stVal}
	if !r.run() {
		return nil, "", false
	}
	return r.out, r.n.String(), true
}

// repairer is one pass of repairJSON: the input, the output so far, the
// open containers with what each expects next, and the changes made.
type repairer struct {
	src   []byte
	out   []byte
	stack []rframe
	top   uint8 // what the document itself expects (outside any container)
	n     repairCounts
	// pendingComma: a ',' was read and is held back until a value follows
	// (a trailing comma before a closer is dropped).
	pendingComma bool
}

// step is what a token's method tells the scan.
type step uint8

const (
	stepOn       step = iota // go on at the returned offset
	stepTrailing             // the document is complete: the rest is trailing data
	stepFail                 // the input cannot be repaired
)

// run scans the input token by token, then closes what is left open.
func (r *repairer) run() bool {
	for i := 0; i < len(r.src); {
		var next int
		var s step
		switch c := r.src[i]; c {
		case ' ', '\t', '\n', '\r':
			r.out = append(r.out, c)
			next = i + 1
		case ',':
			next, s = r.comma(i)
		case ':':
			next, s = r.colon(i)
		case '}', ']':
			next, s = r.closer(i)
		case '"':
			next, s = r.str(i)
		case '{', '[':
			next, s = r.opener(i)
		default:
			next, s = r.literal(i)
		}
		if s == stepFail {
			return false
		}
		if s == stepTrailing {
			r.n.trailingData = i
			break
		}
		i = next
	}
	return r.finish()
}

// cur is the state of the innermost open container (or of the document).
func (r *repairer) cur() *uint8 {
	if len(r.stack) == 0 {
		return &r.top
	}
	return &r.stack[len(r.stack)-1].st
}

func (r *repairer) inObject() bool {
	return len(r.stack) > 0 && r.stack[len(r.stack)-1].open == '{'
}

// atEnd reports whether the document's one value is complete, so that
// what follows is trailing data.
func (r *repairer) atEnd() bool { return len(r.stack) == 0 && r.top == stAfterVal }

// prepare readies the current container for a value or key; it returns
// false when the document is complete and the rest is trailing data.
func (r *repairer) prepare() bool {
	st := r.cur()
	if *st == stAfterVal {
		if len(r.stack) == 0 {
			return false
		}
		if !r.pendingComma {
			r.n.missingCommas++
		}
		r.out = append(r.out, ',')
		r.pendingComma = false
		if r.inObject() {
			*st = stKey
		} else {
			*st = stVal
		}
	}
	if *st == stColon {
		r.out = append(r.out, ':')
		r.n.missingColons++
		*st = stVal
	}
	return true
}

// closeFrame closes the innermost container, filling a missing value.
func (r *repairer) closeFrame() {
	f := r.stack[len(r.stack)-1]
	if r.pendingComma {
		r.n.trailingCommas++
		r.pendingComma = false
	}
	if f.open == '{' {
		switch f.st {
		case stColon:
			r.out = append(r.out, ":null"...)
			r.n.missingValues++
		case stVal:
			r.out = append(r.out, "null"...)
			r.n.missingValues++
		}
		r.out = append(r.out, '}')
	} else {
		// An array only expects a value right after '[' (commas are
		// held back), so closing it never needs a filler.
		r.out = append(r.out, ']')
	}
	r.stack = r.stack[:len(r.stack)-1]
	*r.cur() = stAfterVal
}

// comma holds a separator back until a value follows; a stray one is
// dropped.
func (r *repairer) comma(i int) (int, step) {
	switch {
	case *r.cur() == stAfterVal && len(r.stack) > 0 && !r.pendingComma:
		r.pendingComma = true
	case r.atEnd():
		return i, stepTrailing
	default:
		r.n.strayCommas++
	}
	return i + 1, stepOn
}

// colon separates a key from its value; anywhere else it is fatal.
func (r *repairer) colon(i int) (int, step) {
	switch {
	case r.inObject() && *r.cur() == stColon:
		r.out = append(r.out, ':')
		*r.cur() = stVal
	case r.atEnd():
		return i, stepTrailing
	default:
		return i, stepFail
	}
	return i + 1, stepOn
}

// closer closes the nearest container it matches, and every container
// left open inside it; an unmatched closer is dropped.
func (r *repairer) closer(i int) (int, step) {
	want := byte('{')
	if r.src[i] == ']' {
		want = '['
	}
	j := len(r.stack) - 1
	for j >= 0 && r.stack[j].open != want {
		j--
	}
	if j < 0 {
		if r.atEnd() {
			return i, stepTrailing
		}
		r.n.droppedClosers++
		return i + 1, stepOn
	}
	for len(r.stack)-1 > j {
		r.n.mismatched++
		r.closeFrame()
	}
	r.closeFrame()
	return i + 1, stepOn
}

// str copies a key or string value.
func (r *repairer) str(i int) (int, step) {
	if !r.prepare() {
		return i, stepTrailing
	}
	st := r.cur()
	isKey := r.inObject() && *st == stKey
	if !isKey && *st != stVal {
		return i, stepFail
	}
	next := repairString(r.src, i, &r.out, &r.n)
	if isKey {
		*st = stColon
	} else {
		*st = stAfterVal
	}
	return next, stepOn
}

// opener opens an object or array, up to jsonspan.MaxDepth deep.
func (r *repairer) opener(i int) (int, step) {
	if !r.prepare() {
		return i, stepTrailing
	}
	if *r.cur() != stVal || len(r.stack) >= jsonspan.MaxDepth {
		return i, stepFail
	}
	*r.cur() = stAfterVal
	c := r.src[i]
	r.out = append(r.out, c)
	if c == '{' {
		r.stack = append(r.stack, rframe{open: c, st: stKey})
	} else {
		r.stack = append(r.stack, rframe{open: c, st: stVal})
	}
	return i + 1, stepOn
}

// literal copies a number, true, false or null, completing one cut off by
// the end of input; any other byte is fatal.
func (r *repairer) literal(i int) (int, step) {
	j := i
	for j < len(r.src) && isLiteralByte(r.src[j]) {
		j++
	}
	if j == i {
		return i, stepFail
	}
	if !r.prepare() {
		return i, stepTrailing
	}
	if *r.cur() != stVal {
		return i, stepFail
	}
	tok := r.src[i:j]
	r.out = append(r.out, tok...)
	if j == len(r.src) {
		r.out = completeLiteral(tok, r.out, &r.n)
	}
	*r.cur() = stAfterVal
	return j, stepOn
}

// finish drops a comma left pending, closes what is still open and
// reports whether the document held a value.
func (r *repairer) finish() bool {
	if r.pendingComma {
		r.n.trailingCommas++
		r.pendingComma = false
	}
	for len(r.stack) > 0 {
		r.n.closedAtEOF++
		r.closeFrame()
	}
	return r.top == stAfterVal
}

func isLiteralByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'
}

// completeLiteral finishes a literal or number cut off by the end of input.
func completeLiteral(tok, out []byte, n *repairCounts) []byte {
	for _, w := range [...]string{"true", "false", "null"} {
		if len(tok) < len(w) && strings.HasPrefix(w, string(tok)) {
			n.literals++
			return append(out, w[len(tok):]...)
		}
	}
	switch tok[len(tok)-1] {
	case '-', '+', '.', 'e', 'E':
		n.literals++
		return append(out, '0')
	}
	return out
}

// repairString copies the string starting at src[i] (a quote) to out,
// escaping raw control characters, neutralising invalid escapes and closing
// it at end of input. It returns the offset after the string.
func repairString(src []byte, i int, out *[]byte, n *repairCounts) int {
	o := append(*out, '"')
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '"':
			*out = append(o, '"')
			return j + 1
		case c == '\\':
			if j+1 >= len(src) {
				j++ // a lone backslash at the very end is dropped
				continue
			}
			switch e := src[j+1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				o = append(o, c, e)
				j += 2
			case 'u':
				if j+6 <= len(src) && jsonspan.IsHex(src[j+2]) && jsonspan.IsHex(src[j+3]) && jsonspan.IsHex(src[j+4]) && jsonspan.IsHex(src[j+5]) {
					o = append(o, src[j:j+6]...)
					j += 6
				} else {
					n.badEscapes++
					o = append(o, '\\', '\\')
					j++
				}
			default:
				n.badEscapes++
				o = append(o, '\\', '\\')
				j++
			}
		case c < 0x20:
			n.controls++
			o = append(o, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			j++
		default:
			o = append(o, c)
			j++
		}
	}
	n.unterminated++
	*out = append(o, '"')
	return j
}

const hexDigits = "0123456789abcdef"
