package callback

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
)

// Decoding of the Meta-shaped families: Cloud API (object/entry/changes),
// Kaleyra v2 (meta_object = one Cloud change, plus extra_info) and
// On-Premises (top-level contacts/messages/statuses/errors).

type kv struct{ k, v string }

// extras is a short list of kv held by value: the usual few need no
// allocation, and a copy can be added to without changing the original.
type extras struct {
	room  [4]kv
	n     int
	spill []kv // all of them, once there are more than room holds
}

func (e *extras) list() []kv {
	if e.spill != nil {
		return e.spill
	}
	return e.room[:e.n]
}

func (e *extras) add(x kv) {
	if e.spill == nil && e.n < len(e.room) {
		e.room[e.n] = x
		e.n++
		return
	}
	if e.spill == nil {
		e.spill = append([]kv(nil), e.room[:e.n]...)
	}
	// A copy of e may share spill: append to a slice of its own.
	e.spill = append(e.spill[:len(e.spill):len(e.spill)], x)
}

type mdec struct {
	d      *jsonspan.Doc
	source string
	events []Event

	// Per-change context.
	business string
	contacts int32
	names    map[string]string // wa_id -> profile name, for long contact lists
	base     extras            // extras every event of the change carries
	mediaURL string            // Kaleyra v2 extra_info.media_url
}

func (m *mdec) newEvent(kind string) Event {
	var ev Event
	m.initEvent(&ev, kind)
	return ev
}

// initEvent sets what every event of the change has on an empty event.
func (m *mdec) initEvent(ev *Event, kind string) {
	ev.Schema, ev.Source, ev.Kind, ev.BusinessNumber = Schema, m.source, kind, m.business
	if base := m.base.list(); len(base) > 0 {
		ev.Extra = make(map[string]string, len(base)+2)
		for _, e := range base {
			ev.Extra[e.k] = e.v
		}
	}
}

// push appends an empty event to m.events and returns it to be filled in
// place (until the next push): an event is about 600 bytes, too many to
// build beside and copy in.
func (m *mdec) push() *Event {
	m.events = append(m.events, Event{})
	return &m.events[len(m.events)-1]
}

// message decodes one message into a new event.
func (m *mdec) message(x int32) Event {
	var ev Event
	m.fillMessage(&ev, x)
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

// cloud decodes {object, entry:[{id, time, changes:[{field, value}]}]};
// entry is the root's member of that name.
func (m *mdec) cloud(root, entry int32) {
	d := m.d
	for e := d.First(entry); e >= 0; e = d.Next(e) {
		if !d.IsObject(e) {
			m.unknownPart(e, "entry is not an object")
			continue
		}
		// One pass over the entry's members (the last of a duplicated
		// key wins, as with Doc.Member).
		idNode, entryTime, changes := int32(-1), int32(-1), int32(-1)
		for f := d.First(e); f >= 0; f = d.Next(f) {
			switch string(d.KeyBytes(f)) {
			case "id":
				idNode = f
			case "time":
				entryTime = f
			case "changes":
				changes = f
			}
		}
		var base extras
		if id := d.Scalar(idNode); id != "" {
			base.add(kv{"waba_id", id})
		}
		if !d.IsArray(changes) {
			m.base = base
			m.unknownPart(e, "entry without changes")
			continue
		}
		for c := d.First(changes); c >= 0; c = d.Next(c) {
			m.base = base
			m.change(c, entryTime)
		}
	}
	if len(m.events) == 0 {
		m.base = extras{}
		m.unknownPart(root, "no entries")
	}
}

// unknownPart emits an unknown event for a part of the document.
func (m *mdec) unknownPart(i int32, why string) {
	ev := m.newEvent(KindUnknown)
	ev.Raw = m.d.Raw(i)
	setExtra(&ev, "note", why)
	m.events = append(m.events, ev)
}

// accountFields maps Meta's account-level webhook fields to their kind and
// to the value members, in order of preference, whose lower-cased value
// becomes the event's status.
var accountFields = map[string]struct {
	kind   string
	status []string
}{
	"message_template_status_update":     {KindTemplateStatus, []string{"event"}},
	"phone_number_quality_update":        {KindQuality, []string{"event"}},
	"message_template_quality_update":    {KindTemplateQuality, []string{"new_quality_score"}},
	"template_category_update":           {KindTemplateCategory, []string{"new_category", "correct_category"}},
	"message_template_components_update": {KindTemplateComponents, nil},
	"account_update":                     {KindAccountUpdate, []string{"event"}},
	"account_alerts":                     {KindAccountAlert, []string{"alert_type"}},
	"account_review_update":              {KindAccountReview, []string{"decision"}},
	"business_capability_update":         {KindCapability, nil},
	"phone_number_name_update":           {KindDisplayName, []string{"decision"}},
	"security":                           {KindSecurity, []string{"event"}},
}

// change decodes one {field, value} change object. The value decides more
// than the field: whatever holds messages, statuses or other arrays of
// events (field "messages", but also "status", "smb_message_echoes",
// "user_preferences", "history", or a field newer than this decoder) is
// decoded by what it holds.
func (m *mdec) change(c int32, entryTime int32) {
	d := m.d
	m.business, m.contacts, m.names = "", -1, nil
	if !d.IsObject(c) {
		m.unknownPart(c, "change is not an object")
		return
	}
	fieldNode, value := int32(-1), int32(-1) // the last of a duplicated key wins
	for f := d.First(c); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "field":
			fieldNode = f
		case "value":
			value = f
		}
	}
	field := d.Scalar(fieldNode)
	// "messages", by far the most common field, is no account field: the
	// lookup is spared.
	if field != "messages" {
		if af, ok := accountFields[field]; ok && !holdsEvents(d, value) {
			m.flatEvent(af.kind, af.status, value, c, entryTime)
			return
		}
	}
	if d.IsObject(value) && (field == "messages" || field == "" || holdsEvents(d, value)) {
		m.messagesValue(value, c)
		return
	}
	ev := m.newEvent(KindUnknown)
	ev.BusinessNumber = d.MemberScalar(d.Member(value, "metadata"), "display_phone_number")
	if d.IsObject(value) {
		ev.Raw = d.Raw(value)
		flatFacts(d, value, &ev)
	} else {
		ev.Raw = d.Raw(c)
	}
	setExtra(&ev, "field", field)
	if entryTime >= 0 {
		nodeTime(&ev, d, entryTime)
	}
	m.events = append(m.events, ev)
}

