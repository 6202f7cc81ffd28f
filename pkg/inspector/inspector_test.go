package inspector

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

func seqsOf(items []Summary) []uint64 {
	var out []uint64
	for _, s := range items {
		out = append(out, s.Seq)
	}
	return out
}

func TestRingKeepsTheLast(t *testing.T) {
	in := New(Config{Keep: 3})
	for i := 0; i < 5; i++ {
		in.Add(Exchange{Record: rec("r", "POST", "/", "", "{}")})
	}
	all, last := in.snapshot()
	if last != 5 || len(all) != 3 || all[0].seq != 3 || all[2].seq != 5 {
		t.Fatalf("snapshot: last %d, %d kept, first %d", last, len(all), all[0].seq)
	}
	list, missed := in.after(0, 10)
	if missed != 2 || len(list) != 3 {
		t.Fatalf("after(0): missed %d, got %d", missed, len(list))
	}
	if list, missed = in.after(4, 10); missed != 0 || len(list) != 1 || list[0].seq != 5 {
		t.Fatalf("after(4): missed %d, %v", missed, list)
	}
	if in.get(2) != nil || in.get(6) != nil || in.get(4) == nil {
		t.Fatal("get: evicted or future exchange found, or kept one not")
	}
	if in.Added() != 5 {
		t.Fatalf("Added = %d", in.Added())
	}
}

func TestAnExchangeWithoutATimeGetsWhenItWasAdded(t *testing.T) {
	in := New(Config{Now: fakeClock()})
	r := rec("a", "POST", "/", "", "{}")
	r.ReceivedAt = time.Time{}
	in.Add(Exchange{Record: r})
	if got := in.get(1).summaryOf().At; !got.Equal(t0.Add(time.Millisecond)) {
		t.Fatalf("at %v", got)
	}
	if !r.ReceivedAt.IsZero() {
		t.Fatal("the producer's record was changed")
	}
}

func TestRingBoundsTheBytesHeld(t *testing.T) {
	in := New(Config{Keep: 100, MaxBytes: 250})
	for i := 0; i < 10; i++ {
		in.Add(Exchange{Record: rec("r", "POST", "/", "", strings.Repeat("x", 100))})
	}
	all, last := in.snapshot()
	if last != 10 || len(all) != 2 || all[0].seq != 9 || in.bytes != 200 {
		t.Fatalf("kept %d (first %d), %d bytes", len(all), all[0].seq, in.bytes)
	}
	// The newest stays, however large.
	in.Add(Exchange{Record: rec("big", "POST", "/", "", strings.Repeat("x", 1000))})
	if all, _ = in.snapshot(); len(all) != 1 || all[0].seq != 11 {
		t.Fatalf("kept %d", len(all))
	}
	if _, missed := in.after(0, 10); missed != 10 {
		t.Fatalf("missed %d", missed)
	}
}

func TestListSearchAndFilters(t *testing.T) {
	in := New(Config{})
	in.Add(Exchange{Record: rec("a", "POST", "/wa", "", `{"x":1}`, textEvent("15551234567", "Do you ship to Austin?"))})
	in.Add(Exchange{Record: rec("b", "POST", "/wa", "", `{"x":2}`, statusEvent("m1", "delivered", "15550001111"))})
	in.Add(Exchange{Record: rec("c", "GET", "/", "id=m1&status=failed", "", callback.Event{Source: "kaleyra-v1", Kind: callback.KindStatus, Status: "failed", ID: "m1"})})
	base := served(t, in)

	tests := []struct {
		query string
		want  []uint64
	}{
		{"", []uint64{3, 2, 1}},
		{"limit=2", []uint64{3, 2}},
		{"q=austin", []uint64{1}},
		{"q=SHIP+austin", []uint64{1}},
		{"q=ship+boston", nil},
		{"kind=status", []uint64{3, 2}},
		{"status=failed", []uint64{3}},
		{"source=cloud", []uint64{2, 1}},
		{"family=kaleyra-v1", []uint64{3}},
		{"source=cloud&kind=status&status=delivered", []uint64{2}},
		{"jq=" + url.QueryEscape(`.kind == "status" and .status == "delivered"`), []uint64{2}},
		{"jq=" + url.QueryEscape(`.text | test("ship")`), []uint64{1}},
		{"ids=1,3", []uint64{3, 1}},
		{"origin=api", nil},
	}
	for _, tt := range tests {
		var got struct {
			Items   []Summary `json:"items"`
			LastSeq uint64    `json:"last_seq"`
		}
		getJSON(t, base+"/api/exchanges?"+tt.query, &got)
		if !slices.Equal(seqsOf(got.Items), tt.want) {
			t.Errorf("?%s: got %v, want %v", tt.query, seqsOf(got.Items), tt.want)
		}
		if got.LastSeq != 3 {
			t.Errorf("?%s: last_seq %d", tt.query, got.LastSeq)
		}
	}

	if code, body := get(t, base+"/api/exchanges?jq="+url.QueryEscape(".kind ==")); code != 400 || !strings.Contains(body, "invalid jq expression") {
		t.Errorf("bad jq: %d %s", code, body)
	}
	var withErr struct {
		Items   []Summary `json:"items"`
		JQError string    `json:"jq_error"`
	}
	getJSON(t, base+"/api/exchanges?jq="+url.QueryEscape(".text | ascii_downcase | contains(\"austin\")"), &withErr)
	if len(withErr.Items) != 1 || withErr.JQError == "" {
		t.Errorf("jq runtime error on some events: %d items, jq_error %q", len(withErr.Items), withErr.JQError)
	}
	if code, _ := get(t, base+"/api/exchanges?ids=x"); code != 400 {
		t.Errorf("bad ids: %d", code)
	}
}

