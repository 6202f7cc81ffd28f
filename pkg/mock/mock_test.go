package mock

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// app is a callback target that records what it gets and answers with
// the statuses queued in answers (200 once they run out).
type app struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []callback.Request
	answers []int
}

func newApp(t *testing.T) *app {
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.got = append(a.got, callback.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: b})
		status := 200
		if len(a.answers) > 0 {
			status, a.answers = a.answers[0], a.answers[1:]
		}
		a.mu.Unlock()
		if r.URL.Query().Get("hub.mode") == "subscribe" {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) requests() []callback.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]callback.Request(nil), a.got...)
}

// harness is a mock on a fake clock whose records arrive on a channel.
type harness struct {
	t     *testing.T
	m     *Mock
	clk   *fakeClock
	recs  chan Record
	extra []Record
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clk: newFakeClock(), recs: make(chan Record, 1000)}
	cfg.Clock = h.clk
	cfg.Catalog = fixture.NewCatalog(fxs)
	cfg.Sender = &sender.Sender{Client: &http.Client{Timeout: 10 * time.Second}}
	cfg.Observe = func(r Record) { h.recs <- r }
	if cfg.Delays == (Delays{}) {
		cfg.Delays = DefaultDelays
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h.m = m
	return h
}

// do sends one request to the mock and decodes the JSON answer.
func (h *harness) do(method, target, ctype, body string, header ...string) (int, map[string]any) {
	h.t.Helper()
	w := h.raw(method, target, ctype, body, header...)
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		h.t.Fatalf("%s %s: answer %d is not JSON: %q", method, target, w.Code, w.Body)
	}
	return w.Code, v
}

// raw sends one request to the mock and returns the whole answer.
func (h *harness) raw(method, target, ctype, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr, r.Host = "127.0.0.1:5555", "127.0.0.1:4290"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.m.ServeHTTP(w, r)
	return w
}

// next waits for the next record of kind (others are kept aside).
func (h *harness) next(kind string) Record {
	h.t.Helper()
	for i, r := range h.extra {
		if r.Kind == kind {
			h.extra = append(h.extra[:i], h.extra[i+1:]...)
			return r
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-h.recs:
			if r.Kind == kind {
				return r
			}
			h.extra = append(h.extra, r)
		case <-timeout:
			h.t.Fatalf("no %s record came; had %+v", kind, h.extra)
		}
	}
}

// none checks that no record of kind is waiting.
func (h *harness) none(kind string) {
	h.t.Helper()
	for {
		select {
		case r := <-h.recs:
			h.extra = append(h.extra, r)
			continue
		default:
		}
		break
	}
	for _, r := range h.extra {
		if r.Kind == kind {
			h.t.Fatalf("unexpected %s record %+v", kind, r)
		}
	}
}

