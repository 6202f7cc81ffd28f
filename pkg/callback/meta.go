package callback

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Decoding of the Meta-shaped families: Cloud API (object/entry/changes),
// Kaleyra v2 (meta_object = one Cloud change, plus extra_info) and
// On-Premises (top-level contacts/messages/statuses/errors).

type kv struct{ k, v string }

type mdec struct {
	d      *jdoc
	source string
	events []Event

	// Per-change context.
	business string
	contacts int32
	names    map[string]string // wa_id -> profile name, for long contact lists
	base     []kv              // extras every event of the change carries
	mediaURL string            // Kaleyra v2 extra_info.media_url
}

func (m *mdec) newEvent(kind string) Event {
	ev := Event{Schema: Schema, Source: m.source, Kind: kind, BusinessNumber: m.business}
	if len(m.base) > 0 {
		ev.Extra = make(map[string]string, len(m.base)+2)
		for _, e := range m.base {
			ev.Extra[e.k] = e.v
		}
	}
	return ev
}

func setExtra(ev *Event, k, v string) {
	if v == "" {
		return
	}
	if ev.Extra == nil {
		ev.Extra = make(map[string]string, 4)
	}
	ev.Extra[k] = v
}

// cloud decodes {object, entry:[{id, time, changes:[{field, value}]}]}.
func (m *mdec) cloud(root int32) {
	d := m.d
	for e := d.first(d.get(root, "entry")); e >= 0; e = d.next(e) {
		if !d.isObject(e) {
			m.unknownPart(e, "entry is not an object")
			continue
		}
		var base []kv
		if id := d.gets(e, "id"); id != "" {
			base = append(base, kv{"waba_id", id})
		}
		entryTime := d.get(e, "time")
		changes := d.get(e, "changes")
		if !d.isArray(changes) {
			m.base = base
			m.unknownPart(e, "entry without changes")
			continue
		}
		for c := d.first(changes); c >= 0; c = d.next(c) {
			m.base = base
			m.change(c, entryTime)
		}
	}
	if len(m.events) == 0 {
		m.base = nil
		m.unknownPart(root, "no entries")
	}
}

// unknownPart emits an unknown event for a part of the document.
func (m *mdec) unknownPart(i int32, why string) {
	ev := m.newEvent(KindUnknown)
	ev.Raw = m.d.raw(i)
	setExtra(&ev, "note", why)
	m.events = append(m.events, ev)
}

// change decodes one {field, value} change object.
func (m *mdec) change(c int32, entryTime int32) {
	d := m.d
	m.business, m.contacts, m.names = "", -1, nil
	if !d.isObject(c) {
		m.unknownPart(c, "change is not an object")
		return
	}
	field := d.gets(c, "field")
	value := d.get(c, "value")
	switch field {
	case "messages", "":
		if !d.isObject(value) {
			ev := m.newEvent(KindUnknown)
			ev.Raw = d.raw(c)
			setExtra(&ev, "field", field)
			m.events = append(m.events, ev)
			return
		}
		m.messagesValue(value, c)
	case "message_template_status_update":
		m.flatEvent(KindTemplateStatus, value, c, entryTime)
	case "phone_number_quality_update":
		m.flatEvent(KindQuality, value, c, entryTime)
	default:
		ev := m.newEvent(KindUnknown)
		ev.BusinessNumber = d.gets(d.get(value, "metadata"), "display_phone_number")
		if value >= 0 {
			ev.Raw = d.raw(value)
		} else {
			ev.Raw = d.raw(c)
		}
		setExtra(&ev, "field", field)
		if entryTime >= 0 {
			setTime(&ev, d.str(entryTime))
		}
		m.events = append(m.events, ev)
	}
}

// flatEvent turns a template-status or quality change value into one event
// whose Extra holds the value's scalar members.
func (m *mdec) flatEvent(kind string, value, c int32, entryTime int32) {
	d := m.d
	ev := m.newEvent(kind)
	if !d.isObject(value) {
		ev.Raw = d.raw(c)
		m.events = append(m.events, ev)
		return
	}
	ev.Raw = d.raw(value)
	for f := d.first(value); f >= 0; f = d.next(f) {
		k := d.kind(f)
		if k == jObject || k == jArray || k == jNull {
			continue
		}
		setExtra(&ev, d.key(f), d.str(f))
	}
	ev.Status = strings.ToLower(d.gets(value, "event"))
	if kind == KindTemplateStatus {
		ev.ID = d.gets(value, "message_template_id")
	} else if n := d.gets(value, "display_phone_number"); n != "" {
		ev.BusinessNumber = n
	}
	if entryTime >= 0 {
		setTime(&ev, d.str(entryTime))
	}
	m.events = append(m.events, ev)
}

