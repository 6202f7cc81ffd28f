package mock

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// Kaleyra's error envelope: a code, a message and an object keyed by the
// parameter at fault ([C] for the keyed object; code and message for
// validation errors are inferred).
type kaleyraError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Error   map[string]string `json:"error"`
}

const msgInvalidInput = "Invalid Input, validation failed"

// v1Types are the message types of Kaleyra v1 and what each requires.
var v1Types = []string{"text", "template", "media", "location"}

// kaleyraV1 serves POST|GET /v1/{SID}/messages.
func (m *Mock) kaleyraV1(w http.ResponseWriter, r *http.Request) {
	m.stats.apiCalls.Add(1)
	rec := Record{Kind: KindAPICall, API: APIKaleyraV1, Method: r.Method, Path: r.URL.Path}
	refuse := func(status int, e kaleyraError) {
		m.stats.refused.Add(1)
		rec.Answer, rec.Code, rec.Message = status, e.Code, withFields(e.Message, e.Error)
		if e.Error == nil {
			e.Error = map[string]string{}
		}
		m.emitAPI(r, rec)
		writeJSON(w, status, e)
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		refuse(http.StatusMethodNotAllowed, kaleyraError{"E405", "Method not allowed", map[string]string{"method": r.Method + " is not accepted: use POST (or GET with the parameters in the query)"}})
		return
	}
	body, tooLarge, err := m.readBody(w, r)
	if tooLarge {
		refuse(http.StatusRequestEntityTooLarge, kaleyraError{"E413-BODY", "Request body too large", map[string]string{"body": fmt.Sprintf("larger than %d bytes", m.cfg.MaxBody)}})
		return
	}
	if err != nil {
		refuse(http.StatusBadRequest, kaleyraError{"E400", msgInvalidInput, map[string]string{"body": "cannot read the body: " + err.Error()}})
		return
	}
	p, perr := ParseKaleyraV1(r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery, body)
	if perr != nil {
		pe := perr.(*ParseError)
		refuse(http.StatusBadRequest, kaleyraError{"E400", msgInvalidInput, map[string]string{pe.Param: pe.Reason}})
		return
	}
	if e, ok := m.kaleyraAuth(r, r.PathValue("sid"), p.Get("api-key")); !ok {
		refuse(http.StatusUnauthorized, e)
		return
	}
	rec.Type, rec.To = p.Get("type"), p.Get("to")
	fields := validateV1(p)
	cb := p.Get("callback_url")
	var verdict urlcheck.Result
	if cb != "" {
		verdict = m.cfg.Checker.Check(cb)
		if verdict.Verdict == urlcheck.Invalid {
			msg := fmt.Sprintf("The Callback URL format is invalid. (rule %s: %s)", verdict.Rule, verdict.Reason)
			fields["callback_url"] = msg
			rec.Rule, rec.Reason = verdict.Rule, verdict.Reason
			if len(fields) == 1 {
				refuse(http.StatusBadRequest, kaleyraError{urlcheck.CodeE413, msg, fields})
				return
			}
		}
	}
	if len(fields) > 0 {
		refuse(http.StatusBadRequest, kaleyraError{"E400", msgInvalidInput, fields})
		return
	}
	recipients := splitRecipients(p.Get("to"))
	for _, d := range recipients {
		switch magicOf(d) {
		case MagicInvalid:
			refuse(http.StatusBadRequest, kaleyraError{"E400", msgInvalidInput, map[string]string{"to": "invalid number " + d}})
			return
		case MagicServerError:
			if m.firstTime(d) {
				refuse(http.StatusInternalServerError, kaleyraError{"E500", "Internal server error", map[string]string{"server": "temporary failure (magic number " + d + ": the retry succeeds)"}})
				return
			}
		}
	}
	business, _ := PhoneDigits(p.Get("from"))
	uuid := m.cfg.Renderer.FreshID(uuidShape)
	refs := map[string]string{}
	for _, k := range []string{"ref", "ref1", "ref2"} {
		if v, ok := p.Values[k]; ok {
			refs[k] = v
		}
	}
	info := RequestInfo{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Encoding: p.Encoding, Params: redactKey(p.Values)}
	var target *Target
	if cb != "" {
		target = m.judgeCallbackURL(verdict)
	} else if profile := p.Get("callback_profile_id"); profile != "" {
		// Kaleyra's current way: no callback_url, the statuses go to the
		// account's Callback Profile that the request names.
		target = m.configuredTarget(m.cfg.CallbackProfile, "Callback Profile URL (for callback_profile_id "+strconv.Quote(profile)+")")
	}
	type item struct {
		MessageID string `json:"message_id"`
		Recipient string `json:"recipient"`
	}
	data := make([]item, len(recipients))
	ids := make([]string, len(recipients))
	msgs := make([]*Message, len(recipients))
	for i, d := range recipients {
		id := uuid + ":" + strconv.Itoa(i)
		ids[i], data[i] = id, item{id, d}
		msg := &Message{ID: id, API: APIKaleyraV1, To: d, Business: business, Type: strings.ToLower(p.Get("type")),
			Refs: refs, Accepted: m.sched.Now(), Request: info, Callback: target, Magic: magicOf(d)}
		msgs[i] = msg
	}
	rec.Answer, rec.ID = http.StatusOK, ids[0]
	if len(ids) > 1 {
		rec.IDs = ids
	}
	// The answer is written before any callback can go out, so the app
	// knows the id before its first status arrives.
	writeJSON(w, http.StatusOK, map[string]any{"id": ids[0], "totalCount": len(ids), "data": data})
	m.emitAPI(r, rec)
	for _, msg := range msgs {
		m.accept(msg)
	}
}

