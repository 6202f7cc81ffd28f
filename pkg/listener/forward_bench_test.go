package listener

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// benchApp is the developer's app of the forwarding benchmarks: it reads
// the body and answers a small JSON document, as a webhook handler does.
func benchApp() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
}

// benchDeliver posts the Cloud text callback to target from parallel
// keep-alive clients, b.N times in all, and reports requests per second.
func benchDeliver(b *testing.B, target string) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	b.ReportAllocs()
	b.SetBytes(int64(len(cloudText)))
	b.SetParallelism(4)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", target, strings.NewReader(cloudText))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkDirect calls the app directly: the baseline of BenchmarkForward.
func BenchmarkDirect(b *testing.B) {
	app := benchApp()
	defer app.Close()
	benchDeliver(b, app.URL+"/hooks")
}

// BenchmarkForward calls the app through a listener that forwards every
// callback to it (and decodes it, and hands it to a consumer that drops
// it): the same load as BenchmarkDirect, so the ratio of the two is the
// cost of putting wa-cb listen --forward-to in between.
func BenchmarkForward(b *testing.B) {
	app := benchApp()
	defer app.Close()
	target, _ := url.Parse(app.URL + "/hooks")
	wb := &Responder{Forward: NewForwarder(target, 10*time.Second)}
	srv, err := Listen("127.0.0.1:0", Config{Respond: wb.Respond}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = srv.Run(ctx, func(*Exchange, bool) {})
	}()
	benchDeliver(b, srv.URL())
	b.StopTimer()
	cancel()
	<-done
}
