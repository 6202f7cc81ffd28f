package root

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
)

// strict makes every command below root refuse what it does not understand
// as a usage error (exit 2): an unknown subcommand gets the closest name, a
// stray argument is named. cobra alone shows a group command's help and
// exits 0 for `wa-cb send fixtur x`, and reports `wa-cb listen extra` as a
// runtime error.
func strict(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		strict(c)
	}
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		if cmd.Annotations == nil {
			cmd.Annotations = map[string]string{}
		}
		cmd.Annotations[groupKey] = "true"
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0])
		}
		return
	}
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return argsError(c, args, err)
			}
			return nil
		}
	}
}

// cobra's argument checks word their errors for programmers ("accepts 1
// arg(s), received 2"; a stray argument is an "unknown command"); these
// patterns find them so they can be said plainly.
var (
	exactArgs = regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`)
	minArgs   = regexp.MustCompile(`^requires at least (\d+) arg\(s\), only received (\d+)$`)
	maxArgs   = regexp.MustCompile(`^accepts at most (\d+) arg\(s\), received (\d+)$`)
	rangeArgs = regexp.MustCompile(`^accepts between (\d+) and (\d+) arg\(s\), received (\d+)$`)
)

func argsError(c *cobra.Command, args []string, err error) error {
	name := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown command") && len(args) > 0 && c.HasAvailableSubCommands():
		return unknownCommand(c, args[0])
	case strings.HasPrefix(msg, "unknown command") && len(args) > 0:
		return cmdutil.FlagErrorf("%s takes no arguments, got %q", name, args[0])
	case exactArgs.MatchString(msg):
		m := exactArgs.FindStringSubmatch(msg)
		return cmdutil.FlagErrorf("%s takes %s, got %s", name, arguments(m[1]), m[2])
	case minArgs.MatchString(msg):
		m := minArgs.FindStringSubmatch(msg)
		return cmdutil.FlagErrorf("%s takes at least %s, got %s", name, arguments(m[1]), m[2])
	case maxArgs.MatchString(msg):
		m := maxArgs.FindStringSubmatch(msg)
		return cmdutil.FlagErrorf("%s takes at most %s, got %s", name, arguments(m[1]), m[2])
	case rangeArgs.MatchString(msg):
		m := rangeArgs.FindStringSubmatch(msg)
		return cmdutil.FlagErrorf("%s takes %s to %s arguments, got %s", name, m[1], m[2], m[3])
	case cmdutil.IsFlagError(err):
		return err
	}
	return &cmdutil.FlagError{Err: err}
}

func arguments(n string) string {
	if n == "1" {
		return "1 argument"
	}
	return n + " arguments"
}

// groupKey marks a command that only holds subcommands.
const groupKey = "wa-cb:group"

// helpArgsError is what strict would say about the arguments of a help
// request (wa-cb lisen --help): cobra shows the help before it checks them.
func helpArgsError(c *cobra.Command) error {
	args := c.Flags().Args()
	switch {
	case len(args) == 0:
		return nil
	case c.Annotations[groupKey] != "":
		return unknownCommand(c, args[0])
	case c.Args != nil:
		return c.Args(c, args)
	}
	return nil
}

func unknownCommand(c *cobra.Command, name string) error {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	if s := cmdutil.Closest(name, names); s != "" {
		return cmdutil.FlagErrorf("unknown command %q for %s; did you mean %s?", name, c.CommandPath(), s)
	}
	return cmdutil.FlagErrorf("unknown command %q for %s; its commands are %s", name, c.CommandPath(), strings.Join(names, ", "))
}
