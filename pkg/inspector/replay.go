package inspector

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Replay targets.
const (
	TargetListener = "listener" // the listener that received the exchange
	TargetForward  = "forward"  // the app the listener forwards to
	TargetURL      = "url"      // a URL the user typed
)

// replayTimeout bounds one replay.
const replayTimeout = 30 * time.Second

// ReplayOrder asks for one replay.
type ReplayOrder struct {
	Target string `json:"target"`
	URL    string `json:"url,omitempty"`
	// AllowRemote confirms a typed URL whose host is not this machine.
	AllowRemote bool `json:"allow_remote,omitempty"`
	// Edit replaces parts of the request; nil replays it byte for byte.
	Edit *Edit `json:"edit,omitempty"`
}

// Edit is a request changed in the page.
type Edit struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Query   string      `json:"query"`
	Headers [][2]string `json:"headers"`
	// Body is the new body as text; BodyBase64 a binary one.
	Body       *string `json:"body,omitempty"`
	BodyBase64 string  `json:"body_base64,omitempty"`
	// Resign signs the body anew with the app secret (X-Hub-Signature-256
	// and X-Hub-Signature).
	Resign bool `json:"resign,omitempty"`
}

// ReplayResult is what a replay got back.
type ReplayResult struct {
	At     time.Time `json:"at"`
	Target string    `json:"target"`
	Edited bool      `json:"edited,omitempty"`
	sender.Result
}

// ReplayError is a replay refused before anything was sent.
type ReplayError struct{ Msg string }

func (e *ReplayError) Error() string { return e.Msg }

func refuse(format string, a ...any) error { return &ReplayError{Msg: fmt.Sprintf(format, a...)} }

// Targets lists the replay targets this inspector offers besides a typed
// URL.
func (in *Inspector) Targets() []Target {
	var out []Target
	if in.cfg.ListenerURL != "" {
		label := in.cfg.ListenerLabel
		if label == "" {
			label = "the listener"
		}
		out = append(out, Target{Name: TargetListener, URL: in.cfg.ListenerURL, Label: label})
	}
	if in.cfg.ForwardURL != "" {
		out = append(out, Target{Name: TargetForward, URL: in.cfg.ForwardURL, Label: "the app"})
	}
	return out
}

// Target is a replay target.
type Target struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Label string `json:"label"` // what the page calls it
}

