package mock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// Rule ids of skipped callbacks beyond validate-url's own.
const (
	RuleNoCallbackURL = "no-callback-url"  // the request named no callback_url
	RuleNoTarget      = "no-target"        // no --callback-profile / --webhook-url / --incoming-url
	RuleNoRoute       = "no-route"         // a host off this machine with no --route
	RuleLoopback      = "loopback"         // --strict: Kaleyra never reaches this machine
	RuleOverflow      = "overflow"         // too many callbacks pending or queued
	RuleRendered      = "render-failed"    // the fixture could not be rendered
	RuleHandshake     = "handshake-failed" // the webhook failed Meta's verification handshake
)

// step is one planned status callback.
type step struct {
	status string
	at     time.Duration // after acceptance, before --speed
	code   int           // error code of a failed status (0: the fixture's)
	title  string
	twice  bool // delivered a second time, byte for byte
	// due is when the status happens (mock time): its timestamp.
	due time.Time
}

// plan is the status sequence of a message to recipient magic on api.
func (m *Mock) plan(api, magic string) []step {
	d := m.cfg.Delays
	sent := step{status: "sent", at: d.Sent}
	delivered := step{status: "delivered", at: d.Delivered}
	read := step{status: "read", at: d.Read}
	failed := func(code int, title string) step {
		return step{status: "failed", at: d.Delivered, code: code, title: title}
	}
	switch magic {
	case MagicUndeliverable:
		return []step{sent, failed(131026, "Message undeliverable")}
	case MagicWindow:
		return []step{sent, failed(131047, "Re-engagement message")}
	case MagicNotSent:
		if api == APICloud {
			f := failed(131000, "Something went wrong")
			f.at = d.Sent
			return []step{f}
		}
		return []step{{status: "not-sent", at: d.Sent}}
	case MagicNeverRead:
		return []step{sent, delivered}
	case MagicTwice:
		steps := []step{sent, delivered, read}
		for i := range steps {
			steps[i].twice = true
		}
		return steps
	case MagicReadFirst:
		r, dl := read, delivered
		r.at, dl.at = d.Delivered, d.Read
		return []step{sent, r, dl}
	}
	return []step{sent, delivered, read}
}

// accept stores a message and schedules its callbacks.
func (m *Mock) accept(msg *Message) {
	m.stats.messages.Add(1)
	steps := m.plan(msg.API, msg.Magic)
	for _, s := range steps {
		msg.Plan = append(msg.Plan, s.status)
		if s.twice {
			msg.Plan = append(msg.Plan, s.status)
		}
	}
	if n := m.store.Add(msg); n > 0 {
		m.stats.dropped.Add(int64(n))
	}
	t := msg.Callback
	if t == nil {
		m.skip(msg, "", RuleNoCallbackURL, "the request has no callback_url, so no status callback is made")
		return
	}
	if !t.Deliver {
		m.skip(msg, t.URL, t.Rule, t.Reason)
		return
	}
	gen := msg.gen
	for _, s := range steps {
		s.due = msg.Accepted.Add(m.scaled(s.at))
		if !m.sched.At(s.due, func() { m.dispatch(msg, gen, s, nil, 1) }) {
			m.overflow(msg, s.status)
		}
	}
}

func (m *Mock) skip(msg *Message, u, rule, reason string) {
	m.stats.skipped.Add(1)
	m.emit(Record{Kind: KindCallbackSkipped, API: msg.API, ID: msg.ID, To: msg.To, URL: u, Rule: rule, Reason: reason})
}

func (m *Mock) overflow(msg *Message, status string) {
	m.stats.overflow.Add(1)
	m.emit(Record{Kind: KindCallbackSkipped, API: msg.API, ID: msg.ID, Status: status, Rule: RuleOverflow,
		Reason: fmt.Sprintf("too many callbacks waiting (%d scheduled, the most the mock keeps): this one is not made", m.sched.Len())})
}

// dispatch hands a due callback to the pool, unless its message's plan
// was cancelled since. It runs on the scheduler's goroutine and waits for
// room in the pool's queue, so under load callbacks go out late, not lost.
func (m *Mock) dispatch(msg *Message, gen int, s step, req *sender.Request, attempt int) {
	cancelled := false
	var l *lane
	m.store.Update(msg, func(mm *Message) {
		cancelled = mm.gen != gen
		if mm.lane == nil {
			mm.lane = &lane{}
		}
		l = mm.lane
	})
	if cancelled {
		return
	}
	if l.add(func() { m.deliver(msg, gen, s, req, attempt) }) {
		m.pool.Put(l.drain)
	}
}