// messagesValue decodes a messages change value: metadata, contacts, then
// messages, statuses and errors in document order.
func (m *mdec) messagesValue(value, c int32) {
	d := m.d
	meta := d.get(value, "metadata")
	m.business = d.gets(meta, "display_phone_number")
	if id := d.gets(meta, "phone_number_id"); id != "" {
		m.base = append(m.base[:len(m.base):len(m.base)], kv{"phone_number_id", id})
	}
	m.setContacts(d.get(value, "contacts"))
	if !m.members(value) {
		ev := m.newEvent(KindUnknown)
		ev.Raw = d.raw(value)
		if c >= 0 {
			setExtra(&ev, "field", d.gets(c, "field"))
		}
		m.events = append(m.events, ev)
	}
}

// members emits events for the messages, statuses and errors arrays of obj
// in document order and reports whether it emitted any.
func (m *mdec) members(obj int32) bool {
	d := m.d
	before := len(m.events)
	for f := d.first(obj); f >= 0; f = d.next(f) {
		switch {
		case d.keyIs(f, "messages"):
			for x := d.first(f); x >= 0; x = d.next(x) {
				m.events = append(m.events, m.message(x))
			}
		case d.keyIs(f, "statuses"):
			for x := d.first(f); x >= 0; x = d.next(x) {
				m.events = append(m.events, m.status(x))
			}
		case d.keyIs(f, "errors"):
			for x := d.first(f); x >= 0; x = d.next(x) {
				ev := m.newEvent(KindError)
				e := errorOf(d, x)
				ev.Error = &e
				ev.Raw = d.raw(x)
				m.events = append(m.events, ev)
			}
		}
	}
	return len(m.events) > before
}

// setContacts selects the contacts array names are looked up in; a long
// one is indexed once so that name lookups stay constant-time.
func (m *mdec) setContacts(arr int32) {
	d := m.d
	m.contacts, m.names = arr, nil
	n := 0
	for c := d.first(arr); c >= 0 && n <= 8; c = d.next(c) {
		n++
	}
	if n <= 8 {
		return
	}
	m.names = make(map[string]string)
	for c := d.first(arr); c >= 0; c = d.next(c) {
		id := d.gets(c, "wa_id")
		if _, dup := m.names[id]; !dup && id != "" {
			m.names[id] = d.gets(d.get(c, "profile"), "name")
		}
	}
}

// nameFor finds the profile name of a sender in the contacts array: the
// entry whose wa_id matches, else the only entry.
func (m *mdec) nameFor(from string) string {
	d := m.d
	if m.names != nil {
		if n, ok := m.names[from]; ok && from != "" {
			return n
		}
		return ""
	}
	count, single := 0, int32(-1)
	for c := d.first(m.contacts); c >= 0; c = d.next(c) {
		count++
		single = c
		if from != "" && d.strIs(d.get(c, "wa_id"), from) {
			return d.gets(d.get(c, "profile"), "name")
		}
	}
	if count == 1 {
		return d.gets(d.get(single, "profile"), "name")
	}
	return ""
}

var mediaTypes = [...]string{"image", "audio", "voice", "video", "document", "sticker"}

func isMediaType(t string) bool {
	for _, x := range mediaTypes {
		if x == t {
			return true
		}
	}
	return false
}

// inferable message types, for messages that omit "type".
var knownTypes = [...]string{"text", "image", "audio", "voice", "video", "document", "sticker",
	"location", "contacts", "interactive", "button", "reaction", "order", "system"}

