package callback

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadRequest builds a Request from a testdata file: *.query is a GET
// query string, *.form a form POST body, *.txt a text/plain POST body,
// *.json a JSON POST body.
func loadRequest(t testing.TB, path string) Request {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(path) {
	case ".query":
		return Request{Method: http.MethodGet, Path: "/cb", RawQuery: strings.TrimRight(string(b), "\n")}
	case ".form":
		return Request{Method: http.MethodPost, Path: "/cb", Body: b,
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
	case ".txt":
		return Request{Method: http.MethodPost, Path: "/cb", Body: bytes.TrimRight(b, "\n"),
			Header: http.Header{"Content-Type": {"text/plain"}}}
	default:
		return Request{Method: http.MethodPost, Path: "/cb", Body: b,
			Header: http.Header{"Content-Type": {"application/json"}}}
	}
}

// checkDecode decodes r and checks its events against wants: each a JSON
// object whose keys must match the event (null: the field must be
// absent); the number of wants is the number of events.
func checkDecode(t *testing.T, r Request, wants []string) {
	t.Helper()
	evs := Decode(r)
	checkInvariants(t, r, evs)
	got := eventsJSON(t, evs)
	if len(got) != len(wants) {
		t.Fatalf("got %d events, want %d:\n%s", len(got), len(wants), jsonText(got))
	}
	for i, w := range wants {
		var want any
		if err := json.Unmarshal([]byte(w), &want); err != nil {
			t.Fatalf("bad want %d: %v", i, err)
		}
		if d := matchJSON(got[i], want, "event["+itoa(i)+"]"); d != "" {
			t.Errorf("%s\nevent: %s", d, jsonText(got[i]))
		}
	}
}

// checkInvariants asserts what every decoded request must satisfy.
func checkInvariants(t testing.TB, r Request, evs []Event) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatalf("no events")
	}
	for i, ev := range evs {
		if ev.Schema != Schema || ev.Source == "" || ev.Kind == "" {
			t.Fatalf("event %d lacks schema/source/kind: %+v", i, ev)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("event %d does not marshal: %v", i, err)
		}
		if tok := verifyTokenOf(r); tok != "" && strings.Contains(string(b), tok) {
			t.Fatalf("event %d leaks the verify token %q: %s", i, tok, b)
		}
	}
}

// verifyTokenOf returns a verify token the request carries (only when it
// is distinctive enough to search for).
func verifyTokenOf(r Request) string {
	for _, src := range []string{r.RawQuery, string(r.Body)} {
		ps, _ := parseQuery(src)
		for _, p := range ps {
			if IsVerifyToken(p.key) && len(p.value) >= 6 && p.value != Masked {
				return p.value
			}
		}
	}
	return ""
}

// matchJSON reports where got differs from want: every key of a want
// object must match in got (JSON null in want means "absent"), arrays
// match element by element with equal length, scalars must be equal.
func matchJSON(got, want any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": want an object, got " + jsonText(got)
		}
		for k, wv := range w {
			gv, present := g[k]
			if wv == nil {
				if present {
					return path + "." + k + ": want absent, got " + jsonText(gv)
				}
				continue
			}
			if !present {
				return path + "." + k + ": missing (want " + jsonText(wv) + ")"
			}
			if d := matchJSON(gv, wv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": want " + jsonText(want) + ", got " + jsonText(got)
		}
		for i := range w {
			if d := matchJSON(g[i], w[i], path+"["+itoa(i)+"]"); d != "" {
				return d
			}
		}
		return ""
	default:
		if jsonText(got) != jsonText(want) {
			return path + ": want " + jsonText(want) + ", got " + jsonText(got)
		}
		return ""
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonText(i)) }

// eventsJSON turns events into generic JSON values.
func eventsJSON(t testing.TB, evs []Event) []any {
	t.Helper()
	out := make([]any, len(evs))
	for i, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
