package cmdutil

import (
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flag groups: a command's help lists its flags under headings by purpose
// (Listening, Answering, Forwarding, ...) instead of one alphabetical wall.
// A command only annotates its flags with FlagGroup; the usage template of
// the root (UsageTemplate) renders the groups for every command.
const (
	flagGroupKey  = "wa-cb:flag-group"  // flag annotation: [title, position]
	flagGroupsKey = "wa-cb:flag-groups" // command annotation: titles, "\n"-separated, in order
)

// FlagGroup puts the named local flags of cmd under the heading title in its
// help, in the order given. Groups are shown in the order they were first
// named; flags in no group follow under "Other flags". Naming a flag the
// command does not have is a programming error and panics, so a renamed flag
// cannot silently drop out of its group.
func FlagGroup(cmd *cobra.Command, title string, names ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	titles := groupTitles(cmd)
	known := false
	for _, t := range titles {
		known = known || t == title
	}
	if !known {
		cmd.Annotations[flagGroupsKey] = strings.Join(append(titles, title), "\n")
	}
	for _, name := range names {
		fl := cmd.Flags().Lookup(name)
		if fl == nil {
			fl = cmd.PersistentFlags().Lookup(name)
		}
		if fl == nil {
			panic("cmdutil.FlagGroup: " + cmd.CommandPath() + " has no flag --" + name)
		}
		if fl.Annotations == nil {
			fl.Annotations = map[string][]string{}
		}
		pos := len(flagsIn(cmd, title))
		fl.Annotations[flagGroupKey] = []string{title, strconv.Itoa(pos)}
	}
}

// FlagGroupOf reports the heading a flag is listed under ("" for none).
func FlagGroupOf(fl *pflag.Flag) string {
	if v := fl.Annotations[flagGroupKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func groupTitles(cmd *cobra.Command) []string {
	s := cmd.Annotations[flagGroupsKey]
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// flagsIn returns the local flags of cmd in group title ("" for those in
// none), in their listed order.
func flagsIn(cmd *cobra.Command, title string) []*pflag.Flag {
	var out []*pflag.Flag
	cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if FlagGroupOf(fl) == title {
			out = append(out, fl)
		}
	})
	if title != "" {
		sort.SliceStable(out, func(i, j int) bool {
			return position(out[i]) < position(out[j])
		})
	}
	return out
}

func position(fl *pflag.Flag) int {
	v := fl.Annotations[flagGroupKey]
	if len(v) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(v[1])
	return n
}

// FlagSections renders the flag part of cmd's usage: one section per group,
// then the ungrouped flags, then the flags inherited from parents.
func FlagSections(cmd *cobra.Command) string {
	var b strings.Builder
	section := func(heading string, flags []*pflag.Flag) {
		fs := pflag.NewFlagSet(heading, pflag.ContinueOnError)
		fs.SortFlags = false
		for _, fl := range flags {
			fs.AddFlag(fl)
		}
		if usages := fs.FlagUsages(); usages != "" {
			b.WriteString("\n\n" + heading + ":\n" + strings.TrimRight(usages, "\n"))
		}
	}
	titles := groupTitles(cmd)
	for _, t := range titles {
		section(t+" flags", flagsIn(cmd, t))
	}
	other := "Flags"
	if len(titles) > 0 {
		other = "Other flags"
	}
	section(other, flagsIn(cmd, ""))
	var inherited []*pflag.Flag
	cmd.InheritedFlags().VisitAll(func(fl *pflag.Flag) { inherited = append(inherited, fl) })
	section("Global flags", inherited)
	return b.String()
}

// UseFlagGroups gives root and every command below it the usage text that
// shows flags in their groups.
func UseFlagGroups(root *cobra.Command) {
	cobra.AddTemplateFunc("flagSections", FlagSections)
	root.SetUsageTemplate(usageTemplate)
}

// usageTemplate is cobra's layout with the flags in their groups.
const usageTemplate = `Usage:
  {{.UseLine}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{flagSections .}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} <command> --help" for more about a command.{{end}}
`

// detailsKey holds a command's reference details: what the man pages and
// the Markdown reference add to the short Long that --help shows.
const detailsKey = "wa-cb:details"

// SetDetails gives cmd reference details for its generated pages.
func SetDetails(cmd *cobra.Command, text string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[detailsKey] = strings.TrimSpace(text)
}

// Details returns what SetDetails gave cmd ("" for nothing).
func Details(cmd *cobra.Command) string { return cmd.Annotations[detailsKey] }
