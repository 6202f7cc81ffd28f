package listener

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// wait returns once every handler running has finished, whether they
// finish before or after it starts waiting.
func TestTrackerWaitsForHandlers(t *testing.T) {
	var tr tracker
	release := make(chan struct{})
	started := make(chan struct{}, 16)
	h := tr.wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		started <- struct{}{}
		<-release
	}))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
		}()
	}
	for range 16 {
		<-started
	}
	if n := tr.count(); n != 16 {
		t.Fatalf("count = %d, want 16", n)
	}
	done := make(chan struct{})
	go func() { tr.wait(); close(done) }()
	select {
	case <-done:
		t.Fatal("wait returned while handlers were running")
	default:
	}
	close(release)
	<-done
	wg.Wait()
	if n := tr.count(); n != 0 {
		t.Fatalf("count = %d after wait, want 0", n)
	}
	tr.wait() // nothing running: returns at once
}
