package inspector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/wa-cb/wa-cb/pkg/internal/hostguard"
)

// DefaultAddr is where the inspector is served unless told otherwise.
const DefaultAddr = "127.0.0.1:4281"

// Server serves an Inspector on its own address.
type Server struct {
	in  *Inspector
	ln  net.Listener
	srv *http.Server
	url string
}

// Listen binds addr (host:port; port 0 picks a free one) and returns a
// Server ready to Serve. Requests must name the bound address (or
// localhost, or the host given in addr) in Host.
func Listen(in *Inspector, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot serve the inspector on %s: %w", addr, err)
	}
	host, _, _ := net.SplitHostPort(addr)
	return NewServer(in, ln, host), nil
}

// NewServer serves in on ln; name is the host name the user asked for
// (accepted in Host besides the bound address and localhost).
func NewServer(in *Inspector, ln net.Listener, name string) *Server {
	g := hostguard.For(ln.Addr(), name)
	s := &Server{in: in, ln: ln, url: g.URL()}
	s.srv = &http.Server{
		Handler:           in.Handler(g),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No WriteTimeout: event streams stay open; each write of a
		// stream has its own deadline instead.
		MaxHeaderBytes: 1 << 20,
	}
	return s
}

// URL is the inspector's address for a browser ("http://127.0.0.1:4281/").
func (s *Server) URL() string { return s.url }

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Close; it returns nil once closed.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close ends the event streams and stops serving, waiting a little for
// answers under way.
func (s *Server) Close() error {
	s.in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Inspector is the inspector served.
func (s *Server) Inspector() *Inspector { return s.in }
