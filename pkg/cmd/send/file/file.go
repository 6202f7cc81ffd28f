// Package file implements `wa-cb send file`.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmd/send/delivery"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// MaxPayload bounds what send file reads (Meta caps payloads at 3 MB).
const MaxPayload = 16 << 20

// Options for `wa-cb send file`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Path        string
	Method      string
	ContentType string
	Delivery    delivery.Flags
}

// NewCmdFile builds `wa-cb send file`.
func NewCmdFile(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "file <path>|-",
		Short: "Deliver a raw payload from a file or standard input",
		Long: `Deliver a raw callback payload read from a file, or from standard input
with "-". What the content is decides how it is sent:

  a JSON object or array       POST, Content-Type: application/json, the
                               file's bytes unchanged (but a UTF-8 byte
                               order mark, which no sender sends)
  a query string               GET with that query (k=v&k2=v2, with or
                               without a leading ?); /path?query also sets
                               the path, and a whole URL gives its query
  an HTTP request              as wa-cb fixtures show prints it: request
                               line, headers, blank line, body (Host and
                               Content-Length are recomputed)
  a line of a recording        the request it holds (listen --record)

The file is read as wa-cb decode reads one callback.

--method POST sends a query string as a form body
(application/x-www-form-urlencoded); --content-type sets the content type,
and lets anything else be POSTed as is. With --app-secret every non-empty
body is signed (X-Hub-Signature-256).`,
		Example: `  $ wa-cb send file payload.json
  $ echo 'id=abc%3A0&status=read&timestamp=1763980000' | wa-cb send file - --to http://localhost:8080/kaleyra
  $ wa-cb fixtures show cloud-incoming-text > req.http && wa-cb send file req.http
  $ wa-cb send file event.xml --content-type application/xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if err := opts.Delivery.Validate(cmd, f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return fileRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Method, "method", "X", "", "HTTP `METHOD` instead of the detected one")
	cmd.Flags().StringVar(&opts.ContentType, "content-type", "", "Content-Type `VALUE` instead of the detected one")
	cmdutil.FlagGroup(cmd, "Request", "method", "content-type")
	delivery.AddFlags(cmd, &opts.Delivery, true)
	return cmd
}

func fileRun(ctx context.Context, opts *Options) error {
	name := opts.Path
	if opts.Path == "-" {
		name = "stdin"
	}
	r, closeInput, err := cmdutil.OpenInput(opts.Path, opts.IO.In)
	if err != nil {
		return err
	}
	defer closeInput()
	data, err := io.ReadAll(io.LimitReader(r, MaxPayload+1))
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", name, cmdutil.PathReason(err))
	}
	if len(data) > MaxPayload {
		return cmdutil.ConfigErrorf("%s: larger than %d bytes", name, MaxPayload)
	}
	p, err := sender.DetectPayload(data, sender.DetectOptions{Method: opts.Method, ContentType: opts.ContentType})
	switch {
	case errors.Is(err, sender.ErrUnknownPayload):
		return cmdutil.ConfigErrorf("%s: %v: give --content-type, and --method if not POST", name, err)
	case errors.Is(err, sender.ErrQuerySpace):
		return cmdutil.ConfigErrorf("%s: %v: encode it (%%20), or send it as a form body with --method POST", name, err)
	case err != nil:
		return cmdutil.ConfigErrorf("%s: %v", name, err)
	}
	h, err := delivery.ParseHeaders(opts.Delivery.Headers)
	if err != nil {
		return err
	}
	for k, vs := range h {
		p.Header[k] = vs
	}
	req := sender.Request{
		Name:   name,
		Method: p.Method,
		URL:    sender.JoinURL(opts.Delivery.Target(), p.Path, p.RawQuery),
		Header: p.Header,
		Body:   p.Body,
	}
	if ctx == nil {
		ctx = context.Background()
	}
	snd := opts.Delivery.Sender(opts.Factory)
	pr := render.NewDeliveryPrinter(opts.IO, opts.Delivery.JSON)
	return delivery.Deliver(ctx, opts.IO.ErrOut, snd, pr, []sender.Job{{Request: req, Sign: true}}, opts.Delivery.Expect)
}