// holdsEvents reports whether a change value holds an array member other
// than contacts: messages, statuses, errors or any newer kind of them.
func holdsEvents(d *jsonspan.Doc, value int32) bool {
	if !d.IsObject(value) || d.Member(value, "messaging_product") < 0 && d.Member(value, "messages") < 0 &&
		d.Member(value, "statuses") < 0 {
		// Account-level values (restriction_info, ...) hold arrays of
		// facts, not of events: only a messaging value or one with
		// messages or statuses counts.
		return false
	}
	for f := d.First(value); f >= 0; f = d.Next(f) {
		if d.IsArray(f) && !d.KeyIs(f, "contacts") {
			return true
		}
	}
	return false
}

// flatEvent turns an account-level change value (template status, quality,
// account update, ...) into one event whose Extra holds the value's facts:
// scalar members under their own names, members of nested objects as
// "parent.member", arrays of scalars joined with ", ".
func (m *mdec) flatEvent(kind string, statusKeys []string, value, c int32, entryTime int32) {
	d := m.d
	ev := m.newEvent(kind)
	if !d.IsObject(value) {
		ev.Raw = d.Raw(c)
		m.events = append(m.events, ev)
		return
	}
	ev.Raw = d.Raw(value)
	flatFacts(d, value, &ev)
	for _, k := range statusKeys {
		if v := d.MemberScalar(value, k); v != "" {
			ev.Status = strings.ToLower(v)
			break
		}
	}
	ev.ID = d.MemberScalar(value, "message_template_id")
	if n := cmp.Or(d.MemberScalar(value, "display_phone_number"), d.MemberScalar(value, "phone_number")); n != "" {
		ev.BusinessNumber = n
	}
	nodeTime(&ev, d, d.Member(value, "timestamp"))
	if ev.Timestamp == "" && entryTime >= 0 {
		// no time of its own (or one that is not a time): the entry's
		nodeTime(&ev, d, entryTime)
	}
	m.events = append(m.events, ev)
}

// flatFacts copies the facts of an object into Extra: scalars as
// themselves, a nested object's scalars as "key.member", an array of
// scalars joined with ", ", and an array of objects as "key.member" with
// the members' values joined with ", ". Deeper structure stays in raw.
func flatFacts(d *jsonspan.Doc, obj int32, ev *Event) {
	for f := d.First(obj); f >= 0; f = d.Next(f) {
		key := d.Key(f)
		switch d.Kind(f) {
		case jsonspan.Null:
		case jsonspan.Object:
			for g := d.First(f); g >= 0; g = d.Next(g) {
				if k := d.Kind(g); k == jsonspan.Array {
					setExtra(ev, key+"."+d.Key(g), joinScalars(d, g))
				} else if k != jsonspan.Object && k != jsonspan.Null {
					setExtra(ev, key+"."+d.Key(g), d.Scalar(g))
				}
			}
		case jsonspan.Array:
			if d.IsObject(d.First(f)) {
				var keys []string
				for e := d.First(f); e >= 0; e = d.Next(e) {
					for g := d.First(e); g >= 0; g = d.Next(g) {
						if k := d.Key(g); !slices.Contains(keys, k) && d.Kind(g) != jsonspan.Object && d.Kind(g) != jsonspan.Array {
							keys = append(keys, k)
						}
					}
				}
				for _, k := range keys {
					var vals []string
					for e := d.First(f); e >= 0; e = d.Next(e) {
						if v := d.MemberScalar(e, k); v != "" {
							vals = append(vals, v)
						}
					}
					setExtra(ev, key+"."+k, strings.Join(vals, ", "))
				}
			} else {
				setExtra(ev, key, joinScalars(d, f))
			}
		default:
			setExtra(ev, key, d.Scalar(f))
		}
	}
}

