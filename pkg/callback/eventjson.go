package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/jsoncompact"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// AppendJSON appends ev encoded as one compact JSON object, byte for byte
// what an encoding/json Encoder with SetEscapeHTML(false) writes (without
// its newline): field order, omitempty, sorted extra keys, numbers, and
// raw/referral compacted but otherwise kept as received (no \u003c for <).
// It is written out by hand because it runs once per event on the
// listener's hot path, several times faster than reflection.
//
// An error (a raw or referral that is not JSON, a coordinate that is NaN
// or infinite) leaves b as it was.
func AppendJSON(b []byte, ev *Event) ([]byte, error) {
	if !eventFieldsKnown {
		// Event gained a field this encoder does not write yet: stay exact.
		return appendEncodingJSON(b, ev)
	}
	start := len(b)
	var err error
	b = append(b, `{"schema":`...)
	b = jsonstr.Append(b, ev.Schema)
	b = append(b, `,"source":`...)
	b = jsonstr.Append(b, ev.Source)
	b = append(b, `,"kind":`...)
	b = jsonstr.Append(b, ev.Kind)
	b = jsonstr.AppendField(b, "type", ev.Type)
	b = jsonstr.AppendField(b, "status", ev.Status)
	b = jsonstr.AppendField(b, "id", ev.ID)
	b = jsonstr.AppendField(b, "from", ev.From)
	b = jsonstr.AppendField(b, "to", ev.To)
	b = jsonstr.AppendField(b, "from_user_id", ev.FromUserID)
	b = jsonstr.AppendField(b, "from_parent_user_id", ev.FromParentUserID)
	b = jsonstr.AppendField(b, "to_user_id", ev.ToUserID)
	b = jsonstr.AppendField(b, "to_parent_user_id", ev.ToParentUserID)
	b = jsonstr.AppendField(b, "name", ev.Name)
	b = jsonstr.AppendField(b, "business_number", ev.BusinessNumber)
	b = jsonstr.AppendField(b, "timestamp", ev.Timestamp)
	b = jsonstr.AppendField(b, "text", ev.Text)
	if m := ev.Media; m != nil {
		b = append(b, `,"media":`...)
		o := len(b)
		b = jsonstr.AppendField(b, "id", m.ID)
		b = jsonstr.AppendField(b, "url", m.URL)
		b = jsonstr.AppendField(b, "mime_type", m.MimeType)
		b = jsonstr.AppendField(b, "sha256", m.SHA256)
		b = jsonstr.AppendField(b, "caption", m.Caption)
		b = jsonstr.AppendField(b, "filename", m.Filename)
		b = appendTrue(b, "voice", m.Voice)
		b = appendTrue(b, "animated", m.Animated)
		b = closeObject(b, o)
	}
	if l := ev.Location; l != nil {
		b = append(b, `,"location":`...)
		o := len(b)
		if b, err = appendFloatField(b, "latitude", l.Latitude); err != nil {
			return b[:start], err
		}
		if b, err = appendFloatField(b, "longitude", l.Longitude); err != nil {
			return b[:start], err
		}
		b = jsonstr.AppendField(b, "name", l.Name)
		b = jsonstr.AppendField(b, "address", l.Address)
		b = jsonstr.AppendField(b, "url", l.URL)
		b = closeObject(b, o)
	}
	if r := ev.Reply; r != nil {
		b = append(b, `,"reply":{"kind":`...)
		b = jsonstr.Append(b, r.Kind)
		b = jsonstr.AppendField(b, "id", r.ID)
		b = jsonstr.AppendField(b, "title", r.Title)
		b = jsonstr.AppendField(b, "description", r.Description)
		b = jsonstr.AppendField(b, "payload", r.Payload)
		b = append(b, '}')
	}
	if c := ev.Context; c != nil {
		b = append(b, `,"context":`...)
		o := len(b)
		b = jsonstr.AppendField(b, "id", c.ID)
		b = jsonstr.AppendField(b, "from", c.From)
		b = appendTrue(b, "forwarded", c.Forwarded)
		b = appendTrue(b, "frequently_forwarded", c.FrequentlyForwarded)
		b = appendStrings(b, "mentions", c.Mentions)
		b = closeObject(b, o)
	}
	if e := ev.Error; e != nil {
		b = append(b, `,"error":`...)
		b = appendError(b, e)
	}
	if len(ev.Errors) > 0 {
		b = append(b, `,"errors":[`...)
		for i := range ev.Errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendError(b, &ev.Errors[i])
		}
		b = append(b, ']')
	}
	if r := ev.Reaction; r != nil {
		b = append(b, `,"reaction":{`...)
		if r.MessageID != "" {
			b = append(b, `"message_id":`...)
			b = jsonstr.Append(b, r.MessageID)
			b = append(b, ',')
		}
		b = append(b, `"emoji":`...)
		b = jsonstr.Append(b, r.Emoji)
		b = append(b, '}')
	}
	if len(ev.Contacts) > 0 {
		b = append(b, `,"contacts":[`...)
		for i := range ev.Contacts {
			if i > 0 {
				b = append(b, ',')
			}
			o := len(b)
			b = jsonstr.AppendField(b, "name", ev.Contacts[i].Name)
			b = appendStrings(b, "phones", ev.Contacts[i].Phones)
			b = closeObject(b, o)
		}
		b = append(b, ']')
	}
	if b, err = appendRaw(b, "referral", ev.Referral); err != nil {
		return b[:start], err
	}
	if p := ev.Pricing; p != nil {
		b = append(b, `,"pricing":`...)
		o := len(b)
		if p.Billable != nil {
			b = append(b, `,"billable":`...)
			b = strconv.AppendBool(b, *p.Billable)
		}
		b = jsonstr.AppendField(b, "pricing_model", p.Model)
		b = jsonstr.AppendField(b, "category", p.Category)
		b = jsonstr.AppendField(b, "conversation_id", p.Conversation)
		b = jsonstr.AppendField(b, "origin", p.Origin)
		b = jsonstr.AppendField(b, "price", p.Price)
		b = closeObject(b, o)
	}
	if len(ev.Extra) > 0 {
		b = appendExtra(b, ev.Extra)
	}
	if v := ev.Verification; v != nil {
		b = append(b, `,"verification":`...)
		o := len(b)
		b = jsonstr.AppendField(b, "mode", v.Mode)
		b = jsonstr.AppendField(b, "challenge", v.Challenge)
		b = append(b, `,"token_present":`...)
		b = strconv.AppendBool(b, v.TokenPresent)
		b = closeObject(b, o)
	}
	b = jsonstr.AppendField(b, "decode_error", ev.DecodeError)
	if b, err = appendRaw(b, "raw", ev.Raw); err != nil {
		return b[:start], err
	}
	b = jsonstr.AppendField(b, "request_id", ev.RequestID)
	b = jsonstr.AppendField(b, "received_at", ev.ReceivedAt)
	b = jsonstr.AppendField(b, "method", ev.Method)
	b = jsonstr.AppendField(b, "path", ev.Path)
	b = jsonstr.AppendField(b, "signature", ev.Signature)
	if n := ev.Lifecycle; n != nil {
		b = append(b, `,"lifecycle":{"seq":`...)
		b = strconv.AppendInt(b, int64(n.Seq), 10)
		b = jsonstr.AppendField(b, "previous", n.Previous)
		if n.SincePreviousMS != nil {
			b = append(b, `,"since_previous_ms":`...)
			b = strconv.AppendInt(b, *n.SincePreviousMS, 10)
		}
		b = appendStrings(b, "flags", n.Flags)
		b = appendStrings(b, "missing", n.Missing)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendTrue(b []byte, name string, v bool) []byte {
	if !v {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	return append(b, `":true`...)
}

func appendStrings(b []byte, name string, ss []string) []byte {
	if len(ss) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, s)
	}
	return append(b, ']')
}

