package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmd/fixtures/show"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// showFixture is the output of `wa-cb fixtures show NAME` off a terminal.
func showFixture(t *testing.T, name string) []byte {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{AppVersion: "1.2.3", IOStreams: ios, Getenv: func(string) string { return "" }}
	cmd := show.NewCmdShow(f, nil)
	cmd.SetArgs([]string{name})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("fixtures show %s: %v", name, err)
	}
	return out.Bytes()
}

// decodeJSON runs `wa-cb decode --json` on data and reads its events.
func decodeJSON(t *testing.T, data []byte) []callback.Event {
	t.Helper()
	ios, in, out, _ := iostreams.Test()
	in.Write(data)
	if err := decodeRun(context.Background(), &Options{IO: ios, JSON: true}); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var evs []callback.Event
	dec := json.NewDecoder(out)
	for dec.More() {
		var ev callback.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("decode printed a bad line: %v", err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// withCRLF gives the request line and headers CRLF line ends, as a request
// saved from the wire has; the body is left as it is.
func withCRLF(req []byte) []byte {
	head, body, ok := bytes.Cut(req, []byte("\n\n"))
	if !ok {
		return bytes.ReplaceAll(req, []byte("\n"), []byte("\r\n"))
	}
	out := bytes.ReplaceAll(head, []byte("\n"), []byte("\r\n"))
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

// Decoding what `wa-cb fixtures show` prints for each fixture of the
// catalogue yields exactly the events the fixture declares, with LF or
// CRLF line ends; all the requests in one file decode to all their events,
// in order.
func TestDecodeFixturesShowCatalogue(t *testing.T) {
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	if len(fxs) < 10 {
		t.Fatalf("only %d bundled fixtures", len(fxs))
	}
	var all []byte
	for _, fx := range fxs {
		req := showFixture(t, fx.Name)
		all = append(all, req...)
		t.Run(fx.Name, func(t *testing.T) {
			if !bytes.HasPrefix(req, []byte(fx.Method+" ")) || !bytes.Contains(req, []byte(" HTTP/1.1\n")) {
				t.Fatalf("fixtures show did not print an HTTP request:\n%s", req)
			}
			for name, variant := range map[string][]byte{"LF": req, "CRLF": withCRLF(req)} {
				if err := fx.CheckEvents(decodeJSON(t, variant)); err != nil {
					t.Errorf("%s: %v\n%s", name, err, variant)
				}
			}
		})
	}
	evs := decodeJSON(t, all)
	for _, fx := range fxs {
		n := len(fx.Declared())
		if len(evs) < n {
			t.Fatalf("the catalogue in one file ran out of events at %s", fx.Name)
		}
		if err := fx.CheckEvents(evs[:n]); err != nil {
			t.Errorf("in one file, %s: %v", fx.Name, err)
		}
		evs = evs[n:]
	}
	if len(evs) != 0 {
		t.Errorf("the catalogue in one file gave %d events too many, the first %s/%s", len(evs), evs[0].Source, evs[0].Kind)
	}
}