// joinScalars joins the scalar elements of an array with ", ".
func joinScalars(d *jsonspan.Doc, arr int32) string {
	var b strings.Builder
	for e := d.First(arr); e >= 0; e = d.Next(e) {
		if v := d.Scalar(e); v != "" {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// messagesValue decodes a messages change value: metadata, contacts, then
// messages, statuses, errors and the other arrays in document order.
func (m *mdec) messagesValue(value, c int32) {
	d := m.d
	meta, contacts := int32(-1), int32(-1) // the last of a duplicated key wins
	for f := d.First(value); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "metadata":
			meta = f
		case "contacts":
			contacts = f
		}
	}
	number, idNode := int32(-1), int32(-1)
	for f := d.First(meta); f >= 0 && d.IsObject(meta); f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "display_phone_number":
			number = f
		case "phone_number_id":
			idNode = f
		}
	}
	m.business = d.Scalar(number)
	if id := d.Scalar(idNode); id != "" {
		m.base.add(kv{"phone_number_id", id})
	}
	m.setContacts(contacts)
	if !m.members(value) {
		ev := m.newEvent(KindUnknown)
		ev.Raw = d.Raw(value)
		if c >= 0 {
			setExtra(&ev, "field", d.MemberScalar(c, "field"))
		}
		m.events = append(m.events, ev)
	}
}

// members emits events for the arrays of obj in document order (messages,
// statuses, errors, message echoes, user preferences, history chunks,
// state syncs; an array this decoder does not know gives one unknown event
// per element, named in extra "array") and reports whether it emitted any.
func (m *mdec) members(obj int32) bool {
	d := m.d
	before := len(m.events)
	for f := d.First(obj); f >= 0; f = d.Next(f) {
		if !d.IsArray(f) {
			continue
		}
		switch string(d.KeyBytes(f)) {
		case "contacts":
		case "messages":
			for x := d.First(f); x >= 0; x = d.Next(x) {
				m.fillMessage(m.push(), x)
			}
		case "statuses":
			for x := d.First(f); x >= 0; x = d.Next(x) {
				m.fillStatus(m.push(), x)
			}
		case "errors":
			for x := d.First(f); x >= 0; x = d.Next(x) {
				ev := m.newEvent(KindError)
				e := errorOf(d, x)
				ev.Error = &e
				ev.Raw = d.Raw(x)
				m.events = append(m.events, ev)
			}
		case "message_echoes":
			for x := d.First(f); x >= 0; x = d.Next(x) {
				m.events = append(m.events, m.echo(x))
			}
		case "user_preferences":
			m.each(f, KindUserPreference, m.userPreference)
		case "history":
			m.each(f, KindHistory, m.history)
		case "state_sync":
			m.each(f, KindStateSync, m.stateSync)
		default:
			name := d.Key(f)
			for x := d.First(f); x >= 0; x = d.Next(x) {
				ev := m.newEvent(KindUnknown)
				ev.Raw = d.Raw(x)
				setExtra(&ev, "array", name)
				if d.IsObject(x) {
					ev.ID = d.MemberScalar(x, "id")
					// calls and the like name their parties as messages do
					ev.From, ev.To = d.MemberScalar(x, "from"), d.MemberScalar(x, "to")
					nodeTime(&ev, d, d.Member(x, "timestamp"))
				}
				m.events = append(m.events, ev)
			}
		}
	}
	return len(m.events) > before
}

// echo decodes a message the business sent from another client (the
// WhatsApp Business app beside the API): a message from the business
// number to the customer.
func (m *mdec) echo(x int32) Event {
	d := m.d
	ev := m.message(x)
	ev.Kind = KindEcho
	if !d.IsObject(x) {
		return ev
	}
	ev.To = d.MemberScalar(x, "to")
	ev.ToUserID = d.MemberScalar(x, "to_user_id")
	ev.ToParentUserID = d.MemberScalar(x, "to_parent_user_id")
	// The contacts of an echo are its recipient's.
	ev.Name = m.nameFor(ev.To, ev.ToUserID)
	return ev
}

// each emits one event of kind per element of arr; fill reads the
// elements that are objects (raw holds every element as sent).
func (m *mdec) each(arr int32, kind string, fill func(ev *Event, x int32)) {
	d := m.d
	for x := d.First(arr); x >= 0; x = d.Next(x) {
		ev := m.newEvent(kind)
		ev.Raw = d.Raw(x)
		if d.IsObject(x) {
			fill(&ev, x)
		}
		m.events = append(m.events, ev)
	}
}

// userPreference reads a customer's messaging preference (marketing
// messages stopped or resumed).
func (m *mdec) userPreference(ev *Event, x int32) {
	d := m.d
	ev.From = d.MemberScalar(x, "wa_id")
	ev.FromUserID = d.MemberScalar(x, "user_id")
	ev.FromParentUserID = d.MemberScalar(x, "parent_user_id")
	ev.Name = m.nameFor(ev.From, ev.FromUserID)
	ev.Status = strings.ToLower(d.MemberScalar(x, "value"))
	nodeTime(ev, d, d.Member(x, "timestamp"))
	setExtra(ev, "category", d.MemberScalar(x, "category"))
	setExtra(ev, "detail", d.MemberScalar(x, "detail"))
}