func (m *mdec) message(x int32) Event {
	d := m.d
	ev := m.newEvent(KindMessage)
	ev.Raw = d.raw(x)
	if !d.isObject(x) {
		ev.Type = "unknown"
		return ev
	}
	ev.ID = d.gets(x, "id")
	ev.From = d.gets(x, "from")
	setTime(&ev, d.gets(x, "timestamp"))
	ev.Name = m.nameFor(ev.From)
	typ := strings.ToLower(d.gets(x, "type"))
	if typ == "" {
		for _, t := range knownTypes {
			if d.get(x, t) >= 0 {
				typ = t
				break
			}
		}
		if typ == "" {
			typ = "unknown"
		}
	}
	ev.Type = typ

	if cx := d.get(x, "context"); d.isObject(cx) {
		ctx := &Context{
			ID:                  d.gets(cx, "id"),
			From:                d.gets(cx, "from"),
			Forwarded:           d.truthy(d.get(cx, "forwarded")),
			FrequentlyForwarded: d.truthy(d.get(cx, "frequently_forwarded")),
		}
		for mn := d.first(d.get(cx, "mentions")); mn >= 0; mn = d.next(mn) {
			ctx.Mentions = append(ctx.Mentions, d.str(mn))
		}
		if ctx.ID != "" || ctx.From != "" || ctx.Forwarded || ctx.FrequentlyForwarded || len(ctx.Mentions) > 0 {
			ev.Context = ctx
		}
	}
	if r := d.get(x, "referral"); r >= 0 && d.kind(r) != jNull {
		ev.Referral = d.raw(r)
	}
	if id := d.get(x, "identity"); d.isObject(id) {
		setExtra(&ev, "identity_acknowledged", d.gets(id, "acknowledged"))
		setExtra(&ev, "identity_hash", d.gets(id, "hash"))
		setExtra(&ev, "identity_created", d.gets(id, "created_timestamp"))
	}
	setExtra(&ev, "group_id", d.gets(x, "group_id"))
	setExtra(&ev, "from_user_id", d.gets(x, "from_user_id"))
	ev.Error, ev.Errors = errorsOf(d, d.get(x, "errors"))

	body := d.get(x, typ)
	switch {
	case typ == "text":
		ev.Text = d.gets(body, "body")
	case isMediaType(typ):
		if d.isObject(body) {
			ev.Media = mediaOf(d, body)
			if typ == "voice" {
				ev.Media.Voice = true
			}
			ev.Text = ev.Media.Caption
		}
		if m.mediaURL != "" {
			if ev.Media == nil {
				ev.Media = &Media{}
			}
			if ev.Media.URL == "" {
				ev.Media.URL = m.mediaURL
			}
		}
	case typ == "location":
		ev.Location = locationOf(d, body, &ev)
	case typ == "contacts":
		ev.Contacts = contactsOf(d, body)
		ev.Text = contactNames(ev.Contacts)
	case typ == "interactive":
		interactiveOf(d, body, &ev)
	case typ == "button":
		if d.isObject(body) {
			ev.Reply = &Reply{Kind: "button", Title: d.gets(body, "text"), Payload: d.gets(body, "payload")}
			ev.Text = ev.Reply.Title
		}
	case typ == "reaction":
		if d.isObject(body) {
			mid := d.gets(body, "message_id")
			if mid == "" {
				mid = d.gets(body, "messsage_id")
			}
			ev.Reaction = &Reaction{MessageID: mid, Emoji: d.gets(body, "emoji")}
			ev.Text = ev.Reaction.Emoji
		}
	case typ == "order":
		if d.isObject(body) {
			ev.Text = d.gets(body, "text")
			setExtra(&ev, "catalog_id", d.gets(body, "catalog_id"))
			setExtra(&ev, "order_items", orderItems(d, d.get(body, "product_items")))
		}
	case typ == "system":
		if d.isObject(body) {
			ev.Text = d.gets(body, "body")
			for f := d.first(body); f >= 0; f = d.next(f) {
				k := d.key(f)
				switch {
				case k == "body":
				case k == "type":
					setExtra(&ev, "system_type", d.str(f))
				case d.kind(f) != jObject && d.kind(f) != jArray:
					setExtra(&ev, k, d.str(f))
				}
			}
		}
	default:
		// unsupported, unknown and types newer than this decoder (edit,
		// revoke, ...): keep whatever readable body they carry.
		if !d.isObject(body) {
			break
		}
		setExtra(&ev, "original_message_id", d.gets(body, "original_message_id"))
		if nested := d.get(body, "message"); d.isObject(nested) {
			// an edit carries the new content as a message of its own
			ne := m.message(nested)
			ev.Text, ev.Media, ev.Location, ev.Reply, ev.Contacts = ne.Text, ne.Media, ne.Location, ne.Reply, ne.Contacts
			setExtra(&ev, "message_type", ne.Type)
			break
		}
		ev.Text = d.gets(body, "body")
		if ev.Text == "" {
			ev.Text = d.gets(body, "text")
		}
	}
	return ev
}

func mediaOf(d *jdoc, o int32) *Media {
	md := &Media{
		ID:       d.gets(o, "id"),
		URL:      d.gets(o, "link"),
		MimeType: d.gets(o, "mime_type"),
		SHA256:   d.gets(o, "sha256"),
		Caption:  d.gets(o, "caption"),
		Filename: d.gets(o, "filename"),
		Voice:    d.truthy(d.get(o, "voice")),
		Animated: d.truthy(d.get(o, "animated")),
	}
	if md.URL == "" {
		md.URL = d.gets(o, "url")
	}
	return md
}