// closeObject ends an object whose members, each written with a leading
// comma, start at o: the first comma becomes the opening brace (no member:
// the brace is added), so nothing is moved.
func closeObject(b []byte, o int) []byte {
	if len(b) > o {
		b[o] = '{'
	} else {
		b = append(b, '{')
	}
	return append(b, '}')
}

func appendError(b []byte, e *Error) []byte {
	o := len(b)
	b = jsonstr.AppendField(b, "code", e.Code)
	b = jsonstr.AppendField(b, "title", e.Title)
	b = jsonstr.AppendField(b, "detail", e.Detail)
	return closeObject(b, o)
}

// appendExtra writes the map with its keys sorted, as encoding/json does.
// The pairs are taken in one pass over the map and sorted by key, so no
// value is looked up again.
func appendExtra(b []byte, m map[string]string) []byte {
	var small [8]kv
	pairs := small[:0]
	for k, v := range m {
		pairs = append(pairs, kv{k, v})
	}
	slices.SortFunc(pairs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	b = append(b, `,"extra":{`...)
	for i, p := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, p.k)
		b = append(b, ':')
		b = jsonstr.Append(b, p.v)
	}
	return append(b, '}')
}

var errBadFloat = errors.New("json: unsupported value: NaN or infinite coordinate")

