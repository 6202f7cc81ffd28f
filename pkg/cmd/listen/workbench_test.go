package listen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/redact"
)

func TestNewCmdListenWorkbenchFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, wb *Workbench)
	}{
		{name: "forward", args: "--forward-to http://127.0.0.1:3000/hooks --forward-timeout 2s --record r.ndjson", check: func(t *testing.T, wb *Workbench) {
			if wb.target == nil || wb.target.Path != "/hooks" || wb.ForwardTimeout != 2*time.Second || wb.Record != "r.ndjson" || wb.StatusSet {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "status set", args: "--forward-to http://127.0.0.1:3000 --status 202", check: func(t *testing.T, wb *Workbench) {
			if !wb.StatusSet {
				t.Error("status not marked as set")
			}
		}},
		{name: "failures", args: "--fail-every 3 --fail-rate 0.25 --seed 9 --fail-status 503 --delay 1s", check: func(t *testing.T, wb *Workbench) {
			if wb.FailEvery != 3 || wb.FailRate != 0.25 || wb.Seed != 9 || wb.FailStatus != 503 || wb.Delay != time.Second || !wb.responds() {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "until", args: `--until .kind=="status" --count 3 --timeout 5s`, check: func(t *testing.T, wb *Workbench) {
			if wb.until == nil || wb.Count != 3 || wb.Timeout != 5*time.Second {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "timeout with max-events", args: "--max-events 2 --timeout 5s"},
		{name: "redact key from env", args: "--redact", env: map[string]string{"WA_CB_REDACT_KEY": "k1"}, check: func(t *testing.T, wb *Workbench) {
			if !wb.Redact || wb.RedactKey != "k1" {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "redact key implies redact", args: "--redact-key k2", env: map[string]string{"WA_CB_REDACT_KEY": "k1"}, check: func(t *testing.T, wb *Workbench) {
			if !wb.Redact || wb.RedactKey != "k2" {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "bad forward url", args: "--forward-to ftp://x/", wantErr: "--forward-to"},
		{name: "insecure alone", args: "--forward-insecure", wantErr: "--forward-insecure needs --forward-to"},
		{name: "insecure", args: "--forward-to https://127.0.0.1:3000 --forward-insecure", check: func(t *testing.T, wb *Workbench) {
			if !wb.ForwardInsecure || !wb.responder(200).Forward.Client.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify {
				t.Errorf("%+v", wb)
			}
		}},
		{name: "forward without host", args: "--forward-to http:///x", wantErr: "--forward-to"},
		{name: "forward timeout alone", args: "--forward-timeout 1s", wantErr: "--forward-timeout needs --forward-to"},
		{name: "zero forward timeout", args: "--forward-to http://127.0.0.1:1 --forward-timeout 0s", wantErr: "invalid --forward-timeout"},
		{name: "negative delay", args: "--delay -1s", wantErr: "invalid --delay"},
		{name: "negative fail-every", args: "--fail-every -1", wantErr: "invalid --fail-every"},
		{name: "fail rate above 1", args: "--fail-rate 1.5", wantErr: "invalid --fail-rate"},
		{name: "fail status range", args: "--fail-every 2 --fail-status 700", wantErr: "invalid --fail-status"},
		{name: "fail status alone", args: "--fail-status 503", wantErr: "--fail-status needs"},
		{name: "seed alone", args: "--seed 3", wantErr: "--seed needs --fail-rate"},
		{name: "invalid until", args: "--until .kind==", wantErr: "invalid jq expression"},
		{name: "count alone", args: "--count 2", wantErr: "--count needs --until"},
		{name: "zero count", args: "--until .kind --count 0", wantErr: "invalid --count"},
		{name: "timeout alone", args: "--timeout 1s", wantErr: "--timeout needs --until or --max-events"},
		{name: "zero timeout", args: "--until .kind --timeout 0s", wantErr: "invalid --timeout"},
		{name: "empty redact key", args: "--redact-key=", wantErr: "--redact-key: empty key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			env := tt.env
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(k string) string { return env[k] }}
			var got *Options
			cmd := NewCmdListen(f, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(splitArgs(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Errorf("exit code %d, want 2", cmdutil.ExitCode(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, &got.Workbench)
			}
		})
	}
}

// splitArgs splits on spaces (the table needs no quoting).
func splitArgs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

func TestSelfForward(t *testing.T) {
	bound := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 4280}
	anyAddr := &net.TCPAddr{IP: net.IPv4zero, Port: 4280}
	tests := []struct {
		target string
		addr   net.Addr
		want   bool
	}{
		{"http://127.0.0.1:4280/hooks", bound, true},
		{"http://localhost:4280/", bound, true},
		{"http://127.0.0.2:4280/", bound, true},
		{"http://[::1]:4280/", bound, true},
		{"http://127.0.0.1:3000/", bound, false},
		{"http://app.test:4280/", bound, false},
		{"http://192.0.2.1:4280/", anyAddr, true},
		{"http://127.0.0.1/", &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80}, true},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.target)
		if got := selfForward(u, tt.addr); got != tt.want {
			t.Errorf("selfForward(%s, %v) = %v, want %v", tt.target, tt.addr, got, tt.want)
		}
	}
}

func Test_listenRun_ForwardToItself(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	o := parseOptions(t, "--port", strconv.Itoa(port), "--forward-to", fmt.Sprintf("http://localhost:%d/x", port))
	err = listenRun(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "this listener itself") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err %v", err)
	}
}

func Test_listenRun_UntilTimesOut(t *testing.T) {
	o := parseOptions(t, "--json", "--until", `.kind == "status"`, "--count", "1", "--timeout", "50ms")
	u, _, errOut, done := runListen(t, context.Background(), o)
	// The listener may already have timed out: the request is not needed.
	if resp, err := http.Post(u, "application/json", strings.NewReader(cloudText)); err == nil {
		resp.Body.Close()
	}
	err := wait(t, done)
	if !errors.Is(err, cmdutil.ErrCheckFailed) {
		t.Fatalf("err %v, want a failed check", err)
	}
	if !strings.Contains(errOut.String(), `0 of 1 events matching .kind == "status" arrived`) {
		t.Errorf("stderr %q", errOut.String())
	}
}

func Test_listenRun_UntilMet(t *testing.T) {
	// --until sees the events as received
	o := parseOptions(t, "--json", "--until", `.kind == "message" and .text == "Body <b> & Text"`, "--count", "2", "--redact")
	u, out, _, done := runListen(t, context.Background(), o)
	for i := 0; i < 2; i++ {
		resp, err := http.Post(u, "application/json", strings.NewReader(cloudText))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Body <b>") || strings.Count(out.String(), `"kind":"message"`) != 2 {
		t.Errorf("output %s", out)
	}
}

func Test_listenRun_RedactConsistent(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "rec.ndjson")
	tokens := func() []string {
		o := parseOptions(t, "--json", "--max-events", "2", "--redact", "--redact-key", "fixed", "--record", rec)
		u, out, _, done := runListen(t, context.Background(), o)
		for i := 0; i < 2; i++ {
			resp, err := http.Post(u, "application/json", strings.NewReader(cloudText))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		if err := wait(t, done); err != nil {
			t.Fatal(err)
		}
		var froms []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var ev callback.Event
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			froms = append(froms, ev.From)
		}
		if strings.Contains(out.String(), "972987654321") || strings.Contains(out.String(), "Test Name") {
			t.Errorf("personal data in the output: %s", out)
		}
		return froms
	}
	a, b := tokens(), tokens()
	if len(a) != 2 || a[0] != a[1] || a[0] != b[0] || !strings.HasPrefix(a[0], "phone:") {
		t.Errorf("tokens %v and %v", a, b)
	}
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "972987654321") || strings.Count(string(data), `"redacted":true`) != 4 {
		t.Errorf("recording %s", data)
	}
}

// Under load, with --record and --forward-to: every accepted request is
// recorded exactly once and forwarded exactly once, none lost, none
// duplicated, none answered 5xx.
func Test_listenRun_ForwardAndRecordUnderLoad(t *testing.T) {
	total, conns := 5000, 100
	if testing.Short() {
		total = 1000
	}
	var mu sync.Mutex
	got := map[string]int{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-Load-Id")
		mu.Lock()
		got[id]++
		mu.Unlock()
		if !strings.Contains(string(b), `"wamid.`+id+`"`) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer app.Close()

	rec := filepath.Join(t.TempDir(), "load.ndjson")
	o := parseOptions(t, "--json", "--max-events", strconv.Itoa(total), "--forward-to", app.URL+"/app", "--forward-timeout", "30s", "--record", rec)
	u, out, _, done := runListen(t, context.Background(), o)

	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	next := make(chan int)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				id := fmt.Sprintf("LOAD%05d", n)
				body := strings.Replace(cloudText, "wamid.xyzxyz", "wamid."+id, 1)
				req, _ := http.NewRequest("POST", u+"hook", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Load-Id", id)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("request %s answered %d", id, resp.StatusCode)
					return
				}
			}
		}()
	}
	start := time.Now()
	for n := 0; n < total; n++ {
		select {
		case next <- n:
		case err := <-errs:
			close(next)
			t.Fatal(err)
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d callbacks over %d connections, forwarded and recorded, in %s", total, conns, time.Since(start).Round(time.Millisecond))

	// the app got each request exactly once
	mu.Lock()
	if len(got) != total {
		t.Errorf("app got %d distinct requests, want %d", len(got), total)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("app got %s %d times", id, n)
		}
	}
	mu.Unlock()

	// the recording holds each exactly once, answered with the app's answer
	f, err := os.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := record.NewReader(f)
	seen := map[string]int{}
	for {
		r, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id := r.Request.Header.Get("X-Load-Id")
		seen[id]++
		if r.Response.Status != 200 || r.Forward == nil || r.Forward.Status != 200 || r.Forward.Body != `{"ok":true}` {
			t.Fatalf("record of %s: response %+v forward %+v", id, r.Response, r.Forward)
		}
		if !strings.Contains(string(r.Request.Body), `"wamid.`+id+`"`) || len(r.Events) != 1 || r.Events[0].ID != "wamid."+id {
			t.Fatalf("record of %s holds another request", id)
		}
	}
	if len(seen) != total {
		t.Errorf("recording holds %d distinct requests, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("recording holds %s %d times", id, n)
		}
	}

	// the JSON stream has an event and a forward line per request
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2*total {
		t.Errorf("%d output lines, want %d", len(lines), 2*total)
	}
	if n := strings.Count(out.String(), `"kind":"forward"`); n != total {
		t.Errorf("%d forward lines, want %d", n, total)
	}
}

func TestAnswerTime(t *testing.T) {
	target, _ := url.Parse("http://127.0.0.1:3000/")
	tests := []struct {
		wb   Workbench
		want time.Duration
	}{
		{Workbench{}, 0},
		{Workbench{Delay: 2 * time.Minute}, 2 * time.Minute},
		{Workbench{target: target, ForwardTimeout: 90 * time.Second, Delay: time.Second}, 90 * time.Second},
		{Workbench{ForwardTimeout: 90 * time.Second}, 0}, // not forwarding
	}
	for _, tt := range tests {
		if got := tt.wb.answerTime(); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.wb, got, tt.want)
		}
	}
}

func Test_listenRun_RecordingFailureIsAnError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	o := parseOptions(t, "--json", "--max-events", "1", "--record", "/dev/full")
	u, out, errOut, done := runListen(t, context.Background(), o)
	resp, err := http.Post(u, "application/json", strings.NewReader(cloudText))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	err = wait(t, done)
	if err == nil || !strings.Contains(err.Error(), "recording to /dev/full") || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(errOut.String(), "writing the recording failed") || !strings.Contains(out.String(), `"kind":"message"`) {
		t.Errorf("stderr %q, stdout %q", errOut, out)
	}
}

