package callback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
)

// Request is one raw callback request as the listener received it.
type Request struct {
	Method   string
	Path     string
	RawQuery string // without the leading '?'
	Header   http.Header
	Body     []byte
}

// Decode turns one request into its events, in document order. It never
// fails and never panics: it always returns at least one event, and what
// cannot be read is said in the event's DecodeError.
//
// Classification follows the wire formats: a query with hub.mode is Meta's
// verification handshake; Kaleyra v1 parameters (query string, form body or
// callback-profile flat JSON) give status, message, quality and
// template-status events; JSON bodies with object+entry are Meta Cloud,
// with meta_object Kaleyra v2, with contacts/messages/statuses/errors Meta
// On-Premises. A top-level JSON array of objects is a list of such
// callbacks: each gives its events, in order. Anything else is one event of
// source and kind "unknown" whose raw holds the body (or the array element)
// and whose DecodeError says what it is.
//
// Decode is safe for concurrent use. An event's Raw may share memory with
// r.Body: do not modify the body while the events are in use.
//
// Kaleyra callback profiles may also POST form, multipart or XML bodies;
// their fields are read like query parameters.
//
// DecodeError messages are stable and start with what was wrong; several
// are joined with "; ":
//
//	empty request: no query string and no body
//	invalid JSON at byte N: <why>; repaired: <what was changed>
//	invalid JSON at byte N: <why>; could not be repaired
//	body is not valid UTF-8 (first invalid byte at offset N); invalid bytes replaced with U+FFFD
//	query: invalid percent escape at byte N kept as text
//	form body: invalid percent escape at byte N kept as text
//	message parameter: invalid JSON at byte N: ... (also contacts, location)
//	content type application/json but the body is form data (also text/plain, ...)
//	XML body: <parser error>   multipart body: <parser error>
//	unrecognised body (content type T): neither JSON nor form data
//	JSON, but a string: not a callback object (also a number, a boolean, null)
//	JSON, but an empty array: no callback objects
//	JSON array, but element N is a number: not a list of callback objects (also a string, ...)
//	timestamp N is out of range        location latitude N is out of range
//	timestamp is empty    timestamp "X" is not a Unix time    timestamp -N is negative: not a Unix time
func Decode(r Request) (events []Event) {
	defer func() {
		if p := recover(); p != nil {
			events = []Event{{
				Schema: Schema, Source: SourceUnknown, Kind: KindUnknown,
				DecodeError: fmt.Sprintf("internal decoder error: %v", p),
				Raw:         stringJSON(r.Body),
			}}
		}
	}()
	return decode(r)
}

func decode(r Request) []Event {
	var notes []string
	// A UTF-8 byte order mark is ignored (RFC 8259 allows that).
	body := bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(body)
	var evs []Event
	switch {
	case len(trimmed) == 0:
		if strings.TrimSpace(r.RawQuery) == "" {
			evs = []Event{unknownEvent(nil)}
			notes = append(notes, "empty request: no query string and no body")
			break
		}
		evs = decodeQuery(r.RawQuery, &notes)
	case trimmed[0] == '{' || trimmed[0] == '[' || isJSONScalar(trimmed):
		evs = decodeJSON(body, &notes)
	case isJSONType(r.Header) && looksLikeForm(trimmed):
		notes = append(notes, "content type "+contentType(r.Header)+" but the body is form data")
		evs = decodeForm(string(body), r.RawQuery, &notes)
	case isJSONType(r.Header):
		evs = decodeJSON(body, &notes)
	case isFormType(r.Header) || (contentType(r.Header) == "" && looksLikeForm(trimmed)):
		evs = decodeForm(string(body), r.RawQuery, &notes)
	case contentType(r.Header) == "multipart/form-data":
		evs = decodeParamsBody("multipart body", body, r.RawQuery, &notes, func() (params, error) {
			return multipartParams(r.Header, body)
		})
	case trimmed[0] == '<' || strings.HasSuffix(contentType(r.Header), "xml"):
		evs = decodeParamsBody("XML body", body, r.RawQuery, &notes, func() (params, error) {
			return xmlParams(body)
		})
	case looksLikeForm(trimmed):
		// A callback profile's "Text" or "HTML" body holding a template
		// like id=<id>&status=<status>, sent as text/plain or text/html.
		notes = append(notes, "content type "+contentType(r.Header)+" but the body is form data")
		evs = decodeForm(string(body), r.RawQuery, &notes)
	default:
		ct := contentType(r.Header)
		if ct == "" {
			ct = "none"
		}
		notes = append(notes, "unrecognised body (content type "+ct+"): neither JSON nor form data")
		evs = []Event{unknownEvent(stringJSON(body))}
	}
	if len(evs) == 0 {
		evs = []Event{unknownEvent(stringJSON(body))}
	}
	if len(evs) == 1 && evs[0].Source == SourceUnknown && len(trimmed) > 0 && r.RawQuery != "" {
		// An unrelated body (a JSON ping, say): the callback may be in the
		// URL query, as Kaleyra's GET-style profiles put it.
		ps, _ := parseQuery(r.RawQuery)
		var qnotes []string
		if qe, ok := classifyParams(ps, nil, &qnotes); ok {
			evs, notes = qe, qnotes
		}
	}
	if len(notes) > 0 {
		NoteFirst(evs, strings.Join(notes, "; "))
	}
	return evs
}

