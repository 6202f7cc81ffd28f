package validateurl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func TestNewCmdValidateURL(t *testing.T) {
	cases := []struct {
		name    string
		args    string
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{"one url", "https://example.com", "", func(t *testing.T, o *Options) {
			if len(o.URLs) != 1 || o.URLs[0] != "https://example.com" {
				t.Errorf("URLs = %q", o.URLs)
			}
		}},
		{"flags", "--whitelist a.com,b.org -w c.net --whitelist-file wl.txt --exact --https-only --json - https://x", "", func(t *testing.T, o *Options) {
			if strings.Join(o.Whitelist, "|") != "a.com,b.org|c.net" || strings.Join(o.WhitelistFiles, "|") != "wl.txt" {
				t.Errorf("whitelist %q files %q", o.Whitelist, o.WhitelistFiles)
			}
			if !o.Exact || !o.HTTPSOnly || !o.JSON || o.Quiet {
				t.Errorf("bools: %+v", o)
			}
			if strings.Join(o.URLs, "|") != "-|https://x" {
				t.Errorf("URLs = %q", o.URLs)
			}
		}},
		{"quiet", "-q https://x", "", func(t *testing.T, o *Options) {
			if !o.Quiet {
				t.Error("quiet not set")
			}
		}},
		{"no url", "", "give at least one URL", nil},
		{"only flags", "--whitelist example.com", "give at least one URL", nil},
		{"two stdin", "- -", `"-" (standard input) may be given only once`, nil},
		{"json and quiet", "--json -q https://x", "cannot be used together", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
			var got *Options
			cmd := NewCmdValidateURL(f, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !cmdutil.IsFlagError(err) {
					t.Fatalf("err = %v; want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func TestHelpDocumentsEveryRule(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdValidateURL(&cmdutil.Factory{IOStreams: ios}, nil)
	for _, id := range []string{"too-long", "control-or-space", "invalid-utf8", "backslash", "fragment", "parse-error",
		"scheme", "no-authority", "userinfo", "path-or-query-chars", "bad-percent-escape", "authority-chars",
		"ipv6-zone", "port", "empty-host", "ipv6", "label", "idna", "host-too-long", "ends-in-number",
		"parser-mismatch", "https-only", "whitelisted", "not-whitelisted", "ip-host", "shared-suffix",
		"wildcard-dns", "local-name", "mixed-script", "confusable", "path-lookalike", "callback-param", "callback-too-long"} {
		if !strings.Contains(ruleTable(), "\n  "+id+" ") {
			t.Errorf("--rules does not list rule %s", id)
		}
		if !strings.Contains(cmdutil.Details(cmd), "\n  "+id+" ") {
			t.Errorf("the man page does not document rule %s", id)
		}
	}
	if !strings.HasPrefix(cmd.Example, "  $ wa-cb validate-url") || cmd.Short == "" {
		t.Errorf("Short/Example missing")
	}
}

type runEnv struct {
	tty   bool
	color bool
	stdin string
	env   map[string]string
	files map[string]string
}

func run(t *testing.T, e runEnv, o Options) (stdout, stderr string, err error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(e.tty)
	ios.SetStderrTTY(e.tty)
	if !e.color {
		ios.SetColorMode(iostreams.ColorNever)
	}
	in.WriteString(e.stdin)
	o.IO = ios
	o.Getenv = func(k string) string { return e.env[k] }
	o.Open = func(name string) (io.ReadCloser, error) {
		s, ok := e.files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	err = validateRun(context.Background(), &o)
	return out.String(), errOut.String(), err
}

func TestRunPlain(t *testing.T) {
	stdout, stderr, err := run(t, runEnv{}, Options{
		Whitelist: []string{"example.com"},
		URLs:      []string{"https://hooks.example.com/wa", "https://example.com@evil.net", "http://127.0.0.1/cb"},
	})
	if !errors.Is(err, cmdutil.ErrCheckFailed) || cmdutil.ExitCode(err) != 3 {
		t.Fatalf("err = %v; want exit 3", err)
	}
	want := "valid-allowed\twhitelisted\thttps://hooks.example.com/wa\tthe host is under the whitelist entry example.com\n" +
		"invalid\tuserinfo\thttps://example.com@evil.net\tE413: an \"@\" in the authority \"example.com@evil.net\": parsers disagree on which host it names\n" +
		"valid-not-whitelisted\tip-host\thttp://127.0.0.1/cb\tthe host is an IP literal (loopback address 127.0.0.1); whitelist entries are domains and never match an IP: Kaleyra will accept it, but no callback will be made\n" +
		"warning\thttp\thttp://127.0.0.1/cb\thttp:// sends the callbacks' customer data unencrypted; use https://\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if stderr != "3 URLs: 1 valid, 1 not whitelisted, 1 invalid, 1 warning\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestRunTTY(t *testing.T) {
	stdout, stderr, err := run(t, runEnv{tty: true}, Options{
		Whitelist: []string{"example.com"},
		URLs:      []string{"https://hooks.example.com/wa", "https://evil.net/", "https://example.com:0/"},
	})
	if cmdutil.ExitCode(err) != 3 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"✓ https://hooks.example.com/wa  whitelisted\n  the host is under", "! https://evil.net/  not-whitelisted\n  the host is not",
		"✗ https://example.com:0/  port\n  E413: port 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("colour with NO colour decision: %q", stdout)
	}
	if !strings.Contains(stderr, "✗ 3 URLs: 1 valid, 1 not whitelisted, 1 invalid") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestRunTTYColour(t *testing.T) {
	stdout, stderr, _ := run(t, runEnv{tty: true, color: true}, Options{URLs: []string{"https://example.com:0/"}})
	if !strings.Contains(stdout, "\x1b[31;1m✗\x1b[0;22m") || !strings.Contains(stderr, "\x1b[") {
		t.Errorf("no colour on a colour terminal: %q %q", stdout, stderr)
	}
	stdout, _, _ = run(t, runEnv{tty: false, color: true}, Options{URLs: []string{"https://example.com:0/"}, JSON: true})
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("--json output is coloured: %q", stdout)
	}
}

func TestRunJSONStdin(t *testing.T) {
	stdin := "# callback URLs\n\nhttps://example.com/cb\r\nhttps://exa mple.com/\n  \nhttps://evil.net/cb?id=1\n\xff\n"
	stdout, stderr, err := run(t, runEnv{stdin: stdin}, Options{Whitelist: []string{"example.com"}, URLs: []string{"-"}, JSON: true})
	if cmdutil.ExitCode(err) != 3 {
		t.Fatalf("err = %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), stdout)
	}
	type row struct {
		URL         string `json:"url"`
		Line        int    `json:"line"`
		Verdict     string `json:"verdict"`
		Valid       bool   `json:"valid"`
		Whitelisted *bool  `json:"whitelisted"`
		Code        string `json:"code"`
		Rule        string `json:"rule"`
		Host        string `json:"host"`
		Matched     string `json:"matched"`
		Warnings    []struct{ Rule, Message string }
	}
	want := []row{
		{URL: "https://example.com/cb", Line: 3, Verdict: "valid-allowed", Valid: true, Rule: "whitelisted", Host: "example.com", Matched: "example.com"},
		{URL: "https://exa mple.com/", Line: 4, Verdict: "invalid", Code: "E413", Rule: "control-or-space"},
		{URL: "https://evil.net/cb?id=1", Line: 6, Verdict: "valid-not-whitelisted", Valid: true, Rule: "not-whitelisted", Host: "evil.net"},
		{URL: "\ufffd", Line: 7, Verdict: "invalid", Code: "E413", Rule: "invalid-utf8"},
	}
	for i, l := range lines {
		var got row
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if got.Whitelisted == nil {
			t.Errorf("line %d: whitelisted missing with a whitelist", i)
		}
		w := want[i]
		if got.URL != w.URL || got.Line != w.Line || got.Verdict != w.Verdict || got.Valid != w.Valid || got.Code != w.Code ||
			got.Rule != w.Rule || got.Host != w.Host || got.Matched != w.Matched {
			t.Errorf("line %d = %+v\nwant %+v", i, got, w)
		}
	}
	if !strings.Contains(lines[2], `"warnings":[{"rule":"callback-param"`) {
		t.Errorf("callback-param warning missing: %s", lines[2])
	}
	if stderr != "4 URLs: 1 valid, 1 not whitelisted, 2 invalid, 1 warning\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestRunNoWhitelistAllValid(t *testing.T) {
	stdout, stderr, err := run(t, runEnv{}, Options{URLs: []string{"https://a.example.com/cb", "https://b.example.org/"}, JSON: true})
	if err != nil {
		t.Fatalf("err = %v; want success", err)
	}
	if strings.Contains(stdout, "whitelisted") {
		t.Errorf("whitelisted present without a whitelist: %s", stdout)
	}
	if stderr != "2 URLs: 2 valid, 0 invalid\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestRunQuiet(t *testing.T) {
	stdout, stderr, err := run(t, runEnv{}, Options{Whitelist: []string{"amazonaws.com"}, URLs: []string{"https://x.example.com/"}, Quiet: true})
	if cmdutil.ExitCode(err) != 3 || stdout != "" || stderr != "" {
		t.Fatalf("quiet: err %v stdout %q stderr %q", err, stdout, stderr)
	}
	_, _, err = run(t, runEnv{}, Options{Whitelist: []string{"example.com"}, URLs: []string{"https://x.example.com/"}, Quiet: true})
	if err != nil {
		t.Fatalf("quiet success: %v", err)
	}
}

func TestRunWhitelistSources(t *testing.T) {
	e := runEnv{
		env:   map[string]string{EnvWhitelist: "example.org"},
		files: map[string]string{"wl.txt": "# prod\nexample.net\n=api.example.io\n"},
	}
	stdout, _, err := run(t, e, Options{
		Whitelist:      []string{"example.com"},
		WhitelistFiles: []string{"wl.txt"},
		URLs:           []string{"https://a.example.com/", "https://a.example.org/", "https://a.example.net/", "https://api.example.io/"},
	})
	if err != nil {
		t.Fatalf("err = %v\n%s", err, stdout)
	}
	if strings.Count(stdout, "valid-allowed\twhitelisted") != 4 {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestRunConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		e    runEnv
		o    Options
		want string
	}{
		{"public suffix", runEnv{}, Options{Whitelist: []string{"github.io"}}, `whitelist entry "github.io" (from --whitelist): it is a public suffix`},
		{"empty entry", runEnv{}, Options{Whitelist: []string{"example.com,"}}, `whitelist entry "" (from --whitelist): the entry is empty`},
		{"empty flag", runEnv{}, Options{Whitelist: []string{""}}, `the list is empty`},
		{"env", runEnv{env: map[string]string{EnvWhitelist: "*.example.com"}}, Options{}, `(from WA_CB_WHITELIST): wildcards`},
		{"file line", runEnv{files: map[string]string{"wl.txt": "example.com\n\n1.2.3.4\n"}}, Options{WhitelistFiles: []string{"wl.txt"}}, `"1.2.3.4" (from wl.txt:3): it is an IP address`},
		{"missing file", runEnv{}, Options{WhitelistFiles: []string{"nope.txt"}}, "cannot read whitelist file: open nope.txt"},
		{"empty stdin", runEnv{stdin: "# nothing\n\n"}, Options{URLs: []string{"-"}}, "no URL to check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.URLs == nil {
				tc.o.URLs = []string{"https://example.com/"}
			}
			stdout, _, err := run(t, tc.e, tc.o)
			if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d); want exit 2 with %q", err, cmdutil.ExitCode(err), tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing before the whitelist is valid", stdout)
			}
		})
	}
}

func TestRunEntryWarningOnStderr(t *testing.T) {
	stdout, stderr, err := run(t, runEnv{}, Options{Whitelist: []string{"amazonaws.com"}, URLs: []string{"https://bucket.s3.amazonaws.com/"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, `warning: whitelist entry amazonaws.com (from --whitelist): public suffixes lie below`) {
		t.Errorf("stderr = %q", stderr)
	}
	if !strings.Contains(stdout, "warning\tshared-suffix\t") {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestRunHostileURLDisplay(t *testing.T) {
	stdout, _, _ := run(t, runEnv{tty: true}, Options{URLs: []string{"https://example.com/\x1b[2J\x1b]0;pwned\x07", "https://exa\tmple.com/\nfake line"}})
	if strings.ContainsAny(stdout, "\x1b\x07\t") || strings.Count(stdout, "\n✗ ") != 1 || strings.Contains(stdout, "\nfake line") {
		t.Errorf("raw control characters reached the terminal: %q", stdout)
	}
	stdout, _, _ = run(t, runEnv{}, Options{URLs: []string{"https://exa\tmple.com/\nfake\tline"}})
	if strings.Count(stdout, "\t") != 3 || strings.Count(stdout, "\n") != 1 {
		t.Errorf("plain output broken by input: %q", stdout)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRunWriteError(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.Out = failWriter{}
	o := &Options{IO: ios, URLs: []string{"https://example.com/"}, Getenv: func(string) string { return "" }}
	err := validateRun(context.Background(), o)
	if err == nil || cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v; want exit 1 with the write error", err)
	}
}

func TestRunCanceled(t *testing.T) {
	ios, in, _, _ := iostreams.Test()
	in.WriteString(strings.Repeat("https://example.com/\n", 10))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := validateRun(ctx, &Options{IO: ios, URLs: []string{"-"}, Getenv: func(string) string { return "" }})
	if !errors.Is(err, context.Canceled) || cmdutil.ExitCode(err) != 1 {
		t.Fatalf("err = %v; want canceled, exit 1", err)
	}
}

// TestRunStreamsLargeInput feeds many lines and checks every one is judged.
func TestRunStreamsLargeInput(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 20000; i++ {
		b.WriteString("https://h")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(".example.com/cb\n")
	}
	stdout, stderr, err := run(t, runEnv{stdin: b.String()}, Options{Whitelist: []string{"example.com"}, URLs: []string{"-"}, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stdout, "\n"); n != 20000 {
		t.Errorf("%d result lines; want 20000", n)
	}
	if stderr != "20000 URLs: 20000 valid, 0 not whitelisted, 0 invalid\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

// BenchmarkRunJSONStream measures the whole --json stream per URL: reading
// lines, judging, encoding and buffered writing.
func BenchmarkRunJSONStream(b *testing.B) {
	var in bytes.Buffer
	mix := []string{
		"https://hooks12.example.com/wa/status?tenant=4512",
		"https://api.example.org:8443/cb",
		"https://cb3.partner-17.net/hooks/kaleyra/v1?ref=99",
		"https://bücher-3.example.com/cb",
		"http://10.1.2.3:8080/cb",
		"https://example.com@evil-1.net/cb",
		"https://hooks.example.com:65999/cb",
		"https:hooks.example.com/cb",
	}
	for i := 0; i < 10000; i++ {
		in.WriteString(mix[i%len(mix)])
		in.WriteByte('\n')
	}
	data := in.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ios, stdin, _, _ := iostreams.Test()
		ios.Out = io.Discard
		ios.ErrOut = io.Discard
		stdin.Write(data)
		o := &Options{IO: ios, URLs: []string{"-"}, JSON: true, Whitelist: []string{"example.com,example.org"}, Getenv: func(string) string { return "" }}
		if err := validateRun(context.Background(), o); err != nil && !errors.Is(err, cmdutil.ErrCheckFailed) {
			b.Fatal(err)
		}
	}
}

// signalWriter reports every write on a channel.
type signalWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	ch  chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	select {
	case w.ch <- struct{}{}:
	default:
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestRunStdinInteractive: a result is written as soon as the input pauses,
// not when the input ends.
func TestRunStdinInteractive(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	pr, pw := io.Pipe()
	out := &signalWriter{ch: make(chan struct{}, 1)}
	ios.In, ios.Out, ios.ErrOut = pr, out, io.Discard
	done := make(chan error, 1)
	go func() {
		done <- validateRun(context.Background(), &Options{IO: ios, URLs: []string{"-"}, Getenv: func(string) string { return "" }})
	}()
	for _, u := range []string{"https://a.example.com/", "https://b.example.com/"} {
		if _, err := io.WriteString(pw, u+"\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(10 * time.Second)
		for !strings.Contains(out.String(), u) {
			select {
			case <-out.ch:
			case <-deadline:
				t.Fatalf("no result for %s while the input is open; output so far %q", u, out.String())
			}
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("err = %v", err)
	}
}

// TestRunStreamOrder: results come out in input order across many batches.
func TestRunStreamOrder(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 5000; i++ {
		if i%3 == 0 {
			in.WriteString("https://example.com:0/\n") // invalid, cheap
		} else {
			in.WriteString("https://bücher.example.com/\n") // IDN, slower
		}
	}
	stdout, _, _ := run(t, runEnv{stdin: in.String()}, Options{URLs: []string{"-"}, JSON: true})
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 5000 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		var r struct{ Line int }
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Line != i+1 {
			t.Fatalf("result %d has line %d (%v): %s", i, r.Line, err, l)
		}
	}
}

// TestRunStreamWriteError: a failing output stops a stream without hanging.
func TestRunStreamWriteError(t *testing.T) {
	ios, in, _, _ := iostreams.Test()
	ios.Out = failWriter{}
	in.WriteString(strings.Repeat("https://example.com/\n", 50000))
	err := validateRun(context.Background(), &Options{IO: ios, URLs: []string{"-"}, JSON: true, Getenv: func(string) string { return "" }})
	if err == nil || cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v; want exit 1 with the write error", err)
	}
}

// TestRunStdinTTYColour streams styled output (workers share the styles).
func TestRunStdinTTYColour(t *testing.T) {
	stdin := strings.Repeat("https://a.example.com/\nhttp://evil.net/\nhttps://x:0/\n", 700)
	stdout, _, err := run(t, runEnv{tty: true, color: true, stdin: stdin}, Options{Whitelist: []string{"example.com"}, URLs: []string{"-"}})
	if cmdutil.ExitCode(err) != 3 {
		t.Fatalf("err = %v", err)
	}
	if n := strings.Count(stdout, "✓"); n != 700 {
		t.Errorf("%d ✓ lines; want 700", n)
	}
	if n := strings.Count(stdout, "⚠"); n != 700 {
		t.Errorf("%d warning lines; want 700", n)
	}
}

// TestRunHugeLine: a line far past every limit is judged too-long and
// reported truncated, and the next line is judged normally.
func TestRunHugeLine(t *testing.T) {
	stdin := "https://example.com/" + strings.Repeat("a", 2<<20) + "\nhttps://example.com/next\n"
	stdout, _, err := run(t, runEnv{stdin: stdin}, Options{URLs: []string{"-"}, JSON: true})
	if cmdutil.ExitCode(err) != 3 {
		t.Fatalf("err = %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"rule":"too-long"`) || !strings.HasSuffix(lines[0], `"truncated":true}`) ||
		len(lines[0]) > 70<<10 || !strings.Contains(lines[1], `"url":"https://example.com/next","line":2,"verdict":"valid-allowed"`) {
		t.Fatalf("got %d lines, first %d bytes: %.200s ... %s", len(lines), len(lines[0]), lines[0], lines[len(lines)-1])
	}
}