func TestSummary(t *testing.T) {
	r := rec("a", "POST", "/wa", "", `{}`, statusEvent("m1", "failed", "155"), statusEvent("m2", "read", "156"))
	r.Request.Header.Set(ReplayHeader, "orig-1")
	r.Events[0].Signature = callback.SignatureInvalid
	r.Events[1].DecodeError = "partly"
	r.Forward = &record.Forward{URL: "http://127.0.0.1:3000/", Error: "connection refused"}
	e := &entry{seq: 7, ex: Exchange{Record: r, Origin: OriginCallback}}
	s := e.summaryOf()
	if !s.Failed || !s.DecodeError || s.Signature != "invalid" || s.ReplayOf != "orig-1" || s.To != "155" {
		t.Errorf("summary flags: %+v", s)
	}
	if !slices.Equal(s.Statuses, []string{"failed", "read"}) || !slices.Equal(s.Kinds, []string{"status"}) {
		t.Errorf("statuses %v kinds %v", s.Statuses, s.Kinds)
	}
	if s.Forward == nil || *s.Forward != 0 || s.ForwardError != "connection refused" {
		t.Errorf("forward: %v %q", s.Forward, s.ForwardError)
	}
	long := strings.Repeat("é", 300)
	s = (&entry{ex: Exchange{Record: rec("b", "POST", "/", "", "", textEvent("1", long))}}).summaryOf()
	if got := []rune(s.Text); len(got) != textPreview+1 || got[textPreview] != '…' {
		t.Errorf("text preview of %d runes", len(got))
	}
}

