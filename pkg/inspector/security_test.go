package inspector

import (
	"net/http"
	"strings"
	"testing"
)

// A page under another name (a rebinding attacker's) gets nothing, and
// every answer carries the headers that keep it out of other pages.
func TestWrongHostIsRefused(t *testing.T) {
	in := New(Config{})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, in)
	for _, path := range []string{"/", "/api/exchanges", "/api/stream", "/assets/app.js"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Host = "attacker.example:" + strings.Split(base, ":")[2]
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s with a foreign Host: %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the page: %d", resp.StatusCode)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("the page has no %s", h)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestCrossOriginWritesAreRefused(t *testing.T) {
	app := newCaptured(t)
	in := New(Config{ListenerURL: app.srv.URL + "/"})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, in)
	order := `{"target":"listener"}`
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"cross-site fetch", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"same-site other origin", http.Header{"Sec-Fetch-Site": {"same-site"}}, 403},
		{"foreign Origin", http.Header{"Origin": {"http://evil.example"}}, 403},
		{"same origin", http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {base}}, 200},
		{"no browser headers (curl)", nil, 200},
	}
	for _, tt := range tests {
		code, body := post(t, base+"/api/exchanges/1/replay", order, tt.header)
		if code != tt.want {
			t.Errorf("%s: %d %s", tt.name, code, body)
		}
		if code == 200 {
			app.next(t)
		}
	}
	select {
	case r := <-app.reqs:
		t.Errorf("a refused replay reached the app: %+v", r)
	default:
	}
}