// lane delivers one message's callbacks one at a time, in the order they
// fell due. Handed to the pool one by one, statuses due together (after a
// clock advance, a handshake, a slow app) raced on the workers, and a read
// could overtake the delivered due before it.
type lane struct {
	mu      sync.Mutex
	queue   []func()
	running bool
}

// add queues job and reports whether the lane needs a worker to drain it.
func (l *lane) add(job func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queue = append(l.queue, job)
	if l.running {
		return false
	}
	l.running = true
	return true
}

// drain runs the lane's jobs in order until none is left.
func (l *lane) drain() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		job := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.mu.Unlock()
		job()
	}
}

// later schedules a callback to go out as soon as a worker is free
// (callers on a worker or a handler must not wait for the pool).
func (m *Mock) later(msg *Message, gen int, s step, req *sender.Request, attempt int) {
	if !m.sched.After(0, func() { m.dispatch(msg, gen, s, req, attempt) }) {
		m.overflow(msg, s.status)
	}
}

// deliver makes one attempt of a callback and schedules the next one when
// it failed.
func (m *Mock) deliver(msg *Message, gen int, s step, req *sender.Request, attempt int) {
	if msg.API == APICloud {
		if ok, why := m.handshake(msg.Callback.To); !ok {
			m.skip(msg, msg.Callback.To, RuleHandshake, why)
			return
		}
	}
	if req == nil {
		r, err := m.renderStatus(msg, s)
		if err != nil {
			m.skip(msg, msg.Callback.To, RuleRendered, err.Error())
			return
		}
		req = &r
		if s.twice {
			again := s
			again.twice = false
			defer m.later(msg, gen, again, req, 1)
		}
	}
	m.send(msg, s.status, *req, attempt, func(wait time.Duration) bool {
		return m.sched.After(wait, func() { m.dispatch(msg, gen, s, req, attempt+1) })
	})
}

// send delivers req, records the attempt and, when it failed and tries
// are left, asks retry to schedule the next one.
func (m *Mock) send(msg *Message, status string, req sender.Request, attempt int, retry func(time.Duration) bool) {
	sign := msg.API != APIKaleyraV1
	// the wall clock, as the app's calls are stamped: the inspector lists
	// both in the order they really happened, even after the mock's clock
	// was advanced
	sentAt := time.Now()
	res := m.snd.Deliver(m.ctx, req, sign)
	m.stats.sent.Add(1)
	rec := Record{Kind: KindCallback, Time: m.sched.Now(), API: msg.API, ID: msg.ID, To: msg.To, Status: status, Method: req.Method, URL: req.URL,
		Attempt: attempt, Answer: res.Status, LatencyMS: res.LatencyMS, Signed: res.Signed, Error: res.Error}
	if !res.OK {
		rec.Response = res.Response
	}
	if msg.Callback != nil {
		rec.Note = msg.Callback.Note
	}
	if res.Status != 0 && msg.Type != "inbound" {
		// the app got this status (whatever it answered)
		n := m.life.Load().Observe(msg.ID, status, m.sched.Now())
		rec.Lifecycle = &n
	}
	if res.OK {
		m.stats.ok.Add(1)
	} else {
		m.stats.failed.Add(1)
		if attempt < m.cfg.Retry.Attempts {
			wait := m.scaled(m.cfg.Retry.Wait(attempt))
			if retry(wait) {
				rec.RetryInMS = float64(wait.Microseconds()) / 1000
			} else {
				rec.GaveUp = true
			}
		} else {
			rec.GaveUp = true
		}
	}
	m.store.Update(msg, func(mm *Message) {
		mm.Callbacks = append(mm.Callbacks, Attempt{Status: status, URL: req.URL, Attempt: attempt, At: m.sched.Now(),
			Answer: res.Status, LatencyMS: res.LatencyMS, Response: res.Response, Error: res.Error})
	})
	m.emit(rec)
	if m.cfg.Exchanges != nil {
		m.observeCallback(req, res, rec, sentAt)
	}
}

