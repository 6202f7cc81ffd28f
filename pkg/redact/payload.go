package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// Payload masks a JSON document. A document that does not parse is masked
// member by member as far as it can be read (Kaleyra's documented samples
// are broken JSON), then every long run of digits in it.
func (r *Redactor) Payload(doc []byte) []byte {
	out, err := r.JSON(doc)
	if err != nil {
		return r.looseJSON(doc)
	}
	return out
}

// Body masks a request body of any kind: JSON, a form or query string, an
// XML document (Kaleyra callback profiles), or (as a last resort) text in
// which every long run of digits is masked.
func (r *Redactor) Body(body []byte, contentType string) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return body
	}
	switch {
	case trimmed[0] == '{' || trimmed[0] == '[':
		return r.Payload(body)
	case trimmed[0] == '<':
		return r.xml(body)
	case strings.HasPrefix(contentType, "multipart/"):
		if out, err := r.multipart(body, contentType); err == nil {
			return out
		}
		return r.digits(body)
	case strings.HasPrefix(contentType, "application/x-www-form-urlencoded") || bytes.IndexByte(trimmed, '=') > 0:
		if q, ok := r.Query(string(body)); ok {
			return []byte(q)
		}
	}
	return r.digits(body)
}

// Query masks the parameters of a query string or form body, read as
// leniently as the decoder reads them (unencoded JSON in Kaleyra's message
// parameter, invalid escapes), and writes them back in their order. The
// verify token of Meta's handshake is masked too. It reports false when
// the string holds no parameter at all.
func (r *Redactor) Query(raw string) (string, bool) {
	ps := callback.ParseQuery(raw)
	if len(ps) == 0 {
		return string(r.digits([]byte(raw))), false
	}
	// a key is known by its name without the white space around it (a
	// body that starts with a line break still names "body")
	incoming := false
	for _, p := range ps {
		incoming = incoming || strings.TrimSpace(p.Key) == "from"
	}
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Key))
		key := strings.TrimSpace(p.Key)
		v := strings.TrimSpace(p.Value)
		switch {
		case v == "":
		case callback.IsVerifyToken(key):
			v = callback.Masked
		case jsonParams[key] && (v[0] == '{' || v[0] == '['):
			v = string(r.Payload([]byte(v)))
		case key == "message" && incoming:
			// an incoming message's text (a status's message is
			// Kaleyra's own wording, which stays)
			v = r.Text(v)
		default:
			v = r.field("", key, v)
		}
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	return b.String(), true
}

// digits masks every run of 7 or more digits (an optional '+' before it),
// which catches phone numbers in text that could not be parsed.
func (r *Redactor) digits(b []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(b); {
		j := i
		if b[j] == '+' {
			j++
		}
		k := j
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k-j >= 7 {
			out.WriteString(r.Phone(string(b[j:k])))
			i = k
			continue
		}
		out.WriteByte(b[i])
		i++
	}
	return out.Bytes()
}

// JSON masks the values under the sensitive keys of a JSON document,
// keeping key order, and returns it compact. Kaleyra's JSON-in-a-string
// values ("message") are masked inside too. Numbers are kept as written,
// but for coordinates, rounded to 2 decimals.
func (r *Redactor) JSON(doc []byte) ([]byte, error) {
	d, err := jsonspan.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	defer d.Release()
	w := jsonWalk{r: r, d: d}
	// A flat Kaleyra profile body for an incoming message: its "message"
	// member is the customer's text.
	w.incoming = d.IsObject(0) && d.Member(0, "from") >= 0 && d.Member(0, "type") >= 0
	return w.value(make([]byte, 0, len(doc)+len(doc)/4), 0, "", ""), nil
}

type jsonWalk struct {
	r        *Redactor
	d        *jsonspan.Doc
	incoming bool
}

// value writes value i, masked by the key it sits under and the key of
// the object holding it.
func (w *jsonWalk) value(out []byte, i int32, key, parent string) []byte {
	d := w.d
	switch d.Kind(i) {
	case jsonspan.Object:
		out = append(out, '{')
		for m := d.First(i); m >= 0; m = d.Next(m) {
			if m != d.First(i) {
				out = append(out, ',')
			}
			k := d.Key(m)
			out = jsonstr.Append(out, k)
			out = append(out, ':')
			out = w.value(out, m, k, key)
		}
		return append(out, '}')
	case jsonspan.Array:
		out = append(out, '[')
		for e := d.First(i); e >= 0; e = d.Next(e) {
			if e != d.First(i) {
				out = append(out, ',')
			}
			// Array elements inherit the key: "mentions":["1631..."],
			// and objects in "threads" know they are threads.
			out = w.value(out, e, key, parent)
		}
		return append(out, ']')
	case jsonspan.String:
		t := d.Scalar(i)
		if jsonParams[key] && len(t) > 1 && (t[0] == '{' || t[0] == '[') {
			return jsonstr.Append(out, string(w.r.Payload([]byte(t))))
		}
		if key == "message" && parent == "" && w.incoming {
			return jsonstr.Append(out, w.r.Text(t))
		}
		return jsonstr.Append(out, w.r.field(parent, key, t))
	case jsonspan.Number:
		if key == "latitude" || key == "longitude" {
			return append(out, coordNumber(d.Scalar(i))...)
		}
	}
	// true, false, null and other numbers as written
	return append(out, d.Raw(i)...)
}

