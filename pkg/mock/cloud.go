package mock

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

// metaError is Meta's error envelope ([C] Meta's error-codes reference).
type metaError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
	// ErrorSubcode is Graph's error_subcode (33: no such object).
	ErrorSubcode int            `json:"error_subcode,omitempty"`
	ErrorData    *metaErrorData `json:"error_data,omitempty"`
	FBTraceID    string         `json:"fbtrace_id"`
}

type metaErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// apiError is a refusal, whichever API's shape it is answered in.
type apiError struct {
	status int
	code   int // Meta's code
	field  string
	reason string
	// title, typ and subcode, when set, replace the code's usual title,
	// OAuthException and no error_subcode in Meta's shape.
	title   string
	typ     string
	subcode int
}

var graphVersion = regexp.MustCompile(`^v[0-9]{1,3}(\.[0-9]{1,3})?$`)

// cloudTypes are the message types the Cloud API sends.
var cloudTypes = map[string]bool{"text": true, "template": true, "image": true, "audio": true, "video": true, "document": true,
	"sticker": true, "location": true, "contacts": true, "interactive": true, "reaction": true}

var mediaTypes = map[string]bool{"image": true, "audio": true, "video": true, "document": true, "sticker": true}

// cloudMessage is what the mock reads of a Cloud API message object.
type cloudMessage struct {
	To      string
	Digits  string
	Type    string
	Context string
	// MarkRead is a "status":"read" request for an incoming message.
	MarkRead bool
	// Opaque is biz_opaque_callback_data, which Meta returns in every
	// status webhook of the message.
	Opaque string
	// Group is a message to a group (recipient_type "group"): To and
	// Digits hold the group's id, which is no phone number.
	Group bool
	// MediaID is the id of an uploaded file the media message sends.
	MediaID string
}

