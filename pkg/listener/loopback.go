package listener

import (
	"net"
	"strings"
)

// IsLoopback reports whether host (a name or IP literal, brackets
// allowed) only reaches this machine: localhost, a name under
// .localhost, or a loopback address.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
