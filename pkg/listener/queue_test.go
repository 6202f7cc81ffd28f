package listener

import (
	"strconv"
	"sync"
	"testing"
)

// Every push is delivered, in order, to a consumer that waits on Ready
// and takes, however pushes and takes interleave.
func TestQueueDeliversEveryPush(t *testing.T) {
	for _, producers := range []int{1, 4, 32} {
		q := NewQueue()
		const each = 2000
		var wg sync.WaitGroup
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					q.Push(&Exchange{ID: strconv.Itoa(p), BodySize: int64(i)})
				}
			}()
		}
		last := map[string]int64{}
		got := 0
		for got < producers*each {
			<-q.Ready()
			for _, ex := range q.Take() {
				if prev, ok := last[ex.ID]; ok && ex.BodySize <= prev {
					t.Fatalf("producer %s: %d after %d", ex.ID, ex.BodySize, prev)
				}
				last[ex.ID] = ex.BodySize
				got++
			}
		}
		wg.Wait()
		if n := q.Len(); n != 0 {
			t.Fatalf("%d producers: %d left after all were taken", producers, n)
		}
	}
}
