package inspect

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		err  string
		want func(t *testing.T, o *Options)
	}{
		{"defaults", []string{"s.ndjson"}, nil, "", func(t *testing.T, o *Options) {
			if o.Path != "s.ndjson" || !o.UI.Enabled || o.UI.Addr != inspector.DefaultAddr || o.UI.Keep != inspector.DefaultKeep {
				t.Errorf("%+v", o)
			}
		}},
		{"secret from the environment", []string{"-"}, map[string]string{"WA_CB_APP_SECRET": "env-secret"}, "", func(t *testing.T, o *Options) {
			if o.AppSecret != "env-secret" || o.Path != "-" {
				t.Errorf("%+v", o)
			}
		}},
		{"flag beats the environment", []string{"s.ndjson", "--app-secret", "flag"}, map[string]string{"WA_CB_APP_SECRET": "env"}, "", func(t *testing.T, o *Options) {
			if o.AppSecret != "flag" {
				t.Errorf("secret %q", o.AppSecret)
			}
		}},
		{"replay target", []string{"s.ndjson", "--replay-to", "http://127.0.0.1:3000/hooks"}, nil, "", func(t *testing.T, o *Options) {
			if o.ReplayTo != "http://127.0.0.1:3000/hooks" {
				t.Errorf("%q", o.ReplayTo)
			}
		}},
		{"bad replay target", []string{"s.ndjson", "--replay-to", "nope"}, nil, "--replay-to", nil},
		{"no file", nil, nil, "accepts 1 arg", nil},
		{"bad keep", []string{"s.ndjson", "--ui-keep", "0"}, nil, "invalid --ui-keep", nil},
		{"bad address", []string{"s.ndjson", "--ui-addr", "a b:1"}, nil, "invalid --ui-addr", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := cmdutil.NewFactory("test", ios)
			f.Getenv = func(k string) string { return tt.env[k] }
			var got *Options
			cmd := NewCmdInspect(f, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, got)
		})
	}
}

const line1 = `{"schema":"wa-cb.record/v1","request_id":"a-1","received_at":"2026-01-02T03:04:05Z","request":{"method":"POST","path":"/","body":"{}"},"events":[],"response":{"status":200,"latency_ms":1}}`
const line2 = `{"schema":"wa-cb.record/v1","request_id":"a-2","received_at":"2026-01-02T03:04:06Z","request":{"method":"GET","path":"/","query":"id=1"},"events":[],"response":{"status":200,"latency_ms":1},"redacted":true}`

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		skipBad bool
		keep    int
		n       int
		err     string
		warn    string
	}{
		{"two", line1 + "\n" + line2 + "\n", false, 10, 2, "", ""},
		{"blank lines", "\n" + line1 + "\n\n", false, 10, 1, "", ""},
		{"bad line", line1 + "\nnot json\n" + line2, false, 10, 1, "line 2: not a wa-cb recording line", ""},
		{"bad line skipped", line1 + "\nnot json\n" + line2, true, 10, 2, "", "(skipped)"},
		{"an event stream", `{"schema":"wa-cb.event/v1","kind":"message"}`, true, 10, 0, "an event of listen --json", ""},
		{"more than kept", line1 + "\n" + line2 + "\n" + line1, false, 2, 3, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inspector.New(inspector.Config{Keep: tt.keep})
			var errOut strings.Builder
			n, err := load(strings.NewReader(tt.input), &Options{Path: "s.ndjson", SkipBad: tt.skipBad}, &errOut, in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || n != tt.n || in.Added() != uint64(tt.n) {
				t.Fatalf("n %d, added %d, err %v", n, in.Added(), err)
			}
			if !strings.Contains(errOut.String(), tt.warn) {
				t.Errorf("stderr %q", errOut.String())
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := inspectRun(context.Background(), &Options{IO: ios, Path: "/nonexistent/s.ndjson", UI: cmdutil.UIFlags{Enabled: true, Addr: "127.0.0.1:0", Keep: 10}})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/s.ndjson") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err %v (exit %d)", err, cmdutil.ExitCode(err))
	}
}
