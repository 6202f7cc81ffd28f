package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/fixture"
)

// personal lists the values of an unredacted event that are a person's
// data: every one must be absent from every redacted output.
func personal(ev *callback.Event) []string {
	var out []string
	add := func(vs ...string) { out = append(out, vs...) }
	add(ev.From, ev.To, ev.Name, ev.Text, ev.BusinessNumber,
		ev.FromUserID, ev.FromParentUserID, ev.ToUserID, ev.ToParentUserID)
	if m := ev.Media; m != nil {
		add(m.Caption)
		if !strings.Contains(m.URL, m.Filename) {
			// a file name that is also the URL's last segment (Kaleyra's
			// uuids) stays with the path, which is kept
			add(m.Filename)
		}
		if u, err := url.Parse(m.URL); err == nil {
			add(u.RawQuery)
		}
	}
	if l := ev.Location; l != nil {
		add(l.Name, l.Address)
		for _, c := range []*float64{l.Latitude, l.Longitude} {
			if c != nil {
				if s := strconv.FormatFloat(*c, 'f', -1, 64); len(s) > len(strconv.FormatFloat(*c, 'f', 2, 64)) {
					add(s) // more precise than the 2 decimals redaction keeps
				}
			}
		}
	}
	if r := ev.Reply; r != nil {
		add(r.Title, r.Description, r.Payload)
	}
	if c := ev.Context; c != nil {
		add(c.From)
		add(c.Mentions...)
	}
	for _, c := range ev.Contacts {
		add(c.Name)
		add(c.Phones...)
	}
	if ev.Reaction != nil {
		add(ev.Reaction.Emoji)
	}
	for _, k := range []string{"mobile", "phone_number", "wa_id", "user_id", "previous_user_id", "from_user_id", "name", "wa_number"} {
		add(ev.Extra[k])
	}
	return out
}

// distinctive reports whether a value is long enough that finding it in
// an output means it leaked (a two-letter text could be part of anything).
func distinctive(s string) bool {
	return len(strings.TrimSpace(s)) >= 4
}

// Test_listenRun_RedactCatalogue sends every bundled fixture to a listener
// run with --redact, --record and --forward-to an app that echoes the
// request back, in cards, --compact lines and --json: no personal value the unredacted
// decoder shows may appear in any output (the events with their raw, the
// cards and lines, the forward line, the recording bytes), while ids, types,
// statuses and timestamps stay.
func Test_listenRun_RedactCatalogue(t *testing.T) {
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		// an app that echoes what it was sent in its answer's headers too
		if q := r.URL.RawQuery; q != "" {
			w.Header().Set("X-Echo-Query", q)
			w.Header().Set("Location", "/done?"+q)
		}
		if ns := echoedNumbers.FindAll(b, -1); len(ns) > 0 {
			w.Header().Set("X-Echo-Numbers", string(bytes.Join(ns, []byte(" "))))
		}
		w.Write(append([]byte(r.URL.RawQuery+"\n"), b...))
	}))
	defer app.Close()
	rnd := &fixture.Renderer{}
	type sent struct {
		name string
		evs  []callback.Event
	}
	var all []sent
	var reqs []*fixture.Request
	for _, fx := range fxs {
		req, err := rnd.Render(fx, fixture.RenderOptions{Verbatim: true})
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
		evs := callback.Decode(callback.Request{Method: req.Method, Path: req.Path, RawQuery: req.RawQuery, Header: req.Header, Body: req.Body})
		all = append(all, sent{fx.Name, evs})
		for _, ev := range evs {
			if echoedNumbers.MatchString(ev.From) {
				// a custom header of a callback profile naming the
				// customer (a header is masked by its numbers: the
				// fixtures' placeholders, 919XXXXX9019, hold none)
				req.Header = req.Header.Clone()
				req.Header.Set("X-Customer-Number", ev.From)
				break
			}
		}
	}
	for _, mode := range []string{"json", "cards", "compact"} {
		t.Run(mode, func(t *testing.T) {
			rec := filepath.Join(t.TempDir(), "rec.ndjson")
			uiReady := filepath.Join(t.TempDir(), "ui-url")
			args := []string{"--redact", "--record", rec, "--forward-to", app.URL + "/app",
				"--ui", "--ui-addr", "127.0.0.1:0", "--ui-ready-file", uiReady}
			if mode != "cards" {
				args = append(args, "--"+mode)
			}
			o := parseOptions(t, args...)
			clock := func() time.Time { return catalogueClock }
			o.Config.Now = clock
			answers := o.Workbench.responder(o.Status)
			answers.Forward.Now = clock // forwards take no time: latency_ms is 0
			o.Config.Respond = answers.Respond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			u, out, errOut, done := runListen(t, ctx, o)
			for _, req := range reqs {
				hr, err := http.NewRequest(req.Method, strings.TrimSuffix(u, "/")+req.Path+queryOf(req.RawQuery), bytes.NewReader(req.Body))
				if err != nil {
					t.Fatal(err)
				}
				hr.Header = req.Header.Clone()
				resp, err := http.DefaultClient.Do(hr)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			inspected := inspectorFeed(t, uiReady, len(reqs))
			cancel()
			if err := wait(t, done); err != nil {
				t.Fatal(err)
			}
			recording, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{`"X-Echo-Query":["`, `"Location":["/done?query:`, `"X-Echo-Numbers":["phone:`, `"X-Customer-Number":["phone:`} {
				if !strings.Contains(string(recording), h) {
					t.Errorf("the recording has no masked %s…", h)
				}
			}
			outputs := map[string]string{"stdout": out.String(), "stderr": errOut.String(), "recording": string(recording)}
			for n, text := range inspected {
				outputs[n] = text
			}
			for n, text := range outputs {
				outputs[n] = withoutClock(text)
			}
			names := make([]string, 0, len(outputs))
			for n := range outputs {
				names = append(names, n)
			}
			sort.Strings(names)
			leaks, checked := 0, 0
			clockHoldsPersonal := false
			for _, s := range all {
				for i := range s.evs {
					for _, v := range personal(&s.evs[i]) {
						if !distinctive(v) {
							continue
						}
						checked++
						for _, c := range clockReadings() {
							clockHoldsPersonal = clockHoldsPersonal || strings.Contains(c, v)
						}
						for _, n := range names {
							if strings.Contains(outputs[n], v) || strings.Contains(outputs[n], jsonEscaped(v)) {
								leaks++
								if leaks <= 40 {
									t.Errorf("%s: %q (event %d) appears in the redacted %s", s.name, v, i, n)
								}
							}
						}
					}
				}
			}
			if !clockHoldsPersonal {
				t.Errorf("no personal value is in the clock's %q: pick an instant that holds one, or the test proves nothing about the clock", clockReadings())
			}
			if checked < 2*len(all) {
				t.Errorf("only %d personal values checked over %d fixtures", checked, len(all))
			}
			if mode != "json" {
				return
			}
			// What identifies and orders events stays.
			for _, s := range all {
				for _, ev := range s.evs {
					for k, v := range map[string]string{"id": ev.ID, "type": ev.Type, "status": ev.Status, "timestamp": ev.Timestamp, "kind": ev.Kind} {
						if v == "" || ev.Kind == callback.KindVerification {
							continue
						}
						if want := `"` + k + `":` + jsonEscaped(v); !strings.Contains(out.String(), want) {
							t.Errorf("%s: %s is gone from the redacted events", s.name, want)
						}
					}
				}
			}
		})
	}
}

