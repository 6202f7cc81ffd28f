package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/render"
)

func TestNewCmdListen(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{name: "defaults", args: "", check: func(t *testing.T, o *Options) {
			if o.Host != "127.0.0.1" || o.Port != 4280 || o.Status != 200 || o.MaxBody != 3<<20 || o.JSON || o.MaxEvents != 0 {
				t.Errorf("opts %+v", o)
			}
		}},
		{name: "port 0", args: "--port 0", check: func(t *testing.T, o *Options) {
			if o.Port != 0 {
				t.Errorf("port %d", o.Port)
			}
		}},
		{name: "addr with port", args: "--addr 127.0.0.1:0", check: func(t *testing.T, o *Options) {
			if o.Host != "127.0.0.1" || o.Port != 0 {
				t.Errorf("host %q port %d", o.Host, o.Port)
			}
		}},
		{name: "ipv6 addr", args: "--addr [::1]:9000", check: func(t *testing.T, o *Options) {
			if o.Host != "::1" || o.Port != 9000 {
				t.Errorf("host %q port %d", o.Host, o.Port)
			}
		}},
		{name: "bare ipv6", args: "--addr ::1 --port 9001", check: func(t *testing.T, o *Options) {
			if o.Host != "::1" || o.Port != 9001 {
				t.Errorf("host %q port %d", o.Host, o.Port)
			}
		}},
		{name: "all flags", args: "--json --status 202 --max-body 512KiB --max-events 3 --ready-file r.txt --verify-token tok --app-secret sec --require-signature", check: func(t *testing.T, o *Options) {
			if !o.JSON || o.Status != 202 || o.MaxBody != 512<<10 || o.MaxEvents != 3 || o.ReadyFile != "r.txt" || o.VerifyToken != "tok" || o.AppSecret != "sec" || !o.RequireSignature {
				t.Errorf("opts %+v", o)
			}
			c := o.Config
			if c.Status != 202 || c.MaxBody != 512<<10 || c.MaxEvents != 3 || c.VerifyToken != "tok" || c.AppSecret != "sec" || !c.RequireSignature {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "secrets from env", args: "--require-signature", env: map[string]string{"WA_CB_APP_SECRET": "envsec", "WA_CB_VERIFY_TOKEN": "envtok"}, check: func(t *testing.T, o *Options) {
			if o.AppSecret != "envsec" || o.VerifyToken != "envtok" {
				t.Errorf("secret %q token %q", o.AppSecret, o.VerifyToken)
			}
		}},
		{name: "flag beats env", args: "--app-secret flagsec", env: map[string]string{"WA_CB_APP_SECRET": "envsec"}, check: func(t *testing.T, o *Options) {
			if o.AppSecret != "flagsec" {
				t.Errorf("secret %q", o.AppSecret)
			}
		}},
		{name: "require without secret", args: "--require-signature", wantErr: "--require-signature needs --app-secret"},
		{name: "bad status", args: "--status 99", wantErr: "invalid --status 99"},
		{name: "status 600", args: "--status 600", wantErr: "invalid --status 600"},
		{name: "bad size", args: "--max-body lots", wantErr: "invalid --max-body"},
		{name: "huge size", args: "--max-body 2GiB", wantErr: "at most 1GiB"},
		{name: "negative events", args: "--max-events -1", wantErr: "invalid --max-events"},
		{name: "bad port", args: "--port 70000", wantErr: "invalid --port 70000"},
		{name: "port twice", args: "--addr 127.0.0.1:80 --port 81", wantErr: "give the port once"},
		{name: "url addr", args: "--addr http://127.0.0.1:4300/", check: func(t *testing.T, o *Options) {
			if o.Host != "127.0.0.1" || o.Port != 4300 {
				t.Errorf("host %q port %d", o.Host, o.Port)
			}
		}},
		{name: "url addr with path", args: "--addr http://127.0.0.1:4300/hook", wantErr: "invalid --addr"},
		{name: "bad addr", args: "--addr a/b", wantErr: "invalid --addr"},
		{name: "no args", args: "extra", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(k string) string { return tt.env[k] }}
			var got *Options
			cmd := NewCmdListen(f, func(_ context.Context, o *Options) error { got = o; return nil })
			if tt.args == "" {
				cmd.SetArgs([]string{})
			} else {
				cmd.SetArgs(strings.Fields(tt.args))
			}
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if tt.name != "no args" && cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Errorf("exit code %d, want 2", cmdutil.ExitCode(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdListen(&cmdutil.Factory{IOStreams: ios}, nil)
	if cmd.Short == "" || cmd.Long == "" || !strings.HasPrefix(cmd.Example, "  $ wa-cb listen") {
		t.Fatal("help is incomplete")
	}
}

// parseOptions builds the Options of `wa-cb listen ARGS...` the way the
// command does, with an empty environment, on 127.0.0.1:0.
func parseOptions(t *testing.T, args ...string) *Options {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
	var got *Options
	cmd := NewCmdListen(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs(append([]string{"--port", "0"}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("listen %q: %v", args, err)
	}
	return got
}

// runListen starts listenRun on 127.0.0.1:0 and returns the URL, the
// output buffers and a channel with its error.
func runListen(t *testing.T, ctx context.Context, o *Options) (string, *bytes.Buffer, *bytes.Buffer, <-chan error) {
	t.Helper()
	return runListenOn(t, ctx, o, func(*iostreams.IOStreams) {})
}

// runListenOn is runListen with the streams set up by setup first (a
// terminal, say).
func runListenOn(t *testing.T, ctx context.Context, o *Options, setup func(*iostreams.IOStreams)) (string, *bytes.Buffer, *bytes.Buffer, <-chan error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	setup(ios)
	o.IO = ios
	o.Host = "127.0.0.1"
	o.Port = 0
	o.ReadyFile = filepath.Join(t.TempDir(), "url")
	done := make(chan error, 1)
	go func() { done <- listenRun(ctx, o) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(o.ReadyFile)
		if err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), out, errOut, done
		}
		select {
		case err := <-done:
			t.Fatalf("listen ended early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no ready file")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("listen did not stop")
	}
	return nil
}

const cloudText = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1"},"contacts":[{"profile":{"name":"Test Name"},"wa_id":"972987654321"}],"messages":[{"from":"972987654321","id":"wamid.xyzxyz","timestamp":"1697043223","text":{"body":"Body <b> & Text"},"type":"text"}]}}]}]}`

func Test_listenRun_JSON(t *testing.T) {
	url, out, errOut, done := runListen(t, context.Background(), parseOptions(t, "--json", "--max-events", "2"))
	resp, err := http.Post(url+"hook", "application/json", strings.NewReader(cloudText))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(url + "cb?id=a2d4ef99%3A0&phone_number=%2B12025550143&status=delivered&timestamp=1580972783")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines:\n%s", len(lines), out)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["kind"] != "message" || ev["method"] != "POST" || ev["path"] != "/hook" || ev["request_id"] == "" || ev["received_at"] == nil {
		t.Errorf("event %v", ev)
	}
	if _, ok := ev["signature"]; ok {
		t.Error("signature present without a secret")
	}
	if !strings.Contains(lines[0], `"text":"Body <b> & Text"`) {
		t.Errorf("HTML escaped: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"status":"delivered"`) {
		t.Errorf("second line %s", lines[1])
	}
	stderr := errOut.String()
	if !strings.Contains(stderr, "Listening on "+url) || !strings.Contains(stderr, "Stopped: 2 requests, 2 events (1 message, 1 status [1 delivered])") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func Test_listenRun_PlainAndTooLarge(t *testing.T) {
	o := parseOptions(t, "--max-events", "2")
	o.Config.MaxBody = 100
	url, out, errOut, done := runListen(t, context.Background(), o)
	resp, err := http.Post(url+"big", "application/json", strings.NewReader(strings.Repeat("x", 200)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	resp, err = http.Post(url, "application/json", strings.NewReader(`{"broken":`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	stdout := out.String()
	if strings.Contains(stdout, "xxxx") || !strings.Contains(stdout, "unknown (unknown) !") || !strings.Contains(stdout, `raw: {"broken":`) {
		t.Errorf("stdout:\n%s", stdout)
	}
	stderr := errOut.String()
	if !strings.Contains(stderr, "413 POST /big") || !strings.Contains(stderr, "1 too large (413)") || !strings.Contains(stderr, "1 decode error") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// On a terminal, Ctrl-C's echo ("^C") has no newline: the summary starts
// a line of its own.
func Test_listenRun_InterruptOnTerminal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, _, errOut, done := runListenOn(t, ctx, parseOptions(t), func(ios *iostreams.IOStreams) { ios.SetStderrTTY(true) })
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "\n\nStopped: 0 requests") {
		t.Errorf("stderr %q", errOut)
	}
}

func Test_listenRun_CancelStopsGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, _, errOut, done := runListen(t, ctx, parseOptions(t))
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "Stopped: 0 requests") {
		t.Errorf("stderr %q", errOut)
	}
}

func Test_listenRun_PortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := parseOptions(t, "--port", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	err = listenRun(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "--port 0") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "\n") || cmdutil.ExitCode(err) != 1 {
		t.Errorf("want a one-line error and exit 1, got %q (exit %d)", err, cmdutil.ExitCode(err))
	}
}

func TestOutputRecoversRenderPanic(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	o := newOutput(&Options{IO: ios})
	o.event = func(render.EventView) string { panic("card exploded") }
	ex := &listener.Exchange{ID: "abc-0001", Method: "POST", Path: "/hook", RawQuery: "a=1", Body: []byte("{\"x\":\"\x1b[2J\"}"),
		Events: []callback.Event{{Kind: "message"}}, Answer: listener.Answer{Status: 200}}
	o.consume(ex, false)
	want := "request abc-0001: POST /hook?a=1, answered 200\n  raw: {\"x\":\"\\x1b[2J\"}\n\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "request abc-0001 could not be shown (card exploded)") {
		t.Errorf("stderr %q", errOut.String())
	}
	// the next exchange renders normally again
	o.event = func(v render.EventView) string { return "ok " + v.Event.Kind + "\n" }
	o.consume(&listener.Exchange{ID: "abc-0002", Events: []callback.Event{{Kind: "status"}}}, false)
	if !strings.HasSuffix(out.String(), "ok status\n") {
		t.Errorf("stdout %q", out.String())
	}
}

func TestOutputJSONNeverLosesALine(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	o := newOutput(&Options{IO: ios, JSON: true})
	ex := &listener.Exchange{ID: "abc-0001", Events: []callback.Event{
		{Schema: callback.Schema, Kind: "message", Raw: json.RawMessage("{\"broken\":\"é\x01")},
		{Schema: callback.Schema, Kind: "status", Text: "<ok & fine>"},
	}}
	o.consume(ex, true)
	if out.Len() != 0 {
		t.Fatal("flushed while more exchanges were waiting")
	}
	o.consume(&listener.Exchange{ID: "abc-0002", Events: []callback.Event{{Schema: callback.Schema, Kind: "unknown"}}}, false)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	if !strings.Contains(lines[0], `"raw":"{\"broken\":\"é\u0001"`) || !strings.Contains(lines[0], `"decode_error":"the decoded event could not be encoded: `) {
		t.Errorf("fallback line %s", lines[0])
	}
	if !strings.Contains(lines[1], `"text":"<ok & fine>"`) {
		t.Errorf("HTML escaping on: %s", lines[1])
	}
}

// Test_listenRun_UnderLoad: concurrent senders, every request answered and
// exactly one JSON line per request, each with its own request id.
func Test_listenRun_UnderLoad(t *testing.T) {
	const senders, each = 16, 25
	url, out, _, done := runListen(t, context.Background(), parseOptions(t, "--json", "--max-events", strconv.Itoa(senders*each)))
	errs := make(chan error, senders)
	for i := 0; i < senders; i++ {
		go func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for j := 0; j < each; j++ {
				resp, err := client.Post(url, "application/json", strings.NewReader(cloudText))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < senders; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev callback.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if ids[ev.RequestID] {
			t.Fatalf("request %s printed twice", ev.RequestID)
		}
		ids[ev.RequestID] = true
	}
	if len(ids) != senders*each {
		t.Fatalf("%d lines, want %d", len(ids), senders*each)
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestOutputWriteFailureStops(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.Out = brokenWriter{}
	o := newOutput(&Options{IO: ios, JSON: true})
	stops := 0
	o.failed = func() { stops++ }
	for i := 0; i < 3; i++ {
		o.consume(&listener.Exchange{ID: "x", Events: []callback.Event{{Kind: "message"}}}, false)
	}
	if stops != 1 || o.err == nil {
		t.Fatalf("stops %d err %v", stops, o.err)
	}
}

func TestOutputNotesLag(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	o := newOutput(&Options{IO: ios, JSON: true})
	backlog := 0
	o.backlog = func() int { return backlog }
	ex := &listener.Exchange{ID: "x", Events: []callback.Event{{Kind: "message"}}}
	for _, b := range []int{10, 999, 1000, 1500, 9999, 10000, 20000, 50, 1200, 25000, 24999} {
		backlog = b
		o.consume(ex, true)
	}
	want := "note: the output is 1000 requests behind; they are answered and will all be shown\n" +
		"note: the output is 10000 requests behind; they are answered and will all be shown\n" +
		"note: the output is 1200 requests behind; they are answered and will all be shown\n" +
		"note: the output is 25000 requests behind; they are answered and will all be shown\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

// The listener's own words for a refused body and a simulated failure are
// phrased here, with listen's flags and units.
func TestReasonsInListenWords(t *testing.T) {
	tests := []struct{ got, want string }{
		{tooLargeReason(1153, 1024), "request refused with 413: body of 1.1 KiB exceeds the 1 KiB limit (--max-body)"},
		{tooLargeReason(-1, 3<<20), "request refused with 413: body exceeds the 3 MiB limit (--max-body)"},
		{failEveryReason(1), "simulated failure (every request)"},
		{failEveryReason(2), "simulated failure (every 2nd request)"},
		{failEveryReason(11), "simulated failure (every 11th request)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestTryHint(t *testing.T) {
	for base, want := range map[string]string{
		"http://127.0.0.1:4280/":  "Try it from another terminal: wa-cb send fixture cloud-incoming-text",
		"http://127.0.0.1:35443/": "Try it from another terminal: wa-cb send fixture cloud-incoming-text --to http://127.0.0.1:35443/",
	} {
		if got := tryHint(base); got != want {
			t.Errorf("tryHint(%q) = %q, want %q", base, got, want)
		}
		if got := tryHint("http://127.0.0.1:4280/"); len(got) > 79 {
			t.Errorf("hint of the default listener is %d columns: %q", len(got), got)
		}
	}
}