// history reads one chunk of a chat history shared on onboarding: its
// phase, order and progress, and how many threads and messages it holds
// (the messages themselves stay in raw: they are past, not new).
func (m *mdec) history(ev *Event, x int32) {
	d := m.d
	meta := d.Member(x, "metadata")
	for _, k := range [...]string{"phase", "chunk_order", "progress"} {
		setExtra(ev, k, d.MemberScalar(meta, k))
	}
	threads, messages := 0, 0
	for t := d.First(d.Member(x, "threads")); t >= 0; t = d.Next(t) {
		threads++
		for mm := d.First(d.Member(t, "messages")); mm >= 0; mm = d.Next(mm) {
			messages++
		}
	}
	if d.IsArray(d.Member(x, "threads")) {
		setExtra(ev, "threads", strconv.Itoa(threads))
		setExtra(ev, "messages", strconv.Itoa(messages))
	}
	ev.Error, ev.Errors = errorsOf(d, d.Member(x, "errors"))
}

// stateSync reads one change of the WhatsApp Business app's state (a
// contact added or removed) shared with the API.
func (m *mdec) stateSync(ev *Event, x int32) {
	d := m.d
	ev.Type = d.MemberScalar(x, "type")
	ev.Status = strings.ToLower(d.MemberScalar(x, "action"))
	nodeTime(ev, d, d.Member(d.Member(x, "metadata"), "timestamp"))
	if ct := d.Member(x, ev.Type); d.IsObject(ct) {
		sc := SharedContact{Name: cmp.Or(d.MemberScalar(ct, "full_name"),
			strings.TrimSpace(d.MemberScalar(ct, "first_name")+" "+d.MemberScalar(ct, "last_name")))}
		if ph := d.MemberScalar(ct, "phone_number"); ph != "" {
			sc.Phones = []string{ph}
		}
		if sc.Name != "" || len(sc.Phones) > 0 {
			ev.Contacts = []SharedContact{sc}
		}
	}
}

// setContacts selects the contacts array names are looked up in; a long
// one is indexed once so that name lookups stay constant-time.
func (m *mdec) setContacts(arr int32) {
	d := m.d
	m.contacts, m.names = arr, nil
	n := 0
	for c := d.First(arr); c >= 0 && n <= 8; c = d.Next(c) {
		n++
	}
	if n <= 8 {
		return
	}
	m.names = make(map[string]string)
	for c := d.First(arr); c >= 0; c = d.Next(c) {
		id := d.MemberScalar(c, "wa_id")
		if _, dup := m.names[id]; !dup && id != "" {
			m.names[id] = d.MemberScalar(d.Member(c, "profile"), "name")
		}
	}
}

