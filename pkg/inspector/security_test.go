package inspector

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestHostGuard(t *testing.T) {
	tests := []struct {
		bound, name string
		host        string
		ok          bool
	}{
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "localhost:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "LOCALHOST:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "[::1]:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1:4282", false},
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1", false},
		{"127.0.0.1:4281", "127.0.0.1", "evil.example:4281", false},   // DNS rebinding
		{"127.0.0.1:4281", "127.0.0.1", "evil.localhost:4281", false}, // not a name we serve
		{"127.0.0.1:4281", "127.0.0.1", "10.0.0.5:4281", false},
		{"127.0.0.1:4281", "127.0.0.1", "", false},
		{"127.0.0.1:4281", "localhost", "localhost:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "192.168.1.20:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "localhost:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "evil.example:4281", false},
		{"0.0.0.0:4281", "devbox.lan", "devbox.lan:4281", true},
		{"192.168.1.20:80", "192.168.1.20", "192.168.1.20", true},
		{"192.168.1.20:80", "192.168.1.20", "127.0.0.1", false},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.bound)
		if err != nil {
			t.Fatal(err)
		}
		g := guardFor(a, tt.name)
		if got := g.allows(tt.host); got != tt.ok {
			t.Errorf("bound %s (%s): Host %q allowed = %v, want %v", tt.bound, tt.name, tt.host, got, tt.ok)
		}
	}
}

func TestServedURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:4281": "http://127.0.0.1:4281/",
		"0.0.0.0:4281":   "http://127.0.0.1:4281/",
		"[::1]:4281":     "http://[::1]:4281/",
	}
	for bound, want := range tests {
		a, _ := net.ResolveTCPAddr("tcp", bound)
		if got := guardFor(a, "").url(); got != want {
			t.Errorf("%s: %s, want %s", bound, got, want)
		}
	}
}

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