// echoedNumbers are the digit runs the echoing app copies into a header.
var echoedNumbers = regexp.MustCompile(`\+?[0-9]{7,}`)

// inspectorFeed waits for the web inspector, whose URL is in the file
// ready, to hold n exchanges, and returns what it serves of them: its
// list, its NDJSON and HAR exports and every exchange's detail.
func inspectorFeed(t *testing.T, ready string, n int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatalf("the inspector wrote no ready file: %v", err)
	}
	base := strings.TrimSuffix(strings.TrimSpace(string(b)), "/")
	get := func(path string) []byte {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", path, resp.Status, body)
		}
		return body
	}
	var list struct {
		Items []struct {
			Seq uint64 `json:"seq"`
		} `json:"items"`
		Added int `json:"added"`
	}
	// the inspector is given each exchange once it is answered, just
	// after the client has its answer
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := json.Unmarshal(get("/api/exchanges"), &list); err != nil {
			t.Fatal(err)
		}
		if list.Added >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inspector holds %d exchanges, want %d", list.Added, n)
		}
	}
	feed := map[string]string{
		"inspector list":   string(get("/api/exchanges")),
		"inspector ndjson": string(get("/api/export.ndjson")),
		"inspector har":    string(get("/api/export.har")),
	}
	var details strings.Builder
	for _, it := range list.Items {
		details.Write(get("/api/exchanges/" + strconv.FormatUint(it.Seq, 10)))
	}
	feed["inspector details"] = details.String()
	if !strings.Contains(feed["inspector details"], "X-Echo-Query") {
		t.Error("the inspector shows no X-Echo-Query header: the check proves nothing about headers")
	}
	return feed
}

// catalogueClock is the instant the listener's clocks read throughout
// the catalogue, so that every latency_ms is 0: with the real clock a
// latency of 19.076 ms, or a request received at hh:mm:19.076, wrote the
// Kaleyra v2 location's latitude into the outputs, and the test failed
// now and then on a value no one had sent. Its second is that latitude on
// purpose: the outputs show the clock's readings (received_at, the cards'
// and lines' times), and the leak search must tell them apart from what
// was sent, whatever the clock says.
var catalogueClock = time.Date(2026, 12, 1, 20, 50, 19, 76543000, time.UTC)

// clockReadings are the ways the outputs write catalogueClock: the events'
// and records' received_at, and the time of day of cards (local) and
// lines (UTC).
func clockReadings() []string {
	var stamps, times []string
	for _, loc := range []*time.Location{time.UTC, time.Local} {
		t := catalogueClock.In(loc)
		stamps = append(stamps, t.Format(time.RFC3339Nano))
		times = append(times, t.Format("15:04:05.000"))
	}
	return append(stamps, times...) // a stamp holds its time of day
}

// withoutClock is an output with the clock's readings taken out, so that
// only what the listener was sent is searched for personal values.
func withoutClock(s string) string {
	for _, c := range clockReadings() {
		s = strings.ReplaceAll(s, c, "<clock>")
	}
	return s
}

func queryOf(raw string) string {
	if raw == "" {
		return ""
	}
	return "?" + raw
}

// jsonEscaped is s as JSON writes it, quotes included.
func jsonEscaped(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSpace(b.String())
}
