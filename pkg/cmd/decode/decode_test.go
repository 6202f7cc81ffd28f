package decode

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

const cloudText = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1"},"contacts":[{"profile":{"name":"Test Name"},"wa_id":"972987654321"}],"messages":[{"from":"972987654321","id":"wamid.xyzxyz","timestamp":"1697043223","text":{"body":"Body Text"},"type":"text"}]}}]}]}`

func TestNewCmdDecode(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdinTTY bool
		wantFile string
		wantJSON bool
		wantErr  string
	}{
		{name: "file", args: []string{"body.json"}, wantFile: "body.json"},
		{name: "stdin dash", args: []string{"-", "--json"}, wantFile: "-", wantJSON: true},
		{name: "stdin implied", args: []string{}},
		{name: "terminal stdin", args: []string{}, stdinTTY: true, wantErr: "give a FILE"},
		{name: "terminal stdin asked for", args: []string{"-"}, stdinTTY: true, wantFile: "-"},
		{name: "two files", args: []string{"a", "b"}, wantErr: "accepts at most 1 arg"},
		{name: "timelines", args: []string{"--timelines", "5", "log"}, wantFile: "log"},
		{name: "no timelines", args: []string{"--timelines", "0", "log"}, wantErr: "invalid --timelines 0: want 1 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.stdinTTY)
			var got *Options
			cmd := NewCmdDecode(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tt.wantFile || got.JSON != tt.wantJSON {
				t.Errorf("opts %+v", got)
			}
		})
	}
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdDecode(&cmdutil.Factory{IOStreams: ios}, nil)
	if cmd.Short == "" || cmd.Long == "" || !strings.HasPrefix(cmd.Example, "  $ wa-cb decode") {
		t.Error("help is incomplete")
	}
}

func Test_decodeRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "body.json")
	if err := os.WriteFile(file, []byte(cloudText), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     string
		stdin    string
		json     bool
		tty      bool
		want     []string // substrings of stdout
		lines    int      // JSON lines expected (json mode)
		wantErr  string
		wantExit int
	}{
		{name: "file plain", file: file, want: []string{"message text (cloud)\n", "  from: 972987654321\n", "  text: Body Text\n"}},
		{name: "file json", file: file, json: true, lines: 1, want: []string{`"kind":"message"`, `"text":"Body Text"`}},
		{name: "stdin query", stdin: "?id=a2d4ef99%3A0&phone_number=%2B12025550143&status=delivered&timestamp=1580972783\n", json: true, lines: 1, want: []string{`"source":"kaleyra-v1"`, `"status":"delivered"`}},
		{name: "url form", stdin: "https://example.com/cb?id=x%3A0&status=read&phone_number=%2B1202&timestamp=1580972783", want: []string{"status read (kaleyra-v1)"}},
		{name: "ndjson lines", stdin: cloudText + "\n" + cloudText + "\n", lines: 2, json: true, want: []string{`"id":"wamid.xyzxyz"`}},
		{name: "lines plain show line numbers", stdin: cloudText + "\n\n" + cloudText + "\n", want: []string{"  line: 1\n", "  line: 3\n"}},
		{name: "malformed still exit 0", stdin: `{"messages":[{"from":`, want: []string{"  decode error: ", `  raw: {"messages":[{"from":`}},
		{name: "tty cards", file: file, tty: true, want: []string{"╭", "message", "Body Text", "╯"}},
		{name: "no request facts", file: file, json: true, lines: 1},
		{name: "missing file", file: filepath.Join(dir, "nope.json"), wantErr: "cannot read " + filepath.Join(dir, "nope.json") + ": no such file or directory", wantExit: 2},
		{name: "directory", file: dir, wantErr: "cannot read " + dir + ": is a directory", wantExit: 1},
		{name: "empty", stdin: "  \n", wantErr: "the input is empty", wantExit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			in.WriteString(tt.stdin)
			err := decodeRun(context.Background(), &Options{IO: ios, File: tt.file, JSON: tt.json})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if got := cmdutil.ExitCode(err); got != tt.wantExit {
					t.Errorf("exit %d, want %d", got, tt.wantExit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("stdout lacks %q:\n%s", w, got)
				}
			}
			if tt.json {
				lines := strings.Split(strings.TrimSpace(got), "\n")
				if len(lines) != tt.lines {
					t.Fatalf("%d lines, want %d", len(lines), tt.lines)
				}
				for _, l := range lines {
					var ev callback.Event
					if err := json.Unmarshal([]byte(l), &ev); err != nil {
						t.Fatalf("bad line %q: %v", l, err)
					}
					if ev.Schema != callback.Schema || ev.RequestID != "" || ev.ReceivedAt != "" || ev.Method != "" {
						t.Errorf("event %+v", ev)
					}
				}
			}
		})
	}
}

