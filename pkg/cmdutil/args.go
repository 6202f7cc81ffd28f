package cmdutil

import "github.com/spf13/cobra"

// Args wraps a cobra argument check so that a wrong number of arguments is
// a usage error (exit 2, usage printed).
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}