// nameFor finds the profile name of a user in the contacts array: the
// entry whose wa_id (or, for a user known only by it, user_id) matches,
// else the only entry.
func (m *mdec) nameFor(from, userID string) string {
	d := m.d
	if m.names != nil {
		if n, ok := m.names[from]; ok && from != "" {
			return n
		}
		if from != "" || userID == "" {
			return ""
		}
	}
	count, single := 0, int32(-1)
	for c := d.First(m.contacts); c >= 0; c = d.Next(c) {
		count++
		single = c
		if from != "" && d.ScalarIs(d.Member(c, "wa_id"), from) ||
			from == "" && userID != "" && d.ScalarIs(d.Member(c, "user_id"), userID) {
			return d.MemberScalar(d.Member(c, "profile"), "name")
		}
	}
	if m.names != nil {
		return ""
	}
	if count == 1 {
		return d.MemberScalar(d.Member(single, "profile"), "name")
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

// messageKeys are the members of a message object that message reads, -1
// for those missing.
type messageKeys struct {
	id, from, fromUserID, fromParentUserID, timestamp, typ int32
	context, referral, identity, groupID, errors           int32
}

// messageMembers finds them in one pass over the object instead of one
// per key; with a duplicated key the last wins, as with Doc.Member.
func messageMembers(d *jsonspan.Doc, x int32) messageKeys {
	k := messageKeys{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	for f := d.First(x); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "id":
			k.id = f
		case "from":
			k.from = f
		case "timestamp":
			k.timestamp = f
		case "type":
			k.typ = f
		case "context":
			k.context = f
		case "from_user_id":
			k.fromUserID = f
		case "from_parent_user_id":
			k.fromParentUserID = f
		case "referral":
			k.referral = f
		case "identity":
			k.identity = f
		case "group_id":
			k.groupID = f
		case "errors":
			k.errors = f
		}
	}
	return k
}

// fillMessage decodes message x into ev, an empty event.
func (m *mdec) fillMessage(ev *Event, x int32) {
	d := m.d
	m.initEvent(ev, KindMessage)
	ev.Raw = d.Raw(x)
	if !d.IsObject(x) {
		ev.Type = "unknown"
		return
	}
	k := messageMembers(d, x)
	ev.ID = d.Scalar(k.id)
	ev.From = d.Scalar(k.from)
	ev.FromUserID = d.Scalar(k.fromUserID)
	ev.FromParentUserID = d.Scalar(k.fromParentUserID)
	nodeTime(ev, d, k.timestamp)
	ev.Name = m.nameFor(ev.From, ev.FromUserID)
	typ := strings.ToLower(d.Scalar(k.typ))
	if typ == "" {
		for _, t := range knownTypes {
			if d.Member(x, t) >= 0 {
				typ = t
				break
			}
		}
		if typ == "" {
			typ = "unknown"
		}
	}
	ev.Type = typ

	if cx := k.context; d.IsObject(cx) {
		ctx := &Context{
			ID:                  d.MemberScalar(cx, "id"),
			From:                d.MemberScalar(cx, "from"),
			Forwarded:           d.Truthy(d.Member(cx, "forwarded")),
			FrequentlyForwarded: d.Truthy(d.Member(cx, "frequently_forwarded")),
		}
		for mn := d.First(d.Member(cx, "mentions")); mn >= 0; mn = d.Next(mn) {
			ctx.Mentions = append(ctx.Mentions, d.Scalar(mn))
		}
		if ctx.ID != "" || ctx.From != "" || ctx.Forwarded || ctx.FrequentlyForwarded || len(ctx.Mentions) > 0 {
			ev.Context = ctx
		}
		// a question about a catalogue product names the product
		if rp := d.Member(cx, "referred_product"); d.IsObject(rp) {
			setExtra(ev, "referred_product.catalog_id", d.MemberScalar(rp, "catalog_id"))
			setExtra(ev, "referred_product.product_retailer_id", d.MemberScalar(rp, "product_retailer_id"))
		}
	}
	if r := k.referral; r >= 0 && d.Kind(r) != jsonspan.Null {
		ev.Referral = d.Raw(r)
	}
	if id := k.identity; d.IsObject(id) {
		setExtra(ev, "identity_acknowledged", d.MemberScalar(id, "acknowledged"))
		setExtra(ev, "identity_hash", d.MemberScalar(id, "hash"))
		setExtra(ev, "identity_created", identityTime(cmp.Or(d.MemberScalar(id, "created_timestamp"), d.MemberScalar(id, "created_at"))))
	}
	setExtra(ev, "group_id", d.Scalar(k.groupID))
	// Kept in extra too, where earlier versions put it.
	setExtra(ev, "from_user_id", ev.FromUserID)
	ev.Error, ev.Errors = errorsOf(d, k.errors)

	body := d.Member(x, typ)
	switch {
	case typ == "text":
		ev.Text = d.MemberScalar(body, "body")
	case isMediaType(typ):
		if d.IsObject(body) {
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
		ev.Location = locationOf(d, body, ev)
	case typ == "contacts":
		ev.Contacts = contactsOf(d, body)
		ev.Text = contactNames(ev.Contacts)
	case typ == "interactive":
		interactiveOf(d, body, ev)
	case typ == "button":
		if d.IsObject(body) {
			// The payload is the quick-reply button's id: reply.id is
			// the one key to route every kind of reply on.
			p := d.MemberScalar(body, "payload")
			ev.Reply = &Reply{Kind: "button", ID: p, Title: d.MemberScalar(body, "text"), Payload: p}
			ev.Text = ev.Reply.Title
		}
	case typ == "reaction":
		if d.IsObject(body) {
			mid := d.MemberScalar(body, "message_id")
			if mid == "" {
				mid = d.MemberScalar(body, "messsage_id")
			}
			ev.Reaction = &Reaction{MessageID: mid, Emoji: d.MemberScalar(body, "emoji")}
			ev.Text = ev.Reaction.Emoji
		}
	case typ == "order":
		if d.IsObject(body) {
			ev.Text = d.MemberScalar(body, "text")
			setExtra(ev, "catalog_id", d.MemberScalar(body, "catalog_id"))
			setExtra(ev, "order_items", orderItems(d, d.Member(body, "product_items")))
		}
	case typ == "system":
		if d.IsObject(body) {
			ev.Text = d.MemberScalar(body, "body")
			for f := d.First(body); f >= 0; f = d.Next(f) {
				k := d.Key(f)
				switch {
				case k == "body":
				case k == "type":
					setExtra(ev, "system_type", d.Scalar(f))
				case d.Kind(f) != jsonspan.Object && d.Kind(f) != jsonspan.Array:
					setExtra(ev, k, d.Scalar(f))
				}
			}
		}
	default:
		// unsupported, unknown and types newer than this decoder (edit,
		// revoke, ...): keep whatever readable body they carry.
		if !d.IsObject(body) {
			break
		}
		setExtra(ev, "original_message_id", d.MemberScalar(body, "original_message_id"))
		if typ == "unsupported" {
			// what the customer sent that the API does not support (edit, poll, ...)
			setExtra(ev, "unsupported_type", d.MemberScalar(body, "type"))
		}
		if nested := d.Member(body, "message"); d.IsObject(nested) {
			// an edit carries the new content as a message of its own
			ne := m.message(nested)
			ev.Text, ev.Media, ev.Location, ev.Reply, ev.Contacts = ne.Text, ne.Media, ne.Location, ne.Reply, ne.Contacts
			setExtra(ev, "message_type", ne.Type)
			break
		}
		ev.Text = d.MemberScalar(body, "body")
		if ev.Text == "" {
			ev.Text = d.MemberScalar(body, "text")
		}
	}
}

func mediaOf(d *jsonspan.Doc, o int32) *Media {
	md := &Media{
		ID:       d.MemberScalar(o, "id"),
		URL:      d.MemberScalar(o, "link"),
		MimeType: d.MemberScalar(o, "mime_type"),
		SHA256:   d.MemberScalar(o, "sha256"),
		Caption:  d.MemberScalar(o, "caption"),
		Filename: d.MemberScalar(o, "filename"),
		Voice:    d.Truthy(d.Member(o, "voice")),
		Animated: d.Truthy(d.Member(o, "animated")),
	}
	if md.URL == "" {
		md.URL = d.MemberScalar(o, "url")
	}
	return md
}

// parseCoord reads a coordinate given as a number or a numeric string. A
// number too large for a float64 is said in the event's DecodeError. The
// value is stored in *room, which is returned (nil when there is none).
func parseCoord(s, name string, ev *Event, room *float64) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if f, ok := shortDecimal(s); ok {
		*room = f
		return room
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		if errors.Is(err, strconv.ErrRange) {
			addNote(ev, "location "+name+" "+clip(s)+" is out of range")
		}
		return nil
	}
	*room = f
	return room
}

// shortDecimal reads the common shape of a coordinate, [-]digits[.digits]
// with at most 15 digits in all, exactly as strconv.ParseFloat does: the
// digits make an integer below 2^53 and the point a power of ten up to
// 1e15, both exact as float64, so their quotient is the correctly rounded
// value (strconv's own exact path). Anything else reports false.
func shortDecimal(s string) (float64, bool) {
	i, neg := 0, false
	if s[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, frac, point := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point && digits > 0:
			point = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 || point && frac == 0 {
		return 0, false
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

// pow10 holds the powers of ten shortDecimal divides by, all exact.
var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// locatedAt holds a Location and the coordinates it points to, so that
// the three are one allocation instead of three.
type locatedAt struct {
	loc    Location
	coords [2]float64
}

func locationOf(d *jsonspan.Doc, o int32, ev *Event) *Location {
	if !d.IsObject(o) {
		return nil
	}
	// One pass over the members (the last of a duplicated key wins, as
	// with Doc.Member).
	lat, lng, name, addr, url := int32(-1), int32(-1), int32(-1), int32(-1), int32(-1)
	for f := d.First(o); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "latitude":
			lat = f
		case "longitude":
			lng = f
		case "name":
			name = f
		case "address":
			addr = f
		case "url":
			url = f
		}
	}
	box := &locatedAt{}
	box.loc = Location{
		Latitude:  parseCoord(d.Scalar(lat), "latitude", ev, &box.coords[0]),
		Longitude: parseCoord(d.Scalar(lng), "longitude", ev, &box.coords[1]),
		Name:      d.Scalar(name),
		Address:   d.Scalar(addr),
		URL:       d.Scalar(url),
	}
	return &box.loc
}

func contactsOf(d *jsonspan.Doc, arr int32) []SharedContact {
	var out []SharedContact
	for c := d.First(arr); c >= 0; c = d.Next(c) {
		if sc, ok := cardOf(d, c); ok {
			out = append(out, sc)
		}
	}
	return out
}

// cardOf reads one contact card: its display name and phone numbers.
func cardOf(d *jsonspan.Doc, c int32) (SharedContact, bool) {
	if !d.IsObject(c) {
		return SharedContact{}, false
	}
	nm := d.Member(c, "name")
	sc := SharedContact{Name: d.MemberScalar(nm, "formatted_name")}
	if sc.Name == "" {
		sc.Name = strings.TrimSpace(d.MemberScalar(nm, "first_name") + " " + d.MemberScalar(nm, "last_name"))
	}
	if sc.Name == "" && d.Kind(nm) == jsonspan.String {
		sc.Name = d.Scalar(nm)
	}
	for p := d.First(d.Member(c, "phones")); p >= 0; p = d.Next(p) {
		ph := d.MemberScalar(p, "phone")
		if ph == "" {
			ph = d.MemberScalar(p, "wa_id")
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

func orderItems(d *jsonspan.Doc, arr int32) string {
	var b strings.Builder
	for it := d.First(arr); it >= 0; it = d.Next(it) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.MemberScalar(it, "product_retailer_id"))
		if q := d.MemberScalar(it, "quantity"); q != "" {
			b.WriteString(" x")
			b.WriteString(q)
		}
		if p := d.MemberScalar(it, "item_price"); p != "" {
			b.WriteString(" @ ")
			b.WriteString(p)
			if cur := d.MemberScalar(it, "currency"); cur != "" {
				b.WriteString(" ")
				b.WriteString(cur)
			}
		}
	}
	return b.String()
}

// interactiveOf reads button_reply, list_reply and other interactive
// replies (nfm_reply from Flows, ...) into Reply and Text.
func interactiveOf(d *jsonspan.Doc, it int32, ev *Event) {
	if !d.IsObject(it) {
		return
	}
	sub := d.MemberScalar(it, "type")
	o := int32(-1)
	if sub != "" {
		o = d.Member(it, sub)
	} else {
		for f := d.First(it); f >= 0; f = d.Next(f) {
			if d.IsObject(f) {
				sub, o = d.Key(f), f
				break
			}
		}
	}
	if sub == "" {
		return
	}
	r := &Reply{Kind: sub}
	if d.IsObject(o) {
		r.ID = d.MemberScalar(o, "id")
		if r.ID == "" {
			// a call permission reply routes on the customer's answer
			r.ID = d.MemberScalar(o, "response")
		}
		r.Title = d.MemberScalar(o, "title")
		if r.Title == "" {
			r.Title = d.MemberScalar(o, "name")
		}
		r.Description = d.MemberScalar(o, "description")
		r.Payload = d.MemberScalar(o, "payload")
		if r.Payload == "" {
			r.Payload = d.Text(d.Member(o, "response_json"))
		}
		if sub == "button_reply" || sub == "list_reply" {
			ev.Text = r.Title
		} else {
			ev.Text = d.MemberScalar(o, "body")
			if ev.Text == "" {
				ev.Text = r.Title
			}
		}
	}
	ev.Reply = r
}

// statusKeys are the members of a status object that fillStatus reads,
// -1 for those missing.
type statusKeys struct {
	id, status, recipientID, message, recipientUserID, recipientParentUserID     int32
	recipientType, recipientParticipantID, typ, timestamp, conversation, pricing int32
	bizOpaque, errors                                                            int32
}

// statusMembers finds them in one pass over the object instead of one per
// key; with a duplicated key the last wins, as with Doc.Member.
func statusMembers(d *jsonspan.Doc, x int32) statusKeys {
	k := statusKeys{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	for f := d.First(x); f >= 0; f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "id":
			k.id = f
		case "status":
			k.status = f
		case "recipient_id":
			k.recipientID = f
		case "message":
			k.message = f
		case "recipient_user_id":
			k.recipientUserID = f
		case "recipient_parent_user_id":
			k.recipientParentUserID = f
		case "recipient_type":
			k.recipientType = f
		case "recipient_participant_id":
			k.recipientParticipantID = f
		case "type":
			k.typ = f
		case "timestamp":
			k.timestamp = f
		case "conversation":
			k.conversation = f
		case "pricing":
			k.pricing = f
		case "biz_opaque_callback_data":
			k.bizOpaque = f
		case "errors":
			k.errors = f
		}
	}
	return k
}

// pricedAt holds a Pricing and the billable flag it points to: one
// allocation instead of two.
type pricedAt struct {
	pricing  Pricing
	billable bool
}

// fillStatus decodes status x into ev, an empty event.
func (m *mdec) fillStatus(ev *Event, x int32) {
	d := m.d
	m.initEvent(ev, KindStatus)
	ev.Raw = d.Raw(x)
	if !d.IsObject(x) {
		return
	}
	k := statusMembers(d, x)
	ev.ID = d.Scalar(k.id)
	ev.Status = normStatus(d.Scalar(k.status))
	ev.To = d.Scalar(k.recipientID)
	if ev.To == "" {
		ev.To = d.MemberScalar(k.message, "recipient_id")
	}
	ev.ToUserID = d.Scalar(k.recipientUserID)
	ev.ToParentUserID = d.Scalar(k.recipientParentUserID)
	// a message sent to a group, and the member a read or delivered is
	// about; statuses of calls and payments say what they are about
	setExtra(ev, "recipient_type", d.Scalar(k.recipientType))
	setExtra(ev, "recipient_participant_id", d.Scalar(k.recipientParticipantID))
	setExtra(ev, "status_type", d.Scalar(k.typ))
	nodeTime(ev, d, k.timestamp)
	if conv, pr := k.conversation, k.pricing; d.IsObject(conv) || d.IsObject(pr) {
		m.pricing(ev, conv, pr)
	}
	setExtra(ev, "biz_opaque_callback_data", d.Scalar(k.bizOpaque))
	ev.Error, ev.Errors = errorsOf(d, k.errors)
}

// pricing reads a status's conversation and pricing objects (either may
// be missing or not an object) into ev.Pricing and two extras.
func (m *mdec) pricing(ev *Event, conv, pr int32) {
	d := m.d
	// One pass over each (the last of a duplicated key wins, as with
	// Doc.Member); a value that is not an object has no members.
	billable, model, category, prType := int32(-1), int32(-1), int32(-1), int32(-1)
	for f := d.First(pr); f >= 0 && d.IsObject(pr); f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "billable":
			billable = f
		case "pricing_model":
			model = f
		case "category":
			category = f
		case "type":
			prType = f
		}
	}
	convID, origin, expiration := int32(-1), int32(-1), int32(-1)
	for f := d.First(conv); f >= 0 && d.IsObject(conv); f = d.Next(f) {
		switch string(d.KeyBytes(f)) {
		case "id":
			convID = f
		case "origin":
			origin = f
		case "expiration_timestamp":
			expiration = f
		}
	}
	box := &pricedAt{}
	p := &box.pricing
	switch d.Kind(billable) {
	case jsonspan.True, jsonspan.False:
		box.billable = d.Kind(billable) == jsonspan.True
		p.Billable = &box.billable
	}
	p.Model = d.Scalar(model)
	p.Category = d.Scalar(category)
	p.Conversation = d.Scalar(convID)
	p.Origin = d.MemberScalar(origin, "type")
	if p.Category == "" {
		p.Category = p.Origin
	}
	ev.Pricing = p
	setExtra(ev, "pricing_type", d.Scalar(prType))
	if exp := d.Scalar(expiration); exp != "" {
		if t, _ := unixTime(exp); t != "" {
			exp = t
		}
		setExtra(ev, "conversation_expiration", exp)
	}
}

