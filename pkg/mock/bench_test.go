package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// BenchmarkKaleyraV1Call is one Kaleyra v1 send call through the handler
// with its three callbacks rendered and delivered to a local server.
func BenchmarkKaleyraV1Call(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	fxs, err := fixture.Bundled()
	if err != nil {
		b.Fatal(err)
	}
	var delivered atomic.Int64
	all := make(chan struct{})
	want := int64(3 * b.N)
	m, err := New(Config{Catalog: fixture.NewCatalog(fxs), Sender: &sender.Sender{Client: sender.NewClient(sender.ClientOptions{Timeout: 10 * time.Second})},
		Observe: func(r Record) {
			if r.Kind == KindCallback && delivered.Add(1) == want {
				close(all)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	body := v1Form("919812345678", srv.URL+"/kaleyra/status?tenant=7", "ref", "order-4821")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := httptest.NewRequest("POST", "/v1/SID/messages", strings.NewReader(body))
		r.Header.Set("Content-Type", form)
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body)
		}
	}
	<-all
	b.StopTimer()
	m.Close()
}
