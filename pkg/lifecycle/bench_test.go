package lifecycle

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkObserve measures one status on a full tracker: most statuses
// update a held timeline, and every new message drops the oldest.
func BenchmarkObserve(b *testing.B) {
	const messages = 20000
	ids := make([]string, messages)
	for i := range ids {
		ids[i] = "wamid." + strconv.Itoa(i)
	}
	statuses := []string{StatusSent, StatusDelivered, StatusRead}
	tr := New(Options{})
	at := time.Unix(1700000000, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tr.Observe(ids[(i/3)%messages], statuses[i%3], at)
		i++
	}
}
