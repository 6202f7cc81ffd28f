package validateurl

import (
	"bufio"
	"context"
	"io"
	"runtime"
	"sync"

	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// A unit of parallel work holds up to batchLines input lines and about
// batchBytes of them (lines are up to 64 KiB), so memory stays bounded
// whatever the input.
const (
	batchLines = 512
	batchBytes = 256 << 10
)

// batch is a run of input lines, judged by one worker and written in input
// order by the writer.
type batch struct {
	lines  []string
	size   int // bytes in lines
	nums   []int
	cut    []bool
	out    []byte           // encoded results
	counts render.URLCounts // this batch's totals
	flush  bool             // flush output after this batch: input went idle
	done   chan struct{}    // closed when out and counts are ready
}

// streamURLs judges every URL of in on all CPUs and writes the results in
// input order. Memory stays bounded: a fixed set of batches circulates
// between reader, workers and writer. A write error stops the reading.
func streamURLs(ctx context.Context, in io.Reader, o *output, check func(string) urlcheck.Result) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	nBatches := 2*workers + 2
	free := make(chan *batch, nBatches)
	for range nBatches {
		free <- &batch{done: make(chan struct{})}
	}
	work := make(chan *batch, nBatches)
	ordered := make(chan *batch, nBatches)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.out = b.out[:0]
				b.counts = render.URLCounts{}
				for i, line := range b.lines {
					r := check(line)
					r.Line, r.Truncated = b.nums[i], b.cut[i]
					b.out = o.encode(b.out, &b.counts, &r)
				}
				close(b.done)
			}
		}()
	}

	writeErr := make(chan error, 1)
	var stopped sync.Once
	stop := make(chan struct{}) // closed on the first write error
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		var failed error
		for b := range ordered {
			<-b.done
			if failed == nil {
				o.add(b.counts)
				_, failed = o.w.Write(b.out)
				if failed == nil && b.flush {
					failed = o.w.Flush()
				}
				if failed != nil {
					writeErr <- failed
					stopped.Do(func() { close(stop) })
				}
			}
			clear(b.lines) // drop the strings for the collector
			b.lines, b.nums, b.cut, b.size = b.lines[:0], b.nums[:0], b.cut[:0], 0
			b.flush = false
			b.done = make(chan struct{})
			free <- b
		}
	}()

	cur := <-free
	dirty := false // a batch went out since the last flush request
	send := func(flush bool) {
		cur.flush = flush
		ordered <- cur
		work <- cur
		cur = <-free
	}
	err := urlcheck.ScanURLs(in, func(line string, n int, truncated bool) error {
		select {
		case <-stop:
			return errStopped
		default:
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		cur.lines = append(cur.lines, line)
		cur.nums = append(cur.nums, n)
		cur.cut = append(cur.cut, truncated)
		cur.size += len(line)
		if len(cur.lines) == batchLines || cur.size >= batchBytes {
			send(false)
			dirty = true
		}
		return nil
	}, func() error {
		// Input would block: let what was read so far reach the output.
		if len(cur.lines) > 0 || dirty {
			send(true)
			dirty = false
		}
		return nil
	})
	if len(cur.lines) > 0 {
		send(false)
	}
	close(work)
	close(ordered)
	wg.Wait()
	<-writerDone
	select {
	case werr := <-writeErr:
		return werr
	default:
	}
	if err == errStopped {
		return nil
	}
	return err
}

type stopError struct{}

func (stopError) Error() string { return "stopped" }

var errStopped error = stopError{}

// output encodes results and keeps the totals.
type output struct {
	w       *bufio.Writer
	json    bool
	quiet   bool
	printer *render.URLPrinter
	counts  render.URLCounts
}

// encode counts r into c and appends its output lines to b.
func (o *output) encode(b []byte, c *render.URLCounts, r *urlcheck.Result) []byte {
	switch r.Verdict {
	case urlcheck.Allowed:
		c.Allowed++
	case urlcheck.NotWhitelisted:
		c.NotWhitelisted++
	default:
		c.Invalid++
	}
	c.Warnings += len(r.Warnings)
	switch {
	case o.quiet:
		return b
	case o.json:
		return r.AppendJSON(b)
	default:
		return o.printer.AppendResult(b, r)
	}
}

// add merges a batch's totals.
func (o *output) add(c render.URLCounts) {
	o.counts.Allowed += c.Allowed
	o.counts.NotWhitelisted += c.NotWhitelisted
	o.counts.Invalid += c.Invalid
	o.counts.Warnings += c.Warnings
}

// result handles one URL given as an argument.
func (o *output) result(r *urlcheck.Result) error {
	// Encode straight into the writer's free space when the line fits.
	b := o.encode(o.w.AvailableBuffer(), &o.counts, r)
	_, err := o.w.Write(b)
	return err
}

func (o *output) failed() bool { return o.counts.NotWhitelisted > 0 || o.counts.Invalid > 0 }