// NoteFirst puts note first in every event's decode_error: what is wrong
// with the request as a whole (a body that did not decompress, a query
// parameter that did not parse) before what is wrong with each event.
func NoteFirst(events []Event, note string) {
	for i := range events {
		if events[i].DecodeError == "" {
			events[i].DecodeError = note
		} else {
			events[i].DecodeError = note + "; " + events[i].DecodeError
		}
	}
}

// isJSONScalar reports a body that is one JSON string, number, boolean or
// null: JSON, whatever its content type says, though no callback.
func isJSONScalar(b []byte) bool {
	switch c := b[0]; {
	case c == '"' || c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
		return json.Valid(b)
	}
	return false
}

func unknownEvent(raw []byte) Event {
	return Event{Schema: Schema, Source: SourceUnknown, Kind: KindUnknown, Raw: raw}
}

func contentType(h http.Header) string {
	if h == nil {
		return ""
	}
	v := h.Get("Content-Type")
	if v == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(v); err == nil {
		return mt
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

func isJSONType(h http.Header) bool {
	ct := contentType(h)
	return ct == "application/json" || strings.HasSuffix(ct, "+json") || strings.HasSuffix(ct, "/json")
}

func isFormType(h http.Header) bool {
	return contentType(h) == "application/x-www-form-urlencoded"
}

// looksLikeForm reports a body of name=value pairs with no whitespace.
func looksLikeForm(b []byte) bool {
	if bytes.IndexByte(b, '=') <= 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// decodeQuery decodes a GET query string.
func decodeQuery(raw string, notes *[]string) []Event {
	ps, bad := parseQuery(raw)
	if bad >= 0 {
		*notes = append(*notes, offsetNote("query: invalid percent escape", bad)+" kept as text")
	}
	if evs, ok := classifyParams(ps, nil, notes); ok {
		return evs
	}
	ev := unknownEvent(paramsJSON(ps, IsVerifyToken))
	return []Event{ev}
}

// decodeForm decodes a form-urlencoded body, falling back to the URL query
// when the body holds no known callback.
func decodeForm(body, rawQuery string, notes *[]string) []Event {
	ps, bad := parseQuery(body)
	var local []string
	if bad >= 0 {
		local = append(local, offsetNote("form body: invalid percent escape", bad)+" kept as text")
	}
	if evs, ok := classifyParams(ps, nil, &local); ok {
		*notes = append(*notes, local...)
		return evs
	}
	if evs, ok := queryCallback(rawQuery, notes); ok {
		return evs
	}
	*notes = append(*notes, local...)
	return []Event{unknownEvent(paramsJSON(ps, IsVerifyToken))}
}

// queryCallback decodes the URL query as the callback, for bodies that
// hold none; it reports false when the query holds no known callback either.
func queryCallback(rawQuery string, notes *[]string) ([]Event, bool) {
	if rawQuery == "" {
		return nil, false
	}
	qps, _ := parseQuery(rawQuery)
	var qnotes []string
	evs, ok := classifyParams(qps, nil, &qnotes)
	if ok {
		*notes = append(*notes, qnotes...)
	}
	return evs, ok
}

// decodeParamsBody decodes a body read as flat parameters (multipart or
// XML); raw keeps the body as text. When the body holds no known callback
// the URL query is tried.
func decodeParamsBody(what string, body []byte, rawQuery string, notes *[]string, read func() (params, error)) []Event {
	ps, err := read()
	var local []string
	if err != nil {
		local = append(local, what+": "+err.Error())
	}
	if len(ps) > 0 {
		if evs, ok := classifyParams(ps, stringJSON(body), &local); ok {
			*notes = append(*notes, local...)
			return evs
		}
	}
	if evs, ok := queryCallback(rawQuery, notes); ok {
		return evs
	}
	*notes = append(*notes, local...)
	if len(ps) == 0 && err == nil {
		*notes = append(*notes, what+": no fields")
	}
	return []Event{unknownEvent(stringJSON(body))}
}

// parseLenient parses JSON strictly, then through the repair. note is empty
// for valid JSON; d is nil when nothing could be read.
func parseLenient(body []byte) (d *jsonspan.Doc, note string) {
	// Parsed first: Parse knows, at no cost, a document whose strings are
	// ASCII (nearly every callback), which needs no pass of utf8.Valid.
	d, err := jsonspan.Parse(body)
	if err == nil && d.ValidUTF8() {
		return d, ""
	}
	var pre string
	if !utf8.Valid(body) {
		if d != nil {
			d.Release()
		}
		off := firstInvalidUTF8(body)
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		pre = "body is not valid UTF-8 (first invalid byte at offset " + strconv.Itoa(off) + "); invalid bytes replaced with U+FFFD"
		if d, err = jsonspan.Parse(body); err == nil {
			return d, pre
		}
	}
	join := func(s string) string {
		if pre == "" {
			return s
		}
		return pre + "; " + s
	}
	fixed, what, ok := repairJSON(body)
	if ok {
		if d2, err2 := jsonspan.Parse(fixed); err2 == nil {
			if what == "" {
				what = "rewritten"
			}
			return d2, join(err.Error() + "; repaired: " + what)
		}
	}
	return nil, join(err.Error() + "; could not be repaired")
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// decodeJSON decodes a JSON body of any family. A top-level array of
// objects is a list of callbacks, as logs and hand-made test files hold
// them: each is decoded in turn, its events in order. Any other array, and
// a body that is a JSON string, number, boolean or null, is one unknown
// event that says what it is.
func decodeJSON(body []byte, notes *[]string) []Event {
	d, note := parseLenient(body)
	if note != "" {
		*notes = append(*notes, note)
	}
	if d == nil {
		return []Event{unknownEvent(stringJSON(body))}
	}
	defer d.Release()
	const root = 0
	switch {
	case d.IsObject(root):
		return decodeObject(d, root, notes)
	case !d.IsArray(root):
		*notes = append(*notes, "JSON, but "+jsonKindName(d, root)+": not a callback object")
		return []Event{unknownEvent(d.Raw(root))}
	case d.First(root) < 0:
		*notes = append(*notes, "JSON, but an empty array: no callback objects")
		return []Event{unknownEvent(d.Raw(root))}
	}
	n := 0
	for e := d.First(root); e >= 0; e = d.Next(e) {
		n++
		if !d.IsObject(e) {
			*notes = append(*notes, "JSON array, but element "+strconv.Itoa(n)+" is "+jsonKindName(d, e)+": not a list of callback objects")
			return []Event{unknownEvent(d.Raw(root))}
		}
	}
	var evs []Event
	for e := d.First(root); e >= 0; e = d.Next(e) {
		// What is wrong with one element is said on its events only.
		var local []string
		got := decodeObject(d, e, &local)
		if len(local) > 0 {
			msg := strings.Join(local, "; ")
			for i := range got {
				addNote(&got[i], msg)
			}
		}
		evs = append(evs, got...)
	}
	return evs
}

// jsonKindName names the kind of a JSON value that is not an object, with
// its article.
func jsonKindName(d *jsonspan.Doc, i int32) string {
	switch d.Kind(i) {
	case jsonspan.String:
		return "a string"
	case jsonspan.Number:
		return "a number"
	case jsonspan.True, jsonspan.False:
		return "a boolean"
	case jsonspan.Array:
		return "an array"
	case jsonspan.Object:
		return "an object"
	}
	return "null"
}

// decodeObject decodes one JSON callback object of any family.
func decodeObject(d *jsonspan.Doc, root int32, notes *[]string) []Event {
	k := rootMembers(d, root)
	if obj := d.Scalar(k.object); obj != "" && obj != "whatsapp_business_account" && k.entry >= 0 {
		// Graph sends Messenger (page), Instagram and other products'
		// webhooks in the same envelope: none of them is WhatsApp.
		ev := unknownEvent(d.Raw(root))
		ev.DecodeError = "a Meta webhook for object " + strconv.Quote(obj) + ", not whatsapp_business_account: not a WhatsApp notification"
		return []Event{ev}
	}
	m := &mdec{d: d, contacts: -1}
	switch {
	case k.object >= 0 && k.entry >= 0, isCloudEntries(d, k.entry):
		// Hand-made test payloads often leave "object" out; an entry
		// array of {changes: [...]} is Cloud all the same.
		m.source = SourceCloud
		m.cloud(root, k.entry)
	case k.metaObject < 0 && d.IsObject(k.value) && k.field >= 0:
		// A single Cloud change {field, value} forwarded on its own.
		m.source = SourceCloud
		m.change(root, -1)
	case k.metaObject >= 0:
		m.source = SourceKaleyraV2
		m.kaleyraV2(root)
	case k.messagingProduct >= 0 && (d.IsArray(k.messages) || d.IsArray(k.statuses) || d.IsArray(k.errors)):
		// A Cloud change value forwarded on its own.
		m.source = SourceCloud
		m.messagesValue(root, -1)
	case d.IsArray(k.messages) || d.IsArray(k.statuses) || d.IsArray(k.errors) || onlyOnPremKeys(d, root):
		m.source = SourceOnPrem
		m.onprem(root)
	default:
		if ps, ok := flatParams(d, root); ok {
			// classifyParams renders raw itself for the handshake, so
			// the verify token is masked there too.
			if evs, ok := classifyParams(ps, d.Raw(root), notes); ok {
				return evs
			}
		}
		return []Event{unknownEvent(d.Raw(root))}
	}
	return m.events
}

// rootKeys are the members of a callback object that tell its family, -1
// for those missing.
type rootKeys struct {
	object, entry, metaObject, value, field, messagingProduct, messages, statuses, errors int32
}

// rootMembers finds them in one pass over the object instead of one per
// key; with a duplicated key the last wins, as with Doc.Member.
func rootMembers(d *jsonspan.Doc, root int32) rootKeys {
	k := rootKeys{-1, -1, -1, -1, -1, -1, -1, -1, -1}
	for f := d.First(root); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "object":
			k.object = f
		case "entry":
			k.entry = f
		case "meta_object":
			k.metaObject = f
		case "value":
			k.value = f
		case "field":
			k.field = f
		case "messaging_product":
			k.messagingProduct = f
		case "messages":
			k.messages = f
		case "statuses":
			k.statuses = f
		case "errors":
			k.errors = f
		}
	}
	return k
}

// isCloudEntries reports whether entry is an array whose first element is
// an object holding a changes array.
func isCloudEntries(d *jsonspan.Doc, entry int32) bool {
	if !d.IsArray(entry) {
		return false
	}
	e := d.First(entry)
	return e >= 0 && d.IsObject(e) && d.IsArray(d.Member(e, "changes"))
}

func onlyOnPremKeys(d *jsonspan.Doc, root int32) bool {
	n := 0
	for f := d.First(root); f >= 0; f = d.Next(f) {
		n++
		if !d.KeyIs(f, "contacts") && !d.KeyIs(f, "messages") && !d.KeyIs(f, "statuses") && !d.KeyIs(f, "errors") {
			return false
		}
	}
	return n > 0
}

// flatParams reads a callback-profile JSON object as parameters: strings
// as themselves, numbers and booleans as written, objects and arrays as
// their JSON text.
func flatParams(d *jsonspan.Doc, root int32) (params, bool) {
	var ps params
	for f := d.First(root); f >= 0; f = d.Next(f) {
		ps = append(ps, param{key: d.Key(f), value: d.Text(f)})
	}
	return ps, len(ps) > 0
}

// paramTime sets ev.Timestamp from the first of keys the parameters
// hold, a Unix time (see unixTime); one that cannot be read (an empty value
// included) leaves it empty, stays in raw and is said in DecodeError.
// Quotes a callback profile put around the value are dropped.
func paramTime(ev *Event, ps params, keys ...string) {
	present := false
	for _, k := range keys {
		if v := unquote(ps.get(k)); v != "" {
			setPresentTime(ev, v)
			return
		}
		present = present || ps.has(k)
	}
	if present {
		setPresentTime(ev, "")
	}
}

// setPresentTime sets ev.Timestamp from a Unix time given as text (see
// unixTime); a value that cannot be read leaves it empty and is said in the
// event's DecodeError.
func setPresentTime(ev *Event, s string) {
	ts, problem := unixTime(s)
	ev.Timestamp = ts
	if problem != "" {
		addNote(ev, problem)
	}
}

// addNote appends a problem to the event's DecodeError.
func addNote(ev *Event, msg string) {
	if ev.DecodeError == "" {
		ev.DecodeError = msg
	} else {
		ev.DecodeError += "; " + msg
	}
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:37] + "..."
}

// Bounds of the magnitudes unixTime reads: a count below 1e11 is seconds
// (up to the year 5138), below 1e14 milliseconds (1973 to 5138: current
// times have 13 digits), below 1e17 microseconds. Nothing larger is a
// date a callback carries.
const (
	msFrom = 1e11
	usFrom = 1e14
	usTo   = 1e17
)

// unixTime formats a Unix time in seconds, milliseconds or microseconds
// (told apart by magnitude, see msFrom) as RFC 3339 UTC, to the second; a
// fraction is dropped. JSON's exponent form (1.6e9) is read too. When s is
// not such a time, ts is "" and problem says why: empty, not a number,
// negative or out of range.
func unixTime(s string) (ts, problem string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", "timestamp is empty"
	}
	n, ok := digitsTime(t)
	if !ok {
		if !isJSONNumber(t) {
			return "", "timestamp " + strconv.Quote(clip(t)) + " is not a Unix time"
		}
		f, err := strconv.ParseFloat(t, 64) // a JSON number fails only by range
		switch {
		case t[0] == '-' && f != 0:
			return "", "timestamp " + clip(t) + " is negative: not a Unix time"
		case err != nil || f >= usTo:
			return "", "timestamp " + clip(t) + " is out of range"
		}
		n = int64(f)
	}
	if n >= usTo {
		return "", "timestamp " + clip(t) + " is out of range"
	}
	secs := n // n >= 0: the fraction of a second is dropped
	switch {
	case n < msFrom:
	case n < usFrom:
		secs = n / 1e3
	default:
		secs = n / 1e6
	}
	var buf [20]byte
	return string(appendUTC(buf[:0], secs)), ""
}

