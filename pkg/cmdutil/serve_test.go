package cmdutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "127.5.0.1": true, "0.0.0.0": false, "::": false, "192.168.1.2": false, "example.com": false} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v", host, got)
		}
	}
}

func TestExposureWarning(t *testing.T) {
	tests := []struct{ host, addr, want string }{
		{"127.0.0.1", "127.0.0.1:4280", ""},
		{"localhost", "localhost:0", ""},
		{"0.0.0.0", "0.0.0.0:4280", "warning: 0.0.0.0:4280 listens on every network interface; use --addr 127.0.0.1 to keep it local"},
		{"::", "[::]:4280", "warning: [::]:4280 listens on every network interface; use --addr 127.0.0.1 to keep it local"},
		{"192.168.1.20", "192.168.1.20:4280", "warning: 192.168.1.20:4280 is reachable from other machines; use --addr 127.0.0.1 to keep it local"},
	}
	for _, tt := range tests {
		if got := ExposureWarning(tt.host, tt.addr); got != tt.want {
			t.Errorf("ExposureWarning(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestSplitAddr(t *testing.T) {
	tests := []struct {
		addr     string
		port     int
		portSet  bool
		wantHost string
		wantPort int
		wantErr  bool
	}{
		{"", 4290, false, "127.0.0.1", 4290, false},
		{"127.0.0.1:0", 4290, false, "127.0.0.1", 0, false},
		{"[::1]:9000", 4290, false, "::1", 9000, false},
		{"::1", 9001, true, "::1", 9001, false},
		{"http://127.0.0.1:4300/", 4290, false, "127.0.0.1", 4300, false},
		{"http://127.0.0.1:4300/hook", 4290, false, "", 0, true},
		{"127.0.0.1:80", 81, true, "", 0, true},
		{"a/b", 4290, false, "", 0, true},
		{"127.0.0.1", 70000, true, "", 0, true},
	}
	for _, tt := range tests {
		h, p, err := SplitAddr(tt.addr, tt.port, tt.portSet, "127.0.0.1")
		if (err != nil) != tt.wantErr || h != tt.wantHost || p != tt.wantPort {
			t.Errorf("SplitAddr(%q, %d) = %q, %d, %v", tt.addr, tt.port, h, p, err)
		}
	}
}

func TestWriteReadyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "url")
	if err := WriteReadyFile(path, "http://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "http://127.0.0.1:1/\n" {
		t.Fatalf("%q %v", b, err)
	}
	if err := WriteReadyFile(filepath.Join(t.TempDir(), "no", "such", "dir"), "x"); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}
