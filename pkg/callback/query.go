package callback

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// param is one query, form or flat-JSON parameter.
type param struct {
	key, value string
}

type params []param

// get returns the value of the first parameter named key.
func (ps params) get(key string) string {
	for i := range ps {
		if ps[i].key == key {
			return ps[i].value
		}
	}
	return ""
}

func (ps params) has(key string) bool {
	for i := range ps {
		if ps[i].key == key {
			return true
		}
	}
	return false
}

// QueryParam is one parameter of a query string or form body.
type QueryParam struct{ Key, Value string }

// ParseQuery splits a query string or form body into its parameters in
// order, as leniently as the decoder reads them (see parseQuery): a body
// or query Kaleyra sends malformed is still split the same way.
func ParseQuery(raw string) []QueryParam {
	ps, _ := parseQuery(raw)
	out := make([]QueryParam, len(ps))
	for i, p := range ps {
		out[i] = QueryParam{Key: p.key, Value: p.value}
	}
	return out
}

// jsonParams are Kaleyra parameters that may carry unencoded JSON.
func jsonParam(key string) bool {
	return key == "message" || key == "contacts" || key == "location"
}

// parseQuery splits a raw query string (or form body) into parameters in
// order. It is lenient where net/url is strict: an invalid percent escape
// is kept as text (its offset is returned in bad, else -1), and a message,
// contacts or location value that starts with an unencoded '[' or '{' is
// taken whole by bracket matching, so '&', '=' and '#' inside the JSON do
// not split it.
func parseQuery(raw string) (ps params, bad int) {
	bad = -1
	n := 1
	for i := 0; i < len(raw); i++ {
		if raw[i] == '&' {
			n++
		}
	}
	ps = make(params, 0, n)
	// Bracket matching may rescan text when several JSON values never
	// close; a budget keeps the whole parse linear in len(raw).
	budget := 2*len(raw) + 4096
	i := 0
	for i < len(raw) {
		if raw[i] == '&' {
			i++
			continue
		}
		j := i
		for j < len(raw) && raw[j] != '&' && raw[j] != '=' {
			j++
		}
		key := formDecode(raw[i:j], i, true, &bad)
		if j >= len(raw) || raw[j] == '&' {
			ps = append(ps, param{key: key})
			i = j
			continue
		}
		vs := j + 1
		if jsonParam(key) && vs < len(raw) && (raw[vs] == '[' || raw[vs] == '{') {
			ve := matchBrackets(raw, vs, &budget)
			for ve < len(raw) && raw[ve] != '&' {
				ve++
			}
			// Unencoded JSON: '+' is a literal plus, not a space.
			ps = append(ps, param{key: key, value: formDecode(raw[vs:ve], vs, false, &bad)})
			i = ve
			continue
		}
		ve := vs
		for ve < len(raw) && raw[ve] != '&' {
			ve++
		}
		ps = append(ps, param{key: key, value: formDecode(raw[vs:ve], vs, true, &bad)})
		i = ve
	}
	return ps, bad
}

// matchBrackets returns the offset just past the JSON value starting at
// raw[start] ('[' or '{'), found by bracket matching that respects strings.
// A closer that does not match the innermost opener closes the openers in
// between (Kaleyra's sample omits a '}' before ']'). When the value never
// closes, it ends before the first "&name=" that follows.
func matchBrackets(raw string, start int, budget *int) int {
	var stack [jsonspan.MaxDepth]byte
	depth := 0
	inStr, esc := false, false
	for i := start; i < len(raw); i++ {
		*budget--
		if *budget < 0 {
			return fallbackEnd(raw, start)
		}
		c := raw[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '&':
			// Not JSON outside a string: the value was cut short.
			return fallbackEnd(raw, i)
		case '[', '{':
			if depth == len(stack) {
				return fallbackEnd(raw, start)
			}
			stack[depth] = c
			depth++
		case ']', '}':
			want := byte('[')
			if c == '}' {
				want = '{'
			}
			k := depth - 1
			for k >= 0 && stack[k] != want {
				k--
			}
			if k < 0 {
				continue
			}
			depth = k
			if depth == 0 {
				return i + 1
			}
		}
	}
	return fallbackEnd(raw, start)
}

