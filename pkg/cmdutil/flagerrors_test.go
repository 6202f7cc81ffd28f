package cmdutil

import (
	"testing"

	"github.com/spf13/cobra"
)

func TestFlagErrorFunc(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--count", "abc"}, `invalid --count "abc": want a whole number such as 10`},
		{[]string{"-n", "1.5"}, `invalid --count "1.5": want a whole number such as 10`},
		{[]string{"--count", "99999999999999999999"}, `invalid --count "99999999999999999999": out of range`},
		{[]string{"--workers", "-1"}, `invalid --workers "-1": want a whole number of 0 or more, such as 10`},
		{[]string{"--rate", "fast"}, `invalid --rate "fast": want a number such as 0.5`},
		{[]string{"--timeout", "3"}, `invalid --timeout "3": want a duration such as 500ms, 30s or 2m`},
		{[]string{"--json=maybe"}, `invalid --json "maybe": want true or false`},
		{[]string{"--count"}, `--count needs a value`},
		{[]string{"-n"}, `-n needs a value`},
		{[]string{"--cuont", "1"}, `unknown flag --cuont; did you mean --count?`},
		{[]string{"--time", "1s"}, `unknown flag --time; did you mean --timeout?`},
		{[]string{"--banana"}, `unknown flag --banana`},
		{[]string{"-z"}, `unknown flag -z`},
		{[]string{"-zk"}, `unknown flag -z in -zk`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", Run: func(*cobra.Command, []string) {}, SilenceErrors: true, SilenceUsage: true}
			cmd.Flags().IntP("count", "n", 0, "")
			cmd.Flags().Uint("workers", 0, "")
			cmd.Flags().Float64("rate", 0, "")
			cmd.Flags().Duration("timeout", 0, "")
			cmd.Flags().Bool("json", false, "")
			cmd.Flags().BoolP("insecure", "k", false, "")
			cmd.SetFlagErrorFunc(FlagErrorFunc)
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if err == nil {
				t.Fatal("no error")
			}
			if !IsFlagError(err) {
				t.Errorf("%v is not a usage error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	names := []string{"listen", "send", "fixtures", "validate-url", "version"}
	tests := map[string]string{
		"lisen": "listen", "snd": "send", "fixture": "fixtures", "validate": "validate-url",
		"ver": "version", "zzz": "", "LISTEN": "listen",
	}
	for in, want := range tests {
		if got := Closest(in, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
