package listener

import (
	"net"
	"net/http"
	"testing"
)

// connSet keeps exactly the connections that have not left StateNew, and
// its count follows.
func TestConnSetTracksFresh(t *testing.T) {
	a, a2 := net.Pipe()
	b, b2 := net.Pipe()
	defer func() { a.Close(); a2.Close(); b.Close(); b2.Close() }()
	var c connSet
	steps := []struct {
		conn  net.Conn
		state http.ConnState
		fresh []net.Conn
	}{
		{a, http.StateNew, []net.Conn{a}},
		{b, http.StateNew, []net.Conn{a, b}},
		{a, http.StateActive, []net.Conn{b}},
		{a, http.StateIdle, []net.Conn{b}},
		{b, http.StateClosed, nil},
		{a, http.StateActive, nil},
		{a, http.StateNew, []net.Conn{a}},
	}
	for i, st := range steps {
		c.track(st.conn, st.state)
		if int(c.n.Load()) != len(st.fresh) || len(c.fresh) != len(st.fresh) {
			t.Fatalf("step %d: n=%d, %d fresh, want %d", i, c.n.Load(), len(c.fresh), len(st.fresh))
		}
		for _, conn := range st.fresh {
			if _, ok := c.fresh[conn]; !ok {
				t.Fatalf("step %d: a fresh connection is not tracked", i)
			}
		}
	}
}

// BenchmarkConnSetTrack measures the two state changes a keep-alive
// connection makes per request (active, then idle).
func BenchmarkConnSetTrack(b *testing.B) {
	a, a2 := net.Pipe()
	defer func() { a.Close(); a2.Close() }()
	var c connSet
	c.track(a, http.StateNew)
	c.track(a, http.StateActive)
	b.ReportAllocs()
	for b.Loop() {
		c.track(a, http.StateIdle)
		c.track(a, http.StateActive)
	}
}
