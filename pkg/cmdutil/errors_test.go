package cmdutil

import (
	"errors"
	"fmt"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain error", errors.New("cannot bind"), ExitError},
		{"flag error", FlagErrorf("bad --port %d", 70000), ExitUsage},
		{"wrapped flag error", fmt.Errorf("listen: %w", FlagErrorf("x")), ExitUsage},
		{"config error", ConfigErrorf("whitelist entry %q is a public suffix", "co.uk"), ExitUsage},
		{"check failed sentinel", ErrCheckFailed, ExitCheckFailed},
		{"wrapped check failed", fmt.Errorf("3 URLs invalid: %w", ErrCheckFailed), ExitCheckFailed},
		{"silent", ErrSilent, ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	if !IsFlagError(fmt.Errorf("w: %w", FlagErrorf("x"))) || IsFlagError(ConfigErrorf("x")) {
		t.Error("IsFlagError misclassifies")
	}
	if !IsSilent(ErrSilent) || !IsSilent(ErrCheckFailed) || IsSilent(FlagErrorf("say this")) {
		t.Error("IsSilent misclassifies")
	}
}
