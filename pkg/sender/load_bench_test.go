package sender

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkLoadRun measures the load runner alone (no rendering): b.N
// deliveries of one JSON body by 8 workers to a bare server, through a
// client that follows no redirects (as wa-cb's), so straight to the
// transport.
func BenchmarkLoadRun(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	client := ForConcurrency(srv.Client(), 8)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.X","type":"text","text":{"body":"hi"}}]}}]}]}`)
	next := func(int) (Job, error) {
		return Job{Request: Request{Method: http.MethodPost, URL: srv.URL, Body: body,
			Header: http.Header{"Content-Type": {"application/json"}}}}, nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	l, err := NewLoad(&Sender{Client: client, UserAgent: "wa-cb/bench"}, LoadConfig{Count: max(b.N, 1), Concurrency: 8, Next: next})
	if err != nil {
		b.Fatal(err)
	}
	r, err := l.Run(context.Background())
	if err != nil || r.Failed != 0 {
		b.Fatalf("err=%v failed=%d", err, r.Failed)
	}
	b.ReportMetric(r.Throughput, "req/s")
}
