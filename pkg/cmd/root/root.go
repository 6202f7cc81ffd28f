// Package root assembles the wa-cb command tree.
package root

import (
	"fmt"

	"github.com/spf13/cobra"

	decodeCmd "github.com/wa-cb/wa-cb/pkg/cmd/decode"
	fixturesCmd "github.com/wa-cb/wa-cb/pkg/cmd/fixtures"
	inspectCmd "github.com/wa-cb/wa-cb/pkg/cmd/inspect"
	listenCmd "github.com/wa-cb/wa-cb/pkg/cmd/listen"
	mockCmd "github.com/wa-cb/wa-cb/pkg/cmd/mock"
	replayCmd "github.com/wa-cb/wa-cb/pkg/cmd/replay"
	sendCmd "github.com/wa-cb/wa-cb/pkg/cmd/send"
	validateurlCmd "github.com/wa-cb/wa-cb/pkg/cmd/validateurl"
	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// NewCmdRoot builds the root command and every subcommand.
func NewCmdRoot(f *cmdutil.Factory, info version.Info) *cobra.Command {
	var colorMode string
	cmd := &cobra.Command{
		Use:   "wa-cb <command>",
		Short: "See, test and check WhatsApp Business callbacks",
		Long: `wa-cb is a toolbox for WhatsApp Business callbacks (webhooks) from the Kaleyra
WhatsApp API (v1 and v2), Meta on-premises and the Meta Cloud API.

  listen        run a local listener that decodes and shows every callback
                (--ui: the same exchanges live in a browser, with replay)
  send          deliver realistic fixture payloads to your own handler
  validate-url  check callback_url strings for E413 and the domain whitelist
  mock          stand in for Kaleyra's and Meta's send APIs, so the messages
                your app sends are judged and called back with their own ids

Everything runs offline on this machine.`,
		Example: `  $ wa-cb listen
  $ wa-cb send fixture incoming-location
  $ wa-cb validate-url --whitelist example.com https://hooks.example.com/wa
  $ wa-cb mock --speed 10`,
		Version:       info.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			switch iostreams.ColorMode(colorMode) {
			case iostreams.ColorAuto, iostreams.ColorAlways, iostreams.ColorNever:
				f.IOStreams.SetColorMode(iostreams.ColorMode(colorMode))
				return nil
			}
			return cmdutil.FlagErrorf("invalid --color %q: want auto, always or never", colorMode)
		},
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	cmd.PersistentFlags().StringVar(&colorMode, "color", "auto", "Colour output: `auto`, always or never")
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(
		[]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	cmdutil.UseFlagGroups(cmd)

	cmd.AddCommand(version.NewCmdVersion(f, info, nil))
	// Subcommands are registered below, one line each.
	// wa-cb:commands
	cmd.AddCommand(replayCmd.NewCmdReplay(f, nil))
	cmd.AddCommand(fixturesCmd.NewCmdFixtures(f), sendCmd.NewCmdSend(f))
	cmd.AddCommand(validateurlCmd.NewCmdValidateURL(f, nil))
	cmd.AddCommand(listenCmd.NewCmdListen(f, nil), decodeCmd.NewCmdDecode(f, nil))
	cmd.AddCommand(mockCmd.NewCmdMock(f, nil))
	cmd.AddCommand(inspectCmd.NewCmdInspect(f, nil))

	// cobra adds these when it runs; adding them now lets strict and the
	// generated docs see them.
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	addBuiltinExamples(cmd)
	strict(cmd)
	return cmd
}

// Execute runs the command tree and returns the exit code, printing the
// error to stderr on one line; a usage error ends with where to read more.
func Execute(cmd *cobra.Command, f *cmdutil.Factory, args []string) int {
	cmd.SetArgs(args)
	// A help request with an unknown command or a stray argument is a
	// usage error too, not the help of the command before it.
	var helpErr error
	help := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, a []string) {
		if helpErr = helpArgsError(c); helpErr == nil {
			help(c, a)
		}
	})
	c, err := cmd.ExecuteC()
	if err == nil {
		err = helpErr
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.ExitCode(err)
	if cmdutil.IsSilent(err) {
		return code
	}
	if cmdutil.IsFlagError(err) && c != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "wa-cb: %v (see %s --help)\n", err, c.CommandPath())
		return code
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "wa-cb: %v\n", err)
	return code
}

// addBuiltinExamples gives cobra's own help and completion commands the
// examples every wa-cb command has.
func addBuiltinExamples(root *cobra.Command) {
	shells := map[string]string{
		"bash":       "  $ source <(wa-cb completion bash)",
		"zsh":        "  $ wa-cb completion zsh > \"${fpath[1]}/_wa-cb\"",
		"fish":       "  $ wa-cb completion fish > ~/.config/fish/completions/wa-cb.fish",
		"powershell": "  PS> wa-cb completion powershell | Out-String | Invoke-Expression",
	}
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  $ wa-cb help listen"
			c.RunE = helpTopic
		case "completion":
			c.Example = shells["bash"] + "\n" + shells["zsh"]
			for _, sh := range c.Commands() {
				sh.Example = shells[sh.Name()]
			}
		}
	}
}

// helpTopic runs `wa-cb help NAME...`: the help of that command, or a usage
// error naming the closest one (cobra prints "Unknown help topic" and the
// root's usage, and exits 0).
func helpTopic(c *cobra.Command, args []string) error {
	target, rest, err := c.Root().Find(args)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if len(rest) > 0 {
		if target.HasAvailableSubCommands() {
			return unknownCommand(target, rest[0])
		}
		return cmdutil.FlagErrorf("%s has no command %q", target.CommandPath(), rest[0])
	}
	return target.Help()
}