func TestArrivedSummary(t *testing.T) {
	st := listener.NewStats()
	if got := arrivedSummary(st); got != "nothing arrived" {
		t.Errorf("empty: %q", got)
	}
	st.Requests, st.Events = 1, 3
	st.Kinds = map[string]int{"status": 2, "message": 1}
	st.Statuses = map[string]int{"sent": 1, "delivered": 1}
	if got, want := arrivedSummary(st), "arrived: 1 request, 3 events: 1 message, 2 status (1 delivered, 1 sent)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A self-signed app: the forward's error says, in listen's words, how to
// accept it, and --forward-insecure does.
func TestForwardUntrustedCertificate(t *testing.T) {
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure")
	}))
	app.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	app.StartTLS()
	defer app.Close()
	ex := func() *listener.Exchange {
		return &listener.Exchange{Method: "POST", Path: "/", Header: http.Header{}, Body: []byte("{}")}
	}
	fr := parseOptions(t, "--forward-to", app.URL).Workbench.responder(200).Forward.Forward(context.Background(), ex())
	if fr.Status != 0 || !strings.HasPrefix(fr.Error, "TLS certificate not trusted: ") || !strings.HasSuffix(fr.Error, "(--forward-insecure accepts it)") {
		t.Fatalf("self-signed app: %+v", fr)
	}
	fr = parseOptions(t, "--forward-to", app.URL, "--forward-insecure").Workbench.responder(200).Forward.Forward(context.Background(), ex())
	if fr.Status != 200 || string(fr.Body) != "secure" {
		t.Fatalf("with --forward-insecure: %+v", fr)
	}
}

