package listener

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Responder answers accepted requests like the developer's app would, or
// like a failing one: it forwards each request to the app (when Forward
// is set) and relays the app's answer, unless Status overrides it, a
// simulated failure takes its place, or Delay holds it back. Use its
// Respond method as Config.Respond.
type Responder struct {
	// Forward, when set, passes every accepted request on to the app.
	Forward *Forwarder
	// Status, when not 0, answers every request with this status instead of
	// the app's (or the configured) one.
	Status int
	// StatusReason is the Answer.Reason when Status overrides the app's
	// answer, in the command's words (default "status override").
	StatusReason string
	// Delay holds every answer back until this long after the request
	// arrived (forwarding happens meanwhile).
	Delay time.Duration
	// FailEvery answers every Nth accepted request with FailStatus.
	FailEvery int
	// FailEveryReason is the Answer.Reason of those failures, in the
	// command's words (default "simulated failure (every request)", or
	// "(1 in N requests)").
	FailEveryReason string
	// FailRate answers a share of requests (0..1), drawn at random, with
	// FailStatus.
	FailRate float64
	// FailStatus is the simulated failure's status (default 500).
	FailStatus int
	// Seed makes FailRate's draws reproducible (0: a random seed).
	Seed uint64

	n    atomic.Uint64
	once sync.Once
	mu   sync.Mutex
	rng  *rand.Rand
}

// Respond decides the answer to ex and fills ex.Forward.
func (w *Responder) Respond(ctx context.Context, ex *Exchange) Answer {
	w.once.Do(w.init)
	n := w.n.Add(1)
	fail := ""
	if w.FailEvery > 0 && n%uint64(w.FailEvery) == 0 {
		fail = w.FailEveryReason
		switch {
		case fail != "":
		case w.FailEvery == 1:
			fail = "simulated failure (every request)"
		default:
			fail = fmt.Sprintf("simulated failure (1 in %d requests)", w.FailEvery)
		}
	}
	if w.FailRate > 0 {
		w.mu.Lock()
		draw := w.rng.Float64()
		w.mu.Unlock()
		if draw < w.FailRate && fail == "" {
			fail = fmt.Sprintf("simulated failure (rate %g)", w.FailRate)
		}
	}

	var a Answer
	if w.Forward != nil {
		// The app gets the callback even when the caller gives up waiting.
		ex.Forward = w.Forward.Forward(context.WithoutCancel(ctx), ex)
		a = AnswerFrom(ex.Forward)
	}
	switch {
	case fail != "":
		status := w.FailStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		a = Answer{
			Status: status,
			Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			Body:   []byte("wa-cb: " + fail + "\n"),
			Reason: fail,
		}
	case w.Status != 0:
		a = Answer{Status: w.Status}
		if w.Forward != nil {
			a.Reason = w.StatusReason
			if a.Reason == "" {
				a.Reason = "status override"
			}
		}
	}
	if w.Delay > 0 {
		wait := time.Until(ex.ReceivedAt.Add(w.Delay))
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		if a.Reason == "" {
			a.Reason = "delayed " + w.Delay.String()
		} else {
			a.Reason += ", delayed " + w.Delay.String()
		}
	}
	return a
}

func (w *Responder) init() {
	seed := w.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	w.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
