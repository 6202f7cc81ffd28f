// Package decode implements `wa-cb decode`.
package decode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/rawinput"
	"github.com/wa-cb/wa-cb/pkg/render"
)

// maxInput bounds what decode holds at once: an input read whole (an HTTP
// request, a JSON document), or one line of a log, which is read a line at
// a time and may be of any length.
const maxInput = 512 << 20

// Options for `wa-cb decode`.
type Options struct {
	IO   *iostreams.IOStreams
	File string // "" or "-" reads stdin
	JSON bool
	// Timelines bounds how many messages' status timelines are followed.
	Timelines int
	// Decode is the decoder (callback.Decode); tests replace it.
	Decode func(callback.Request) []callback.Event
}

// NewCmdDecode builds `wa-cb decode`.
func NewCmdDecode(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "decode [FILE|-]",
		Short: "Decode a raw callback into events, offline",
		Long: `Decode one raw callback, the way wa-cb listen would, and print its events.

The input (FILE, or standard input when FILE is - or missing; a terminal
is read only when - is given) is one of:
  an HTTP request              request line, headers, blank line, body, as
                               wa-cb fixtures show prints it (LF or CRLF)
  a JSON body                  {"object":"whatsapp_business_account",...}
  a URL                        https://example.com/cb?id=...&status=delivered
  a path or request line       /cb?id=...   GET /cb?id=... HTTP/1.1
  a query string or form body  ?id=...&status=...   id=...&status=...
  a line of a recording        {"schema":"wa-cb.record/v1",...} (--record)
Nothing is unescaped or re-encoded before decoding: a recording's request is
decoded with the method, path, query, headers and body it arrived with (a
body sent with Content-Encoding gzip or deflate is decompressed first, as
listen does).

HTTP requests one after the other are decoded one by one, and so are logs
of one callback a line (NDJSON, URLs, query strings, request lines; lines
starting with # are skipped), printed as they are read (tail -f works). A
JSON document over several lines is one callback, a JSON array a list. What is
wrong with a request itself (a body shorter than its Content-Length, a line
that is not a header) leads its decode_error.

Output is listen's: cards on a terminal, plain text otherwise, --json one
wa-cb.event/v1 object per line (without listen's request facts). Statuses
carry their "lifecycle" note, told in the order of the input (a status
without a timestamp is placed at its recording's received_at); odd stories
are listed on stderr at the end. An undecodable payload is still printed,
with its decode_error, and the exit status stays 0; a FILE that cannot be
opened exits 2, an unreadable or empty input exits 1.`,
		Example: `  $ wa-cb decode body.json
  $ wa-cb fixtures show cloud-incoming-text > req.http && wa-cb decode req.http
  $ echo '?id=a2d4ef99%3A0&status=delivered&phone_number=%2B12025550143&timestamp=1580972783' | wa-cb decode
  $ wa-cb decode --json callbacks.ndjson | jq -r .kind
  $ wa-cb decode --json session.ndjson | jq -c 'select(.lifecycle.flags) | {id, status, lifecycle}'
  $ tail -f access.log | grep --line-buffered 'GET /cb?' | wa-cb decode -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if err := cmdutil.CheckTimelines(opts.Timelines); err != nil {
				return err
			}
			if opts.File == "" && opts.IO.IsStdinTTY() {
				return cmdutil.FlagErrorf("give a FILE, or pipe a callback into standard input")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return decodeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print one wa-cb.event/v1 JSON object per line")
	cmdutil.TimelinesFlag(cmd.Flags(), &opts.Timelines)
	return cmd
}

func decodeRun(_ context.Context, opts *Options) error {
	in, name, closeInput, err := openInput(opts)
	if err != nil {
		return err
	}
	defer func() { _ = closeInput() }()
	r := rawinput.NewReader(in, maxInput)
	var buf bytes.Buffer
	var printer *render.EventPrinter
	if !opts.JSON {
		printer = render.NewEventPrinter(opts.IO)
	}
	flush := func() error {
		_, err := opts.IO.Out.Write(buf.Bytes())
		buf.Reset()
		return err
	}
	// Statuses tell each message's story across the whole input, as
	// listen tells it across a session: a log's order is arrival order.
	tracker := lifecycle.New(lifecycle.Options{MaxMessages: opts.Timelines})
	n := 0
	for ; ; n++ {
		in, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if werr := flush(); werr != nil {
				return werr
			}
			return readError(name, err)
		}
		decodeOne(opts, printer, tracker, &buf, in, r.Several())
		// A log is printed as it is read (tail -f access.log | wa-cb
		// decode): what was decoded goes out before waiting for more.
		if buf.Len() >= 64<<10 || !r.Waiting() {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if n == 0 {
		return errors.New("the input is empty: nothing to decode")
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprint(opts.IO.ErrOut, render.LifecycleSummary(tracker.Anomalies(), tracker.Anomalous(), tracker.Dropped(), cmdutil.SummaryAnomalies))
	return nil
}

// decodeOne decodes one input and appends its events to buf, as cards
// (with the input's line when there are several) or JSON lines.
func decodeOne(opts *Options, printer *render.EventPrinter, tracker *lifecycle.Tracker, buf *bytes.Buffer, in rawinput.Input, several bool) {
	req, note := inflated(in.Request)
	events, panicked := listener.SafeDecode(opts.Decode, req)
	if note != "" {
		callback.NoteFirst(events, note)
	}
	if in.Problem != "" {
		callback.NoteFirst(events, in.Problem)
	}
	for i := range events {
		listener.FollowLifecycle(tracker, &events[i], in.ReceivedAt)
		if opts.JSON {
			buf.Write(append(listener.AppendEvent(buf.AvailableBuffer(), &events[i]), '\n'))
			continue
		}
		v := render.EventView{
			Event:    events[i],
			Index:    i + 1,
			Total:    len(events),
			RawBody:  req.Body,
			RawQuery: in.Request.RawQuery,
			Failure:  panicked,
		}
		if several {
			v.Line = in.Line
		}
		buf.WriteString(printer.Event(v))
	}
}

// inflated is req with the Content-Encoding of its body undone, as listen
// decodes it (a recording keeps the bytes received), and what could not be
// undone.
func inflated(req callback.Request) (callback.Request, string) {
	if len(req.Header["Content-Encoding"]) == 0 {
		return req, ""
	}
	body, note, err := listener.Inflate(req.Header, req.Body, maxInput)
	switch {
	case err != nil:
		return req, "Content-Encoding " + req.Header.Get("Content-Encoding") + ": the body decompresses to more than " + cmdutil.FormatSize(maxInput) + "; it is decoded as received"
	case body != nil:
		req.Body = body
	}
	return req, note
}

// openInput opens FILE, or standard input, and names it for errors.
func openInput(opts *Options) (io.Reader, string, func() error, error) {
	path, name := opts.File, opts.File
	if path == "" || path == "-" {
		path, name = "-", "standard input"
	}
	r, closeInput, err := cmdutil.OpenInput(path, opts.IO.In)
	return r, name, closeInput, err
}

// readError words a failure to read the input.
func readError(name string, err error) error {
	var tl *rawinput.TooLargeError
	if errors.As(err, &tl) {
		if tl.Line > 0 {
			return fmt.Errorf("cannot read %s: line %d is larger than %s", name, tl.Line, cmdutil.FormatSize(tl.Max))
		}
		return fmt.Errorf("cannot read %s: larger than %s (a log, one callback a line, may be of any size)", name, cmdutil.FormatSize(tl.Max))
	}
	return fmt.Errorf("cannot read %s: %w", name, cmdutil.PathReason(err))
}
