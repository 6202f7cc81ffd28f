package cmdutil

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/inspector"
)

func TestUIFlagsValidate(t *testing.T) {
	tests := []struct {
		name    string
		flags   UIFlags
		changed []string
		addr    string
		err     string
	}{
		{"off", UIFlags{Addr: inspector.DefaultAddr, Keep: 1000}, nil, inspector.DefaultAddr, ""},
		{"addr without --ui", UIFlags{Addr: "127.0.0.1:0", Keep: 1000}, []string{"ui-addr"}, "", "--ui-addr needs --ui"},
		{"keep without --ui", UIFlags{Addr: inspector.DefaultAddr, Keep: 5}, []string{"ui-keep"}, "", "--ui-keep needs --ui"},
		{"ready file without --ui", UIFlags{Addr: inspector.DefaultAddr, Keep: 5}, []string{"ui-ready-file"}, "", "--ui-ready-file needs --ui"},
		{"on", UIFlags{Enabled: true, Addr: "127.0.0.1:0", Keep: 10}, nil, "127.0.0.1:0", ""},
		{"bare host gets the default port", UIFlags{Enabled: true, Addr: "localhost", Keep: 10}, nil, "localhost:4281", ""},
		{"bare IPv6 host", UIFlags{Enabled: true, Addr: "[::1]", Keep: 10}, nil, "[::1]:4281", ""},
		{"keep 0", UIFlags{Enabled: true, Addr: "127.0.0.1:0", Keep: 0}, nil, "", "invalid --ui-keep 0"},
		{"not an address", UIFlags{Enabled: true, Addr: "http://x/y", Keep: 10}, nil, "", "invalid --ui-addr"},
		{"empty", UIFlags{Enabled: true, Addr: " ", Keep: 10}, nil, "", "invalid --ui-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.flags
			changed := func(n string) bool {
				for _, c := range tt.changed {
					if c == n {
						return true
					}
				}
				return false
			}
			err := f.Validate(changed)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !IsFlagError(err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || f.Addr != tt.addr {
				t.Fatalf("err %v, addr %q, want %q", err, f.Addr, tt.addr)
			}
		})
	}
}

func TestStartAndAnnounceUI(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ui")
	f := UIFlags{Enabled: true, Addr: "127.0.0.1:0", Keep: 10, ReadyFile: ready}
	var errOut bytes.Buffer
	srv, err := f.StartUI(inspector.New(inspector.Config{}), &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := f.AnnounceUI(srv, &errOut); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ready)
	if strings.TrimSpace(string(b)) != srv.URL() || !strings.Contains(errOut.String(), "Inspector on "+srv.URL()) || strings.Contains(errOut.String(), "warning") {
		t.Fatalf("ready file %q, stderr %q", b, errOut.String())
	}

	// A taken address says what to do; another machine's reach is warned.
	taken := UIFlags{Enabled: true, Addr: srv.Addr().String(), Keep: 10}
	if _, err := taken.StartUI(inspector.New(inspector.Config{}), &errOut); err == nil || !strings.Contains(err.Error(), "--ui-addr") {
		t.Fatalf("taken address: %v", err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skip("cannot bind every interface here")
	}
	ln.Close()
	all := UIFlags{Enabled: true, Addr: "0.0.0.0:0", Keep: 10}
	errOut.Reset()
	s2, err := all.StartUI(inspector.New(inspector.Config{}), &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := all.AnnounceUI(s2, &errOut); err != nil || !strings.Contains(errOut.String(), "warning: the inspector on 0.0.0.0:0 is reachable from other machines") {
		t.Fatalf("%v %q", err, errOut.String())
	}
}
