package soak

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	listenCmd "github.com/wa-cb/wa-cb/pkg/cmd/listen"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// listening is `wa-cb listen` running in-process.
type listening struct {
	URL    string
	out    *bytes.Buffer
	errOut *bytes.Buffer
	done   chan error
	cancel context.CancelFunc
}

// startListen runs `wa-cb listen --port 0 ARGS...` in-process (the real
// command: flags, engine, output, recording) and waits until it listens.
// The listener is stopped when the test ends, if it has not stopped yet.
func startListen(t *testing.T, args ...string) *listening {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		AppVersion: "soak",
		IOStreams:  ios,
		HTTPClient: func(timeout time.Duration) *http.Client {
			return sender.NewClient(sender.ClientOptions{Timeout: timeout})
		},
		Getenv: func(string) string { return "" },
	}
	ready := filepath.Join(t.TempDir(), "url")
	cmd := listenCmd.NewCmdListen(f, nil)
	cmd.SetArgs(append([]string{"--port", "0", "--ready-file", ready}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	cmd.SetContext(ctx)
	l := &listening{out: out, errOut: errOut, done: make(chan error, 1), cancel: cancel}
	go func() { l.done <- cmd.Execute() }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-l.done:
		case <-time.After(30 * time.Second):
			t.Error("listen did not stop")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			l.URL = strings.TrimSpace(string(b))
			return l
		}
		select {
		case err := <-l.done:
			l.done <- err
			t.Fatalf("listen ended before listening: %v\n%s", err, errOut)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("listen did not write its ready file")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wait waits for the listener to end on its own (e.g. --max-events).
func (l *listening) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-l.done:
		l.done <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("listen did not stop on its own")
	}
	return nil
}

// stop stops the listener gracefully (as Ctrl-C does) and waits for it.
func (l *listening) stop(t *testing.T) error {
	t.Helper()
	l.cancel()
	return l.wait(t)
}

// readRecording reads every record of a recording file.
func readRecording(t *testing.T, path string) []*record.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := record.NewReader(f)
	var recs []*record.Record
	for {
		r, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
}
