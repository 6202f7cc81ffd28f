package hostguard

import (
	"net"
	"testing"
)

func TestAllows(t *testing.T) {
	tests := []struct {
		bound, name string
		host        string
		ok          bool
	}{
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "localhost:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "LOCALHOST:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "[::1]:4281", true},
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1:4282", false},
		{"127.0.0.1:4281", "127.0.0.1", "127.0.0.1", false},
		{"127.0.0.1:4281", "127.0.0.1", "evil.example:4281", false},   // DNS rebinding
		{"127.0.0.1:4281", "127.0.0.1", "evil.localhost:4281", false}, // not a name we serve
		{"127.0.0.1:4281", "127.0.0.1", "10.0.0.5:4281", false},
		{"127.0.0.1:4281", "127.0.0.1", "", false},
		{"127.0.0.1:4281", "localhost", "localhost:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "192.168.1.20:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "localhost:4281", true},
		{"0.0.0.0:4281", "0.0.0.0", "evil.example:4281", false},
		{"0.0.0.0:4281", "devbox.lan", "devbox.lan:4281", true},
		{"0.0.0.0:4281", "", "devbox.lan:4281", false},
		{"192.168.1.20:80", "192.168.1.20", "192.168.1.20", true},
		{"192.168.1.20:80", "192.168.1.20", "127.0.0.1", false},
		{"[::1]:4290", "::1", "[::1]:4290", true},
		{"[::1]:4290", "", "localhost:4290", true},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.bound)
		if err != nil {
			t.Fatal(err)
		}
		if got := For(a, tt.name).Allows(tt.host); got != tt.ok {
			t.Errorf("bound %s (%s): Host %q allowed = %v, want %v", tt.bound, tt.name, tt.host, got, tt.ok)
		}
	}
}

func TestZeroGuardAllowsLoopbackNames(t *testing.T) {
	var g Guard
	for host, ok := range map[string]bool{
		"127.0.0.1:4290": true, "localhost:1": true, "[::1]:9": true, "LocalHost": true,
		"evil.example:4290": false, "evil.localhost:4290": false, "10.0.0.5:4290": false, "": false,
	} {
		if got := g.Allows(host); got != ok {
			t.Errorf("zero Guard: Host %q allowed = %v, want %v", host, got, ok)
		}
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ bound, name, want string }{
		{"127.0.0.1:4281", "", "http://127.0.0.1:4281/"},
		{"0.0.0.0:4281", "", "http://127.0.0.1:4281/"},
		{"[::1]:4281", "", "http://[::1]:4281/"},
		{"127.0.0.1:4281", "localhost", "http://localhost:4281/"},
	}
	for _, tt := range tests {
		a, _ := net.ResolveTCPAddr("tcp", tt.bound)
		if got := For(a, tt.name).URL(); got != tt.want {
			t.Errorf("%s (%s): %s, want %s", tt.bound, tt.name, got, tt.want)
		}
	}
}
