package listen

import (
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// startUI serves the web inspector for the listener srv.
func startUI(opts *Options, srv *listener.Server) (*inspector.Server, error) {
	in := inspector.New(inspector.Config{
		Keep:        opts.UI.Keep,
		Title:       "wa-cb listen " + srv.URL(),
		Live:        true,
		ListenerURL: cmdutil.SelfURL(srv.Addr()),
		ForwardURL:  opts.Workbench.ForwardTo,
		AppSecret:   opts.AppSecret,
		Redacted:    opts.Workbench.Redact,
		Version:     opts.Version,
	})
	return opts.UI.StartUI(in, opts.IO.ErrOut)
}

// uiExchange is what the inspector is given of one exchange: the record
// the recording gets too (after redaction).
func uiExchange(rec *record.Record) inspector.Exchange {
	return inspector.Exchange{Record: rec, Origin: inspector.OriginCallback}
}
