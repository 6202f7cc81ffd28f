// Command loadgen drives an HTTP endpoint with a fixed number of POST
// requests over a fixed number of keep-alive connections, and prints what
// it measured as one JSON object. It is wa-cb's benchmark load generator
// (scripts/bench.d/listen.sh); it talks to loopback addresses only.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	Non2xx    int64   `json:"non_2xx"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
}

func main() {
	target := flag.String("url", "", "URL to POST to (loopback only)")
	bodyFile := flag.String("body", "", "file holding the request body")
	conns := flag.Int("c", 50, "concurrent connections")
	n := flag.Int("n", 10000, "requests in all")
	ctype := flag.String("type", "application/json", "Content-Type of the body")
	flag.Parse()

	if err := checkLoopback(*target); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if *conns < 1 || *n < 1 {
		fmt.Fprintln(os.Stderr, "loadgen: -c and -n must be at least 1")
		os.Exit(2)
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        *conns,
		MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost:     *conns,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var next, errs, non2xx atomic.Int64
	var wg sync.WaitGroup
	lat := make([][]time.Duration, *conns) // per connection: no locking
	start := time.Now()
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(*n) {
				t0 := time.Now()
				req, err := http.NewRequest(http.MethodPost, *target, bytes.NewReader(body))
				if err != nil {
					errs.Add(1)
					continue
				}
				req.Header.Set("Content-Type", *ctype)
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = append(lat[i], time.Since(t0))
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					non2xx.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	res := result{Requests: int64(*n), Errors: errs.Load(), Non2xx: non2xx.Load(), Seconds: secs, PerSecond: float64(*n) / secs}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res.P50MS, res.P99MS = percentile(all, 50), percentile(all, 99)
	_ = json.NewEncoder(os.Stdout).Encode(res)
	if res.Errors > 0 || res.Non2xx > 0 {
		os.Exit(1)
	}
}

// percentile is the p-th percentile of ds in milliseconds (0 when empty).
func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := (len(ds)*p + 99) / 100
	i = min(max(i-1, 0), len(ds)-1)
	return float64(ds[i].Microseconds()) / 1000
}

func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("invalid -url %q", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %q is not a loopback address", raw)
}
