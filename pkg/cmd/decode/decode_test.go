package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