// parseCoord reads a coordinate given as a number or a numeric string. A
// number too large for a float64 is said in the event's DecodeError.
func parseCoord(s, name string, ev *Event) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		if errors.Is(err, strconv.ErrRange) {
			addNote(ev, "location "+name+" "+clip(s)+" is out of range")
		}
		return nil
	}
	return &f
}

func locationOf(d *jdoc, o int32, ev *Event) *Location {
	if !d.isObject(o) {
		return nil
	}
	return &Location{
		Latitude:  parseCoord(d.gets(o, "latitude"), "latitude", ev),
		Longitude: parseCoord(d.gets(o, "longitude"), "longitude", ev),
		Name:      d.gets(o, "name"),
		Address:   d.gets(o, "address"),
		URL:       d.gets(o, "url"),
	}
}

func contactsOf(d *jdoc, arr int32) []SharedContact {
	var out []SharedContact
	for c := d.first(arr); c >= 0; c = d.next(c) {
		if sc, ok := cardOf(d, c); ok {
			out = append(out, sc)
		}
	}
	return out
}

// cardOf reads one contact card: its display name and phone numbers.
func cardOf(d *jdoc, c int32) (SharedContact, bool) {
	if !d.isObject(c) {
		return SharedContact{}, false
	}
	nm := d.get(c, "name")
	sc := SharedContact{Name: d.gets(nm, "formatted_name")}
	if sc.Name == "" {
		sc.Name = strings.TrimSpace(d.gets(nm, "first_name") + " " + d.gets(nm, "last_name"))
	}
	if sc.Name == "" && d.kind(nm) == jString {
		sc.Name = d.str(nm)
	}
	for p := d.first(d.get(c, "phones")); p >= 0; p = d.next(p) {
		ph := d.gets(p, "phone")
		if ph == "" {
			ph = d.gets(p, "wa_id")
		}
		if ph != "" {
			sc.Phones = append(sc.Phones, ph)
		}
	}
	return sc, sc.Name != "" || len(sc.Phones) > 0
}

func contactNames(cs []SharedContact) string {
	var b strings.Builder
	for _, c := range cs {
		if c.Name == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name)
	}
	return b.String()
}

func orderItems(d *jdoc, arr int32) string {
	var b strings.Builder
	for it := d.first(arr); it >= 0; it = d.next(it) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.gets(it, "product_retailer_id"))
		if q := d.gets(it, "quantity"); q != "" {
			b.WriteString(" x")
			b.WriteString(q)
		}
		if p := d.gets(it, "item_price"); p != "" {
			b.WriteString(" @ ")
			b.WriteString(p)
			if cur := d.gets(it, "currency"); cur != "" {
				b.WriteString(" ")
				b.WriteString(cur)
			}
		}
	}
	return b.String()
}

// interactiveOf reads button_reply, list_reply and other interactive
// replies (nfm_reply from Flows, ...) into Reply and Text.
func interactiveOf(d *jdoc, it int32, ev *Event) {
	if !d.isObject(it) {
		return
	}
	sub := d.gets(it, "type")
	o := int32(-1)
	if sub != "" {
		o = d.get(it, sub)
	} else {
		for f := d.first(it); f >= 0; f = d.next(f) {
			if d.isObject(f) {
				sub, o = d.key(f), f
				break
			}
		}
	}
	if sub == "" {
		return
	}
	r := &Reply{Kind: sub}
	if d.isObject(o) {
		r.ID = d.gets(o, "id")
		r.Title = d.gets(o, "title")
		if r.Title == "" {
			r.Title = d.gets(o, "name")
		}
		r.Description = d.gets(o, "description")
		r.Payload = d.gets(o, "payload")
		if r.Payload == "" {
			r.Payload = d.text(d.get(o, "response_json"))
		}
		if sub == "button_reply" || sub == "list_reply" {
			ev.Text = r.Title
		} else {
			ev.Text = d.gets(o, "body")
			if ev.Text == "" {
				ev.Text = r.Title
			}
		}
	}
	ev.Reply = r
}

