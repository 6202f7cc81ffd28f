// Package redact masks personal data (phone numbers, names, message text) in
// events, JSON payloads and query strings. Masking is consistent: within one
// Redactor the same value always becomes the same token, so a conversation
// can still be followed ("phone:3fa91c sent 3 messages") without showing it.
package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// Redactor masks values with an HMAC keyed per Redactor, so tokens cannot be
// reversed by hashing every phone number.
type Redactor struct {
	key []byte
}

// New returns a Redactor keyed with key, or with a random key when key is
// empty (tokens then stay stable for the life of the process only).
func New(key []byte) *Redactor {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Redactor{key: key}
}

func (r *Redactor) token(kind, v string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return kind + ":" + hex.EncodeToString(m.Sum(nil)[:3])
}

// Phone masks a phone number (or WhatsApp id). Leading '+', spaces and
// punctuation do not change the token: "+1 (631) 555-1234" and
// "16315551234" mask alike.
func (r *Redactor) Phone(v string) string {
	if v == "" {
		return ""
	}
	digits := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			digits = append(digits, v[i])
		}
	}
	if len(digits) == 0 {
		digits = []byte(v)
	}
	return r.token("phone", string(digits))
}

// Name masks a person's name.
func (r *Redactor) Name(v string) string {
	if v == "" {
		return ""
	}
	return r.token("name", v)
}

// Text masks message text, keeping its length as a hint.
func (r *Redactor) Text(v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf("%s(%d chars)", r.token("text", v), len([]rune(v)))
}

// Keys whose string values are masked wherever they appear in a payload.
var (
	phoneKeys = set("from", "to", "wa_id", "recipient_id", "phone_number", "mobile", "wa_number",
		"wanumber", "new_wa_id", "display_phone_number", "phone", "user", "customer_number")
	nameKeys = set("name", "first_name", "last_name", "middle_name", "formatted_name", "prefix", "suffix")
	textKeys = set("body", "caption", "text", "address", "email", "street", "city", "zip",
		"birthday", "contact_image", "headline")
	// Query parameters whose value is itself JSON (Kaleyra v1).
	jsonParams = set("message", "contacts", "location")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func (r *Redactor) value(key, v string) string {
	switch {
	case phoneKeys[key]:
		return r.Phone(v)
	case nameKeys[key]:
		return r.Name(v)
	case textKeys[key]:
		return r.Text(v)
	}
	return v
}

// Event masks an event in place: from, to, name, text, captions, context
// sender, location names, Kaleyra phone fields, and its raw payload.
func (r *Redactor) Event(e *callback.Event) {
	e.From = r.Phone(e.From)
	e.To = r.Phone(e.To)
	e.Name = r.Name(e.Name)
	e.Text = r.Text(e.Text)
	if e.Media != nil {
		m := *e.Media
		m.Caption = r.Text(m.Caption)
		e.Media = &m
	}
	if e.Location != nil {
		l := *e.Location
		l.Name, l.Address = r.Text(l.Name), r.Text(l.Address)
		e.Location = &l
	}
	if e.Context != nil {
		c := *e.Context
		c.From = r.Phone(c.From)
		if len(c.Mentions) > 0 {
			ms := make([]string, len(c.Mentions))
			for i, m := range c.Mentions {
				ms[i] = r.Phone(m)
			}
			c.Mentions = ms
		}
		e.Context = &c
	}
	if len(e.Extra) > 0 {
		ex := make(map[string]string, len(e.Extra))
		for k, v := range e.Extra {
			ex[k] = r.value(k, v)
		}
		e.Extra = ex
	}
	if len(e.Referral) > 0 {
		e.Referral = r.Payload(e.Referral)
	}
	if len(e.Raw) > 0 {
		e.Raw = r.Payload(e.Raw)
	}
}

// Payload masks a JSON document; anything that is not JSON is masked as
// text by Body.
func (r *Redactor) Payload(doc []byte) []byte {
	out, err := r.JSON(doc)
	if err != nil {
		return r.digits(doc)
	}
	return out
}

// Body masks a request body of any kind: JSON, a form or query string, or
// (as a last resort) text in which every long run of digits is masked.
func (r *Redactor) Body(body []byte, contentType string) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return body
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		if out, err := r.JSON(body); err == nil {
			return out
		}
		return r.digits(body)
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") || bytes.IndexByte(trimmed, '=') > 0 {
		if q, ok := r.Query(string(body)); ok {
			return []byte(q)
		}
	}
	return r.digits(body)
}

// Query masks the parameters of a query string. It reports false when the
// string does not parse as one.
func (r *Redactor) Query(raw string) (string, bool) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return string(r.digits([]byte(raw))), false
	}
	for k, vs := range vals {
		for i, v := range vs {
			if jsonParams[k] && v != "" {
				if out, err := r.JSON([]byte(v)); err == nil {
					vs[i] = string(out)
					continue
				}
				vs[i] = string(r.digits([]byte(v)))
				continue
			}
			vs[i] = r.value(k, strings.TrimSpace(v))
		}
	}
	return vals.Encode(), true
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

// JSON masks string values under the sensitive keys of a JSON document,
// keeping key order, and returns it compact. Kaleyra's JSON-in-a-string
// values ("message") are masked inside too. Numbers are kept as written.
func (r *Redactor) JSON(doc []byte) ([]byte, error) {
	d, err := jsonspan.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	defer d.Release()
	return r.appendValue(make([]byte, 0, len(doc)+len(doc)/4), d, 0, ""), nil
}

// appendValue writes value i of d, masked by the key it sits under.
func (r *Redactor) appendValue(out []byte, d *jsonspan.Doc, i int32, key string) []byte {
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
			out = r.appendValue(out, d, m, k)
		}
		return append(out, '}')
	case jsonspan.Array:
		out = append(out, '[')
		for e := d.First(i); e >= 0; e = d.Next(e) {
			if e != d.First(i) {
				out = append(out, ',')
			}
			// Array elements inherit the key: "mentions":["1631..."].
			out = r.appendValue(out, d, e, key)
		}
		return append(out, ']')
	case jsonspan.String:
		t := d.Scalar(i)
		if jsonParams[key] && len(t) > 1 && (t[0] == '{' || t[0] == '[') {
			if inner, err := r.JSON([]byte(t)); err == nil {
				return jsonstr.Append(out, string(inner))
			}
		}
		if key == "mentions" {
			return jsonstr.Append(out, r.Phone(t))
		}
		return jsonstr.Append(out, r.value(key, t))
	default: // numbers, true, false, null as written
		return append(out, d.Raw(i)...)
	}
}