// parseCloudMessage validates a Cloud API message object (also the
// messaging_object of Kaleyra v2).
func parseCloudMessage(body []byte) (cloudMessage, *apiError) {
	var cm cloudMessage
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		reason := "the body is not a JSON object"
		if err != nil {
			reason = "malformed JSON: " + err.Error()
		}
		return cm, &apiError{status: 400, code: 100, field: "body", reason: reason}
	}
	str := func(k string) string {
		var s string
		if json.Unmarshal(obj[k], &s) != nil {
			// Graph reads a number where it wants a string: clients that
			// build the body from integers send "to":15551234567.
			var n json.Number
			if json.Unmarshal(obj[k], &n) == nil {
				return n.String()
			}
		}
		return s
	}
	if p := str("messaging_product"); p != "whatsapp" {
		return cm, &apiError{status: 400, code: 100, field: "messaging_product", reason: "the parameter messaging_product is required and must be \"whatsapp\""}
	}
	if str("status") == "read" && str("message_id") != "" {
		cm.MarkRead = true
		return cm, nil
	}
	cm.To = str("to")
	if cm.To == "" {
		return cm, &apiError{status: 400, code: 131008, field: "to", reason: "the parameter to is required"}
	}
	if strings.EqualFold(str("recipient_type"), "group") {
		// the Groups API names a group by its id
		cm.Group, cm.Digits = true, cm.To
	} else {
		d, ok := PhoneDigits(cm.To)
		if !ok {
			return cm, &apiError{status: 400, code: 100, field: "to", reason: fmt.Sprintf("invalid phone number %q", cm.To)}
		}
		cm.Digits = d
	}
	cm.Opaque = str("biz_opaque_callback_data")
	cm.Type = str("type")
	if cm.Type == "" {
		cm.Type = "text"
	}
	if !cloudTypes[cm.Type] {
		return cm, &apiError{status: 400, code: 131051, field: "type", reason: fmt.Sprintf("unsupported message type %q", cm.Type)}
	}
	if cm.Type == "contacts" {
		// the one type whose part is an array of contact cards
		var cards []map[string]json.RawMessage
		if json.Unmarshal(obj["contacts"], &cards) != nil || len(cards) == 0 {
			return cm, &apiError{status: 400, code: 131008, field: "contacts", reason: "the parameter contacts is required for a contacts message (an array of contact cards)"}
		}
		cm.Context = contextID(obj)
		return cm, nil
	}
	var part map[string]json.RawMessage
	if json.Unmarshal(obj[cm.Type], &part) != nil || part == nil {
		return cm, &apiError{status: 400, code: 131008, field: cm.Type, reason: fmt.Sprintf("the parameter %s is required for a %s message (an object)", cm.Type, cm.Type)}
	}
	has := func(k string) bool { v, ok := part[k]; return ok && string(v) != `""` && string(v) != "null" }
	switch {
	case cm.Type == "text" && !has("body"):
		return cm, &apiError{status: 400, code: 131008, field: "text.body", reason: "the parameter text.body is required"}
	case cm.Type == "text" && textLen(part["body"]) > maxTextBody:
		return cm, &apiError{status: 400, code: 100, field: "text.body", reason: fmt.Sprintf("Param text['body'] must be at most %d characters long", maxTextBody)}
	case cm.Type == "interactive" && (!has("type") || !has("action")):
		return cm, &apiError{status: 400, code: 131008, field: "interactive", reason: "an interactive message needs interactive.type and interactive.action"}
	case mediaTypes[cm.Type] && !has("id") && !has("link"):
		return cm, &apiError{status: 400, code: 131008, field: cm.Type, reason: "a media object needs an id or a link"}
	case cm.Type == "template" && !has("name"):
		return cm, &apiError{status: 400, code: 131008, field: "template.name", reason: "the parameter template.name is required"}
	case cm.Type == "template" && !has("language"):
		return cm, &apiError{status: 400, code: 131008, field: "template.language", reason: "the parameter template.language is required"}
	case cm.Type == "location" && (!has("latitude") || !has("longitude")):
		return cm, &apiError{status: 400, code: 131008, field: "location", reason: "latitude and longitude are required"}
	}
	if mediaTypes[cm.Type] && has("id") {
		var id json.Number
		if json.Unmarshal(part["id"], &id) != nil {
			var s string
			_ = json.Unmarshal(part["id"], &s)
			id = json.Number(s)
		}
		cm.MediaID = id.String()
	}
	cm.Context = contextID(obj)
	return cm, nil
}

// maxTextBody is Meta's limit on a text message's body, in characters.
const maxTextBody = 4096

// textLen is the length in characters of a JSON string (0 when it is not
// one).
func textLen(v json.RawMessage) int {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return 0
	}
	return utf8.RuneCountInString(s)
}

// magic is the magic number the recipient ends with (none for a group).
func (cm cloudMessage) magic() string {
	if cm.Group {
		return ""
	}
	return magicOf(cm.Digits)
}

// contextID is the id of the message a Cloud message replies to.
func contextID(obj map[string]json.RawMessage) string {
	var ctx struct {
		MessageID string `json:"message_id"`
	}
	if c, ok := obj["context"]; ok {
		_ = json.Unmarshal(c, &ctx)
	}
	return ctx.MessageID
}

// gate applies the magic numbers that refuse at the API and the 24-hour
// window.
func (m *Mock) gate(cm cloudMessage, window bool) *apiError {
	switch cm.magic() {
	case MagicInvalid:
		return &apiError{status: 400, code: 100, field: "to", reason: "invalid phone number " + cm.Digits}
	case MagicServerError:
		if m.firstTime(cm.Digits) {
			return &apiError{status: 500, code: 131000, field: "server", reason: "temporary failure (magic number " + cm.Digits + ": the retry succeeds)"}
		}
	}
	if window && cm.Type != "template" && !cm.Group {
		m.mu.Lock()
		last, ok := m.lastInbound[cm.Digits]
		m.mu.Unlock()
		if !ok || m.sched.Now().Sub(last) > 24*time.Hour {
			return &apiError{status: 400, code: 131047, field: "to",
				reason: "more than 24 hours have passed since the recipient last replied to the sender number: send a template (24-hour window)"}
		}
	}
	return nil
}