// looseJSON masks a document that is not valid JSON by reading it as
// tokens: a string after a key and ':' is masked by that key (and the key
// of the object around it), strings in an array by the array's key, and
// numbers under latitude or longitude are rounded. Everything else is
// kept byte for byte, then long digit runs are masked.
func (r *Redactor) looseJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	// as in JSON: a flat Kaleyra body for an incoming message
	incoming := bytes.Contains(b, []byte(`"from"`)) && bytes.Contains(b, []byte(`"type"`))
	// keys[i] is the key the i-th open container sits under.
	var keys []string
	// pending is the key just read, awaiting its ':'; lastKey the key
	// whose value comes next.
	pending, lastKey := "", ""
	afterColon := false
	cur := func() string {
		if len(keys) == 0 {
			return ""
		}
		return keys[len(keys)-1]
	}
	parent := func() string {
		if len(keys) < 2 {
			return ""
		}
		return keys[len(keys)-2]
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(b))
			s := unquote(b[i:end])
			k := end
			for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r') {
				k++
			}
			switch {
			case !afterColon && k < len(b) && b[k] == ':':
				pending = s
				out = append(out, b[i:end]...)
			default:
				key, par := lastKey, cur()
				if !afterColon {
					key, par = cur(), parent() // an array element
				}
				m := r.field(par, key, s)
				switch {
				case jsonParams[key] && len(s) > 1 && (s[0] == '{' || s[0] == '['):
					m = string(r.Payload([]byte(s)))
				case key == "message" && afterColon && len(keys) == 1 && incoming:
					m = r.Text(s)
				}
				if m == s {
					out = append(out, b[i:end]...)
				} else {
					out = jsonstr.Append(out, m)
				}
				afterColon = false
			}
			i = end
			continue
		case c == ':':
			lastKey, pending, afterColon = pending, "", true
		case c == '{' || c == '[':
			k := lastKey
			if !afterColon {
				k = cur() // a container in an array sits under the array's key
			}
			keys = append(keys, k)
			afterColon = false
		case c == '}' || c == ']':
			if len(keys) > 0 {
				keys = keys[:len(keys)-1]
			}
			afterColon = false
		case c == ',':
			afterColon = false
		case afterColon && (c == '-' || c >= '0' && c <= '9') && (lastKey == "latitude" || lastKey == "longitude"):
			j := i
			for j < len(b) && bytes.IndexByte([]byte("+-.eE0123456789"), b[j]) >= 0 {
				j++
			}
			out = append(out, coordNumber(string(b[i:j]))...)
			i, afterColon = j, false
			continue
		}
		out = append(out, c)
		i++
	}
	return r.digits(out)
}

// unquote reads a JSON string token (quotes included) leniently: an
// invalid escape or a missing closing quote keeps the text as it is.
func unquote(tok []byte) string {
	var s string
	if json.Unmarshal(tok, &s) == nil {
		return s
	}
	t := bytes.TrimPrefix(tok, []byte{'"'})
	return string(bytes.TrimSuffix(t, []byte{'"'}))
}

// xml masks the text of the elements of an XML body (a Kaleyra callback
// profile) by their names, as JSON members are masked by their keys;
// markup and every other byte are kept.
func (r *Redactor) xml(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	var open []string
	for i := 0; i < len(b); {
		if b[i] != '<' {
			j := i
			for j < len(b) && b[j] != '<' {
				j++
			}
			text := b[i:j]
			if n := len(open); n > 0 && len(bytes.TrimSpace(text)) > 0 && bytes.HasPrefix(b[j:], []byte("</"+open[n-1])) {
				parent := ""
				if n > 1 {
					parent = open[n-2]
				}
				v := html.UnescapeString(strings.TrimSpace(string(text)))
				if m := r.field(parent, open[n-1], v); m != v {
					text = []byte(html.EscapeString(m))
				} else if jsonParams[open[n-1]] && (v[0] == '{' || v[0] == '[') {
					text = []byte(html.EscapeString(string(r.Payload([]byte(v)))))
				}
			}
			out = append(out, text...)
			i = j
			continue
		}
		j := bytes.IndexByte(b[i:], '>')
		if j < 0 {
			out = append(out, b[i:]...)
			break
		}
		tag := b[i : i+j+1]
		switch {
		case bytes.HasPrefix(tag, []byte("</")):
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case bytes.HasPrefix(tag, []byte("<?")), bytes.HasPrefix(tag, []byte("<!")), bytes.HasSuffix(tag, []byte("/>")):
		default:
			name := tag[1:]
			if k := bytes.IndexAny(name, " \t\r\n/>"); k >= 0 {
				name = name[:k]
			}
			if k := bytes.IndexByte(name, ':'); k >= 0 {
				name = name[k+1:] // a namespace prefix
			}
			open = append(open, string(name))
		}
		out = append(out, tag...)
		i += j + 1
	}
	return r.digits(out)
}

// multipart masks the fields of a multipart form body by their names (a
// file part's file name too) and writes it again with the same boundary.
func (r *Redactor) multipart(body []byte, contentType string) ([]byte, error) {
	_, p, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), p["boundary"])
	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	if err := mw.SetBoundary(p["boundary"]); err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		h := textproto.MIMEHeader{}
		for k, vs := range part.Header {
			h[k] = vs
		}
		name := part.FormName()
		if fn := part.FileName(); fn != "" {
			h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": name, "filename": r.File(fn)}))
			v = r.digits(v)
		} else if s := strings.TrimSpace(string(v)); jsonParams[name] && s != "" && (s[0] == '{' || s[0] == '[') {
			v = r.Payload(v)
		} else {
			v = []byte(r.field("", name, string(v)))
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		w.Write(v)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
