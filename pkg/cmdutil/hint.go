package cmdutil

import (
	"errors"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

// InsecureHint phrases a failed delivery's advice in the command's own flag
// words: an untrusted TLS certificate is accepted by flag (--insecure for
// send, --forward-insecure for listen).
func InsecureHint(flag string) sender.Hint {
	return func(err error) string {
		var ce *sender.CertificateError
		if errors.As(err, &ce) {
			return flag + " accepts it"
		}
		return ""
	}
}
