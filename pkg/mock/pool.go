package mock

import "sync"

// Pool runs callback deliveries on a fixed number of workers, fed through
// a bounded queue: a slow or dead callback target holds at most the
// workers, never the API handlers, and work beyond the queue is refused
// (the caller reports it) instead of piling up.
type Pool struct {
	work chan func()
	wg   sync.WaitGroup

	mu     sync.RWMutex
	closed bool
}

// NewPool starts workers goroutines with a queue of queue jobs.
func NewPool(workers, queue int) *Pool {
	workers, queue = max(workers, 1), max(queue, 0)
	p := &Pool{work: make(chan func(), queue)}
	p.wg.Add(workers)
	for range workers {
		go func() {
			defer p.wg.Done()
			for fn := range p.work {
				fn()
			}
		}()
	}
	return p
}

// Submit queues fn without waiting; false means the queue is full (or the
// pool closed) and fn will not run.
func (p *Pool) Submit(fn func()) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.work <- fn:
		return true
	default:
		return false
	}
}

// Close lets the queued jobs finish and waits for them.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.work)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