func Test_decodeRunRecoversDecoderPanic(t *testing.T) {
	ios, in, out, _ := iostreams.Test()
	in.WriteString(`{"a":1}`)
	err := decodeRun(context.Background(), &Options{IO: ios, Decode: func(callback.Request) []callback.Event { panic("bad decoder") }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "decoder failed: bad decoder") || !strings.Contains(out.String(), `raw: {"a":1}`) {
		t.Errorf("stdout:\n%s", out)
	}
}

// A log of status callbacks tells each message's story as listen would:
// every status carries its lifecycle note, in the order of the input, and
// the odd stories are listed on stderr.
func TestDecodeLifecycle(t *testing.T) {
	cloudStatus := func(id, status, ts string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","statuses":[{"id":"` + id + `","status":"` + status + `","recipient_id":"1","timestamp":"` + ts + `"}]}}]}]}`
	}
	record := func(at, query string) string {
		return `{"schema":"wa-cb.record/v1","request_id":"r","received_at":"` + at + `","request":{"method":"GET","path":"/cb","query":"` + query + `"},"events":[],"response":{"status":200,"latency_ms":0.1}}`
	}
	tests := []struct {
		name      string
		input     string
		notes     []string // each status event's lifecycle, as JSON ("" for none)
		summary   string   // a line of stderr
		noSummary bool
	}{
		{"in order", cloudStatus("w1", "sent", "1700000000") + "\n" + cloudStatus("w1", "delivered", "1700000002") + "\n" + cloudStatus("w1", "read", "1700000010"),
			[]string{`{"seq":1}`, `{"seq":2,"previous":"sent","since_previous_ms":2000}`, `{"seq":3,"previous":"delivered","since_previous_ms":8000}`}, "", true},
		{"read before delivered", cloudStatus("w1", "sent", "1700000000") + "\n" + cloudStatus("w1", "read", "1700000010") + "\n" + cloudStatus("w1", "delivered", "1700000002"),
			[]string{`{"seq":1}`, `{"seq":2,"previous":"sent","since_previous_ms":10000,"missing":["delivered"]}`, `{"seq":3,"previous":"read","since_previous_ms":-8000,"flags":["out_of_order"]}`},
			"Lifecycle: 1 message with anomalies", false},
		{"twice, in an array", "[" + cloudStatus("w2", "sent", "1700000000") + "," + cloudStatus("w2", "sent", "1700000000") + "]",
			[]string{`{"seq":1}`, `{"seq":2,"previous":"sent","since_previous_ms":0,"flags":["duplicate"]}`}, "w2", false},
		{"recordings place statuses without a timestamp at received_at", record("2026-01-02T03:04:05Z", "id=k%3A0&status=sent") + "\n" + record("2026-01-02T03:04:09Z", "id=k%3A0&status=read"),
			[]string{`{"seq":1}`, `{"seq":2,"previous":"sent","since_previous_ms":4000,"missing":["delivered"]}`}, "k:0", false},
		{"messages are left alone", cloudText, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, stdin, stdout, stderr := iostreams.Test()
			stdin.WriteString(tt.input)
			if err := decodeRun(context.Background(), &Options{IO: ios, JSON: true}); err != nil {
				t.Fatal(err)
			}
			var notes []string
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var ev struct {
					Kind      string          `json:"kind"`
					Lifecycle json.RawMessage `json:"lifecycle"`
				}
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				if ev.Kind == callback.KindStatus {
					notes = append(notes, string(ev.Lifecycle))
				} else if ev.Lifecycle != nil {
					t.Errorf("a %s has a lifecycle: %s", ev.Kind, line)
				}
			}
			if strings.Join(notes, "\n") != strings.Join(tt.notes, "\n") {
				t.Errorf("lifecycle notes\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(tt.notes, "\n"))
			}
			if tt.noSummary && stderr.Len() > 0 {
				t.Errorf("stderr %q, want nothing", stderr)
			}
			if !strings.Contains(stderr.String(), tt.summary) {
				t.Errorf("stderr %q, want %q", stderr, tt.summary)
			}
		})
	}
}