// statusFixtures names each API's status fixture for a status.
func statusFixture(api, status string) string {
	switch api {
	case APIKaleyraV2:
		if status == "not-sent" {
			return "kv2-status-failed" // v2 has NOT-SENT but the catalogue has no fixture of it
		}
		return "kv2-status-" + status
	case APICloud:
		return "cloud-status-" + status
	}
	return "status-" + status
}

// renderStatus builds the status callback of msg from the fixture
// catalogue, as `wa-cb send lifecycle` does: the family's status fixture
// with the message's id, recipient and references set.
func (m *Mock) renderStatus(msg *Message, s step) (sender.Request, error) {
	name := statusFixture(msg.API, s.status)
	fx, err := m.cfg.Catalog.Lookup(name)
	if err != nil {
		return sender.Request{}, err
	}
	var ovs []fixture.Override
	short := func(name, value string) {
		o, _ := fixture.Shorthand(name, value)
		ovs = append(ovs, o)
	}
	set := func(path, value string, raw bool) {
		ovs = append(ovs, fixture.Override{Op: fixture.OpSet, Path: path, Value: value, Raw: raw, Flag: "mock"})
	}
	short("id", msg.ID)
	switch msg.API {
	case APIKaleyraV1:
		short("recipient", "+"+msg.To)
		for _, k := range []string{"ref", "ref1", "ref2"} {
			if v, ok := msg.Refs[k]; ok {
				ovs = append(ovs, fixture.Override{Op: fixture.OpAdd, Path: k, Value: v, Flag: "mock"})
			}
		}
		if s.code != 0 {
			set("error_code", strconv.Itoa(s.code), false)
			set("error", s.title, false)
		}
	default:
		short("recipient", msg.To)
		if s.status == "not-sent" {
			short("status", "not-sent")
		}
		if s.code != 0 {
			set("**.errors.*.code", strconv.Itoa(s.code), true)
			set("**.errors.*.title", s.title, false)
			set("**.errors.*.message", s.title, false)
			set("**.errors.*.error_data.details", s.title, false)
		}
		statuses := "entry.*.changes.*.value.statuses.*."
		if msg.API == APIKaleyraV2 {
			statuses = "meta_object.value.statuses.*."
		}
		if msg.Group {
			// statuses of a group message say so, beside the group's id
			ovs = append(ovs, fixture.Override{Op: fixture.OpAdd, Path: statuses + "recipient_type", Value: "group", Flag: "mock"})
		}
		if msg.Opaque != "" {
			ovs = append(ovs, fixture.Override{Op: fixture.OpAdd, Path: statuses + "biz_opaque_callback_data", Value: msg.Opaque, Flag: "mock"})
		}
		if bytes.Contains(fx.Body, []byte(`"conversation":{"id":`)) {
			// Meta names one conversation in every status of a message
			set(statuses+"conversation.id", conversationID(msg.ID), false)
		}
		if msg.API == APIKaleyraV2 {
			set("meta_object.value.metadata.display_phone_number", msg.Business, false)
			for _, k := range []string{"ref", "ref1", "ref2"} {
				set("extra_info."+k, msg.Refs[k], false)
			}
		} else {
			ovs = append(ovs, m.cloudMetadata(msg.Business)...)
		}
	}
	due := s.due
	if due.IsZero() {
		due = m.sched.Now()
	}
	rnd := &fixture.Renderer{Now: func() time.Time { return due }, Rand: m.cfg.Renderer.Rand}
	req, err := rnd.Render(fx, fixture.RenderOptions{Overrides: ovs})
	if err != nil {
		return sender.Request{}, err
	}
	return m.request(msg.Callback.To, req)
}

// cloudMetadata names the app's number in a Cloud webhook: the
// phone_number_id it sent from ("" keeps the fixture's) and the display
// number.
func (m *Mock) cloudMetadata(phoneID string) []fixture.Override {
	const md = "entry.*.changes.*.value.metadata."
	ovs := []fixture.Override{{Op: fixture.OpSet, Path: md + "display_phone_number", Value: m.cfg.DisplayNumber, Flag: "mock"}}
	if phoneID != "" {
		ovs = append(ovs, fixture.Override{Op: fixture.OpSet, Path: md + "phone_number_id", Value: phoneID, Flag: "mock"})
	}
	return ovs
}