// target resolves where an order goes.
func (in *Inspector) target(o ReplayOrder) (*url.URL, error) {
	var raw string
	switch o.Target {
	case TargetListener:
		raw = in.cfg.ListenerURL
	case TargetForward:
		raw = in.cfg.ForwardURL
	case TargetURL:
		raw = strings.TrimSpace(o.URL)
		if raw == "" {
			return nil, refuse("type the URL to replay to")
		}
	default:
		return nil, refuse("unknown replay target %q: want listener, forward or url", o.Target)
	}
	if raw == "" {
		return nil, refuse("no %s to replay to here", o.Target)
	}
	u, err := sender.ParseTarget(raw)
	if err != nil {
		return nil, refuse("replay URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, refuse("replay URL: want an http:// or https:// URL")
	}
	// Only URLs the user named reach other machines: a typed one that
	// leaves this machine must be confirmed.
	if o.Target == TargetURL && !listener.IsLoopback(u.Hostname()) && !o.AllowRemote {
		return nil, refuse("%s is not on this machine: confirm the replay to it", u.Host)
	}
	return u, nil
}

// Replay sends exchange seq again as ordered and remembers the result on
// the exchange.
func (in *Inspector) Replay(ctx context.Context, seq uint64, o ReplayOrder) (ReplayResult, error) {
	e := in.get(seq)
	if e == nil {
		return ReplayResult{}, errNotKept
	}
	target, err := in.target(o)
	if err != nil {
		return ReplayResult{}, err
	}
	rec := e.ex.Record
	if rec.Request.Body == nil && rec.Error != "" && o.Edit == nil && rec.Response.Status == http.StatusRequestEntityTooLarge {
		return ReplayResult{}, refuse("the body of request %s was not kept (%s)", rec.RequestID, rec.Error)
	}
	marker := http.Header{ReplayHeader: {rec.RequestID}}
	req := listener.ReplayRequest(rec, target, marker)
	sign := false
	if o.Edit != nil {
		req, err = in.edited(rec, target, o.Edit, marker)
		if err != nil {
			return ReplayResult{}, err
		}
		sign = o.Edit.Resign
	}
	snd := &sender.Sender{Client: in.cfg.Client, Secret: in.cfg.AppSecret, Now: in.cfg.Now}
	ctx, cancel := context.WithTimeout(ctx, replayTimeout)
	defer cancel()
	res := ReplayResult{At: in.cfg.Now().UTC(), Target: o.Target, Edited: o.Edit != nil}
	res.Result = snd.Deliver(ctx, req, sign)
	res.Result.Name = ""
	e.addReplay(res)
	return res, nil
}

// edited builds the delivery of an edited request. Secrets still masked
// in it get their original values back.
func (in *Inspector) edited(rec *record.Record, target *url.URL, ed *Edit, marker http.Header) (sender.Request, error) {
	method := strings.ToUpper(strings.TrimSpace(ed.Method))
	if method == "" {
		method = rec.Request.Method
	}
	if !httpguts.ValidHeaderFieldName(method) {
		return sender.Request{}, refuse("invalid method %q", ed.Method)
	}
	path := strings.TrimSpace(ed.Path)
	if path == "" {
		path = "/"
	}
	if path[0] != '/' {
		path = "/" + path
	}
	if strings.ContainsAny(path, " ?#\r\n") {
		return sender.Request{}, refuse("invalid path %q: no spaces, '?' or '#' (the query has its own field)", ed.Path)
	}
	query := unmaskQuery(strings.TrimPrefix(strings.TrimSpace(ed.Query), "?"), rec.Request.RawQuery)
	if strings.ContainsAny(query, " #\r\n") {
		return sender.Request{}, refuse("invalid query %q: no spaces or '#'", ed.Query)
	}
	h := http.Header{}
	for _, kv := range ed.Headers {
		name := strings.TrimSpace(kv[0])
		if name == "" {
			continue
		}
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(kv[1]) {
			return sender.Request{}, refuse("invalid header %q", name)
		}
		h.Add(name, kv[1])
	}
	unmaskHeader(h, rec.Request.Header)
	h = listener.EndToEndHeader(h, 2)
	h.Del("Content-Length")
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""}
	}
	for k, vs := range marker {
		h[k] = vs
	}
	body := rec.Request.Body
	switch {
	case ed.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(ed.BodyBase64)
		if err != nil {
			return sender.Request{}, refuse("body_base64: %v", err)
		}
		body = b
	case ed.Body != nil:
		body = []byte(*ed.Body)
	}
	if ed.Resign {
		if in.cfg.AppSecret == "" {
			return sender.Request{}, refuse("cannot sign: this inspector was given no app secret")
		}
		if len(body) == 0 {
			return sender.Request{}, refuse("cannot sign an empty body")
		}
		h.Del("X-Hub-Signature-256")
		h.Del(sender.LegacySignatureHeader)
	}
	return sender.Request{
		Name:   rec.RequestID,
		Method: method,
		URL:    sender.JoinURL(target, path, query),
		Header: h,
		Body:   body,
	}, nil
}

var errNotKept = errors.New("no such exchange here (it may have left the last kept ones)")

// replayClient delivers replays: no proxy, no redirects followed, no
// compression asked for behind the request's back.
func replayClient() *http.Client {
	return sender.NewClient(sender.ClientOptions{Timeout: replayTimeout, MaxIdle: 4, DisableCompression: true})
}
