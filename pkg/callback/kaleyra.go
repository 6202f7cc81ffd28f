package callback

import (
	"cmp"
	"encoding/json"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
)

// Decoding of parameter-shaped callbacks: Kaleyra v1 query strings, form
// bodies and callback-profile flat JSON, Kaleyra template-status and
// quality updates, and Meta's GET verification handshake.

// classifyParams decodes parameters into events; ok is false when they
// match no known callback. raw is the event's raw value (nil: render the
// parameters). notes collects decode problems.
func classifyParams(ps params, raw json.RawMessage, notes *[]string) ([]Event, bool) {
	switch {
	case ps.has("hub.mode") || ps.has("hub.challenge") || ps.has("hub.verify_token") ||
		ps.has("hub_mode") || ps.has("hub_challenge") || ps.has("hub_verify_token"):
		return []Event{verification(ps)}, true
	case ps.has("status") && ps.has("id"):
		return []Event{k1Status(ps, rawOr(raw, ps))}, true
	case ps.has("from") && ps.has("type") && hasAny(ps, "wanumber", "media_url", "mime_type",
		"created_at", "reply_to", "body", "company_id", "media_name", "message"):
		return []Event{k1Incoming(ps, rawOr(raw, ps), notes)}, true
	case ps.has("display_phone_number") && ps.has("event") && ps.has("current_limit"):
		return []Event{k1Quality(ps, rawOr(raw, ps))}, true
	case ps.has("message_template_id") || ps.has("callback_profile_id") || (ps.has("event") && ps.has("reason")):
		return []Event{k1Template(ps, rawOr(raw, ps))}, true
	}
	return nil, false
}

func rawOr(raw json.RawMessage, ps params) json.RawMessage {
	if raw != nil {
		return raw
	}
	return paramsJSON(ps, nil)
}

func hasAny(ps params, keys ...string) bool {
	for _, k := range keys {
		if ps.has(k) {
			return true
		}
	}
	return false
}

// IsVerifyToken reports the parameter names of Meta's verify token, a
// secret that is never shown.
func IsVerifyToken(k string) bool { return k == "hub.verify_token" || k == "hub_verify_token" }

func firstOf(ps params, keys ...string) string {
	for _, k := range keys {
		if v := ps.get(k); v != "" {
			return v
		}
	}
	return ""
}

// verification decodes Meta's subscription handshake. The verify token is
// a secret: only its presence is recorded and raw masks it.
func verification(ps params) Event {
	return Event{
		Schema: Schema, Source: SourceCloud, Kind: KindVerification,
		Verification: &Verification{
			Mode:         firstOf(ps, "hub.mode", "hub_mode"),
			Challenge:    firstOf(ps, "hub.challenge", "hub_challenge"),
			TokenPresent: ps.has("hub.verify_token") || ps.has("hub_verify_token"),
		},
		Raw: paramsJSON(ps, IsVerifyToken),
	}
}

// extraFrom copies the non-empty parameters not in used into Extra.
func extraFrom(ev *Event, ps params, used func(string) bool, clean func(k, v string) string) {
	for i := range ps {
		k, v := ps[i].key, ps[i].value
		if clean != nil {
			v = clean(k, v)
		}
		if k == "" || v == "" || used(k) {
			continue
		}
		if _, dup := ev.Extra[k]; dup {
			continue
		}
		setExtra(ev, k, v)
	}
}

func k1Status(ps params, raw json.RawMessage) Event {
	ev := Event{Schema: Schema, Source: SourceKaleyraV1, Kind: KindStatus, Raw: raw}
	ev.ID = ps.get("id")
	ev.Status = normStatus(ps.get("status"))
	paramTime(&ev, ps, "timestamp")
	mobile, phone := cleanPhone(ps.get("mobile")), cleanPhone(ps.get("phone_number"))
	ev.To = mobile
	if ev.To == "" {
		ev.To = phone
	}
	errText, code, reason := ps.get("error"), ps.get("error_code"), ps.get("reason")
	if errText != "" || code != "" || reason != "" {
		e := &Error{Code: code, Title: errText, Detail: reason}
		if e.Title == "" {
			e.Title, e.Detail = reason, ""
		}
		ev.Error = e
	}
	if price := ps.get("price"); price != "" {
		ev.Pricing = &Pricing{Price: price}
	}
	extraFrom(&ev, ps, func(k string) bool {
		switch k {
		case "id", "status", "timestamp", "mobile", "error", "error_code", "reason":
			return true
		case "phone_number":
			return phone == mobile || mobile == ""
		}
		return false
	}, nil)
	if phone != mobile && mobile != "" && phone != "" {
		setExtra(&ev, "phone_number", phone)
	}
	return ev
}