func v1Form(to, callbackURL string, extra ...string) string {
	v := url.Values{"channel": {"whatsapp"}, "from": {"918012340128"}, "to": {to}, "type": {"text"}, "body": {"Hello"}}
	if callbackURL != "" {
		v.Set("callback_url", callbackURL)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

const form = "application/x-www-form-urlencoded"

func TestKaleyraV1Lifecycle(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{})
	code, ans := h.do("POST", "/v1/HXAP16XXXXXX97IN/messages", form, v1Form("+919812345678", a.srv.URL+"/kaleyra?tenant=7", "ref", "order-4821"))
	if code != 200 {
		t.Fatalf("answer %d %v", code, ans)
	}
	id, _ := ans["id"].(string)
	if len(id) != 38 || !strings.HasSuffix(id, ":0") {
		t.Fatalf("id %q", id)
	}
	if rec := h.next(KindAPICall); rec.ID != id || rec.Answer != 200 {
		t.Errorf("api-call record %+v", rec)
	}
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{200 * time.Millisecond, "sent"}, {800 * time.Millisecond, "delivered"}} {
		h.clk.Advance(step.advance)
		if rec := h.next(KindCallback); rec.Status != step.want || rec.Answer != 200 || rec.ID != id {
			t.Fatalf("callback record %+v, want %s", rec, step.want)
		}
	}
	h.none(KindCallback)
	h.clk.Advance(2 * time.Second)
	h.next(KindCallback)
	got := a.requests()
	if len(got) != 3 {
		t.Fatalf("%d callbacks", len(got))
	}
	for i, want := range []string{"sent", "delivered", "read"} {
		r := got[i]
		if r.Method != "GET" || r.Path != "/kaleyra" || !strings.HasPrefix(r.RawQuery, "tenant=7&id=") {
			t.Errorf("callback %d: %s %s?%s", i, r.Method, r.Path, r.RawQuery)
		}
		ev := callback.Decode(r)[0]
		if ev.Status != want || ev.ID != id || ev.To != "+919812345678" || ev.Extra["ref"] != "order-4821" || ev.DecodeError != "" {
			t.Errorf("callback %d decodes to %+v", i, ev)
		}
		// the timestamps are the mock's clock
		if ev.Timestamp != h.clk.now.Add(-3*time.Second).Add(map[string]time.Duration{"sent": 200 * time.Millisecond, "delivered": time.Second, "read": 3 * time.Second}[want]).Truncate(time.Second).Format(time.RFC3339) {
			t.Errorf("callback %d timestamp %s", i, ev.Timestamp)
		}
	}
	msg, ok := h.m.Message(id)
	if !ok || len(msg.Callbacks) != 3 || msg.Callback == nil || !msg.Callback.Deliver || !strings.Contains(msg.Callback.Note, "never reach") {
		t.Errorf("stored message %+v", msg)
	}
	if st := h.m.Stats(); st.CallbacksOK != 3 || st.Messages != 1 || st.APICalls != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestKaleyraV1Refusals(t *testing.T) {
	h := newHarness(t, Config{APIKey: "k3y", SID: "HXAP16XXXXXX97IN"})
	path := "/v1/HXAP16XXXXXX97IN/messages"
	tests := []struct {
		name, target, body string
		header             []string
		wantStatus         int
		wantCode, wantKey  string
	}{
		{"no key", path, v1Form("919812345678", ""), nil, 401, "RBC001", "api-key"},
		{"wrong key", path, v1Form("919812345678", ""), []string{"api-key", "nope"}, 401, "RBC001", "api-key"},
		{"wrong SID", "/v1/OTHER/messages", v1Form("919812345678", ""), []string{"api-key", "k3y"}, 401, "RBC001", "sid"},
		{"E413", path, v1Form("919812345678", "https://hooks.example.com/a b"), []string{"api-key", "k3y"}, 400, "E413", "callback_url"},
		{"E413 fragment", path, v1Form("919812345678", "https://hooks.example.com/cb#x"), []string{"api-key", "k3y"}, 400, "E413", "callback_url"},
		{"bad number", path, v1Form("12ab", ""), []string{"api-key", "k3y"}, 400, "E400", "to"},
		{"magic 4007", path, v1Form("919800004007", ""), []string{"api-key", "k3y"}, 400, "E400", "to"},
		{"magic 4008", path, v1Form("919800004008", ""), []string{"api-key", "k3y"}, 500, "E500", "server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ans := h.do("POST", tt.target, form, tt.body, tt.header...)
			errObj, _ := ans["error"].(map[string]any)
			if code != tt.wantStatus || ans["code"] != tt.wantCode || errObj[tt.wantKey] == nil {
				t.Fatalf("answer %d %v, want %d %s about %s", code, ans, tt.wantStatus, tt.wantCode, tt.wantKey)
			}
			if tt.wantCode == "E413" {
				if msg, _ := ans["message"].(string); !strings.Contains(msg, "The Callback URL format is invalid.") || !strings.Contains(msg, "rule "+urlcheck.RuleControlOrSpace) && !strings.Contains(msg, "rule "+urlcheck.RuleFragment) {
					t.Errorf("E413 message %q names no rule", msg)
				}
			}
		})
	}
	// the key as a form field, and the 4008 retry that now succeeds
	code, ans := h.do("POST", path, form, v1Form("919800004008", "", "api-key", "k3y"))
	if code != 200 {
		t.Fatalf("retry of 4008: %d %v", code, ans)
	}
}