// request turns a rendered fixture into the delivery to target: the
// fixture's query after the target's own, as Kaleyra appends its
// parameters to the callback_url.
func (m *Mock) request(target string, req *fixture.Request) (sender.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return sender.Request{}, err
	}
	h := req.Header.Clone()
	if h == nil {
		h = map[string][]string{}
	}
	return sender.Request{Name: req.Fixture, Method: req.Method, URL: sender.JoinURL(u, req.Path, req.RawQuery), Header: h, Body: req.Body}, nil
}

// judgeCallbackURL decides where a valid callback_url's callbacks go.
// v is validate-url's verdict on it.
func (m *Mock) judgeCallbackURL(v urlcheck.Result) *Target {
	t := &Target{URL: v.URL, Verdict: string(v.Verdict), Rule: v.Rule, Reason: v.Reason}
	return m.place(t, v, true)
}

// judgeConfiguredURL decides where callbacks to a configured URL
// (Callback Profile, webhook, Incoming URL) go: no whitelist applies.
func (m *Mock) judgeConfiguredURL(raw string) *Target {
	v := urlcheck.New(urlcheck.Options{}).Check(raw)
	t := &Target{URL: raw, Rule: v.Rule, Reason: v.Reason}
	if v.Verdict == urlcheck.Invalid {
		return t
	}
	return m.place(t, v, false)
}

// place applies the only-local rule: a loopback host is called directly
// (with a note; not at all under --strict unless whitelisted), any other
// host only when whitelisted and routed.
func (m *Mock) place(t *Target, v urlcheck.Result, whitelist bool) *Target {
	if isLocalHost(v.Host) {
		switch {
		case m.cfg.Strict && whitelist && v.Verdict == urlcheck.NotWhitelisted:
			return t
		case m.cfg.Strict && whitelist:
			t.Rule, t.Reason = RuleLoopback, "strict: "+v.Host+" is this machine, which Kaleyra never reaches"
			return t
		}
		t.Deliver, t.To = true, localURL(v)
		if whitelist {
			t.Note = "Kaleyra would never reach " + v.Host + " (this machine); called back because this is local testing"
		}
		if t.To != v.URL {
			t.Note = strings.TrimPrefix(t.Note+"; called at "+t.To, "; ")
		}
		return t
	}
	if whitelist && v.Verdict == urlcheck.NotWhitelisted {
		return t
	}
	base, ok := m.cfg.Routes[v.Host]
	if !ok {
		t.Rule = RuleNoRoute
		t.Reason = v.Host + " is not on this machine and no route maps it to a local URL: the mock never calls a host off this machine"
		return t
	}
	u, err := url.Parse(v.URL)
	if err != nil {
		t.Rule, t.Reason = urlcheck.RuleParseError, err.Error()
		return t
	}
	t.Deliver, t.To = true, sender.JoinURL(base, u.EscapedPath(), u.RawQuery)
	t.Note = "routed: " + v.Host + " → " + base.Host
	return t
}

// conversationID is the conversation a message's statuses name: 32 hex
// digits, as Meta's, the same for every status of the message.
func conversationID(messageID string) string {
	sum := sha256.Sum256([]byte(messageID))
	return hex.EncodeToString(sum[:16])
}

// localURL is a local callback URL with its host written the one way the
// HTTP client dials it: the IP spellings validate-url reads as loopback
// (127.1, 2130706433, 0x7f.1) as the address itself, and
// a name under .localhost (or localhost.) as localhost. Dialled as
// written, they would be looked up in DNS, off this machine, and fail.
func localURL(v urlcheck.Result) string {
	u, err := url.Parse(v.URL)
	if err != nil {
		return v.URL
	}
	host := v.Host
	if !strings.HasPrefix(host, "[") {
		if _, err := netip.ParseAddr(host); err != nil {
			host = "localhost"
		}
	}
	if v.Port != "" {
		host += ":" + v.Port
	}
	if u.Host == host {
		return v.URL
	}
	u.Host = host
	return u.String()
}

// isLocalHost reports whether a normalised host (validate-url's: IPv6 in
// brackets) is this machine: localhost, a name under .localhost or a
// loopback address.
func isLocalHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && ip.Unmap().IsLoopback()
}