// refuseCloud answers e in Meta's error shape and reports the call.
func (m *Mock) refuseCloud(w http.ResponseWriter, r *http.Request, rec Record, e *apiError) {
	m.stats.refused.Add(1)
	title := errorTitle(e.code)
	if e.title != "" {
		title = e.title
	} else if e.code == 100 {
		title = "Invalid parameter"
	} else if e.code == 190 {
		title = "Invalid OAuth access token"
	} else if e.code == 131008 {
		title = "Required parameter is missing"
	}
	me := metaError{Message: fmt.Sprintf("(#%d) %s", e.code, title), Type: cmp.Or(e.typ, "OAuthException"), Code: e.code, ErrorSubcode: e.subcode,
		ErrorData: &metaErrorData{MessagingProduct: "whatsapp", Details: e.reason}, FBTraceID: m.cfg.Renderer.FreshID("AbCdEfGhIjKlMnOpQrStUvW")}
	rec.Answer, rec.Code, rec.Message = e.status, fmt.Sprint(e.code), me.Message+": "+e.reason
	m.emitAPI(r, rec)
	writeJSON(w, e.status, map[string]any{"error": me})
}

// cloudPost opens a POST to /{version}/{phone_number_id}/…, what saying
// what to post: it answers a request that is none (a path of no Graph
// version, another method, a wrong token, no phone number id) and
// reports whether the handler goes on, refusing through refuse, which
// reports rec as it is then.
func (m *Mock) cloudPost(w http.ResponseWriter, r *http.Request, rec *Record, what string) (phone string, refuse func(*apiError), ok bool) {
	version, phone := r.PathValue("version"), r.PathValue("phone")
	if !graphVersion.MatchString(version) {
		m.unknownPath(w, r)
		return "", nil, false
	}
	m.stats.apiCalls.Add(1)
	*rec = Record{Kind: KindAPICall, API: APICloud, Method: r.Method, Path: r.URL.Path, Type: rec.Type}
	refuse = func(e *apiError) { m.refuseCloud(w, r, *rec, e) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		refuse(&apiError{status: 405, code: 100, field: "method", reason: r.Method + " is not accepted: POST " + what})
		return "", nil, false
	}
	if !m.bearerOK(r) {
		refuse(&apiError{status: 401, code: 190, field: "Authorization", reason: "missing or wrong Bearer token"})
		return "", nil, false
	}
	if _, ok := PhoneDigits(phone); !ok {
		refuse(&apiError{status: 400, code: 100, field: "phone_number_id", reason: fmt.Sprintf("%q is not a phone number id", phone)})
		return "", nil, false
	}
	return phone, refuse, true
}

