package root

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func newTestRoot(t *testing.T) (*cobra.Command, *cmdutil.Factory) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory("test", ios)
	f.Getenv = func(string) string { return "" }
	return NewCmdRoot(f, version.Info{Version: "test"}), f
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// Help is read at a glance: the details live in the README and the man
// pages, so no command's Long runs past 30 lines, and every command shows
// how it is used.
func TestEveryCommandHasShortHelpAndExamples(t *testing.T) {
	root, _ := newTestRoot(t)
	walk(root, func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		if n := strings.Count(strings.TrimRight(c.Long, "\n"), "\n") + 1; n > 30 {
			t.Errorf("%s: Long is %d lines, want at most 30", c.CommandPath(), n)
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Example", c.CommandPath())
		}
	})
}

// A runnable command says which arguments it takes, so a stray one is a
// usage error rather than silently ignored.
func TestEveryRunnableCommandDeclaresArgs(t *testing.T) {
	root, _ := newTestRoot(t)
	walk(root, func(c *cobra.Command) {
		if c.Runnable() && c.Args == nil && c.Name() != "help" {
			t.Errorf("%s: no Args check", c.CommandPath())
		}
	})
}

// Every flag of a command with flag groups is in a group: a flag added later
// without one shows up under "Other flags", which this test reports.
func TestGroupedCommandsGroupEveryFlag(t *testing.T) {
	root, _ := newTestRoot(t)
	walk(root, func(c *cobra.Command) {
		if c.Annotations["wa-cb:flag-groups"] == "" {
			return
		}
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.Name != "help" && !fl.Hidden && cmdutil.FlagGroupOf(fl) == "" {
				t.Errorf("%s: --%s is in no flag group", c.CommandPath(), fl.Name)
			}
		})
	})
}

func TestStrictUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lisen"}, `unknown command "lisen" for wa-cb; did you mean listen? (see wa-cb --help)`},
		{[]string{"send", "fixtur", "x"}, `unknown command "fixtur" for wa-cb send; did you mean fixture? (see wa-cb send --help)`},
		{[]string{"fixtures", "bogus"}, `unknown command "bogus" for wa-cb fixtures; its commands are list, show (see wa-cb fixtures --help)`},
		{[]string{"listen", "extra"}, `listen takes no arguments, got "extra" (see wa-cb listen --help)`},
		{[]string{"send", "file", "a", "b"}, `send file takes 1 argument, got 2 (see wa-cb send file --help)`},
		{[]string{"send", "fixture"}, `send fixture takes at least 1 argument, got 0 (see wa-cb send fixture --help)`},
		{[]string{"fixtures", "show"}, `fixtures show takes 1 argument, got 0 (see wa-cb fixtures show --help)`},
		{[]string{"replay"}, `replay takes 1 argument, got 0 (see wa-cb replay --help)`},
		{[]string{"send", "lifecycle", "extra"}, `send lifecycle takes no arguments, got "extra" (see wa-cb send lifecycle --help)`},
		{[]string{"listen", "--cout", "2"}, `unknown flag --cout; did you mean --count? (see wa-cb listen --help)`},
		{[]string{"listen", "--port"}, `--port needs a value (see wa-cb listen --help)`},
		{[]string{"listen", "--port", "x"}, `invalid --port "x": want a whole number such as 10 (see wa-cb listen --help)`},
		{[]string{"help", "lisen"}, `unknown command "lisen" for wa-cb; did you mean listen? (see wa-cb help --help)`},
		{[]string{"help", "listen", "x"}, `wa-cb listen has no command "x" (see wa-cb help --help)`},
		{[]string{"lisen", "--help"}, `unknown command "lisen" for wa-cb; did you mean listen? (see wa-cb --help)`},
		{[]string{"send", "fixtur", "-h"}, `unknown command "fixtur" for wa-cb send; did you mean fixture? (see wa-cb send --help)`},
		{[]string{"listen", "extra", "--help"}, `listen takes no arguments, got "extra" (see wa-cb listen --help)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root, f := newTestRoot(t)
			code := Execute(root, f, tt.args)
			errOut := f.IOStreams.ErrOut.(interface{ String() string }).String()
			if code != cmdutil.ExitUsage {
				t.Errorf("exit %d, want %d", code, cmdutil.ExitUsage)
			}
			if want := "wa-cb: " + tt.want + "\n"; errOut != want {
				t.Errorf("stderr\n got %q\nwant %q", errOut, want)
			}
			if out := f.IOStreams.Out.(interface{ String() string }).String(); out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestGroupCommandWithoutArgsShowsHelp(t *testing.T) {
	root, f := newTestRoot(t)
	if code := Execute(root, f, []string{"send"}); code != cmdutil.ExitOK {
		t.Fatalf("exit %d", code)
	}
	if out := f.IOStreams.Out.(interface{ String() string }).String(); !strings.Contains(out, "Commands:") {
		t.Errorf("help not shown:\n%s", out)
	}
}

// TestHelpFitsEightyColumns: the text of --help above its usage line is
// laid out for an 80-column terminal, its tables too (examples are
// commands to copy: they stay whole).
func TestHelpFitsEightyColumns(t *testing.T) {
	for _, path := range [][]string{{}, {"listen"}, {"decode"}, {"send"}, {"send", "fixture"}, {"send", "lifecycle"}, {"send", "file"},
		{"replay"}, {"fixtures"}, {"fixtures", "list"}, {"fixtures", "show"}, {"validate-url"}, {"version"}} {
		root, _ := newTestRoot(t)
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(cmd.Long, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("wa-cb %s --help: a line of %d columns: %q", strings.Join(path, " "), n, line)
			}
		}
	}
}