// withFields appends a parameter-keyed error object to a message, in
// parameter order: "Invalid Input, validation failed: body: …; to: …".
func withFields(msg string, fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		msg += sep + k + ": " + fields[k]
	}
	return msg
}

// uuidShape is the id shape Kaleyra v1 answers with (<uuid>:<n>); fresh
// ids are made in it.
const uuidShape = "b992ae46-50d4-4972-8aa8-51661c07f397"

// kaleyraAuth checks the api-key (header or form field) and the SID.
func (m *Mock) kaleyraAuth(r *http.Request, sid, formKey string) (kaleyraError, bool) {
	bad := kaleyraError{"RBC001", "Incorrect SID or API key.", map[string]string{}}
	if m.cfg.SID != "" && sid != m.cfg.SID {
		bad.Error["sid"] = "unknown account " + strconv.Quote(sid)
		return bad, false
	}
	if m.cfg.APIKey == "" {
		return kaleyraError{}, true
	}
	key := r.Header.Get("api-key")
	if key == "" {
		key = formKey
	}
	if key == "" {
		bad.Error["api-key"] = "missing: send it as the api-key header"
		return bad, false
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(m.cfg.APIKey)) != 1 {
		bad.Error["api-key"] = "wrong key"
		return bad, false
	}
	return kaleyraError{}, true
}

// redactKey copies params without the api-key, which is never stored or
// shown.
func redactKey(v map[string]string) map[string]string {
	out := make(map[string]string, len(v))
	for k, s := range v {
		if strings.EqualFold(k, "api-key") {
			s = "(hidden)"
		}
		out[k] = s
	}
	return out
}

// splitRecipients splits a to that validated (comma-separated numbers)
// into digits.
func splitRecipients(to string) []string {
	var out []string
	for _, part := range strings.Split(to, ",") {
		if d, ok := PhoneDigits(part); ok {
			out = append(out, d)
		}
	}
	return out
}

// validateV1 checks the parameters every type requires; the result is
// keyed by parameter, as Kaleyra's error object is.
func validateV1(p *Params) map[string]string {
	errs := map[string]string{}
	switch ch := p.Get("channel"); {
	case ch == "":
		errs["channel"] = "is required (whatsapp)"
	case !strings.EqualFold(ch, "whatsapp"):
		errs["channel"] = fmt.Sprintf("unsupported channel %q: want whatsapp", ch)
	}
	if to := p.Get("to"); strings.TrimSpace(to) == "" {
		errs["to"] = "is required"
	} else {
		for _, part := range strings.Split(to, ",") {
			if _, ok := PhoneDigits(part); !ok {
				errs["to"] = fmt.Sprintf("invalid number %q", strings.TrimSpace(part))
				break
			}
		}
	}
	if from := p.Get("from"); from == "" {
		errs["from"] = "is required (the business number)"
	} else if _, ok := PhoneDigits(from); !ok {
		errs["from"] = fmt.Sprintf("invalid number %q", from)
	}
	switch typ := strings.ToLower(p.Get("type")); typ {
	case "":
		errs["type"] = "is required: " + strings.Join(v1Types, ", ")
	case "text":
		if p.Get("body") == "" {
			errs["body"] = "is required for a text message"
		}
	case "template":
		if p.Get("template_name") == "" {
			errs["template_name"] = "is required for a template message"
		}
	case "media":
		if p.Get("media_url") == "" && p.Media == nil {
			errs["media_url"] = "is required for a media message (or a media file part)"
		}
	case "location":
		switch loc := p.Location; {
		case loc == nil:
			errs["location"] = "is required for a location message: {\"latitude\":…,\"longitude\":…}"
		case loc.Latitude == nil || *loc.Latitude < -90 || *loc.Latitude > 90:
			errs["location"] = "latitude is required, from -90 to 90"
		case loc.Longitude == nil || *loc.Longitude < -180 || *loc.Longitude > 180:
			errs["location"] = "longitude is required, from -180 to 180"
		}
	default:
		errs["type"] = fmt.Sprintf("unsupported type %q: want %s", typ, strings.Join(v1Types, ", "))
	}
	return errs
}

// firstTime reports whether number is seen for the first time (a 4008
// number gets its 500 once).
func (m *Mock) firstTime(number string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failedOnce[number] {
		return false
	}
	if len(m.failedOnce) >= m.cfg.Keep {
		for n := range m.failedOnce { // bounded: forget any one
			delete(m.failedOnce, n)
			break
		}
	}
	m.failedOnce[number] = true
	return true
}