// appendUTC appends a Unix time in seconds as RFC 3339 UTC, what
// time.Unix(secs, 0).UTC().AppendFormat(b, time.RFC3339) writes, for the
// times unixTime reads (from 1970 to 5138: four-digit years), several
// times faster than the general formatter. The date is the proleptic
// Gregorian one of the day count (the civil-from-days calculation of
// H. Hinnant's "chrono-compatible low-level date algorithms").
func appendUTC(b []byte, secs int64) []byte {
	days, rest := secs/86400, secs%86400
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	doe := z - era*146097                                  // day of the 400-year era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1
	mp := (5*doy + 2) / 153                                // month from March
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	year := yoe + era*400
	if month > 12 {
		month -= 12
		year++
	}
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	h, m, s := rest/3600, rest/60%60, rest%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10), 'Z')
}

// digitsTime reads digits with an optional fraction (1580972783.25) as
// their whole part; ok is false for anything else, and n is usTo for more
// digits than any time has.
func digitsTime(t string) (n int64, ok bool) {
	whole := t
	if i := strings.IndexByte(t, '.'); i > 0 {
		whole = t[:i]
		if i == len(t)-1 {
			return 0, false
		}
		for j := i + 1; j < len(t); j++ {
			if t[j] < '0' || t[j] > '9' {
				return 0, false
			}
		}
	}
	for i := 0; i < len(whole); i++ {
		if whole[i] < '0' || whole[i] > '9' {
			return 0, false
		}
	}
	if len(whole) > 17 {
		return usTo, true
	}
	for i := 0; i < len(whole); i++ {
		n = n*10 + int64(whole[i]-'0')
	}
	return n, true
}

// isJSONNumber reports a number as JSON writes it (no sign but '-', no
// hex, no "Inf" or "NaN", digits on both sides of a point).
func isJSONNumber(t string) bool {
	return json.Valid([]byte(t)) && (t[0] == '-' || t[0] >= '0' && t[0] <= '9')
}
