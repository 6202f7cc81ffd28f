package cmdutil

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Factory carries the few dependencies commands share. Costly ones are funcs
// so they are built only by the commands that use them.
type Factory struct {
	AppVersion string
	IOStreams  *iostreams.IOStreams
	// HTTPClient returns the client used to deliver callbacks; timeout is the
	// whole-request limit (0 means none).
	HTTPClient func(timeout time.Duration) *http.Client
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
}

// NewFactory builds the production Factory.
func NewFactory(version string, ios *iostreams.IOStreams) *Factory {
	return &Factory{
		AppVersion: version,
		IOStreams:  ios,
		HTTPClient: func(timeout time.Duration) *http.Client {
			return sender.NewClient(sender.ClientOptions{Timeout: timeout})
		},
		Getenv: os.Getenv,
	}
}

// OpenInput opens the file a command was given, or returns stdin for "-".
// A file that cannot be opened (missing, not permitted) was named wrongly:
// a usage error (exit 2), "cannot read PATH: no such file or directory".
// Call the returned close function when done.
func OpenInput(path string, stdin io.Reader) (io.Reader, func() error, error) {
	if path == "-" {
		return stdin, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, ConfigErrorf("cannot read %s: %w", path, PathReason(err))
	}
	return f, f.Close, nil
}

// PathReason is what went wrong with a file, without the operation and
// path an *os.PathError repeats ("is a directory", not "read /tmp: is a
// directory").
func PathReason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