// cloud serves POST /{version}/{phone_number_id}/messages.
func (m *Mock) cloud(w http.ResponseWriter, r *http.Request) {
	var rec Record
	phone, refuse, ok := m.cloudPost(w, r, &rec, "a message object")
	if !ok {
		return
	}
	body, tooLarge, err := m.readBody(w, r)
	if tooLarge {
		refuse(&apiError{status: 413, code: 100, field: "body", reason: fmt.Sprintf("the body is larger than %d bytes", m.cfg.MaxBody)})
		return
	}
	if err != nil {
		refuse(&apiError{status: 400, code: 100, field: "body", reason: "cannot read the body: " + err.Error()})
		return
	}
	cm, e := parseCloudMessage(body)
	if e != nil {
		refuse(e)
		return
	}
	if cm.MarkRead {
		rec.Answer, rec.Type = 200, "mark-read"
		m.emitAPI(r, rec)
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	rec.To, rec.Type = cm.Digits, cm.Type
	if _, ok := m.media.get(cm.MediaID); cm.MediaID != "" && !ok {
		// [S] the answer Meta gives an id that names no upload of the account
		refuse(&apiError{status: 400, code: 100, field: cm.Type + ".id",
			reason: fmt.Sprintf("Param %s['id'] is not a valid whatsapp business account media attachment ID", cm.Type)})
		return
	}
	if e := m.gate(cm, m.cfg.Window); e != nil {
		refuse(e)
		return
	}
	id := m.cfg.Renderer.FreshWamid(cm.Digits)
	contact := map[string]string{"input": cm.To, "wa_id": cm.Digits}
	if cm.Group {
		contact = map[string]string{"input": cm.To} // a group has no wa_id
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{contact},
		"messages":          []map[string]string{{"id": id, "message_status": "accepted"}},
	})
	rec.Answer, rec.ID = 200, id
	m.emitAPI(r, rec)
	m.mu.Lock()
	m.lastPhoneID = phone
	m.mu.Unlock()
	msg := &Message{ID: id, API: APICloud, To: cm.Digits, Business: phone, Type: cm.Type, Accepted: m.sched.Now(), Context: cm.Context, Opaque: cm.Opaque,
		Group:   cm.Group,
		Request: RequestInfo{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Encoding: EncodingJSON, Body: jsonOrNil(body)},
		Magic:   cm.magic()}
	msg.Callback = m.configuredTarget(m.cfg.WebhookURL, "webhook URL")
	m.accept(msg)
}

func jsonOrNil(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(bytes.Clone(b))
	}
	return nil
}

func (m *Mock) bearerOK(r *http.Request) bool {
	if m.cfg.Token == "" {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(m.cfg.Token)) == 1
}

// configuredTarget judges a configured callback URL (what names it: "webhook
// URL"); "" means none was configured.
func (m *Mock) configuredTarget(raw, what string) *Target {
	if raw == "" {
		return &Target{Rule: RuleNoTarget, Reason: "no " + what + " is configured, so there is nowhere to call back"}
	}
	return m.judgeConfiguredURL(raw)
}