func TestKaleyraV1Whitelist(t *testing.T) {
	a := newApp(t)
	var b urlcheck.Builder
	b.AddList("example.com", "--whitelist")
	wl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	route, _ := url.Parse(a.srv.URL + "/app")
	h := newHarness(t, Config{Checker: urlcheck.New(urlcheck.Options{Whitelist: wl}), Whitelist: true,
		Routes: map[string]*url.URL{"hooks.example.com": route}})
	send := func(cb string) string {
		code, ans := h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", cb))
		if code != 200 {
			t.Fatalf("%s: %d %v", cb, code, ans)
		}
		return ans["id"].(string)
	}
	// not whitelisted: accepted, no callback, the rule says why
	id := send("https://other.org/cb")
	if rec := h.next(KindCallbackSkipped); rec.ID != id || rec.Rule != urlcheck.RuleNotWhitelisted {
		t.Errorf("skip %+v", rec)
	}
	// whitelisted without a route: not delivered
	id = send("https://api.example.com/cb")
	if rec := h.next(KindCallbackSkipped); rec.ID != id || rec.Rule != RuleNoRoute || !strings.Contains(rec.Reason, "api.example.com is not on this machine") {
		t.Errorf("skip %+v", rec)
	}
	// whitelisted and routed: path and query kept, under the route's path
	id = send("https://hooks.example.com/kaleyra/status?x=1")
	h.clk.Advance(3 * time.Second)
	for range 3 {
		if rec := h.next(KindCallback); rec.ID != id || !strings.HasPrefix(rec.URL, a.srv.URL+"/app/kaleyra/status?x=1&id=") || !strings.HasPrefix(rec.Note, "routed") {
			t.Errorf("callback %+v", rec)
		}
	}
	// loopback is called back with a note; not under a whitelist... unless --strict
	h.m.cfg.Strict = true
	send(a.srv.URL + "/direct")
	if rec := h.next(KindCallbackSkipped); rec.Rule != urlcheck.RuleIPHost {
		t.Errorf("strict loopback: %+v", rec)
	}
	if n := len(a.requests()); n != 3 {
		t.Errorf("%d callbacks reached the app, want 3", n)
	}
}

func TestRetriesWithBackoff(t *testing.T) {
	a := newApp(t)
	a.answers = []int{503, 500}
	h := newHarness(t, Config{Delays: Delays{Sent: 0, Delivered: time.Hour, Read: 2 * time.Hour}})
	h.do("POST", "/v1/SID/messages", form, v1Form("919800004004", a.srv.URL))
	h.clk.Advance(0)
	first := h.next(KindCallback)
	if first.Answer != 503 || first.Attempt != 1 || first.RetryInMS != 1000 {
		t.Fatalf("first try %+v", first)
	}
	h.clk.Advance(time.Second)
	second := h.next(KindCallback)
	if second.Answer != 500 || second.Attempt != 2 || second.RetryInMS != 4000 {
		t.Fatalf("second try %+v", second)
	}
	h.clk.Advance(3 * time.Second)
	h.none(KindCallback)
	h.clk.Advance(time.Second)
	if third := h.next(KindCallback); third.Answer != 200 || third.Attempt != 3 {
		t.Fatalf("third try %+v", third)
	}
	got := a.requests()
	if len(got) != 3 || got[0].RawQuery != got[2].RawQuery {
		t.Errorf("the retries are not the same request: %v", got)
	}
}

func TestRetryGivesUp(t *testing.T) {
	a := newApp(t)
	a.answers = []int{500, 500, 500, 500, 500}
	h := newHarness(t, Config{Retry: RetryPolicy{Attempts: 2, First: time.Second, Factor: 2}, Speed: 10,
		Delays: Delays{Sent: 0, Delivered: time.Hour, Read: time.Hour}})
	h.do("POST", "/v1/SID/messages", form, v1Form("919800004004", a.srv.URL))
	h.clk.Advance(0)
	if r := h.next(KindCallback); r.RetryInMS != 100 {
		t.Fatalf("--speed 10 divides the backoff: %+v", r)
	}
	h.clk.Advance(100 * time.Millisecond)
	if r := h.next(KindCallback); !r.GaveUp || r.Attempt != 2 {
		t.Fatalf("last try %+v", r)
	}
}

