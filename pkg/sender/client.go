package sender

import (
	"crypto/tls"
	"net/http"
	"time"
)

// DefaultMaxIdle is how many keep-alive connections per host a client
// keeps by default.
const DefaultMaxIdle = 64

// ClientOptions shape the HTTP client that delivers callbacks (send,
// replay) and forwards them to the developer's app (listen --forward-to).
type ClientOptions struct {
	// Timeout bounds a whole request, answer included (0: none; a forward
	// bounds each request with its context instead).
	Timeout time.Duration
	// MaxIdle is how many keep-alive connections per host are kept (0:
	// DefaultMaxIdle).
	MaxIdle int
	// Insecure accepts any TLS certificate (a self-signed development
	// server).
	Insecure bool
	// DisableCompression asks for no compression and hands answers over
	// as they came, for a forward that relays them byte for byte.
	DisableCompression bool
}

// NewClient is wa-cb's one HTTP client: pooled keep-alive connections, no
// proxy from the environment (callbacks go where they are told) and no
// redirects followed (a callback sender does not follow them either; a
// redirect is a result to report).
func NewClient(o ClientOptions) *http.Client {
	maxIdle := o.MaxIdle
	if maxIdle <= 0 {
		maxIdle = DefaultMaxIdle
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConns = maxIdle
	tr.MaxIdleConnsPerHost = maxIdle
	tr.DisableCompression = o.DisableCompression
	c := &http.Client{
		Timeout:   o.Timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if o.Insecure {
		c = InsecureClient(c)
	}
	return c
}

// InsecureClient returns a copy of client that accepts any TLS
// certificate. A client whose transport is not an *http.Transport is
// returned as is.
func InsecureClient(client *http.Client) *http.Client {
	tr, ok := client.Transport.(*http.Transport)
	if !ok {
		return client
	}
	tr = tr.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.InsecureSkipVerify = true
	c := *client
	c.Transport = tr
	return &c
}
