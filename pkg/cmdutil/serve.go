package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/wa-cb/wa-cb/pkg/listener"
)

// SplitAddr reads a server command's --addr (HOST, HOST:PORT or
// http://HOST:PORT/) and --port; portSet says whether --port was given,
// so a port named twice with different values is an error. An empty addr
// means defaultHost.
func SplitAddr(addr string, port int, portSet bool, defaultHost string) (string, int, error) {
	host := strings.TrimSpace(addr)
	if host == "" {
		host = defaultHost
	}
	// A URL is accepted too (the one a server printed, say).
	lower := strings.ToLower(host)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		u, err := url.Parse(host)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return "", 0, FlagErrorf("invalid --addr %q: want HOST, HOST:PORT or http://HOST:PORT/", addr)
		}
		host = u.Host
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 0 || n > 65535 {
			return "", 0, FlagErrorf("invalid port in --addr %q", addr)
		}
		if portSet && n != port {
			return "", 0, FlagErrorf("--addr %q names port %d and --port says %d: give the port once", addr, n, port)
		}
		host, port = h, n
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if port < 0 || port > 65535 {
		return "", 0, FlagErrorf("invalid --port %d: want 0 to 65535", port)
	}
	if strings.ContainsAny(host, " /?#@") {
		return "", 0, FlagErrorf("invalid --addr %q: want a host name or IP address", addr)
	}
	return host, port, nil
}

// AddrInUse reports whether a bind failed because the port is taken
// (EADDRINUSE, or WSAEADDRINUSE on Windows).
func AddrInUse(err error) bool {
	const wsaeaddrinuse = syscall.Errno(10048)
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, wsaeaddrinuse)
}

// ExposureWarning is the warning for a server other machines can reach
// ("" on loopback).
func ExposureWarning(host, addr string) string {
	if IsLoopbackHost(host) {
		return ""
	}
	what := "is reachable from other machines"
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		what = "listens on every network interface"
	}
	return fmt.Sprintf("warning: %s %s; use --addr 127.0.0.1 to keep it local", addr, what)
}

// IsLoopbackHost reports whether host only reaches this machine.
func IsLoopbackHost(host string) bool { return listener.IsLoopback(host) }

// CheckReadyFile makes sure a server can write its --ready-file before it
// starts listening: a watcher would otherwise wait for a file that never
// comes. Errors name the path as the user gave it.
func CheckReadyFile(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ConfigErrorf("--ready-file %s: folder %s does not exist", path, dir)
	case err != nil:
		return ConfigErrorf("--ready-file %s: %v", path, err)
	case !fi.IsDir():
		return ConfigErrorf("--ready-file %s: %s is not a folder", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return ConfigErrorf("--ready-file %s is a folder", path)
	}
	tmp, err := os.CreateTemp(dir, ".wa-cb-ready-*")
	if err != nil {
		return ConfigErrorf("--ready-file %s: cannot write in %s", path, dir)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// WriteReadyFile writes a server's URL to path (--ready-file) atomically,
// so a watcher never reads half of it.
func WriteReadyFile(path, url string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".wa-cb-ready-*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.WriteString(url + "\n"); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// SelfURL is the URL a server reaches itself on (a replay to it): its
// bound address, or loopback when it binds every interface.
func SelfURL(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(ta.Port)) + "/"
}

// AbortOnSecondSignal serves a server command's stop: the first Ctrl-C (or
// SIGTERM) cancels ctx and starts a graceful stop; another one during that
// stop calls abort, which drops what is still in flight instead of waiting
// for it. It returns when stopped is closed.
func AbortOnSecondSignal(ctx context.Context, stopped <-chan struct{}, abort func()) {
	select {
	case <-ctx.Done():
	case <-stopped:
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
		abort()
	case <-stopped:
	}
}
