package cmdutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

func TestInsecureHint(t *testing.T) {
	hint := InsecureHint("--forward-insecure")
	tests := []struct {
		err  error
		want string
	}{
		{&sender.CertificateError{Err: errors.New("x509: certificate signed by unknown authority")}, "--forward-insecure accepts it"},
		{fmt.Errorf("dial: %w", &sender.CertificateError{Err: errors.New("x509")}), "--forward-insecure accepts it"},
		{errors.New("connection refused"), ""},
	}
	for _, tt := range tests {
		if got := hint(tt.err); got != tt.want {
			t.Errorf("hint(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
