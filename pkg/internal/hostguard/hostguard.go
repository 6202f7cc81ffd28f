// Package hostguard tells whether the Host of a request names a server of
// this machine, the defence of wa-cb's local web pages and control APIs
// against DNS rebinding: a page an attacker serves under a name of theirs,
// which their DNS then points at 127.0.0.1, reaches the local server with
// that name in Host, and is refused.
package hostguard

import (
	"net"
	"strconv"
	"strings"
)

// Guard knows which Host values name one bound server. The zero Guard, for
// a server not bound yet, allows localhost and loopback IP literals on any
// port.
type Guard struct {
	port  string
	names map[string]bool // lower-case host names and IP literals
	anyIP bool            // bound to every interface: any IP literal is ours
	show  string          // host for the URL
}

// For is the Guard of a server bound to addr. name is the host the user
// asked to serve on (a name, an IP literal or ""): it is accepted besides
// the bound address and localhost.
func For(addr net.Addr, name string) Guard {
	g := Guard{names: map[string]bool{"localhost": true}}
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return g
	}
	g.port = strconv.Itoa(ta.Port)
	g.show = ta.IP.String()
	switch {
	case ta.IP.IsUnspecified():
		g.anyIP = true
		g.show = "127.0.0.1"
	case ta.IP.IsLoopback():
		g.names["127.0.0.1"], g.names["::1"] = true, true
	}
	g.names[strings.ToLower(ta.IP.String())] = true
	if name = strings.ToLower(strings.Trim(name, "[]")); name != "" {
		g.names[name] = true
		if net.ParseIP(name) == nil && !ta.IP.IsUnspecified() {
			g.show = name
		}
	}
	return g
}

// URL is the server's base URL for a browser ("http://127.0.0.1:4281/"):
// the name the user gave, else the bound address (127.0.0.1 when bound
// to every interface).
func (g Guard) URL() string {
	return "http://" + net.JoinHostPort(g.show, g.port) + "/"
}

// Allows reports whether host, a request's Host, names the server.
func (g Guard) Allows(host string) bool {
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		// No port: only the default one, if that is ours.
		h, p = host, "80"
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if g.names == nil {
		ip := net.ParseIP(h)
		return h == "localhost" || ip != nil && ip.IsLoopback()
	}
	if p != g.port {
		return false
	}
	if g.names[h] {
		return true
	}
	return g.anyIP && net.ParseIP(h) != nil
}
