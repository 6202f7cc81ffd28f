package cmdutil

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte("from file"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
		wantUsage        bool
	}{
		{"stdin", "-", "from stdin", false},
		{"file", file, "from file", false},
		{"missing file", filepath.Join(t.TempDir(), "nope"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, closeInput, err := OpenInput(tt.path, strings.NewReader("from stdin"))
			if tt.wantUsage {
				if ExitCode(err) != ExitUsage {
					t.Fatalf("err = %v, want a configuration error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			if string(b) != tt.want {
				t.Errorf("read %q, want %q", b, tt.want)
			}
			if err := closeInput(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}
