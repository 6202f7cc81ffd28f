package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wa-cb": func() { os.Exit(run()) },
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("WA_CB_UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HOME", env.WorkDir)
			for _, k := range []string{"WA_CB_APP_SECRET", "WA_CB_VERIFY_TOKEN", "WA_CB_WHITELIST", "WA_CB_FIXTURES"} {
				env.Setenv(k, "")
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sink":       cmdSink,
			"waitfile":   cmdWaitFile,
			"env-read":   cmdEnvRead,
			"httpdo":     cmdHTTPDo,
			"closedport": cmdClosedPort,
		},
	})
}

// sink [-status N] [-delay D] [-body TEXT] [-name VAR]
//
// Starts a loopback HTTP server that records every request it gets in
// $WORK/<var-lowercase>/N/{method,path,query,headers,body} (N from 1) and
// answers with the given status (200), after the given delay, with the given
// body ("ok"). Sets $VAR (SINK_URL) to its URL.
func cmdSink(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sink")
	}
	status, delay, body, name := 200, time.Duration(0), "ok", "SINK_URL"
	for i := 0; i < len(args); i++ {
		if i+1 >= len(args) {
			ts.Fatalf("usage: sink [-status N] [-delay D] [-body TEXT] [-name VAR]")
		}
		switch args[i] {
		case "-status":
			n, err := strconv.Atoi(args[i+1])
			ts.Check(err)
			status = n
		case "-delay":
			d, err := time.ParseDuration(args[i+1])
			ts.Check(err)
			delay = d
		case "-body":
			body = args[i+1]
		case "-name":
			name = args[i+1]
		default:
			ts.Fatalf("sink: unknown option %s", args[i])
		}
		i++
	}
	dir := ts.MkAbs(strings.ToLower(strings.TrimSuffix(name, "_URL")))
	ts.Check(os.MkdirAll(dir, 0o755))
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		d := filepath.Join(dir, strconv.Itoa(n))
		mu.Unlock()
		_ = os.MkdirAll(d, 0o755)
		var hdr bytes.Buffer
		_ = r.Header.Write(&hdr)
		_ = os.WriteFile(filepath.Join(d, "method"), []byte(r.Method+"\n"), 0o644)
		_ = os.WriteFile(filepath.Join(d, "path"), []byte(r.URL.Path+"\n"), 0o644)
		_ = os.WriteFile(filepath.Join(d, "query"), []byte(r.URL.RawQuery+"\n"), 0o644)
		_ = os.WriteFile(filepath.Join(d, "headers"), hdr.Bytes(), 0o644)
		_ = os.WriteFile(filepath.Join(d, "body"), b, 0o644)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	ts.Defer(srv.Close)
	ts.Setenv(name, srv.URL)
}

// waitfile FILE [TIMEOUT]: waits until FILE exists and is not empty.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	timeout := 20 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	deadline := time.Now().Add(timeout)
	for {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			if neg {
				ts.Fatalf("%s exists", args[0])
			}
			return
		}
		if time.Now().After(deadline) {
			if neg {
				return
			}
			ts.Fatalf("timed out waiting for %s", args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// env-read VAR FILE: sets VAR to FILE's contents, trimmed of white space.
func cmdEnvRead(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: env-read VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// closedport VAR: sets VAR to a loopback URL (http://127.0.0.1:PORT/) on
// which nothing listens: the port was bound and closed again.
func cmdClosedPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: closedport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := ln.Addr().String()
	ts.Check(ln.Close())
	ts.Setenv(args[0], "http://"+addr+"/")
}

// httpdo METHOD URL [BODYFILE [CONTENT-TYPE]] [-H 'K: V']... [-gzip]
//
// Sends one request from inside the test and prints "STATUS\n" then the
// response body to stdout. A negated httpdo expects a non-2xx status.
// -gzip sends the body gzipped, with Content-Encoding: gzip, and writes the
// bytes sent to BODYFILE.gz.
func cmdHTTPDo(ts *testscript.TestScript, neg bool, args []string) {
	var headers []string
	var pos []string
	gz := false
	for i := 0; i < len(args); i++ {
		if args[i] == "-H" && i+1 < len(args) {
			headers = append(headers, args[i+1])
			i++
			continue
		}
		if args[i] == "-gzip" {
			gz = true
			continue
		}
		pos = append(pos, args[i])
	}
	if len(pos) < 2 || len(pos) > 4 {
		ts.Fatalf("usage: httpdo METHOD URL [BODYFILE [CONTENT-TYPE]] [-H 'K: V']... [-gzip]")
	}
	var body io.Reader
	if len(pos) >= 3 {
		b := ts.ReadFile(pos[2])
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, err := zw.Write([]byte(b))
			ts.Check(err)
			ts.Check(zw.Close())
			ts.Check(os.WriteFile(ts.MkAbs(pos[2]+".gz"), buf.Bytes(), 0o644))
			b = buf.String()
			headers = append(headers, "Content-Encoding: gzip")
		}
		body = strings.NewReader(b)
	}
	req, err := http.NewRequest(pos[0], pos[1], body)
	ts.Check(err)
	if len(pos) == 4 {
		req.Header.Set("Content-Type", pos[3])
	}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			ts.Fatalf("bad header %q", h)
		}
		if strings.EqualFold(strings.TrimSpace(k), "Host") {
			req.Host = strings.TrimSpace(v) // a Host header is the request's Host
			continue
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "%d\n%s", resp.StatusCode, b)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok == neg {
		ts.Fatalf("unexpected status %d", resp.StatusCode)
	}
}