func TestBodyView(t *testing.T) {
	tests := []struct {
		name, ctype string
		body        []byte
		kind        string
		check       func(t *testing.T, v BodyView)
	}{
		{"empty", "", nil, "empty", nil},
		{"json", "application/json", []byte(`{"a":[1,true]}`), "json", func(t *testing.T, v BodyView) {
			if v.Pretty != "{\n  \"a\": [\n    1,\n    true\n  ]\n}" {
				t.Errorf("pretty %q", v.Pretty)
			}
		}},
		{"broken json", "application/json", []byte("{\n  \"a\": 1,\n  \"b\" 2\n}"), "json", func(t *testing.T, v BodyView) {
			if v.JSONError == nil || v.JSONError.Line != 3 || v.JSONError.Column != 7 {
				t.Errorf("json error %+v", v.JSONError)
			}
		}},
		{"json error after text", "", []byte(`{"t":"ünï", x}`), "json", func(t *testing.T, v BodyView) {
			if v.JSONError == nil || v.JSONError.Line != 1 || v.JSONError.Column != 13 {
				t.Errorf("json error %+v", v.JSONError)
			}
		}},
		{"truncated json", "", []byte(`{"a":`), "json", func(t *testing.T, v BodyView) {
			if v.JSONError == nil || v.JSONError.Line != 1 {
				t.Errorf("json error %+v", v.JSONError)
			}
		}},
		{"form", "application/x-www-form-urlencoded", []byte("a=1&b=two+words&c=%E2%9C%93"), "form", func(t *testing.T, v BodyView) {
			want := [][2]string{{"a", "1"}, {"b", "two words"}, {"c", "✓"}}
			if !slices.Equal(v.Fields, want) {
				t.Errorf("fields %v", v.Fields)
			}
		}},
		{"text", "text/plain", []byte("hello"), "text", nil},
		{"binary", "application/octet-stream", []byte{0xff, 0x00, 'A'}, "binary", func(t *testing.T, v BodyView) {
			if !strings.HasPrefix(v.Hex, "00000000  ff 00 41") || v.Base64 != base64.StdEncoding.EncodeToString([]byte{0xff, 0, 'A'}) || v.Text != "" {
				t.Errorf("binary view %+v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := bodyView(tt.body, tt.ctype)
			if v.Kind != tt.kind || v.Size != len(tt.body) {
				t.Fatalf("kind %q size %d", v.Kind, v.Size)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}
}

// A body sent compressed is shown as it was decoded, and kept as received
// for replay; one that does not decompress is shown as received.
func TestRequestBodyCompressed(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"object":"whatsapp_business_account"}`))
	w.Close()
	tests := []struct {
		name, coding string
		body         []byte
		decoded      string // kind of the decoded view; "" for none
	}{
		{"gzip json", "gzip", gz.Bytes(), "json"},
		{"cut short", "gzip", gz.Bytes()[:gz.Len()-6], "json"},
		{"not gzip", "gzip", []byte("plain"), ""},
		{"unknown coding", "br", gz.Bytes(), ""},
		{"identity", "identity", []byte(`{"a":1}`), ""},
		{"none", "", []byte(`{"a":1}`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if tt.coding != "" {
				h.Set("Content-Encoding", tt.coding)
			}
			v := requestBody(h, tt.body)
			if v.Size != len(tt.body) {
				t.Errorf("size %d, want the %d bytes received", v.Size, len(tt.body))
			}
			if tt.decoded == "" {
				if v.Decoded != nil {
					t.Errorf("decoded %+v", v.Decoded)
				}
				return
			}
			if v.Decoded == nil || v.Decoded.Kind != tt.decoded || v.Coding != tt.coding {
				t.Fatalf("view %+v", v)
			}
			if tt.name == "gzip json" && (v.Decoded.Pretty == "" || v.Note != "" || v.Kind != "binary" || v.Base64 == "") {
				t.Errorf("view %+v, decoded %+v", v, v.Decoded)
			}
			if tt.name == "cut short" && v.Note == "" {
				t.Errorf("no note for a stream cut short: %+v", v)
			}
		})
	}
}

func TestDetail(t *testing.T) {
	in := New(Config{})
	r := rec("a", "GET", "/cb", "id=m1&status=read&name=A%20B", "", statusEvent("m1", "read", "155"))
	r.Forward = &record.Forward{URL: "http://127.0.0.1:3000/cb", Status: 202, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"ok":true}`, LatencyMS: 3}
	in.Add(Exchange{Record: r})
	base := served(t, in)
	var d Detail
	getJSON(t, base+"/api/exchanges/1", &d)
	if d.Request.Method != "GET" || d.Request.Path != "/cb" || !slices.Equal(d.Request.QueryParams, [][2]string{{"id", "m1"}, {"status", "read"}, {"name", "A B"}}) {
		t.Errorf("request %+v", d.Request)
	}
	var evs []callback.Event
	if err := json.Unmarshal(d.Events, &evs); err != nil || len(evs) != 1 || evs[0].Status != "read" {
		t.Errorf("events %s: %v", d.Events, err)
	}
	if d.Forward == nil || d.Forward.Status != 202 || d.Forward.Body.Pretty == "" {
		t.Errorf("forward %+v", d.Forward)
	}
	if code, _ := get(t, base+"/api/exchanges/9"); code != 404 {
		t.Errorf("unknown exchange: %d", code)
	}
	if code, _ := get(t, base+"/api/exchanges/x"); code != 400 {
		t.Errorf("bad exchange number: %d", code)
	}
	if code, _ := get(t, base+"/api/nothing"); code != 404 {
		t.Errorf("unknown API: %d", code)
	}
}

func TestProducerEventsBytesAreServed(t *testing.T) {
	in := New(Config{})
	pre := []byte(`{"schema":"wa-cb.event/v1","source":"cloud","kind":"message","text":"pre-encoded"}`)
	r := rec("a", "POST", "/", "", "{}", textEvent("1", "decoded"))
	r.EventsJSON = [][]byte{pre}
	in.Add(Exchange{Record: r})
	base := served(t, in)
	_, body := get(t, base+"/api/exchanges/1")
	if !strings.Contains(body, `"events":[`+string(pre)+`]`) {
		t.Errorf("detail does not carry the producer's bytes: %s", body)
	}
}

func TestEventWithRawThatIsNotJSONIsStillServed(t *testing.T) {
	ev := textEvent("1", "hi")
	ev.Raw = json.RawMessage("{not json")
	e := &entry{ex: Exchange{Record: rec("a", "POST", "/", "", "x", ev)}}
	var evs []callback.Event
	if err := json.Unmarshal(e.eventsJSON(), &evs); err != nil || len(evs) != 1 || !strings.Contains(evs[0].DecodeError, "could not be encoded") {
		t.Fatalf("events %s: %v", e.eventsJSON(), err)
	}
}

// Secrets never leave the server: not the app secret, not a verify
// token, not an API key or authorization header.
func TestNoSecretIsServed(t *testing.T) {
	const appSecret, token, apiKey, bearer = "app-secret-value", "verify-token-value", "api-key-value", "bearer-value"
	in := New(Config{AppSecret: appSecret, ListenerURL: "http://127.0.0.1:4280/"})
	r := rec("a", "GET", "/", "hub.mode=subscribe&hub.verify_token="+token+"&hub.challenge=42", "")
	r.Request.Header.Set("Authorization", "Bearer "+bearer)
	r.Request.Header.Set("Api-Key", apiKey)
	r.Forward = &record.Forward{URL: "http://127.0.0.1:3000/", Status: 200, Header: http.Header{"Set-Cookie": {"s=" + bearer}}}
	in.Add(Exchange{Record: r})
	base := served(t, in)
	for _, path := range []string{"/", "/api/info", "/api/exchanges", "/api/exchanges/1", "/api/exchanges/1/curl", "/api/export.har", "/api/export.ndjson", "/api/messages", "/api/exchanges?q=" + token} {
		_, body := get(t, base+path)
		for _, secret := range []string{appSecret, token, apiKey, bearer} {
			if strings.Contains(body, secret) {
				t.Errorf("%s serves the secret %q", path, secret)
			}
		}
	}
	_, body := get(t, base+"/api/exchanges/1")
	if !strings.Contains(body, record.Masked) {
		t.Errorf("masked values are not marked: %s", body)
	}
	var info Info
	getJSON(t, base+"/api/info", &info)
	if !info.CanResign {
		t.Error("info does not say edited replays can be signed")
	}
}

func TestCurlReproducesTheRequest(t *testing.T) {
	tests := []struct {
		name, path, query, contentType string
		body                           []byte
	}{
		{"text", "/hooks/wa", "x=1&y=it%27s", "application/json", []byte(`{"text":"it's a 'quote' and $HOME $(touch /tmp/wa-cb-curl-pwned) ` + "`id`" + ` \\ done"}`)},
		{"binary", "/hooks/wa", "x=1&y=it%27s", "application/octet-stream", []byte{0xff, 0x00, 0x01, '\'', '\n'}},
		// curl reads a file for a body that starts with @ unless told not to.
		{"at sign", "/hooks/wa", "", "text/plain", []byte("@/etc/hostname")},
		{"newlines kept", "/hooks/wa", "", "text/plain", []byte("a\r\nb\n\n")},
		// curl expands {a,b} and [1-2] in a URL into several requests unless told not to.
		{"globbing", "/hooks/wa", "k[]={a,b}&n[1-2]=x", "application/json", []byte(`{}`)},
		// curl adds a Content-Type of its own to a body sent without one.
		{"no content type", "/hooks/wa", "", "", []byte(`{"a":1}`)},
	}
	_, err := exec.LookPath("curl")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec("a", "POST", tt.path, tt.query, string(tt.body))
			r.Request.Header.Del("Content-Type")
			if tt.contentType != "" {
				r.Request.Header.Set("Content-Type", tt.contentType)
			}
			r.Request.Header.Set("X-Custom", "it's $(id)")
			r.Request.Header.Set("Authorization", "Bearer s3cret")
			app := newCaptured(t)
			target, _ := url.Parse(app.srv.URL)
			text := Curl(Exchange{Record: r}, target)
			if strings.Contains(text, "s3cret") || !strings.Contains(text, record.Masked) {
				t.Errorf("the authorization header is not masked:\n%s", text)
			}
			if err != nil {
				t.Skip("no curl here to run the command with")
			}
			out, rerr := exec.Command("sh", "-c", text).CombinedOutput()
			if rerr != nil {
				t.Fatalf("%v: %s\n%s", rerr, out, text)
			}
			got := app.next(t)
			if got.Method != "POST" || got.Path != tt.path || got.Query != tt.query || string(got.Body) != string(tt.body) {
				t.Errorf("curl sent %s %s?%s %q\n%s", got.Method, got.Path, got.Query, got.Body, text)
			}
			if got.Header.Get("X-Custom") != "it's $(id)" || got.Header.Get("User-Agent") != "" || got.Header.Get("Accept") != "" || got.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("curl headers %v\n%s", got.Header, text)
			}
			select {
			case extra := <-app.reqs:
				t.Errorf("curl sent a second request: %s %s", extra.Method, extra.Path)
			default:
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"":       "''",
		"a b":    "'a b'",
		"it's":   `'it'\''s'`,
		"$HOME":  "'$HOME'",
		"a\nb\\": "'a\nb\\'",
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMessages(t *testing.T) {
	in := New(Config{})
	in.Add(Exchange{Record: rec("r1", "POST", "/", "", "{}", statusEvent("m1", "sent", "155"))})
	in.Add(Exchange{Record: rec("r2", "POST", "/", "", "{}", statusEvent("m1", "read", "155"))})
	in.Add(Exchange{Record: rec("r3", "POST", "/", "", "{}", statusEvent("m1", "delivered", "155"), statusEvent("m2", "failed", "156"))})
	in.Add(Exchange{Record: rec("r4", "POST", "/", "", "{}", statusEvent("m1", "delivered", "155"))})
	in.Add(Exchange{Record: rec("r5", "POST", "/", "", "{}", textEvent("157", "no status"))})
	base := served(t, in)
	var got struct {
		Messages []Message `json:"messages"`
	}
	getJSON(t, base+"/api/messages", &got)
	if len(got.Messages) != 2 {
		t.Fatalf("%d messages: %+v", len(got.Messages), got.Messages)
	}
	m1 := got.Messages[0]
	if m1.ID != "m1" {
		m1 = got.Messages[1]
	}
	var statuses []string
	for _, e := range m1.Entries {
		statuses = append(statuses, e.Status)
	}
	if !slices.Equal(statuses, []string{"sent", "read", "delivered", "delivered"}) || !slices.Equal(m1.Exchanges, []uint64{1, 2, 3, 4}) {
		t.Errorf("m1: %v in %v", statuses, m1.Exchanges)
	}
	if !slices.Contains(m1.Entries[2].Flags, "out_of_order") || !slices.Contains(m1.Entries[3].Flags, "duplicate") || m1.Entries[1].Seq != 2 || m1.Entries[1].RequestID != "r2" {
		t.Errorf("m1 entries: %+v", m1.Entries)
	}
	if !slices.Contains(m1.Flags, "out_of_order") || m1.To != "155" {
		t.Errorf("m1 summary: %+v", m1)
	}
	var one Message
	getJSON(t, base+"/api/messages?id=m2", &one)
	if one.ID != "m2" || one.Last != "failed" {
		t.Errorf("m2: %+v", one)
	}
	if code, _ := get(t, base+"/api/messages?id=nope"); code != 404 {
		t.Errorf("unknown message: %d", code)
	}
}

// What search derives from an exchange (its text, its events as jq
// values) is many times the body; MaxBytes must still bound the memory
// the kept exchanges hold once searched.
func TestSearchKeepsMemoryBounded(t *testing.T) {
	const maxBytes = 8 << 20
	body := `{"entry":[` + strings.Repeat(`{"k":"abcdefghij","n":[1,2,3]},`, 8000) + `{}]}`
	in := New(Config{MaxBytes: maxBytes})
	for i := 0; i < 100; i++ {
		ev := textEvent("1", "hi")
		ev.Raw = json.RawMessage(body)
		in.Add(Exchange{Record: rec("a", "POST", "/", "", body, ev)})
	}
	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	before := heap()
	q, err := ParseQuery(url.Values{"q": {"no such text"}, "jq": {`.kind == "status"`}})
	if err != nil {
		t.Fatal(err)
	}
	if list, _, jqErr := in.selected(&q, 0); len(list) != 0 || jqErr != nil {
		t.Fatalf("matched %d, %v", len(list), jqErr)
	}
	if grown := heap() - before; grown > maxBytes {
		t.Errorf("a search left %d MiB more held for %d kept exchanges bounded to %d MiB", grown>>20, in.n, maxBytes>>20)
	}
	runtime.KeepAlive(in)
}