func fallbackEnd(raw string, start int) int {
	for i := start; i < len(raw); i++ {
		if raw[i] != '&' {
			continue
		}
		j := i + 1
		for j < len(raw) && isNameByte(raw[j]) {
			j++
		}
		if j > i+1 && j < len(raw) && raw[j] == '=' {
			return i
		}
	}
	return len(raw)
}

func isNameByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// formDecode percent-decodes s (and '+' to space when plus is set). An
// invalid escape stays as text; the offset of the first one (base + index)
// goes to *bad.
func formDecode(s string, base int, plus bool, bad *int) string {
	need := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || (plus && s[i] == '+') {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+' && plus:
			b = append(b, ' ')
		case c == '%':
			if i+2 < len(s) {
				h, ok1 := unhex(s[i+1])
				l, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
			if *bad < 0 {
				*bad = base + i
			}
			b = append(b, '%')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// paramsJSON renders parameters as a JSON object in order of first
// appearance; a repeated name becomes an array. Values of names for which
// mask returns true are replaced by Masked.
func paramsJSON(ps params, mask func(string) bool) json.RawMessage {
	size := 2
	for i := range ps {
		size += len(ps[i].key) + len(ps[i].value) + 6
	}
	// next[i] links a parameter to the next one with the same name;
	// later[i] marks names already seen. Small lists avoid allocating.
	var smallNext [16]int32
	var smallLater [16]bool
	var next []int32
	var later []bool
	if len(ps) <= len(smallNext) {
		next, later = smallNext[:len(ps)], smallLater[:len(ps)]
		for i := range ps {
			next[i] = -1
		}
		for i := range ps {
			if later[i] {
				continue
			}
			prev := i
			for j := i + 1; j < len(ps); j++ {
				if !later[j] && ps[j].key == ps[i].key {
					next[prev], later[j], prev = int32(j), true, j
				}
			}
		}
	} else {
		next, later = make([]int32, len(ps)), make([]bool, len(ps))
		last := make(map[string]int)
		for i := range ps {
			next[i] = -1
			if l, ok := last[ps[i].key]; ok {
				next[l], later[i] = int32(i), true
			}
			last[ps[i].key] = i
		}
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	first := true
	for i := range ps {
		if later[i] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		k := ps[i].key
		masked := mask != nil && mask(k)
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		if next[i] >= 0 {
			b = append(b, '[')
		}
		for j := int32(i); j >= 0; j = next[j] {
			if j != int32(i) {
				b = append(b, ',')
			}
			v := ps[j].value
			if masked {
				v = Masked
			}
			b = jsonstr.Append(b, v)
		}
		if next[i] >= 0 {
			b = append(b, ']')
		}
	}
	b = append(b, '}')
	return json.RawMessage(b)
}

// Masked stands for a secret (the verify token in an event, a credential
// header in a recording, a token in what a delivery reports) wherever
// its value would appear.
const Masked = "[redacted]"

// stringJSON renders arbitrary bytes as a JSON string value.
func stringJSON(body []byte) json.RawMessage {
	return json.RawMessage(jsonstr.Append(make([]byte, 0, len(body)+2), string(body)))
}

// cleanPhone trims a phone number and restores a '+' that form decoding
// turned into a space (Kaleyra sends phone_number=%20%20+1202...).
func cleanPhone(v string) string {
	t := strings.TrimSpace(v)
	if t == "" || t == v {
		return t
	}
	if v[0] == ' ' && t[0] != '+' && t[0] >= '0' && t[0] <= '9' {
		return "+" + t
	}
	return t
}

// unquote strips one pair of surrounding double quotes (a documentation
// artefact in Kaleyra's template-status URL: id="<id>").
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func offsetNote(what string, off int) string {
	return what + " at byte " + strconv.Itoa(off)
}
