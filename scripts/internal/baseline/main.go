// Command baseline is the bare net/http server wa-cb's listener is
// measured against (scripts/bench.d/listen.sh): it binds 127.0.0.1:0,
// writes its URL to the file named by -ready, reads each request body and
// answers 200, until it is interrupted. With -log FILE it also writes each
// request's method and URI to FILE, one line each (scripts/bench.d/mock.sh
// counts the callbacks it got that way).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	ready := flag.String("ready", "", "file to write the URL to once listening")
	logFile := flag.String("log", "", "file to write each request's method and URI to")
	flag.Parse()
	var logMu sync.Mutex
	var logw *bufio.Writer
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		defer f.Close()
		logw = bufio.NewWriterSize(f, 1<<20)
		defer logw.Flush()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if logw != nil {
			logMu.Lock()
			fmt.Fprintf(logw, "%s %s\n", r.Method, r.RequestURI)
			logMu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	})}
	url := fmt.Sprintf("http://%s/", ln.Addr())
	if *ready != "" {
		tmp := *ready + ".tmp"
		if err := os.WriteFile(tmp, []byte(url+"\n"), 0o644); err != nil || os.Rename(tmp, *ready) != nil {
			fmt.Fprintln(os.Stderr, "baseline: cannot write", *ready)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	<-ctx.Done() // Serve returns at once on Shutdown; let it finish first
	_ = srv.Shutdown(context.Background())
}
