package inspector

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/record"
)

func TestHARExportParsesBack(t *testing.T) {
	in := New(Config{Version: "v1.2.3", Now: fakeClock()})
	a := rec("a", "POST", "/wa", "x=1&y=two%20words", `{"a":1}`, textEvent("1", "hi"))
	b := rec("b", "POST", "/bin", "", string([]byte{0xff, 0}))
	b.Request.Header.Set("Content-Type", "application/octet-stream")
	b.Response = record.Response{Status: 500, Body: "boom", Reason: "simulated failure", LatencyMS: 2.5}
	in.Add(Exchange{Record: a})
	in.Add(Exchange{Record: b})
	base := served(t, in)

	resp, err := http.Get(base + "/api/export.har")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="wa-cb-`) || !strings.HasSuffix(cd, `.har"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	raw, _ := io.ReadAll(resp.Body)
	// Every field HAR 1.2 requires is there, whatever the reader.
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	log := generic["log"].(map[string]any)
	for _, k := range []string{"version", "creator", "entries"} {
		if _, ok := log[k]; !ok {
			t.Errorf("log has no %s", k)
		}
	}
	entries := log["entries"].([]any)
	if len(entries) != 2 {
		t.Fatalf("%d entries", len(entries))
	}
	required := map[string][]string{
		"":         {"startedDateTime", "time", "request", "response", "cache", "timings"},
		"request":  {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"},
		"response": {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"},
		"timings":  {"send", "wait", "receive"},
	}
	for _, e := range entries {
		em := e.(map[string]any)
		for part, keys := range required {
			m := em
			if part != "" {
				m = em[part].(map[string]any)
			}
			for _, k := range keys {
				if _, ok := m[k]; !ok {
					t.Errorf("entry %s has no %s", part, k)
				}
			}
		}
		if _, ok := em["response"].(map[string]any)["content"].(map[string]any)["mimeType"]; !ok {
			t.Error("response content has no mimeType")
		}
	}

	var h HAR
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if h.Log.Version != "1.2" || h.Log.Creator.Name != "wa-cb" || h.Log.Creator.Version != "v1.2.3" {
		t.Errorf("log %+v", h.Log)
	}
	first, second := h.Log.Entries[0], h.Log.Entries[1]
	if _, err := time.Parse(time.RFC3339Nano, first.StartedDateTime); err != nil {
		t.Error(err)
	}
	if first.Request.URL != "http://127.0.0.1:4280/wa?x=1&y=two%20words" || first.Request.PostData.Text != `{"a":1}` || len(first.Request.QueryString) != 2 || first.Request.QueryString[1].Value != "two words" {
		t.Errorf("first request %+v", first.Request)
	}
	if second.Response.Status != 500 || second.Response.Content.Text != "boom" || second.Request.PostData.Comment != "base64" || second.Time != 2.5 {
		t.Errorf("second entry %+v", second)
	}

	// A selection exports only itself.
	_, body := get(t, base+"/api/export.har?ids=2")
	var one HAR
	if err := json.Unmarshal([]byte(body), &one); err != nil || len(one.Log.Entries) != 1 || one.Log.Entries[0].Request.URL != "http://127.0.0.1:4280/bin" {
		t.Errorf("selection: %v %s", err, body)
	}
}

func TestRecordingExportReadsBack(t *testing.T) {
	in := New(Config{})
	bin := string([]byte{0xff, 0, 'x'})
	in.Add(Exchange{Record: rec("a", "POST", "/wa", "x=1", `{"a":1}`, textEvent("1", "hi"))})
	in.Add(Exchange{Record: rec("b", "POST", "/bin", "", bin)})
	base := served(t, in)
	resp, err := http.Get(base + "/api/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := record.NewReader(resp.Body)
	var got []*record.Record
	for {
		r, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 || string(got[0].Request.Body) != `{"a":1}` || string(got[1].Request.Body) != bin || got[0].Events[0].Text != "hi" || got[0].Request.RawQuery != "x=1" {
		t.Fatalf("read back %+v", got)
	}
}
