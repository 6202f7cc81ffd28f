// Command docs writes wa-cb's reference from the command tree itself: man
// pages (man/), Markdown (markdown/) and shell completion scripts
// (completions/) below the directory given with -out. The release archives
// carry the man pages and completions (goreleaser.yaml runs this in a
// before hook); scripts/docs runs it by hand.
//
//	go run ./scripts/internal/docs -out build/docs [-version v1.2.3] [-date 2026-01-02T15:04:05Z]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/wa-cb/wa-cb/pkg/cmd/root"
	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func main() {
	out := flag.String("out", "", "directory to write man/, markdown/ and completions/ into (required)")
	ver := flag.String("version", "dev", "version named in the man pages")
	date := flag.String("date", "", "date of the man pages, RFC 3339 (default: $SOURCE_DATE_EPOCH, else now)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: docs -out DIR [-version V] [-date RFC3339]")
		os.Exit(2)
	}
	when, err := pageDate(*date, os.Getenv("SOURCE_DATE_EPOCH"))
	if err == nil {
		err = generate(*out, *ver, when)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}

// pageDate fixes the date printed in the man pages, so a release rebuilt
// from the same commit yields the same files.
func pageDate(flagValue, epoch string) (time.Time, error) {
	switch {
	case flagValue != "":
		return time.Parse(time.RFC3339, flagValue)
	case epoch != "":
		var sec int64
		if _, err := fmt.Sscan(epoch, &sec); err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", epoch)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Now().UTC(), nil
}

func generate(out, ver string, when time.Time) error {
	dirs := map[string]string{}
	for _, d := range []string{"man", "markdown", "completions"} {
		dirs[d] = filepath.Join(out, d)
		if err := os.MkdirAll(dirs[d], 0o755); err != nil {
			return err
		}
	}
	// Each kind of page gets a tree of its own, prepared for its markup.
	header := &doc.GenManHeader{Title: "WA-CB", Section: "1", Source: "wa-cb " + ver, Manual: "wa-cb manual", Date: &when}
	if err := doc.GenManTree(tree(ver, true), header, dirs["man"]); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	if err := doc.GenMarkdownTree(tree(ver, false), dirs["markdown"]); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return completions(tree(ver, false), dirs["completions"])
}

// tree builds the command tree for the pages: each command's reference
// details (cmdutil.Details), which --help leaves out to stay short, join its
// Long. Both page formats read Long as Markdown, where <hex> would be taken
// for an HTML tag and vanish, so angle brackets are escaped; the man pages'
// synopsis is Markdown too, the Markdown pages' is a code block.
func tree(ver string, man bool) *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(cmdutil.NewFactory(ver, ios), version.Info{Version: ver})
	cmd.DisableAutoGenTag = true // the tag carries today's date: files would differ per build
	var prepare func(*cobra.Command)
	prepare = func(c *cobra.Command) {
		if d := cmdutil.Details(c); d != "" {
			c.Long += "\n\n" + d
		}
		c.Long = markdown(c.Long)
		if man {
			c.Use = angles.Replace(c.Use)
		}
		for _, sub := range c.Commands() {
			prepare(sub)
		}
	}
	prepare(cmd)
	return cmd
}

var angles = strings.NewReplacer("<", `\<`, ">", `\>`)

// markdown turns help text into the Markdown both page formats read: its
// indented lines (tables, examples) become code blocks, which want four
// spaces where help uses two, and elsewhere angle brackets are escaped.
func markdown(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  ") {
			lines[i] = "  " + l
		} else {
			lines[i] = angles.Replace(l)
		}
	}
	return strings.Join(lines, "\n")
}

func completions(cmd *cobra.Command, dir string) error {
	gens := []struct {
		file string
		gen  func(*os.File) error
	}{
		{"wa-cb.bash", func(f *os.File) error { return cmd.GenBashCompletionV2(f, true) }},
		{"_wa-cb", func(f *os.File) error { return cmd.GenZshCompletion(f) }},
		{"wa-cb.fish", func(f *os.File) error { return cmd.GenFishCompletion(f, true) }},
		{"wa-cb.ps1", func(f *os.File) error { return cmd.GenPowerShellCompletionWithDesc(f) }},
	}
	for _, g := range gens {
		f, err := os.Create(filepath.Join(dir, g.file))
		if err != nil {
			return err
		}
		err = g.gen(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("completion %s: %w", g.file, err)
		}
	}
	return nil
}