func (m *mdec) status(x int32) Event {
	d := m.d
	ev := m.newEvent(KindStatus)
	ev.Raw = d.raw(x)
	if !d.isObject(x) {
		return ev
	}
	ev.ID = d.gets(x, "id")
	ev.Status = normStatus(d.gets(x, "status"))
	ev.To = d.gets(x, "recipient_id")
	if ev.To == "" {
		ev.To = d.gets(d.get(x, "message"), "recipient_id")
	}
	setTime(&ev, d.gets(x, "timestamp"))
	conv, pr := d.get(x, "conversation"), d.get(x, "pricing")
	if d.isObject(conv) || d.isObject(pr) {
		p := &Pricing{}
		if b := d.get(pr, "billable"); b >= 0 {
			switch d.kind(b) {
			case jTrue, jFalse:
				v := d.kind(b) == jTrue
				p.Billable = &v
			}
		}
		p.Model = d.gets(pr, "pricing_model")
		p.Category = d.gets(pr, "category")
		p.Conversation = d.gets(conv, "id")
		p.Origin = d.gets(d.get(conv, "origin"), "type")
		if p.Category == "" {
			p.Category = p.Origin
		}
		ev.Pricing = p
		setExtra(&ev, "pricing_type", d.gets(pr, "type"))
		if exp := d.gets(conv, "expiration_timestamp"); exp != "" {
			if t := unixTime(exp); t != "" {
				exp = t
			}
			setExtra(&ev, "conversation_expiration", exp)
		}
	}
	setExtra(&ev, "biz_opaque_callback_data", d.gets(x, "biz_opaque_callback_data"))
	ev.Error, ev.Errors = errorsOf(d, d.get(x, "errors"))
	return ev
}

// errorOf reads one {code, title, message, details, error_data} object.
func errorOf(d *jdoc, e int32) Error {
	if !d.isObject(e) {
		return Error{Title: d.str(e)}
	}
	er := Error{Code: d.text(d.get(e, "code")), Title: d.gets(e, "title")}
	er.Detail = d.gets(e, "details")
	if er.Detail == "" {
		er.Detail = d.gets(d.get(e, "error_data"), "details")
	}
	if er.Detail == "" {
		er.Detail = d.gets(e, "message")
	}
	if er.Title == "" {
		er.Title = d.gets(e, "message")
		if er.Title == er.Detail {
			er.Detail = ""
		}
	}
	return er
}

// errorsOf reads an errors array: the first error, and all of them when
// there are several.
func errorsOf(d *jdoc, arr int32) (*Error, []Error) {
	if !d.isArray(arr) {
		return nil, nil
	}
	var all []Error
	for e := d.first(arr); e >= 0; e = d.next(e) {
		all = append(all, errorOf(d, e))
	}
	switch len(all) {
	case 0:
		return nil, nil
	case 1:
		return &all[0], nil
	}
	first := all[0]
	return &first, all
}

// onprem decodes {contacts, messages, statuses, errors}.
func (m *mdec) onprem(root int32) {
	m.setContacts(m.d.get(root, "contacts"))
	if !m.members(root) {
		m.unknownPart(root, "no messages, statuses or errors")
	}
}

// kaleyraV2 decodes {meta_object:{field, value}, extra_info, status, message_id}.
func (m *mdec) kaleyraV2(root int32) {
	d := m.d
	info := d.get(root, "extra_info")
	var base []kv
	for f := d.first(info); f >= 0; f = d.next(f) {
		k := d.kind(f)
		if k == jObject || k == jArray || k == jNull {
			continue
		}
		key := d.key(f)
		if key == "media_url" {
			m.mediaURL = d.str(f)
			continue
		}
		if v := d.str(f); v != "" {
			base = append(base, kv{key, v})
		}
	}
	topID := d.gets(root, "message_id")
	if topID != "" && d.get(info, "message_id") < 0 {
		base = append(base, kv{"message_id", topID})
	}
	m.base = base
	before := len(m.events)
	mo := d.get(root, "meta_object")
	if d.isObject(mo) && d.get(mo, "value") >= 0 {
		m.change(mo, -1)
	}
	produced := m.events[before:]
	onlyUnknown := true
	for i := range produced {
		if produced[i].Kind != KindUnknown {
			onlyUnknown = false
		}
	}
	if st := d.gets(root, "status"); st != "" && onlyUnknown {
		// No statuses[] inside meta_object: the top-level duplicates are
		// all there is.
		m.events = m.events[:before]
		ev := m.newEvent(KindStatus)
		ev.ID = topID
		ev.Status = normStatus(st)
		ev.Raw = d.raw(root)
		m.events = append(m.events, ev)
	}
	if len(m.events) == before {
		m.unknownPart(root, "meta_object without a change value")
	}
}

// normStatus lower-cases a status and spells not-sent with a hyphen.
func normStatus(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'A' && c <= 'Z') || c == '_' || c == ' ' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				switch c := b[j]; {
				case c >= 'A' && c <= 'Z':
					b[j] = c + 'a' - 'A'
				case c == '_' || c == ' ':
					b[j] = '-'
				}
			}
			return string(b)
		}
	}
	return s
}
