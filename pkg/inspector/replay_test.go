package inspector

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

func replayOrder(t *testing.T, base string, seq string, o ReplayOrder) (int, ReplayResult, string) {
	t.Helper()
	b, _ := json.Marshal(o)
	code, body := post(t, base+"/api/exchanges/"+seq+"/replay", string(b), nil)
	var res ReplayResult
	if code == 200 {
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
	}
	return code, res, body
}

func TestReplayByteForByte(t *testing.T) {
	listenerApp, app := newCaptured(t), newCaptured(t)
	in := New(Config{ListenerURL: listenerApp.srv.URL + "/", ForwardURL: app.srv.URL + "/hooks"})
	body := "{\"entry\": [ {\"a\":1} ]}\n"
	r := rec("orig-1", "POST", "/wa", "k=1&x=%2F", body)
	r.Request.Header["X-Hub-Signature-256"] = []string{callback.Sign("s", []byte(body))}
	r.Request.Header["Connection"] = []string{"keep-alive"}
	r.Request.Header["Content-Length"] = []string{"999"}
	in.Add(Exchange{Record: r})
	base := served(t, in)

	for _, tt := range []struct {
		target string
		app    *captured
		path   string
	}{
		{TargetListener, listenerApp, "/wa"},
		{TargetForward, app, "/hooks/wa"},
		{TargetURL, app, "/typed/wa"},
	} {
		o := ReplayOrder{Target: tt.target}
		if tt.target == TargetURL {
			o.URL = app.srv.URL + "/typed"
		}
		code, res, raw := replayOrder(t, base, "1", o)
		if code != 200 || res.Status != 202 || res.Edited || res.Target != tt.target {
			t.Fatalf("%s: %d %s", tt.target, code, raw)
		}
		got := tt.app.next(t)
		if got.Method != "POST" || got.Path != tt.path || got.Query != "k=1&x=%2F" || string(got.Body) != body {
			t.Errorf("%s: got %s %s?%s %q", tt.target, got.Method, got.Path, got.Query, got.Body)
		}
		if got.Header.Get(ReplayHeader) != "orig-1" || got.Header.Get("X-Hub-Signature-256") != r.Request.Header.Get("X-Hub-Signature-256") {
			t.Errorf("%s: headers %v", tt.target, got.Header)
		}
		if ua := got.Header.Get("User-Agent"); ua != "" {
			t.Errorf("%s: a User-Agent the request did not have: %q", tt.target, ua)
		}
	}
	var d Detail
	getJSON(t, base+"/api/exchanges/1", &d)
	if len(d.Replays) != 3 || d.Replays[0].Status != 202 {
		t.Errorf("replays remembered: %+v", d.Replays)
	}
}

func TestEditAndReplay(t *testing.T) {
	const secret = "app-secret"
	app := newCaptured(t)
	in := New(Config{ListenerURL: app.srv.URL + "/", AppSecret: secret})
	r := rec("orig-2", "POST", "/wa", "hub.verify_token=tok&x=1", `{"a":1}`)
	r.Request.Header.Set("Authorization", "Bearer real-token")
	r.Request.Header.Set("X-Hub-Signature-256", callback.Sign(secret, []byte(`{"a":1}`)))
	in.Add(Exchange{Record: r})
	base := served(t, in)

	var d Detail
	getJSON(t, base+"/api/exchanges/1", &d)
	// The page sends back what it was shown, masked values included.
	newBody := `{"a":2}`
	ed := &Edit{Method: "put", Path: "/other", Query: d.Request.Query + "&y=2", Headers: append(d.Request.Header, [2]string{"X-Added", "yes"}), Body: &newBody, Resign: true}
	code, res, raw := replayOrder(t, base, "1", ReplayOrder{Target: TargetListener, Edit: ed})
	if code != 200 || !res.Edited || !res.Signed {
		t.Fatalf("%d %s", code, raw)
	}
	got := app.next(t)
	if got.Method != "PUT" || got.Path != "/other" || got.Query != "hub.verify_token=tok&x=1&y=2" || string(got.Body) != newBody {
		t.Errorf("edited request: %s %s?%s %q", got.Method, got.Path, got.Query, got.Body)
	}
	if !callback.VerifySignature(secret, []byte(newBody), got.Header.Get("X-Hub-Signature-256")) {
		t.Errorf("not signed anew: %q", got.Header.Get("X-Hub-Signature-256"))
	}
	if got.Header.Get(sender.LegacySignatureHeader) == "" || len(got.Header.Values("X-Hub-Signature-256")) != 1 {
		t.Errorf("signature headers %v", got.Header)
	}
	if got.Header.Get("Authorization") != "Bearer real-token" || got.Header.Get("X-Added") != "yes" || got.Header.Get(ReplayHeader) != "orig-2" {
		t.Errorf("headers %v", got.Header)
	}

	// Without re-signing, the old signature goes out as edited.
	ed = &Edit{Method: "POST", Path: "/wa", Headers: d.Request.Header, Body: &newBody}
	if code, _, raw := replayOrder(t, base, "1", ReplayOrder{Target: TargetListener, Edit: ed}); code != 200 {
		t.Fatalf("%s", raw)
	}
	if got = app.next(t); callback.VerifySignature(secret, got.Body, got.Header.Get("X-Hub-Signature-256")) {
		t.Error("an edited body kept a valid signature without re-signing")
	}
}

