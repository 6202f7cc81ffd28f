package cmdutil

import (
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
// A file that cannot be opened is a configuration error (exit 2). Call the
// returned close function when done.
func OpenInput(path string, stdin io.Reader) (io.Reader, func() error, error) {
	if path == "-" {
		return stdin, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, ConfigErrorf("%v", err)
	}
	return f, f.Close, nil
}