func TestPlans(t *testing.T) {
	h := newHarness(t, Config{})
	str := func(steps []step) string {
		var s []string
		for _, st := range steps {
			x := st.status
			if st.code != 0 {
				x += "/" + strconv.Itoa(st.code)
			}
			if st.twice {
				x += "×2"
			}
			s = append(s, x)
		}
		return strings.Join(s, " ")
	}
	tests := []struct{ api, number, want string }{
		{APIKaleyraV1, "919812345678", "sent delivered read"},
		{APIKaleyraV1, "919800004001", "sent failed/131026"},
		{APICloud, "15550004002", "sent failed/131047"},
		{APIKaleyraV1, "919800004003", "not-sent"},
		{APIKaleyraV2, "919800004003", "not-sent"},
		{APICloud, "15550004003", "failed/131000"},
		{APICloud, "15550004004", "sent delivered"},
		{APICloud, "15550004005", "sent×2 delivered×2 read×2"},
		{APIKaleyraV1, "919800004006", "sent read delivered"},
	}
	for _, tt := range tests {
		if got := str(h.m.plan(tt.api, magicOf(tt.number))); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.api, tt.number, got, tt.want)
		}
	}
}

func TestRetryTargetDown(t *testing.T) {
	a := newApp(t)
	down := a.srv.URL
	a.srv.Close()
	h := newHarness(t, Config{Retry: RetryPolicy{Attempts: 2, First: time.Second, Factor: 2},
		Delays: Delays{Sent: 0, Delivered: time.Hour, Read: time.Hour}})
	h.do("POST", "/v1/SID/messages", form, v1Form("919800004004", down+"/cb"))
	h.clk.Advance(0)
	if r := h.next(KindCallback); r.Answer != 0 || r.Error != "connection refused" || r.RetryInMS != 1000 {
		t.Fatalf("first try %+v", r)
	}
	h.clk.Advance(time.Second)
	if r := h.next(KindCallback); r.Error != "connection refused" || !r.GaveUp {
		t.Fatalf("last try %+v", r)
	}
}

func TestForcedStatusCancelsThePlan(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{})
	_, ans := h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", a.srv.URL+"/cb"))
	id := ans["id"].(string)
	h.clk.Advance(200 * time.Millisecond)
	h.next(KindCallback) // sent
	code, got := h.do("POST", "/_mock/messages/"+url.PathEscape(id)+"/status", "application/json", `{"status":"failed","code":131047}`)
	if code != 202 || got["status"] != "failed" {
		t.Fatalf("%d %v", code, got)
	}
	h.clk.Advance(0)
	rec := h.next(KindCallback)
	if rec.Status != "failed" || rec.ID != id {
		t.Fatalf("forced callback %+v", rec)
	}
	h.clk.Advance(10 * time.Second) // delivered and read were due: cancelled
	h.none(KindCallback)
	reqs := a.requests()
	ev := callback.Decode(reqs[len(reqs)-1])[0]
	if ev.Status != "failed" || ev.Error == nil || ev.Error.Code != "131047" {
		t.Errorf("forced status decodes to %+v", ev)
	}
	for _, bad := range []string{`{"status":"lost"}`, `{"status":"read","code":1}`, `{"stat":"read"}`} {
		if code, _ := h.do("POST", "/_mock/messages/"+url.PathEscape(id)+"/status", "application/json", bad); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	if code, _ := h.do("POST", "/_mock/messages/nope/status", "application/json", `{"status":"read"}`); code != 404 {
		t.Errorf("unknown message: %d", code)
	}
	msg, _ := h.m.Message(id)
	if got := strings.Join(msg.Plan, " "); got != "sent delivered read failed" {
		t.Errorf("plan %q", got)
	}
}

