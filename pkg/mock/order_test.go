package mock

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Statuses that fall due together (here after the clock jumps past all of
// them) still reach the app one at a time per message, sent → delivered →
// read, however many workers deliver them.
func TestStatusesDueTogetherGoOutInOrder(t *testing.T) {
	var mu sync.Mutex
	inFlight, overlaps := map[string]int{}, 0
	order := map[string][]string{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		mu.Lock()
		inFlight[id]++
		if inFlight[id] > 1 {
			overlaps++
		}
		order[id] = append(order[id], r.URL.Query().Get("status"))
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a slow app: its requests overlap if the mock lets them
		mu.Lock()
		inFlight[id]--
		mu.Unlock()
	}))
	t.Cleanup(app.Close)
	h := newHarness(t, Config{Delays: Delays{Sent: time.Hour, Delivered: 2 * time.Hour, Read: 3 * time.Hour}})
	const n = 12
	for i := range n {
		to := "9198123450" + strconv.Itoa(10+i)
		if code, ans := h.do("POST", "/v1/SID/messages", form, v1Form(to, app.URL+"/cb")); code != 200 {
			t.Fatalf("%d %v", code, ans)
		}
	}
	h.clk.Advance(4 * time.Hour)
	for range 3 * n {
		h.next(KindCallback)
	}
	mu.Lock()
	defer mu.Unlock()
	if overlaps > 0 {
		t.Errorf("%d callbacks reached the app while another of the same message was in flight", overlaps)
	}
	for id, got := range order {
		if len(got) != 3 || got[0] != "sent" || got[1] != "delivered" || got[2] != "read" {
			t.Errorf("%s: %v, want sent, delivered, read", id, got)
		}
	}
}
