package mock

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// validate-url reads 127.1, 2130706433, 0x7f.1, localhost. and
// *.localhost as this machine; the mock calls them back there, never
// through a DNS lookup of the spelling.
func TestLocalCallbackURLSpellings(t *testing.T) {
	a := newApp(t)
	u, _ := url.Parse(a.srv.URL)
	port := u.Port()
	h := newHarness(t, Config{Delays: Delays{Sent: time.Millisecond, Delivered: time.Hour, Read: 2 * time.Hour}})
	for _, cb := range []string{
		"http://127.1:" + port + "/a",
		"http://2130706433:" + port + "/b?x=1",
		"http://0x7f.1:" + port + "/c",
		"http://localhost.:" + port + "/e",
		"http://app.localhost:" + port + "/f",
	} {
		code, ans := h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", cb))
		if code != 200 {
			t.Fatalf("%s: %d %v", cb, code, ans)
		}
		h.clk.Advance(time.Millisecond)
		rec := h.next(KindCallback)
		if rec.ID != ans["id"] || rec.Answer != 200 || rec.Error != "" {
			t.Errorf("%s: callback %+v", cb, rec)
		}
		if !strings.Contains(rec.Note, "called at http://") {
			t.Errorf("%s: the note does not say where it was called: %q", cb, rec.Note)
		}
	}
	paths := map[string]bool{}
	for _, r := range a.requests() {
		paths[r.Path] = true
	}
	for _, p := range []string{"/a", "/b", "/c", "/e", "/f"} {
		if !paths[p] {
			t.Errorf("no callback reached %s (got %v)", p, paths)
		}
	}
}