// kaleyraV2 serves POST /v2/{SID}/whatsapp/{number}/messages.
func (m *Mock) kaleyraV2(w http.ResponseWriter, r *http.Request) {
	m.stats.apiCalls.Add(1)
	rec := Record{Kind: KindAPICall, API: APIKaleyraV2, Method: r.Method, Path: r.URL.Path}
	refuse := func(status int, code, message string, fields map[string]string) {
		m.stats.refused.Add(1)
		rec.Answer, rec.Code, rec.Message = status, code, withFields(message, fields)
		m.emitAPI(r, rec)
		writeJSON(w, status, kaleyraError{code, message, fields})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		refuse(405, "WA405", "Method not allowed", map[string]string{"method": r.Method + " is not accepted"})
		return
	}
	if e, ok := m.kaleyraAuth(r, r.PathValue("sid"), ""); !ok {
		refuse(http.StatusUnauthorized, e.Code, e.Message, e.Error)
		return
	}
	number := r.PathValue("number")
	business, ok := PhoneDigits(number)
	if !ok {
		refuse(http.StatusUnauthorized, "WA401", "The number is not on this account", map[string]string{"number": fmt.Sprintf("%q is not a business number", number)})
		return
	}
	body, tooLarge, err := m.readBody(w, r)
	if tooLarge {
		refuse(413, "WA413", "Request body too large", map[string]string{"body": fmt.Sprintf("larger than %d bytes", m.cfg.MaxBody)})
		return
	}
	if err != nil {
		refuse(400, "WA400", "Incorrect payload", map[string]string{"body": "cannot read the body: " + err.Error()})
		return
	}
	var env struct {
		MessagingObject json.RawMessage `json:"messaging_object"`
		ExtraInfo       map[string]any  `json:"extra_info"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		refuse(400, "WA400", "Incorrect payload", map[string]string{"body": "malformed JSON: " + err.Error()})
		return
	}
	if len(env.MessagingObject) == 0 {
		refuse(400, "WA400", "Incorrect payload", map[string]string{"messaging_object": "is required (a Cloud API message object)"})
		return
	}
	cm, e := parseCloudMessage(env.MessagingObject)
	if e == nil && cm.MarkRead {
		e = &apiError{status: 400, field: "messaging_object", reason: "marking messages read is not a v2 send"}
	}
	if e == nil {
		e = m.gate(cm, false)
	}
	if e != nil {
		switch {
		case e.status == 500:
			refuse(500, "WA500", "Internal server error", map[string]string{e.field: e.reason})
		default:
			refuse(400, "WA400", "Incorrect payload", map[string]string{"messaging_object." + e.field: e.reason})
		}
		return
	}
	refs := map[string]string{}
	for _, k := range []string{"ref", "ref1", "ref2"} {
		if v, ok := env.ExtraInfo[k].(string); ok {
			refs[k] = v
		}
	}
	id := m.cfg.Renderer.FreshWamid(cm.Digits)
	writeJSON(w, http.StatusAccepted, map[string]any{"code": "WA202", "message": "Request accepted", "data": map[string]string{"message_id": id}})
	rec.Answer, rec.ID, rec.To, rec.Type = http.StatusAccepted, id, cm.Digits, cm.Type
	m.emitAPI(r, rec)
	msg := &Message{ID: id, API: APIKaleyraV2, To: cm.Digits, Business: business, Type: cm.Type, Refs: refs, Accepted: m.sched.Now(), Context: cm.Context, Opaque: cm.Opaque,
		Request: RequestInfo{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Encoding: EncodingJSON, Body: jsonOrNil(body)},
		Group:   cm.Group,
		Magic:   cm.magic()}
	msg.Callback = m.configuredTarget(m.cfg.CallbackProfile, "Callback Profile URL")
	m.accept(msg)
}

// handshake performs Meta's GET verification against the webhook once
// (until it passes): hub.mode=subscribe, the verify token and a challenge
// the webhook must echo.
func (m *Mock) handshake(target string) (bool, string) {
	if m.cfg.VerifyToken == "" {
		return true, ""
	}
	m.hsMu.Lock()
	defer m.hsMu.Unlock()
	if m.verified {
		return true, ""
	}
	challenge := m.cfg.Renderer.FreshID("1158201444")
	q := "hub.mode=subscribe&hub.verify_token=" + url.QueryEscape(m.cfg.VerifyToken) + "&hub.challenge=" + challenge
	u, err := url.Parse(target)
	if err != nil {
		return false, err.Error()
	}
	res := m.snd.Deliver(m.ctx, sender.Request{Name: "handshake", Method: http.MethodGet, URL: sender.JoinURL(u, "/", q)}, false)
	rec := Record{Kind: KindHandshake, API: APICloud, Method: http.MethodGet, URL: sender.JoinURL(u, "/", "hub.mode=subscribe&hub.verify_token=(hidden)&hub.challenge="+challenge),
		Answer: res.Status, LatencyMS: res.LatencyMS, Error: res.Error}
	ok := res.OK && strings.TrimSpace(res.Response) == challenge
	switch {
	case ok:
		rec.Note = "the webhook echoed the challenge: verified"
	case res.Status == 0:
		rec.Reason = "the webhook did not answer the verification handshake: " + res.Error
	case !res.OK:
		rec.Reason = fmt.Sprintf("the webhook answered the verification handshake with %d", res.Status)
	default:
		rec.Reason = "the webhook's answer is not the hub.challenge " + challenge
		rec.Response = res.Response
	}
	m.emit(rec)
	m.verified = ok
	return ok, rec.Reason
}
