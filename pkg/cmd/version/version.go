// Package version implements `wa-cb version`.
package version

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// Info is what the binary knows about its build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
}

// String is the one-line form: wa-cb 1.2.3 (abc1234, 2025-01-02).
func (i Info) String() string {
	s := "wa-cb " + i.Version
	switch {
	case i.Commit != "" && i.Date != "":
		s += fmt.Sprintf(" (%s, %s)", short(i.Commit), i.Date)
	case i.Commit != "":
		s += fmt.Sprintf(" (%s)", short(i.Commit))
	}
	return s
}

func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}

// Options for `wa-cb version`.
type Options struct {
	IO   *iostreams.IOStreams
	Info Info
	JSON bool
}

// NewCmdVersion builds `wa-cb version`.
func NewCmdVersion(f *cmdutil.Factory, info Info, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Info: info}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the wa-cb version",
		Args:  cobra.NoArgs,
		Example: `  $ wa-cb version
  $ wa-cb version --json | jq -r .version`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the version as a JSON object")
	return cmd
}

func run(opts *Options) error {
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(opts.Info)
	}
	_, err := fmt.Fprintln(opts.IO.Out, opts.Info.String())
	return err
}

// GoVersion is the toolchain that built the binary.
func GoVersion() string { return runtime.Version() }
