package mock

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock: time moves only when Advance is called, and
// the timers that fall due run then, on the caller's goroutine.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	due     time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, due: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock by d, running every timer due on the way in
// order of due time.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].due.Before(c.timers[j].due) })
		var next *fakeTimer
		for i, t := range c.timers {
			if t.stopped {
				continue
			}
			if !t.due.After(end) {
				next = t
				c.timers = append(c.timers[:i:i], c.timers[i+1:]...)
			}
			break
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		if next.due.After(c.now) {
			c.now = next.due
		}
		next.stopped = true
		c.mu.Unlock()
		next.f()
	}
}

func TestSchedulerRunsJobsInDueOrder(t *testing.T) {
	clk := newFakeClock()
	s := NewScheduler(clk, 0)
	var got []string
	add := func(d time.Duration, name string) {
		if !s.After(d, func() { got = append(got, name) }) {
			t.Fatalf("job %s refused", name)
		}
	}
	add(3*time.Second, "read")
	add(200*time.Millisecond, "sent")
	add(time.Second, "delivered")
	add(time.Second, "delivered-again") // same due time: scheduling order
	clk.Advance(100 * time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("ran early: %v", got)
	}
	clk.Advance(time.Second)
	if want := "sent delivered delivered-again"; strings.Join(got, " ") != want {
		t.Fatalf("after 1.1s: %q, want %q", strings.Join(got, " "), want)
	}
	clk.Advance(2 * time.Second)
	if want := "sent delivered delivered-again read"; strings.Join(got, " ") != want {
		t.Fatalf("after 3.1s: %q", strings.Join(got, " "))
	}
	if s.Len() != 0 {
		t.Errorf("%d pending", s.Len())
	}
}

func TestSchedulerAdvanceRunsSkippedJobs(t *testing.T) {
	clk := newFakeClock()
	s := NewScheduler(clk, 0)
	start := s.Now()
	ran := 0
	s.After(24*time.Hour, func() { ran++ })
	s.After(time.Hour, func() { ran++ })
	s.Advance(25 * time.Hour) // the mock's clock, not the base clock
	if ran != 2 {
		t.Fatalf("ran %d jobs, want 2", ran)
	}
	if got := s.Now().Sub(start); got != 25*time.Hour {
		t.Errorf("mock clock moved %s, want 25h", got)
	}
	if !clk.Now().Equal(start) {
		t.Errorf("the base clock moved")
	}
	// a job scheduled after the advance is relative to the mock's time
	s.After(time.Second, func() { ran++ })
	clk.Advance(999 * time.Millisecond)
	if ran != 2 {
		t.Fatal("ran early")
	}
	clk.Advance(time.Millisecond)
	if ran != 3 {
		t.Fatal("did not run on time")
	}
}

func TestSchedulerBoundsPending(t *testing.T) {
	clk := newFakeClock()
	s := NewScheduler(clk, 2)
	ok1 := s.After(time.Second, func() {})
	ok2 := s.After(time.Second, func() {})
	ok3 := s.After(time.Second, func() {})
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("accepted %v %v %v, want true true false", ok1, ok2, ok3)
	}
	clk.Advance(time.Second)
	if !s.After(time.Second, func() {}) {
		t.Error("room was not given back once jobs ran")
	}
	if n := s.Close(); n != 1 {
		t.Errorf("Close dropped %d, want 1", n)
	}
	if s.After(time.Second, func() {}) {
		t.Error("a closed scheduler took a job")
	}
}

func TestSchedulerJobSchedulesAnother(t *testing.T) {
	clk := newFakeClock()
	s := NewScheduler(clk, 0)
	var got []string
	s.After(time.Second, func() {
		got = append(got, "first")
		s.After(time.Second, func() { got = append(got, "retry") })
	})
	clk.Advance(1500 * time.Millisecond)
	clk.Advance(500 * time.Millisecond)
	if strings.Join(got, " ") != "first retry" {
		t.Fatalf("got %q", strings.Join(got, " "))
	}
}

func TestPoolPutWaitsForRoomAndCloseReleases(t *testing.T) {
	p := NewPool(1, 1)
	block, started := make(chan struct{}), make(chan struct{})
	if !p.Put(func() { close(started); <-block }) {
		t.Fatal("Put refused")
	}
	<-started
	if !p.Submit(func() {}) {
		t.Fatal("the queue had room for one")
	}
	if p.Submit(func() {}) {
		t.Fatal("Submit took a job beyond the queue")
	}
	done := make(chan bool)
	go func() { done <- p.Put(func() {}) }()
	close(block) // the worker moves on; the waiting Put gets room
	if !<-done {
		t.Fatal("Put gave up")
	}
	p.Close()
	if p.Put(func() {}) || p.Submit(func() {}) {
		t.Fatal("a closed pool took a job")
	}

	// a Put waiting on a full queue is released by Close
	q := NewPool(1, 0)
	hold := make(chan struct{})
	running := make(chan struct{})
	q.Put(func() { close(running); <-hold })
	<-running
	waiting := make(chan bool)
	go func() { waiting <- q.Put(func() {}) }()
	go close(hold)
	q.Close()
	<-waiting
}

// Two fires at once (a timer going off while an advance, or an earlier
// timer, still runs its jobs) must not run jobs side by side: a message's
// statuses would race, and delivered could reach the app before sent.
func TestSchedulerRunsOneJobAtATime(t *testing.T) {
	clk := newFakeClock()
	s := NewScheduler(clk, 0)
	release := make(chan struct{})
	started := make(chan struct{})
	var mu sync.Mutex
	var got []string
	s.After(time.Second, func() {
		close(started)
		<-release // a job that waits, as dispatch waits for room in the pool
		mu.Lock()
		got = append(got, "sent")
		mu.Unlock()
	})
	s.After(2*time.Second, func() {
		mu.Lock()
		got = append(got, "delivered")
		mu.Unlock()
	})
	first := make(chan struct{})
	go func() {
		defer close(first)
		s.Advance(3 * time.Second)
	}()
	<-started
	second := make(chan struct{})
	go func() {
		defer close(second)
		s.Advance(time.Second)
	}()
	select {
	case <-second:
	case <-time.After(5 * time.Second):
		t.Fatal("a second advance waited for the first one's jobs")
	}
	mu.Lock()
	if len(got) != 0 {
		t.Errorf("ran beside the waiting job: %v", got)
	}
	mu.Unlock()
	close(release)
	<-first
	if want := "sent delivered"; strings.Join(got, " ") != want {
		t.Errorf("ran %q, want %q", strings.Join(got, " "), want)
	}
}