// errorOf reads one {code, title, message, details, error_data} object.
func errorOf(d *jsonspan.Doc, e int32) Error {
	if !d.IsObject(e) {
		return Error{Title: d.Scalar(e)}
	}
	er := Error{Code: d.Text(d.Member(e, "code")), Title: d.MemberScalar(e, "title")}
	er.Detail = d.MemberScalar(e, "details")
	if er.Detail == "" {
		er.Detail = d.MemberScalar(d.Member(e, "error_data"), "details")
	}
	if er.Detail == "" {
		er.Detail = d.MemberScalar(e, "message")
	}
	if er.Title == "" {
		er.Title = d.MemberScalar(e, "message")
		if er.Title == er.Detail {
			er.Detail = ""
		}
	}
	return er
}

// errorsOf reads an errors array: the first error, and all of them when
// there are several.
func errorsOf(d *jsonspan.Doc, arr int32) (*Error, []Error) {
	if !d.IsArray(arr) {
		return nil, nil
	}
	var all []Error
	for e := d.First(arr); e >= 0; e = d.Next(e) {
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
	m.setContacts(m.d.Member(root, "contacts"))
	if !m.members(root) {
		m.unknownPart(root, "no messages, statuses or errors")
	}
}

// kaleyraV2 decodes {meta_object:{field, value}, extra_info, status, message_id}.
func (m *mdec) kaleyraV2(root int32) {
	d := m.d
	info := d.Member(root, "extra_info")
	var base extras
	for f := d.First(info); f >= 0; f = d.Next(f) {
		k := d.Kind(f)
		if k == jsonspan.Object || k == jsonspan.Array || k == jsonspan.Null {
			continue
		}
		key := d.Key(f)
		if key == "media_url" {
			m.mediaURL = d.Scalar(f)
			continue
		}
		if v := d.Scalar(f); v != "" {
			base.add(kv{key, v})
		}
	}
	topID := d.MemberScalar(root, "message_id")
	if topID != "" && d.Member(info, "message_id") < 0 {
		base.add(kv{"message_id", topID})
	}
	m.base = base
	before := len(m.events)
	mo := d.Member(root, "meta_object")
	if d.IsObject(mo) && d.Member(mo, "value") >= 0 {
		m.change(mo, -1)
	}
	produced := m.events[before:]
	onlyUnknown := true
	for i := range produced {
		if produced[i].Kind != KindUnknown {
			onlyUnknown = false
		}
	}
	if st := d.MemberScalar(root, "status"); st != "" && onlyUnknown {
		// No statuses[] inside meta_object: the top-level duplicates are
		// all there is. They replace an unknown event for the whole
		// value; elements of arrays wa-cb does not know stay.
		kept := m.events[:before]
		for _, ev := range produced {
			if ev.Extra["array"] != "" {
				kept = append(kept, ev)
			}
		}
		m.events = kept
		ev := m.newEvent(KindStatus)
		ev.ID = topID
		ev.Status = normStatus(st)
		ev.Raw = d.Raw(root)
		m.events = append(m.events, ev)
	}
	if len(m.events) == before {
		m.unknownPart(root, "meta_object without a change value")
	}
}

// normStatus normalises the spellings of the statuses wa-cb knows (case,
// Kaleyra's NOT-SENT, not_sent, "Not Sent"); any other status is kept
// exactly as sent, so that a new one is seen for what it is.
func normStatus(s string) string {
	switch s {
	case "sent", "delivered", "read", "failed", "deleted", "not-sent", "warning", "played":
		return s // the common case: no allocation
	}
	t := strings.TrimSpace(s)
	k := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == '_' || r == ' ':
			return '-'
		}
		return r
	}, t)
	switch k {
	case "sent", "delivered", "read", "failed", "deleted", "not-sent", "warning", "played":
		return k
	case "notsent":
		return "not-sent"
	}
	return t
}

// nodeTime sets ev.Timestamp from the JSON value at i, a Unix time (see
// unixTime); an absent or null value is no time, anything else that is not
// a time (an empty string included) is said in the event's DecodeError.
func nodeTime(ev *Event, d *jsonspan.Doc, i int32) {
	switch {
	case i < 0 || d.Kind(i) == jsonspan.Null:
	case d.Kind(i) == jsonspan.Object || d.Kind(i) == jsonspan.Array:
		setPresentTime(ev, string(d.Raw(i)))
	default:
		setPresentTime(ev, d.Scalar(i))
	}
}

// identityTime reads identity.created_timestamp, which Meta's Cloud API
// sends as a string of Unix seconds and the on-premises client as a number
// of milliseconds: both become RFC 3339; anything else is kept as sent.
func identityTime(s string) string {
	if ts, _ := unixTime(s); ts != "" {
		return ts
	}
	return s
}
