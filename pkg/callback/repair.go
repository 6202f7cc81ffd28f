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
	out = make([]byte, 0, len(src)+16)
	stack := make([]rframe, 0, 16)
	top := stVal
	var n repairCounts
	pendingComma := false

	cur := func() *uint8 {
		if len(stack) == 0 {
			return &top
		}
		return &stack[len(stack)-1].st
	}
	inObject := func() bool { return len(stack) > 0 && stack[len(stack)-1].open == '{' }

	// prepare readies the current container for a value or key; it returns
	// false when the document is complete and the rest is trailing data.
	prepare := func() bool {
		st := cur()
		if *st == stAfterVal {
			if len(stack) == 0 {
				return false
			}
			if !pendingComma {
				n.missingCommas++
			}
			out = append(out, ',')
			pendingComma = false
			if inObject() {
				*st = stKey
			} else {
				*st = stVal
			}
		}
		if *st == stColon {
			out = append(out, ':')
			n.missingColons++
			*st = stVal
		}
		return true
	}
	closeFrame := func() {
		f := stack[len(stack)-1]
		if pendingComma {
			n.trailingCommas++
			pendingComma = false
		}
		if f.open == '{' {
			switch f.st {
			case stColon:
				out = append(out, ":null"...)
				n.missingValues++
			case stVal:
				out = append(out, "null"...)
				n.missingValues++
			}
			out = append(out, '}')
		} else {
			// An array only expects a value right after '[' (commas are
			// held back), so closing it never needs a filler.
			out = append(out, ']')
		}
		stack = stack[:len(stack)-1]
		*cur() = stAfterVal
	}

	i := 0
scan:
	for i < len(src) {
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			out = append(out, c)
			i++
		case ',':
			if *cur() == stAfterVal && len(stack) > 0 && !pendingComma {
				pendingComma = true
			} else if len(stack) == 0 && top == stAfterVal {
				n.trailingData = i
				break scan
			} else {
				n.strayCommas++
			}
			i++
		case ':':
			if inObject() && *cur() == stColon {
				out = append(out, ':')
				*cur() = stVal
			} else if len(stack) == 0 && top == stAfterVal {
				n.trailingData = i
				break scan
			} else {
				return nil, "", false
			}
			i++
		case '}', ']':
			want := byte('{')
			if c == ']' {
				want = '['
			}
			j := len(stack) - 1
			for j >= 0 && stack[j].open != want {
				j--
			}
			if j < 0 {
				if len(stack) == 0 && top == stAfterVal {
					n.trailingData = i
					break scan
				}
				n.droppedClosers++
				i++
				continue
			}
			for len(stack)-1 > j {
				n.mismatched++
				closeFrame()
			}
			closeFrame()
			i++
		case '"':
			if !prepare() {
				n.trailingData = i
				break scan
			}
			st := cur()
			isKey := inObject() && *st == stKey
			if !isKey && *st != stVal {
				return nil, "", false
			}
			i = repairString(src, i, &out, &n)
			if isKey {
				*st = stColon
			} else {
				*st = stAfterVal
			}
		case '{', '[':
			if !prepare() {
				n.trailingData = i
				break scan
			}
			if *cur() != stVal {
				return nil, "", false
			}
			if len(stack) >= jsonspan.MaxDepth {
				return nil, "", false
			}
			*cur() = stAfterVal
			out = append(out, c)
			if c == '{' {
				stack = append(stack, rframe{open: c, st: stKey})
			} else {
				stack = append(stack, rframe{open: c, st: stVal})
			}
			i++
		default:
			j := i
			for j < len(src) && isLiteralByte(src[j]) {
				j++
			}
			if j == i {
				return nil, "", false
			}
			if !prepare() {
				n.trailingData = i
				break scan
			}
			if *cur() != stVal {
				return nil, "", false
			}
			tok := src[i:j]
			out = append(out, tok...)
			if j == len(src) {
				out = completeLiteral(tok, out, &n)
			}
			*cur() = stAfterVal
			i = j
		}
	}
	if pendingComma {
		n.trailingCommas++
		pendingComma = false
	}
	for len(stack) > 0 {
		n.closedAtEOF++
		closeFrame()
	}
	if top != stAfterVal {
		return nil, "", false
	}
	return out, n.String(), true
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