func TestEventsStream(t *testing.T) {
	h := newHarness(t, Config{})
	srv := httptest.NewServer(h.m)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/_mock/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	if line, _ := rd.ReadString('\n'); !strings.HasPrefix(line, ":") {
		t.Fatalf("first line %q", line)
	}
	// the stream is subscribed once its first comment is written
	h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", ""))
	var lines []string
	for len(lines) < 2 || lines[len(lines)-1] != "" {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line = strings.TrimRight(line, "\n"); line != "" || len(lines) > 0 {
			lines = append(lines, line)
		}
	}
	if lines[0] != "event: api-call" || !strings.HasPrefix(lines[1], `data: {"kind":"api-call",`) {
		t.Errorf("event %q", lines)
	}
}

func TestAbortCancelsCallbacksInFlight(t *testing.T) {
	arrived := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // an app that never answers
	}))
	defer slow.Close()
	h := newHarness(t, Config{Delays: Delays{Sent: 0, Delivered: time.Hour, Read: time.Hour}})
	h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", slow.URL+"/cb"))
	h.clk.Advance(0)
	<-arrived
	h.m.Abort()
	if rec := h.next(KindCallback); rec.Error != "cancelled" || !rec.GaveUp {
		t.Fatalf("aborted callback %+v", rec)
	}
	if n := h.m.Close(); n != 0 {
		t.Errorf("%d callbacks still scheduled after Abort", n)
	}
}

func TestKaleyraV1SeveralRecipients(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{})
	code, ans := h.do("POST", "/v1/SID/messages", "application/json",
		`{"channel":"whatsapp","type":"template","template_name":"order_update","params":"Ravi,4821","from":"918012340128","to":["919812345678","+919800004004"],"callback_url":"`+a.srv.URL+`/cb"}`)
	if code != 200 || ans["totalCount"].(float64) != 2 {
		t.Fatalf("%d %v", code, ans)
	}
	data := ans["data"].([]any)
	first, second := data[0].(map[string]any), data[1].(map[string]any)
	uuid := strings.TrimSuffix(first["message_id"].(string), ":0")
	if ans["id"] != uuid+":0" || second["message_id"] != uuid+":1" || second["recipient"] != "919800004004" {
		t.Fatalf("data %v", data)
	}
	if rec := h.next(KindAPICall); len(rec.IDs) != 2 {
		t.Errorf("api-call record ids %v", rec.IDs)
	}
	h.clk.Advance(3 * time.Second)
	seen := map[string]int{}
	for range 5 { // three for the first, sent and delivered for the 4004 number
		r := h.next(KindCallback)
		seen[r.ID+" "+r.Status]++
	}
	h.none(KindCallback)
	if seen[uuid+":0 read"] != 1 || seen[uuid+":1 delivered"] != 1 || seen[uuid+":1 read"] != 0 {
		t.Errorf("callbacks %v", seen)
	}
	// one refused number refuses the whole call
	code, ans = h.do("POST", "/v1/SID/messages", form, v1Form("919812345678,919800004007", a.srv.URL))
	if code != 400 || !strings.Contains(ans["error"].(map[string]any)["to"].(string), "919800004007") {
		t.Errorf("%d %v", code, ans)
	}
}

// A base URL that ends in "/" joined with "/v1/..." gives "//v1/...": the
// mock reads repeated slashes as one, as the providers' front servers do.
func TestRepeatedSlashesAreOne(t *testing.T) {
	h := newHarness(t, Config{})
	for _, tt := range []struct {
		target string
		want   int
	}{
		{"//v1/HXAP16XXXXXX97IN/messages", 200},
		{"/v1//HXAP16XXXXXX97IN//messages", 200},
		{"///v21.0/106540352242922/messages", 200},
		{"//v1/HXAP16XXXXXX97IN", 404},
	} {
		ctype, body := form, v1Form("+919812345678", "")
		if strings.Contains(tt.target, "v21.0") {
			ctype, body = "application/json", `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{"body":"hi"}}`
		}
		if code, ans := h.do("POST", tt.target, ctype, body); code != tt.want {
			t.Errorf("POST %s: answer %d %v, want %d", tt.target, code, ans, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"/", "/"}, {"//", "/"}, {"/a//b///c/", "/a/b/c/"}, {"/a/b", "/a/b"},
	} {
		if got := collapseSlashes(tt.in); got != tt.want {
			t.Errorf("collapseSlashes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