func k1Incoming(ps params, raw json.RawMessage, notes *[]string) Event {
	ev := Event{Schema: Schema, Source: SourceKaleyraV1, Kind: KindMessage, Raw: raw}
	ev.Type = strings.ToLower(strings.TrimSpace(ps.get("type")))
	ev.ID = ps.get("id")
	ev.From = cleanPhone(ps.get("from"))
	ev.Name = ps.get("name")
	ev.BusinessNumber = cleanPhone(ps.get("wanumber"))
	ev.Text = ps.get("body")
	paramTime(&ev, ps, "created_at")
	if r := ps.get("reply_to"); r != "" {
		ev.Context = &Context{ID: r}
	}
	url, mime, file := ps.get("media_url"), ps.get("mime_type"), ps.get("media_name")

	// message: the original message as JSON (Kaleyra sends it unencoded and
	// sometimes malformed); it fills what the flat parameters lack.
	if v := strings.TrimSpace(ps.get("message")); v != "" {
		if v[0] == '[' || v[0] == '{' {
			if d, root := lenientParam("message", v, notes); d != nil {
				msg, contacts := root, int32(-1)
				if d.IsObject(root) && d.IsArray(d.Member(root, "messages")) {
					// the on-premises envelope {contacts, messages}
					contacts = d.Member(root, "contacts")
					msg = d.First(d.Member(root, "messages"))
				} else if d.IsArray(root) {
					msg = d.First(root)
				}
				if d.IsObject(msg) {
					if mt := strings.ToLower(d.MemberScalar(msg, "type")); (mt != "" && d.Member(msg, mt) >= 0) || d.Member(msg, "context") >= 0 {
						// A Meta-shaped message: decode it fully and
						// take what the flat parameters do not say.
						md := &mdec{d: d, source: SourceKaleyraV1}
						md.setContacts(contacts)
						me := md.message(msg)
						mergeMessage(&ev, &me)
					}
					if ev.From == "" {
						ev.From = cleanPhone(d.MemberScalar(msg, "from"))
					}
					if ev.Timestamp == "" {
						nodeTime(&ev, d, d.Member(msg, "timestamp"))
					}
					if url == "" {
						url = d.MemberScalar(msg, "url")
					}
					if ev.Type == "" {
						ev.Type = strings.ToLower(d.MemberScalar(msg, "type"))
					}
					if ev.Name == "" {
						ev.Name = strings.TrimSpace(d.MemberScalar(d.Member(msg, "profile"), "name"))
					}
					if ev.ID == "" {
						ev.ID = d.MemberScalar(msg, "id")
					}
				}
			}
		} else if ev.Text == "" {
			ev.Text = v
		}
	}
	if v := strings.TrimSpace(ps.get("location")); v != "" && v[0] == '{' {
		if d, root := lenientParam("location", v, notes); d != nil {
			ev.Location = locationOf(d, root, &ev)
		}
	}
	if v := strings.TrimSpace(ps.get("contacts")); v != "" && (v[0] == '[' || v[0] == '{') {
		if d, root := lenientParam("contacts", v, notes); d != nil {
			if d.IsObject(root) {
				// a single card, or {"contacts":[...]}
				if inner := d.Member(root, "contacts"); d.IsArray(inner) {
					ev.Contacts = contactsOf(d, inner)
				} else if sc, ok := cardOf(d, root); ok {
					ev.Contacts = []SharedContact{sc}
				}
			} else {
				ev.Contacts = contactsOf(d, root)
			}
			if ev.Text == "" {
				ev.Text = contactNames(ev.Contacts)
			}
		}
	}
	if ev.Type == "" {
		ev.Type = "unknown"
	}
	if url != "" || mime != "" || file != "" || isMediaType(ev.Type) {
		if ev.Media == nil {
			ev.Media = &Media{}
		}
		m := ev.Media
		// Kaleyra's own copy (media_url) wins over Meta's link.
		m.URL = cmp.Or(url, m.URL)
		m.MimeType = cmp.Or(mime, m.MimeType)
		m.Filename = cmp.Or(file, m.Filename)
		if isMediaType(ev.Type) {
			m.Caption = cmp.Or(m.Caption, ev.Text)
		}
		if ev.Type == "voice" {
			m.Voice = true
		}
	}
	extraFrom(&ev, ps, func(k string) bool {
		switch k {
		case "id", "from", "name", "wanumber", "body", "created_at", "reply_to", "type",
			"media_url", "mime_type", "media_name", "message", "location", "contacts":
			return true
		}
		return false
	}, cleanPhoneParam)
	return ev
}

