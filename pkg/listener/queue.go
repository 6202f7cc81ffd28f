package listener

import "sync"

// Queue is an unbounded FIFO of exchanges between the handlers (many
// producers, never blocked) and one consumer. Items come out in the order
// they were pushed, which is the order requests completed.
type Queue struct {
	mu    sync.Mutex
	items []*Exchange
	spare []*Exchange
	ready chan struct{} // holds a token while items may be waiting
}

// NewQueue returns an empty queue.
func NewQueue() *Queue { return &Queue{ready: make(chan struct{}, 1)} }

// Push appends ex; it never blocks on the consumer.
func (q *Queue) Push(ex *Exchange) {
	q.mu.Lock()
	q.items = append(q.items, ex)
	q.mu.Unlock()
	q.signal()
}

// PushAll appends exs, in order, as one Push each would.
func (q *Queue) PushAll(exs []*Exchange) {
	if len(exs) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, exs...)
	q.mu.Unlock()
	q.signal()
}

// signal leaves a token in ready unless one is there already.
func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled after a Push; receive from it, then call Take.
func (q *Queue) Ready() <-chan struct{} { return q.ready }

// Take removes and returns everything queued, oldest first. The returned
// slice is valid until the next Take.
func (q *Queue) Take() []*Exchange {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.items
	clear(q.spare)
	q.items = q.spare[:0]
	if cap(q.items) > 1<<14 {
		q.items = nil // let a burst's backlog go
	}
	q.spare = out
	return out
}

// Len is the number of exchanges waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