func TestReplayRefusals(t *testing.T) {
	app := newCaptured(t)
	noSecret := New(Config{ListenerURL: app.srv.URL + "/"})
	noSecret.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, noSecret)
	body := "x"
	tests := []struct {
		name  string
		order ReplayOrder
		want  string
	}{
		{"unknown target", ReplayOrder{Target: "moon"}, "unknown replay target"},
		{"no forward here", ReplayOrder{Target: TargetForward}, "no forward"},
		{"no URL typed", ReplayOrder{Target: TargetURL}, "type the URL"},
		{"not http", ReplayOrder{Target: TargetURL, URL: "ftp://127.0.0.1/"}, "http"},
		{"remote not confirmed", ReplayOrder{Target: TargetURL, URL: "http://192.0.2.1/hook"}, "not on this machine"},
		{"sign without secret", ReplayOrder{Target: TargetListener, Edit: &Edit{Body: &body, Resign: true}}, "no app secret"},
		{"bad method", ReplayOrder{Target: TargetListener, Edit: &Edit{Method: "GE T"}}, "invalid method"},
		{"bad header", ReplayOrder{Target: TargetListener, Edit: &Edit{Headers: [][2]string{{"X\nY", "1"}}}}, "invalid header"},
		{"bad header value", ReplayOrder{Target: TargetListener, Edit: &Edit{Headers: [][2]string{{"X", "a\r\nb"}}}}, "invalid header"},
		{"path with query", ReplayOrder{Target: TargetListener, Edit: &Edit{Path: "/a?b"}}, "invalid path"},
		{"bad base64", ReplayOrder{Target: TargetListener, Edit: &Edit{BodyBase64: "!!"}}, "body_base64"},
	}
	for _, tt := range tests {
		code, _, raw := replayOrder(t, base, "1", tt.order)
		if code != 400 || !strings.Contains(raw, tt.want) {
			t.Errorf("%s: %d %s", tt.name, code, raw)
		}
	}
	if code, _ := post(t, base+"/api/exchanges/1/replay", `{"target":"listener","extra":1}`, nil); code != 400 {
		t.Errorf("unknown field: %d", code)
	}
	if code, _, _ := replayOrder(t, base, "7", ReplayOrder{Target: TargetListener}); code != 404 {
		t.Errorf("unknown exchange: %d", code)
	}
	select {
	case r := <-app.reqs:
		t.Errorf("a refused replay was sent: %+v", r)
	default:
	}
}

func TestReplayToAppThatIsDown(t *testing.T) {
	// An address that stays ours and never answers: each connection is
	// closed as soon as it is accepted (a closed port could be taken by
	// another test meanwhile).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	in := New(Config{ListenerURL: "http://" + ln.Addr().String() + "/"})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, in)
	code, res, raw := replayOrder(t, base, "1", ReplayOrder{Target: TargetListener})
	if code != 200 || res.Status != 0 || res.Error == "" {
		t.Fatalf("%d %s", code, raw)
	}
}

func TestReplayKeepsBinaryBodies(t *testing.T) {
	app := newCaptured(t)
	in := New(Config{ListenerURL: app.srv.URL + "/"})
	bin := string([]byte{0xff, 0xfe, 0, 1})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", bin)})
	base := served(t, in)
	var d Detail
	getJSON(t, base+"/api/exchanges/1", &d)
	ed := &Edit{Method: "POST", Path: "/", Headers: d.Request.Header, BodyBase64: d.Request.Body.Base64}
	if code, _, raw := replayOrder(t, base, "1", ReplayOrder{Target: TargetListener, Edit: ed}); code != 200 {
		t.Fatal(raw)
	}
	if got := app.next(t); string(got.Body) != bin {
		t.Errorf("binary body %x", got.Body)
	}
}

func TestReplayRequestHeaderKept(t *testing.T) {
	r := rec("x", "POST", "/", "", "{}")
	r.Request.Header = http.Header{"X-Multi": {"a", "b"}}
	app := newCaptured(t)
	in := New(Config{ListenerURL: app.srv.URL})
	in.Add(Exchange{Record: r})
	base := served(t, in)
	replayOrder(t, base, "1", ReplayOrder{Target: TargetListener})
	if got := app.next(t); strings.Join(got.Header.Values("X-Multi"), ",") != "a,b" {
		t.Errorf("repeated header: %v", got.Header)
	}
}

// A recording is another person's file: a path in it that does not start
// with a slash must not turn the target's host into a user name (or a
// longer host name) and send the replay, and its curl, elsewhere.
func TestReplayPathCannotChangeTheHost(t *testing.T) {
	target, elsewhere := newCaptured(t), newCaptured(t)
	other := strings.TrimPrefix(elsewhere.srv.URL, "http://")
	for _, path := range []string{"@" + other + "/x", ".nip.io/x", ":1/x"} {
		t.Run(path, func(t *testing.T) {
			in := New(Config{ListenerURL: target.srv.URL})
			in.Add(Exchange{Record: rec("r", "POST", path, "", `{}`)})
			base := served(t, in)
			for _, o := range []ReplayOrder{{Target: TargetListener}, {Target: TargetURL, URL: target.srv.URL}} {
				code, res, raw := replayOrder(t, base, "1", o)
				if code == 200 && res.Status != 202 {
					t.Errorf("%s: %s", o.Target, raw)
				}
				if code == 200 {
					if got := target.next(t); got.Path != "/"+path {
						t.Errorf("%s: the target got path %q", o.Target, got.Path)
					}
				}
				select {
				case got := <-elsewhere.reqs:
					t.Fatalf("%s: the replay went elsewhere: %s %s", o.Target, got.Method, got.Path)
				default:
				}
			}
			u, _ := url.Parse(target.srv.URL)
			if text := Curl(Exchange{Record: rec("r", "POST", path, "", `{}`)}, u); !strings.Contains(text, "'"+target.srv.URL+"/"+path+"'") {
				t.Errorf("curl:\n%s", text)
			}
		})
	}
}