// appendFloatField writes a number the way encoding/json does.
func appendFloatField(b []byte, name string, f *float64) ([]byte, error) {
	if f == nil {
		return b, nil
	}
	v := *f
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b, errBadFloat
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonstr.AppendFloat(b, v), nil
}

// appendRaw appends a raw JSON member, compacted and checked as
// encoding/json does, bytes inside strings untouched.
func appendRaw(b []byte, name string, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return b, nil
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	out, err := jsoncompact.Append(b, raw)
	if err != nil {
		return b, &json.MarshalerError{Type: reflect.TypeFor[json.RawMessage](), Err: err}
	}
	return out, nil
}

func appendEncodingJSON(b []byte, ev *Event) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return b, err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // without Encode's newline
}

// eventFields lists, per type, the JSON names AppendJSON writes, in order.
var eventFields = map[reflect.Type][]string{
	reflect.TypeFor[Event](): {"schema", "source", "kind", "type", "status", "id", "from", "to",
		"from_user_id", "from_parent_user_id", "to_user_id", "to_parent_user_id", "name", "business_number", "timestamp",
		"text", "media", "location", "reply", "context", "error", "errors", "reaction", "contacts", "referral", "pricing", "extra",
		"verification", "decode_error", "raw", "request_id", "received_at", "method", "path", "signature", "lifecycle"},
	reflect.TypeFor[Media]():          {"id", "url", "mime_type", "sha256", "caption", "filename", "voice", "animated"},
	reflect.TypeFor[Location]():       {"latitude", "longitude", "name", "address", "url"},
	reflect.TypeFor[Reply]():          {"kind", "id", "title", "description", "payload"},
	reflect.TypeFor[Context]():        {"id", "from", "forwarded", "frequently_forwarded", "mentions"},
	reflect.TypeFor[Error]():          {"code", "title", "detail"},
	reflect.TypeFor[SharedContact]():  {"name", "phones"},
	reflect.TypeFor[Reaction]():       {"message_id", "emoji"},
	reflect.TypeFor[Pricing]():        {"billable", "pricing_model", "category", "conversation_id", "origin", "price"},
	reflect.TypeFor[Verification]():   {"mode", "challenge", "token_present"},
	reflect.TypeFor[lifecycle.Note](): {"seq", "previous", "since_previous_ms", "flags", "missing"},
}

// eventFieldsKnown: the event types hold exactly the fields AppendJSON
// writes. When a field is added without teaching AppendJSON, it falls back
// to encoding/json (and TestAppendJSONKnowsEveryField fails).
var eventFieldsKnown = func() bool {
	for t, want := range eventFields {
		if !slices.Equal(jsonNames(t), want) {
			return false
		}
	}
	return true
}()

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}
