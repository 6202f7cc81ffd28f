package file

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func TestSendFile(t *testing.T) {
	var got callback.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = callback.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: b}
	}))
	defer srv.Close()
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "cb.json")
	body := "{\"object\":\"whatsapp_business_account\",\"entry\":[]}\n"
	if err := os.WriteFile(jsonFile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stdin  string
		args   []string
		check  func(t *testing.T)
		errSub string
	}{
		{name: "json file signed", args: []string{jsonFile, "--app-secret", "k", "-H", "X-A: 1"}, check: func(t *testing.T) {
			if got.Method != "POST" || string(got.Body) != body || got.Header.Get("X-A") != "1" ||
				!callback.VerifySignature("k", got.Body, got.Header.Get(callback.SignatureHeader)) {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "query on stdin", stdin: "?id=x%3A0&status=read\n", args: []string{"-", "--to-path"}, check: func(t *testing.T) {
			if got.Method != "GET" || got.RawQuery != "id=x%3A0&status=read" || got.Header.Get(callback.SignatureHeader) != "" {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "form", stdin: "a=1", args: []string{"-", "-X", "POST"}, check: func(t *testing.T) {
			if got.Method != "POST" || string(got.Body) != "a=1" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "unknown content", stdin: "plain words", args: []string{"-"}, errSub: "stdin: cannot tell"},
		{name: "empty", stdin: "", args: []string{"-"}, errSub: "stdin: the payload is empty"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json")}, errSub: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = callback.Request{}
			ios, in, _, _ := iostreams.Test()
			in.WriteString(tt.stdin)
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" },
				HTTPClient: func(d time.Duration) *http.Client { return srv.Client() }}
			cmd := NewCmdFile(f, nil)
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if a == "--to-path" {
					args[i] = "--to=" + srv.URL + "/k1"
				}
			}
			if !strings.Contains(strings.Join(args, " "), "--to") {
				args = append(args, "--to", srv.URL)
			}
			cmd.SetArgs(args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SetContext(context.Background())
			err := cmd.Execute()
			if tt.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSub) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("error = %v, want %q (exit 2)", err, tt.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t)
		})
	}
}
