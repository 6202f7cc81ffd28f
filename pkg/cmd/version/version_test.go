package version

import (
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func TestInfoString(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{Version: "dev"}, "wa-cb dev"},
		{Info{Version: "1.2.3", Commit: "abc1234def", Date: "2026-01-02"}, "wa-cb 1.2.3 (abc1234, 2026-01-02)"},
		{Info{Version: "1.2.3", Commit: "abc"}, "wa-cb 1.2.3 (abc)"},
	}
	for _, tt := range tests {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestVersionRun(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "wa-cb 1.0.0 (0123456, 2026-11-01)\n"},
		{[]string{"--json"}, `{"version":"1.0.0","commit":"0123456789","date":"2026-11-01","go":"go1.x"}` + "\n"},
	} {
		ios, _, out, errOut := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios}
		cmd := NewCmdVersion(f, Info{Version: "1.0.0", Commit: "0123456789", Date: "2026-11-01", Go: "go1.x"}, nil)
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%v: out = %q, want %q", tt.args, out.String(), tt.want)
		}
		if strings.TrimSpace(errOut.String()) != "" {
			t.Errorf("stderr = %q", errOut.String())
		}
	}
}
