package sender_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// seededReader is a deterministic id source.
type seededReader struct{ r *rand.ChaCha8 }

func newSeeded(seed byte) *seededReader {
	var s [32]byte
	s[0] = seed
	return &seededReader{r: rand.NewChaCha8(s)}
}

func (s *seededReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// TestRoundTripCatalogue renders every bundled fixture, delivers it over
// HTTP and decodes what arrived with the listener's decoder: each must
// decode to what its _meta declares.
func TestRoundTripCatalogue(t *testing.T) {
	fxs, err := fixture.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got callback.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = callback.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	snd := &sender.Sender{Client: srv.Client(), Secret: "s3cret"}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, verbatim := range []bool{false, true} {
		r := &fixture.Renderer{Now: func() time.Time { return now }, Rand: newSeeded(1)}
		for _, fx := range fxs {
			name := fx.Name
			if verbatim {
				name += "/verbatim"
			}
			t.Run(name, func(t *testing.T) {
				req, err := r.Render(fx, fixture.RenderOptions{Verbatim: verbatim})
				if err != nil {
					t.Fatal(err)
				}
				res := snd.Deliver(context.Background(), sender.Request{
					Name: fx.Name, Method: req.Method, URL: sender.JoinURL(target, req.Path, req.RawQuery),
					Header: req.Header, Body: req.Body,
				}, req.Signed)
				if res.Error != "" || res.Status != http.StatusNoContent || !res.OK {
					t.Fatalf("delivery: %+v", res)
				}
				mu.Lock()
				in := got
				mu.Unlock()
				if string(in.Body) != string(req.Body) || in.RawQuery != req.RawQuery || in.Method != req.Method {
					t.Fatalf("the handler got other bytes than were rendered:\n got %s ?%s %q\nwant %s ?%s %q",
						in.Method, in.RawQuery, in.Body, req.Method, req.RawQuery, req.Body)
				}
				if req.Signed && len(req.Body) > 0 {
					if !callback.VerifySignature("s3cret", in.Body, in.Header.Get(callback.SignatureHeader)) {
						t.Errorf("signature %q does not verify", in.Header.Get(callback.SignatureHeader))
					}
				} else if in.Header.Get(callback.SignatureHeader) != "" {
					t.Errorf("unsigned fixture carries a signature")
				}
				evs := callback.Decode(in)
				checkEvents(t, fx, evs)
			})
		}
	}
}

func checkEvents(t *testing.T, fx *fixture.Fixture, evs []callback.Event) {
	t.Helper()
	if err := fx.CheckEvents(evs); err != nil {
		t.Error(err)
	}
}
