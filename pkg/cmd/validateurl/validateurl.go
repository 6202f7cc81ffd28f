// Package validateurl implements `wa-cb validate-url`.
package validateurl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// streamGCPercent is the GC target while streaming standard input.
const streamGCPercent = 400

// EnvWhitelist holds a comma-separated whitelist.
const EnvWhitelist = "WA_CB_WHITELIST"

// Options for `wa-cb validate-url`.
type Options struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	// Open opens a whitelist file; tests replace it.
	Open func(name string) (io.ReadCloser, error)

	URLs           []string // arguments; "-" reads standard input
	Whitelist      []string // --whitelist values, each comma-separated
	WhitelistFiles []string
	Exact          bool
	HTTPSOnly      bool
	JSON           bool
	Quiet          bool
	Rules          bool // list the rules instead of judging URLs
}

// NewCmdValidateURL builds `wa-cb validate-url`.
func NewCmdValidateURL(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO:     f.IOStreams,
		Getenv: f.Getenv,
		Open:   func(name string) (io.ReadCloser, error) { return os.Open(name) },
	}
	cmd := &cobra.Command{
		Use:   "validate-url <url>... | -",
		Short: "Check callback URLs for Kaleyra's E413 and the domain whitelist",
		Long:  longHelp,
		Example: `  $ wa-cb validate-url https://hooks.example.com/wa/status
  $ wa-cb validate-url --whitelist example.com,example.org https://hooks.example.com/wa
  $ wa-cb validate-url --whitelist-file whitelist.txt --https-only - < callback-urls.txt
  $ WA_CB_WHITELIST=example.com wa-cb validate-url --json - < urls.txt | jq -c 'select(.valid | not)'
  $ wa-cb validate-url --quiet --whitelist =hooks.example.com "$CALLBACK_URL" || exit 1
  $ wa-cb validate-url --rules`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Rules {
				if len(args) > 0 {
					return cmdutil.FlagErrorf("--rules takes no URLs")
				}
				return nil
			}
			if len(args) == 0 {
				return cmdutil.FlagErrorf("give at least one URL, or - to read URLs from standard input")
			}
			n := 0
			for _, a := range args {
				if a == "-" {
					n++
				}
			}
			if n > 1 {
				return cmdutil.FlagErrorf(`"-" (standard input) may be given only once`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URLs = args
			if opts.Rules {
				_, err := fmt.Fprint(opts.IO.Out, ruleTable())
				return err
			}
			if opts.JSON && opts.Quiet {
				return cmdutil.FlagErrorf("--json and --quiet cannot be used together")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&opts.Whitelist, "whitelist", "w", nil, "Whitelisted `domains`, comma-separated (repeatable); example.com also covers its subdomains, =host only that host")
	fl.StringArrayVar(&opts.WhitelistFiles, "whitelist-file", nil, "Read whitelist entries from `FILE`, one per line, # comments (repeatable)")
	fl.BoolVar(&opts.Exact, "exact", false, "Make every whitelist entry match only its own host, not subdomains")
	fl.BoolVar(&opts.HTTPSOnly, "https-only", false, "Fail http:// URLs (rule https-only) instead of warning")
	fl.BoolVar(&opts.JSON, "json", false, "Print one JSON object per URL (NDJSON)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "Print nothing; only the exit status tells")
	fl.BoolVar(&opts.Rules, "rules", false, "List every rule id with what it checks, and exit")
	cmdutil.SetDetails(cmd, details())
	return cmd
}

// longHelp is what --help shows: the verdicts and the main rules at a
// glance; details has the rest.
const longHelp = `Check callback_url strings before they reach Kaleyra. A malformed URL gets
error E413 ("The Callback URL format is invalid"); a well-formed one whose
domain is not whitelisted in the account is accepted, but no callback is ever
made. Each URL gets one verdict:

  valid-allowed          well-formed, and whitelisted when a whitelist is given
  valid-not-whitelisted  Kaleyra accepts it, but no callback will be made
  invalid                E413, naming the rule that failed

When wa-cb says a URL is whitelisted, Go's net/url, WHATWG URL (browsers,
Node), curl and Python all agree on its host; where they could disagree, the
URL is invalid. Each URL is judged exactly as given, never cleaned.

Whitelist entries (--whitelist, --whitelist-file, WA_CB_WHITELIST) are bare
domains: example.com covers it and its subdomains, =hooks.example.com that
host only. An entry that is a public suffix, an IP or a wildcard is an error
(exit 2) reported before any URL is judged.

Output: a line per URL with its reason (tab-separated when piped), or with
--json one object per URL. Exit 0 when every URL is valid (and whitelisted),
3 otherwise. --rules lists every rule id; output fields and the rest in
detail: man wa-cb-validate-url, or the README.`

// details is the reference part of the help, for the man page and the
// Markdown reference.
func details() string {
	var b strings.Builder
	b.WriteString(`Kaleyra's rules are stricter than any one URL parser: clients still on
IDNA2003 aside (the idna-deviation warning names the host they reach), every
mainstream parser reads the same host as wa-cb. A line read from standard
input loses only its line ending ("\n" or "\r\n"); blank lines and lines
starting with # are skipped.

Whitelist: --whitelist (repeatable, comma-separated), --whitelist-file (one
entry per line, # comments) and WA_CB_WHITELIST (comma-separated) add up.
An entry is a bare domain: example.com covers example.com and every
subdomain; =hooks.example.com (or any entry with --exact) covers that host
only. An entry that is empty, a public suffix (com, co.uk, github.io, the
default rule's single labels such as localhost), an IP or numeric name, a
wildcard, has a leading dot, a scheme, path, port or other URL parts is a
configuration error (exit 2) reported before any URL is judged. Entries above
a private public suffix (amazonaws.com) are accepted with a warning.

Output: on a terminal a line per URL with ✓ (valid), ! (not whitelisted) or
✗ (invalid) and the reason, plus indented warnings. Piped, plain lines:

  VERDICT<TAB>RULE<TAB>URL<TAB>REASON      (REASON starts with "E413: " when invalid)
  warning<TAB>RULE<TAB>URL<TAB>MESSAGE

A URL holding white space, control or invisible characters is shown Go-quoted.
A summary goes to standard error. --json prints one object per URL:

  url, line (when read from stdin), verdict, valid, whitelisted (when a
  whitelist is given), code ("E413" when invalid), rule, reason, host
  (lower-case A-labels; IPv4 dotted, IPv6 in brackets), host_unicode, port,
  matched (the entry; "=host" for exact entries), ip_class, warnings (a list
  of {"rule","message"}), truncated (a line over 64 KiB; url holds its start).

Exit status: 0 when every URL is valid (and whitelisted, when a whitelist is
given), 3 otherwise, 2 for usage and configuration errors, 1 for I/O errors.

`)
	b.WriteString(ruleTable())
	return b.String()
}

// httpsOnlyReason is the reason of a URL that --https-only refuses.
const httpsOnlyReason = "http:// is refused by --https-only (Kaleyra itself accepts it)"

// ruleTable lists every rule id with its kind and meaning (--rules), and
// the IP classes.
func ruleTable() string {
	var b strings.Builder
	b.WriteString("Rule ids (stable; E413 rules in the order they are checked):\n\n")
	for _, r := range urlcheck.Rules {
		if r.ID == urlcheck.RuleHTTPSOnly {
			r.Text = httpsOnlyReason
		}
		fmt.Fprintf(&b, "  %-20s %-16s %s\n", r.ID, r.Kind, r.Text)
	}
	b.WriteString(`
IP classes (ip_class): loopback, private, link-local, unspecified,
this-network, multicast, broadcast, cgnat (shared 100.64.0.0/10),
documentation, benchmarking, reserved, nat64, public.
`)
	return b.String()
}

// buildWhitelist gathers every source; nil means no whitelist was given.
func buildWhitelist(opts *Options) (*urlcheck.Whitelist, []urlcheck.EntryWarning, error) {
	return BuildWhitelist(WhitelistSources{Lists: opts.Whitelist, Files: opts.WhitelistFiles, Exact: opts.Exact, Getenv: opts.Getenv, Open: opts.Open})
}

// WhitelistSources are the places a whitelist is read from: --whitelist
// values, --whitelist-file names and the WA_CB_WHITELIST environment
// variable. Every command that judges callback URLs reads them so.
type WhitelistSources struct {
	Lists  []string // --whitelist values, each comma-separated
	Files  []string // --whitelist-file names
	Exact  bool     // entries match only their own host
	Getenv func(string) string
	// Open opens a whitelist file; nil means os.Open.
	Open func(name string) (io.ReadCloser, error)
}

// BuildWhitelist reads every source; nil means no whitelist was given. A
// bad entry or an unreadable file is a configuration error (exit 2).
func BuildWhitelist(src WhitelistSources) (*urlcheck.Whitelist, []urlcheck.EntryWarning, error) {
	open := src.Open
	if open == nil {
		open = func(name string) (io.ReadCloser, error) { return os.Open(name) }
	}
	b := urlcheck.Builder{Exact: src.Exact}
	for _, list := range src.Lists {
		b.AddList(list, "--whitelist")
	}
	for _, name := range src.Files {
		f, err := open(name)
		if err != nil {
			return nil, nil, cmdutil.ConfigErrorf("cannot read whitelist file: %w", err)
		}
		err = b.AddFile(f, name)
		f.Close()
		if err != nil {
			return nil, nil, cmdutil.ConfigErrorf("cannot read whitelist file %s: %w", name, err)
		}
	}
	if src.Getenv != nil {
		if v := src.Getenv(EnvWhitelist); v != "" {
			b.AddList(v, EnvWhitelist)
		}
	}
	wl, err := b.Build()
	if err != nil {
		return nil, nil, cmdutil.ConfigErrorf("%w", err)
	}
	return wl, b.Warnings(), nil
}

func validateRun(ctx context.Context, opts *Options) error {
	wl, entryWarnings, err := buildWhitelist(opts)
	if err != nil {
		return err
	}
	errStyles := render.NewErr(opts.IO)
	errPrinter := render.NewURLPrinter(errStyles, opts.IO.IsStderrTTY())
	if !opts.Quiet {
		for _, w := range entryWarnings {
			fmt.Fprint(opts.IO.ErrOut, errPrinter.EntryWarning(w))
		}
	}
	checker := urlcheck.New(urlcheck.Options{Whitelist: wl, HTTPSOnly: opts.HTTPSOnly})
	check := func(raw string) urlcheck.Result {
		r := checker.Check(raw)
		if r.Rule == urlcheck.RuleHTTPSOnly {
			r.Reason = httpsOnlyReason // the policy in the flag's words
		}
		return r
	}
	out := &output{
		w:       bufio.NewWriterSize(opts.IO.Out, 64<<10),
		json:    opts.JSON,
		quiet:   opts.Quiet,
		printer: render.NewURLPrinter(render.New(opts.IO), opts.IO.IsStdoutTTY() && !opts.JSON),
		counts:  render.URLCounts{Whitelist: wl != nil},
	}
	if ctx == nil {
		ctx = context.Background()
	}
	runErr := func() error {
		for _, arg := range opts.URLs {
			if arg == "-" && opts.Getenv != nil && opts.Getenv("GOGC") == "" {
				// A stream of many small results: collect garbage less often
				// (the live heap stays small, so memory stays flat).
				defer debug.SetGCPercent(debug.SetGCPercent(streamGCPercent))
			}
			if arg != "-" {
				r := check(arg)
				if err := out.result(&r); err != nil {
					return err
				}
				continue
			}
			// Whatever the arguments before "-" produced goes out first.
			if err := out.w.Flush(); err != nil {
				return err
			}
			if err := streamURLs(ctx, opts.IO.In, out, check); err != nil {
				return err
			}
		}
		return nil
	}()
	flushErr := out.w.Flush()
	if !opts.Quiet {
		fmt.Fprint(opts.IO.ErrOut, errPrinter.Summary(out.counts))
	}
	switch {
	case errors.Is(runErr, context.Canceled), errors.Is(runErr, context.DeadlineExceeded):
		return fmt.Errorf("interrupted: %w", runErr)
	case runErr != nil:
		return fmt.Errorf("validate-url: %w", runErr)
	case flushErr != nil:
		return fmt.Errorf("validate-url: writing results: %w", flushErr)
	}
	total := out.counts.Allowed + out.counts.NotWhitelisted + out.counts.Invalid
	if total == 0 {
		return cmdutil.ConfigErrorf("no URL to check: standard input held none")
	}
	if out.failed() {
		return cmdutil.ErrCheckFailed
	}
	return nil
}
