package cmdutil

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func groupedCmd() *cobra.Command {
	root := &cobra.Command{Use: "tool"}
	root.PersistentFlags().String("color", "auto", "Colour")
	cmd := &cobra.Command{Use: "serve", Run: func(*cobra.Command, []string) {}}
	root.AddCommand(cmd)
	fl := cmd.Flags()
	fl.Int("port", 1, "Port")
	fl.String("addr", "", "Address")
	fl.String("record", "", "Record")
	fl.Bool("zebra", false, "Ungrouped")
	FlagGroup(cmd, "Listening", "port", "addr")
	FlagGroup(cmd, "Recording", "record")
	UseFlagGroups(root)
	return cmd
}

func TestFlagSections(t *testing.T) {
	cmd := groupedCmd()
	cmd.InitDefaultHelpFlag()
	got := FlagSections(cmd)
	// groups in the order first named, flags in the order listed (port
	// before addr), ungrouped and inherited flags last
	order := []string{"Listening flags:", "--port", "--addr", "Recording flags:", "--record",
		"Other flags:", "--help", "--zebra", "Global flags:", "--color"}
	at := 0
	for _, w := range order {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order in\n%s", w, got)
		}
		at += i
	}
}

func TestFlagSectionsWithoutGroups(t *testing.T) {
	cmd := &cobra.Command{Use: "x", Run: func(*cobra.Command, []string) {}}
	cmd.Flags().Bool("json", false, "JSON")
	got := FlagSections(cmd)
	if !strings.HasPrefix(got, "\n\nFlags:\n") || strings.Contains(got, "Other flags") {
		t.Errorf("got %q", got)
	}
}

func TestUsageShowsGroups(t *testing.T) {
	cmd := groupedCmd()
	if u := cmd.UsageString(); !strings.Contains(u, "Listening flags:\n      --port int") {
		t.Errorf("usage:\n%s", u)
	}
}

func TestFlagGroupUnknownFlagPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for an unknown flag")
		}
	}()
	FlagGroup(&cobra.Command{Use: "x"}, "G", "nope")
}
