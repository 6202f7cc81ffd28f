package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/fixture"
)

// inboundFixture is each API's default customer message.
var inboundFixture = map[string]string{
	APIKaleyraV1: "incoming-text-query",
	APIKaleyraV2: "kv2-incoming-text",
	APICloud:     "cloud-incoming-text",
}

// inbound: POST /_mock/inbound {"from":"919812345678","text":"Yes please",
// "reply_to":"<id>"} (or "fixture":NAME, "api":kaleyra-v1|kaleyra-v2|cloud):
// a customer message, delivered to the number's Incoming URL (Kaleyra v1),
// the Callback Profile (v2) or the webhook (Cloud).
func (m *Mock) inbound(w http.ResponseWriter, r *http.Request) {
	var req struct {
		API     string `json:"api"`
		From    string `json:"from"`
		Text    string `json:"text"`
		Fixture string `json:"fixture"`
		ReplyTo string `json:"reply_to"`
		// PhoneNumberID is the business number the customer writes to
		// (Cloud); by default the replied-to message's, else the one the
		// app last sent from.
		PhoneNumberID string `json:"phone_number_id"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if _, ok := PhoneDigits(req.PhoneNumberID); req.PhoneNumberID != "" && !ok {
		controlError(w, http.StatusBadRequest, "phone_number_id: want a Cloud API phone number id, as in the path the app sends on (/v21.0/{phone_number_id}/messages)")
		return
	}
	var orig *Message
	if req.ReplyTo != "" {
		if orig = m.store.lookup(req.ReplyTo); orig == nil {
			controlError(w, http.StatusNotFound, "reply_to: no message "+req.ReplyTo)
			return
		}
	}
	api := strings.ToLower(req.API)
	switch {
	case orig != nil && api == "":
		api = orig.API
	case api != "":
		if _, ok := inboundFixture[api]; !ok {
			controlError(w, http.StatusBadRequest, "api must be kaleyra-v1, kaleyra-v2 or cloud")
			return
		}
	case m.cfg.IncomingURL != "":
		api = APIKaleyraV1
	case m.cfg.WebhookURL != "":
		api = APICloud
	case m.cfg.CallbackProfile != "":
		api = APIKaleyraV2
	default:
		controlError(w, http.StatusConflict, "nowhere to deliver a customer message: no Incoming URL (Kaleyra v1), webhook URL (Cloud) or Callback Profile URL (Kaleyra v2) is configured")
		return
	}
	raw, what := m.cfg.IncomingURL, "Incoming URL"
	switch api {
	case APICloud:
		raw, what = m.cfg.WebhookURL, "webhook URL"
	case APIKaleyraV2:
		raw, what = m.cfg.CallbackProfile, "Callback Profile URL"
	}
	target := m.configuredTarget(raw, what)
	if !target.Deliver {
		controlError(w, http.StatusConflict, "customer messages are not delivered: "+target.Rule+": "+target.Reason)
		return
	}
	from := req.From
	if from == "" && orig != nil {
		from = orig.To
	}
	digits, ok := PhoneDigits(from)
	if !ok {
		controlError(w, http.StatusBadRequest, `from: want the customer's number ("919812345678"), or a reply_to whose recipient writes`)
		return
	}
	name := req.Fixture
	if name == "" {
		name = inboundFixture[api]
	}
	fx, err := m.cfg.Catalog.Lookup(name)
	if err != nil {
		controlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if fx.Kind != "message" {
		controlError(w, http.StatusBadRequest, "fixture "+name+" is a "+fx.Kind+", not a customer message")
		return
	}
	var ovs []fixture.Override
	short := func(name, value string) {
		o, _ := fixture.Shorthand(name, value)
		ovs = append(ovs, o)
	}
	short("from", digits)
	if strings.HasPrefix(fx.MessageID(), "wamid.") {
		// Meta's id of a customer's message encodes the customer's number
		short("id", m.rnd.FreshWamid(digits))
	}
	if req.Text != "" {
		short("text", req.Text)
	}
	if orig != nil {
		ctx, _ := json.Marshal(map[string]string{"from": orig.Business, "id": orig.ID})
		switch api {
		case APIKaleyraV1:
			ovs = append(ovs, fixture.Override{Op: fixture.OpSet, Path: "reply_to", Value: orig.ID, Flag: "reply_to"})
			if orig.Business != "" {
				ovs = append(ovs, fixture.Override{Op: fixture.OpSet, Path: "wanumber", Value: orig.Business, Flag: "reply_to"})
			}
		case APIKaleyraV2:
			ovs = append(ovs, fixture.Override{Op: fixture.OpAdd, Path: "meta_object.value.messages.0.context", Value: string(ctx), Raw: true, Flag: "reply_to"})
		case APICloud:
			ovs = append(ovs, fixture.Override{Op: fixture.OpAdd, Path: "entry.0.changes.0.value.messages.0.context", Value: string(ctx), Raw: true, Flag: "reply_to"})
		}
	}
	if api == APICloud {
		pid := req.PhoneNumberID
		if pid == "" && orig != nil && orig.API == APICloud {
			pid = orig.Business
		}
		if pid == "" {
			m.mu.Lock()
			pid = m.lastPhoneID
			m.mu.Unlock()
		}
		ovs = append(ovs, m.cloudMetadata(pid)...)
		if mediaTypes[fx.Type] {
			// the app fetches what the customer sent: its id is one the
			// media endpoints know, with placeholder bytes
			md := m.customerMedia(fx.Type, pid)
			part := "entry.0.changes.0.value.messages.0." + fx.Type + "."
			ovs = append(ovs,
				fixture.Override{Op: fixture.OpSet, Path: part + "id", Value: md.ID, Flag: "mock"},
				fixture.Override{Op: fixture.OpSet, Path: part + "mime_type", Value: md.MIME, Flag: "mock"},
				fixture.Override{Op: fixture.OpSet, Path: part + "sha256", Value: md.sha256Base64(), Flag: "mock"})
		}
	}
	rendered, err := m.rnd.Render(fx, fixture.RenderOptions{Overrides: ovs})
	if err != nil {
		controlError(w, http.StatusBadRequest, err.Error())
		return
	}
	sreq, err := m.request(target.To, rendered)
	if err != nil {
		controlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	id := fixture.MessageIDOf(fx, rendered)
	m.mu.Lock()
	if _, known := m.lastInbound[digits]; !known && len(m.lastInbound) >= m.cfg.Keep {
		// bounded like the store: the customer who wrote longest ago goes
		var oldest string
		for n, at := range m.lastInbound {
			if oldest == "" || at.Before(m.lastInbound[oldest]) {
				oldest = n
			}
		}
		delete(m.lastInbound, oldest)
	}
	m.lastInbound[digits] = m.sched.Now()
	m.mu.Unlock()
	rec := Record{Kind: KindInbound, API: api, ID: id, To: digits, URL: sreq.URL, Type: fx.TypeOrStatus()}
	if orig != nil {
		rec.Context = orig.ID
	}
	m.emit(rec)
	msg := &Message{ID: id, API: api, To: digits, Type: "inbound", Callback: target, Accepted: m.sched.Now()}
	if orig != nil {
		msg.Context = orig.ID
	}
	s := step{status: "inbound"}
	if !m.pool.Submit(func() {
		if api == APICloud {
			if ok, why := m.handshake(target.To); !ok {
				m.skip(msg, target.To, RuleHandshake, why)
				return
			}
		}
		m.send(msg, s.status, sreq, 1, func(wait time.Duration) bool {
			return m.sched.After(wait, func() { m.dispatch(msg, msg.gen, s, &sreq, 2) })
		})
	}) {
		m.overflow(msg, s.status)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "api": api, "url": sreq.URL})
}
