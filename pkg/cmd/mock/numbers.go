package mock

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/mock"
)

func newCmdNumbers(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "numbers",
		Short: "List the magic recipients that force an outcome",
		Long: `List the magic recipients of wa-cb mock: a message to a number ending in one
of these four digits gets the outcome shown, like a provider's test numbers.
Every other number goes sent → delivered → read.`,
		Example: `  $ wa-cb mock numbers
  $ wa-cb mock numbers --json | jq -r 'select(.suffix=="4001").example'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := f.IOStreams.Out
			for _, mn := range mock.MagicNumbers {
				if asJSON {
					b, _ := json.Marshal(mn)
					fmt.Fprintf(out, "%s\n", b)
					continue
				}
				fmt.Fprintf(out, "…%s\t%s\t%s\n", mn.Suffix, mn.Number, mn.Effect)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print one JSON object per number")
	return cmd
}
