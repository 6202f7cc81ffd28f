package mock

import "sync"

// Pool runs callback deliveries on a fixed number of workers, fed through
// a bounded queue: a slow or dead callback target holds at most the
// workers and the queue, never the API handlers. Callbacks that fall due
// while the queue is full wait in the scheduler (Put blocks the
// scheduler's goroutine, not a handler): they go out late, never lost.
type Pool struct {
	work chan func()
	quit chan struct{}
	wg   sync.WaitGroup

	mu      sync.RWMutex
	closed  bool
	putters sync.WaitGroup
}

// NewPool starts workers goroutines with a queue of queue jobs.
func NewPool(workers, queue int) *Pool {
	workers, queue = max(workers, 1), max(queue, 0)
	p := &Pool{work: make(chan func(), queue), quit: make(chan struct{})}
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
func (p *Pool) Submit(fn func()) bool { return p.put(fn, false) }

// Put queues fn, waiting for room; false means the pool was closed first.
// Never call it from a job: the workers would wait on themselves.
func (p *Pool) Put(fn func()) bool { return p.put(fn, true) }

func (p *Pool) put(fn func(), wait bool) bool {
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return false
	}
	p.putters.Add(1)
	p.mu.RUnlock()
	defer p.putters.Done()
	if !wait {
		select {
		case p.work <- fn:
			return true
		default:
			return false
		}
	}
	select {
	case p.work <- fn:
		return true
	case <-p.quit:
		return false
	}
}

// Close refuses new jobs, lets the queued ones finish and waits for them.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.quit)
	p.putters.Wait()
	close(p.work)
	p.wg.Wait()
}
