package inspector

import (
	"testing"
)

// BenchmarkAdd is the producer's cost per exchange (on the listener's
// request goroutine), with a stream subscribed.
func BenchmarkAdd(b *testing.B) {
	in := New(Config{})
	sub := in.subscribe()
	defer in.unsubscribe(sub)
	r := rec("a", "POST", "/wa", "", `{"a":1}`, textEvent("15551234567", "hello"))
	b.ReportAllocs()
	for b.Loop() {
		in.Add(Exchange{Record: r})
	}
}

// BenchmarkSummaryJSON is a stream's cost per exchange it sends.
func BenchmarkSummaryJSON(b *testing.B) {
	r := rec("a", "POST", "/wa", "", `{"a":1}`, textEvent("15551234567", "hello"), statusEvent("m1", "read", "155"))
	b.ReportAllocs()
	for b.Loop() {
		e := &entry{seq: 1, ex: Exchange{Record: r, Origin: OriginCallback}}
		e.summaryJSON()
	}
}
