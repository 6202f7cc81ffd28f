package mock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is the time source of the scheduler. Tests inject a manual clock
// so that no test sleeps.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f on its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	Stop() bool
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Scheduler runs jobs at given times of the mock's clock. The mock's clock
// is the base clock plus an offset that Advance moves forward (POST
// /_mock/clock): advancing it makes every job that falls due in the skipped
// time run at once, as it would have.
//
// The number of pending jobs is bounded: At refuses a job beyond Max, so
// memory stays bounded whatever the traffic.
type Scheduler struct {
	clock Clock
	max   int

	mu      sync.Mutex
	offset  time.Duration
	jobs    jobHeap
	seq     uint64
	timer   Timer
	armedAt time.Time // due time the timer is set for (zero: none)
	firing  bool      // a fire is running jobs
	closed  bool
}

// NewScheduler returns a scheduler on clock holding at most max pending
// jobs (0: no limit).
func NewScheduler(clock Clock, max int) *Scheduler {
	if clock == nil {
		clock = RealClock{}
	}
	return &Scheduler{clock: clock, max: max}
}

// Now is the mock's time: the base clock plus every Advance.
func (s *Scheduler) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Scheduler) now() time.Time { return s.clock.Now().Add(s.offset) }

// Offset is how far Advance has moved the mock's clock.
func (s *Scheduler) Offset() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// After schedules fn to run d from now (mock time). It reports false, and
// drops fn, when Max jobs are already pending or the scheduler is closed.
func (s *Scheduler) After(d time.Duration, fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at(s.now().Add(d), fn)
}

// At schedules fn at the mock time due (see After).
func (s *Scheduler) At(due time.Time, fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at(due, fn)
}

func (s *Scheduler) at(due time.Time, fn func()) bool {
	if s.closed || (s.max > 0 && len(s.jobs) >= s.max) {
		return false
	}
	s.seq++
	heap.Push(&s.jobs, job{due: due, seq: s.seq, fn: fn})
	s.arm()
	return true
}

// Len is the number of pending jobs.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}

// Advance moves the mock's clock forward by d; jobs now due run at once,
// on this goroutine or on a fire already running.
func (s *Scheduler) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
	s.fire()
}

// Close drops every pending job and refuses new ones; it returns how many
// were dropped.
func (s *Scheduler) Close() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.jobs)
	s.jobs = nil
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	return n
}

// arm sets the timer for the earliest job, unless it is already set for
// it. Called with mu held.
func (s *Scheduler) arm() {
	if len(s.jobs) == 0 {
		return
	}
	next := s.jobs[0].due
	if s.timer != nil && !s.armedAt.After(next) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.armedAt = next
	s.timer = s.clock.AfterFunc(max(next.Sub(s.now()), 0), s.fire)
}

// fire runs every due job, in due order (then in the order scheduled), on
// the calling goroutine, and re-arms the timer for the next one. One fire
// runs at a time: a timer set while a fire still runs its jobs (they wait
// for room in the pool under load) would otherwise start a second, and the
// two would run a message's statuses side by side, delivered before sent.
// A fire called meanwhile returns at once; the running one takes its jobs
// too, as it takes every job due until none is.
func (s *Scheduler) fire() {
	s.mu.Lock()
	if s.firing {
		s.mu.Unlock()
		return
	}
	s.firing = true
	for len(s.jobs) > 0 && !s.jobs[0].due.After(s.now()) {
		j := heap.Pop(&s.jobs).(job)
		s.mu.Unlock()
		j.fn()
		s.mu.Lock()
	}
	s.firing = false
	s.timer, s.armedAt = nil, time.Time{}
	s.arm()
	s.mu.Unlock()
}

type job struct {
	due time.Time
	seq uint64
	fn  func()
}

type jobHeap []job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(job)) }
func (h *jobHeap) Pop() any {
	old := *h
	n := len(old)
	j := old[n-1]
	old[n-1] = job{}
	*h = old[:n-1]
	return j
}