// An answer --status overrides says so in listen's words.
func TestStatusOverrideReason(t *testing.T) {
	if r := parseOptions(t, "--forward-to", "http://127.0.0.1:3000", "--status", "202").Workbench.responder(202); r.Status != 202 || r.StatusReason != "--status" {
		t.Errorf("responder %+v", r)
	}
}

// Under --redact a compressed body is no hiding place: the recording keeps
// the payload it held, masked (and uncompressed); a body whose encoding
// cannot be undone is not kept.
func TestRedactExchangeContentEncoding(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(cloudText))
	_ = zw.Close()
	tests := []struct {
		name     string
		encoding string
		body     []byte
		inflated []byte
		wantBody bool
	}{
		{"gzip", "gzip", gz.Bytes(), []byte(cloudText), true},
		{"brotli", "br", []byte("\x1b\x03972987654321"), nil, false},
		{"identity", "identity", []byte(cloudText), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &listener.Exchange{
				Header:   http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {tt.encoding}},
				Body:     tt.body,
				Inflated: tt.inflated,
				Events:   []callback.Event{{Schema: callback.Schema, Source: "unknown", Kind: "unknown"}},
			}
			redactExchange(redact.New([]byte("k")), ex)
			if bytes.Contains(ex.Body, []byte("972987654321")) || bytes.Contains(ex.Body, []byte("Test Name")) {
				t.Errorf("personal data kept: %q", ex.Body)
			}
			if (len(ex.Body) > 0) != tt.wantBody {
				t.Errorf("body kept: %q, want kept %v", ex.Body, tt.wantBody)
			}
			if ex.Inflated != nil {
				t.Errorf("the unmasked payload is still held: %q", ex.Inflated)
			}
			if tt.inflated != nil && ex.Header.Get("Content-Encoding") != "" {
				t.Errorf("the masked payload is not compressed, yet the header says %q", ex.Header.Get("Content-Encoding"))
			}
		})
	}
}