// mergeMessage fills the fields of ev that the flat parameters left empty
// from me, the same message decoded from its Meta-shaped JSON.
func mergeMessage(ev, me *Event) {
	if ev.Type == "" {
		ev.Type = me.Type
	}
	if ev.ID == "" {
		ev.ID = me.ID
	}
	if ev.From == "" {
		ev.From = me.From
	}
	if ev.Name == "" {
		ev.Name = me.Name
	}
	if ev.Timestamp == "" {
		ev.Timestamp = me.Timestamp
	}
	if ev.Text == "" {
		ev.Text = me.Text
	}
	if me.Media != nil {
		if ev.Media == nil {
			ev.Media = me.Media
		} else {
			m := ev.Media
			m.ID = cmp.Or(m.ID, me.Media.ID)
			m.URL = cmp.Or(m.URL, me.Media.URL)
			m.MimeType = cmp.Or(m.MimeType, me.Media.MimeType)
			m.SHA256 = cmp.Or(m.SHA256, me.Media.SHA256)
			m.Caption = cmp.Or(m.Caption, me.Media.Caption)
			m.Filename = cmp.Or(m.Filename, me.Media.Filename)
			m.Voice = m.Voice || me.Media.Voice
			m.Animated = m.Animated || me.Media.Animated
		}
	}
	if ev.Context == nil {
		ev.Context = me.Context
	} else if me.Context != nil && ev.Context.From == "" {
		ev.Context.From = me.Context.From
	}
	if ev.Location == nil {
		ev.Location = me.Location
	}
	if ev.Reply == nil {
		ev.Reply = me.Reply
	}
	if ev.Reaction == nil {
		ev.Reaction = me.Reaction
	}
	if ev.Contacts == nil {
		ev.Contacts = me.Contacts
	}
	if ev.Referral == nil {
		ev.Referral = me.Referral
	}
	if ev.Error == nil {
		ev.Error, ev.Errors = me.Error, me.Errors
	}
	for k, v := range me.Extra {
		if _, ok := ev.Extra[k]; !ok {
			setExtra(ev, k, v)
		}
	}
}

// cleanPhoneParam restores the '+' of the phone-number parameters
// Kaleyra sends alongside a message (mobile, phone_number).
func cleanPhoneParam(k, v string) string {
	if k == "mobile" || k == "phone_number" {
		return cleanPhone(v)
	}
	return v
}

// lenientParam parses JSON carried in a parameter, repairing it when
// needed; problems go to notes prefixed with the parameter name.
func lenientParam(name, v string, notes *[]string) (*jsonspan.Doc, int32) {
	d, note := parseLenient([]byte(v))
	if note != "" {
		*notes = append(*notes, name+" parameter: "+note)
	}
	if d == nil {
		return nil, -1
	}
	return d, 0
}

func k1Quality(ps params, raw json.RawMessage) Event {
	ev := Event{Schema: Schema, Source: SourceKaleyraV1, Kind: KindQuality, Raw: raw}
	ev.BusinessNumber = cleanPhone(ps.get("display_phone_number"))
	ev.Status = strings.ToLower(ps.get("event"))
	paramTime(&ev, ps, "timestamp", "time")
	extraFrom(&ev, ps, func(k string) bool { return k == "display_phone_number" }, nil)
	return ev
}

func k1Template(ps params, raw json.RawMessage) Event {
	ev := Event{Schema: Schema, Source: SourceKaleyraV1, Kind: KindTemplateStatus, Raw: raw}
	get := func(k string) string { return unquote(ps.get(k)) }
	ev.ID = get("id")
	if ev.ID == "" {
		ev.ID = get("message_template_id")
	}
	ev.Status = strings.ToLower(get("event"))
	paramTime(&ev, ps, "time")
	extraFrom(&ev, ps, func(k string) bool { return k == "id" }, func(_, v string) string { return unquote(v) })
	return ev
}