// A recorded request whose body was sent compressed is decoded as listen
// decoded it: decompressed, with what could not be undone said.
func TestDecodeContentEncoding(t *testing.T) {
	status := `{"statuses":[{"id":"s1","status":"read","recipient_id":"1","timestamp":"1700000000"}]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(status))
	_ = zw.Close()
	line := func(encoding string, body []byte) string {
		return `{"schema":"wa-cb.record/v1","request_id":"r","received_at":"2026-01-02T03:04:05Z","request":{"method":"POST","path":"/cb","headers":{"Content-Type":["application/json"],"Content-Encoding":["` + encoding + `"]},"body_base64":"` + base64.StdEncoding.EncodeToString(body) + `"},"events":[],"response":{"status":200,"latency_ms":0.1}}`
	}
	tests := []struct {
		name, input, kind, decodeError string
	}{
		{"gzip", line("gzip", gz.Bytes()), "status", ""},
		{"gzip that is not", line("gzip", []byte(status)), "status", "Content-Encoding gzip: the body does not decompress (gzip: invalid header); it is decoded as received"},
		{"brotli", line("br", []byte{0x1b, 0x03}), "unknown", `Content-Encoding br: "br" is not undone (wa-cb undoes gzip and deflate); the body is decoded as received`},
		{"HTTP request whose problem leads", "POST /cb HTTP/1.1\nContent-Type: application/json\nContent-Encoding: gzip\nContent-Length: 500\n\n" + status, "status", "the Content-Length header says 500 bytes but the body has 86; Content-Encoding gzip: the body does not decompress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, stdin, stdout, _ := iostreams.Test()
			stdin.WriteString(tt.input)
			if err := decodeRun(context.Background(), &Options{IO: ios, JSON: true}); err != nil {
				t.Fatal(err)
			}
			var ev callback.Event
			if err := json.Unmarshal(stdout.Bytes(), &ev); err != nil {
				t.Fatalf("%v: %s", err, stdout)
			}
			if ev.Kind != tt.kind || !strings.Contains(ev.DecodeError, tt.decodeError) || (tt.decodeError == "") != (ev.DecodeError == "") {
				t.Errorf("kind %q, decode_error %q; want %q, %q", ev.Kind, ev.DecodeError, tt.kind, tt.decodeError)
			}
		})
	}
}

// A log piped in (tail -f access.log | wa-cb decode) is printed as its
// lines come, not when the input ends.
func Test_decodeRunStreamsALog(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	in, feed := io.Pipe()
	printed, out := io.Pipe()
	ios.In, ios.Out = in, out
	done := make(chan error, 1)
	go func() {
		err := decodeRun(context.Background(), &Options{IO: ios, JSON: true})
		out.Close()
		done <- err
	}()
	events := make(chan string)
	go func() {
		sc := bufio.NewScanner(printed)
		for sc.Scan() {
			events <- sc.Text()
		}
		close(events)
	}()
	want := func(status string) {
		t.Helper()
		select {
		case ev := <-events:
			if !strings.Contains(ev, `"status":"`+status+`"`) {
				t.Fatalf("got %s, want the %s status", ev, status)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the %s status was not printed before the input ended", status)
		}
	}
	io.WriteString(feed, "?id=a1&status=sent&phone_number=%2B12025550143\n?id=a1&status=delivered&phone_number=%2B12025550143\n")
	want("sent")
	want("delivered")
	io.WriteString(feed, "?id=a1&status=read&phone_number=%2B12025550143\n")
	want("read")
	feed.Close()
	if ev, ok := <-events; ok {
		t.Errorf("after the end: %s", ev)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
