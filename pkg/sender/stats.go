package sender

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// Failure causes of a load run (LoadReport.Failures).
const (
	CauseStatus  = "status"  // an answer with an unexpected status
	CauseTimeout = "timeout" // no answer within the timeout
	CauseRefused = "refused" // the connection was refused
	CauseOther   = "other"   // anything else (reset, DNS, TLS, wrong answer body)
)

// maxOtherReasons bounds how many distinct "other" failure reasons a
// report keeps; the rest are counted under "more reasons".
const maxOtherReasons = 10

// moreReasons is the key counting reasons beyond maxOtherReasons.
const moreReasons = "(more reasons)"

// LoadReport is the summary of a load run: the --json shape of
// `wa-cb send fixture --count N`.
type LoadReport struct {
	Fixtures    []string `json:"fixtures"`
	Target      string   `json:"target,omitempty"`
	Concurrency int      `json:"concurrency"`
	// Rate is the requested pace in deliveries per second (0: unpaced).
	Rate float64 `json:"rate,omitempty"`
	// Count and DurationS are the limits asked for (0: none).
	Count     int     `json:"count,omitempty"`
	DurationS float64 `json:"duration_s,omitempty"`

	Sent      int `json:"sent"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	// Failures counts failed deliveries by cause.
	Failures Failures `json:"failures"`
	// Statuses counts every answer by status code ("200": 990, "500": 10).
	Statuses map[string]int `json:"statuses"`
	// BytesSent is the total of request body bytes.
	BytesSent int64 `json:"bytes_sent"`

	ElapsedS float64 `json:"elapsed_s"`
	// Throughput is successful deliveries per second: 0 when none
	// succeeded, so a run against a target that refused every connection
	// claims none. The one rate a run reports.
	Throughput float64 `json:"throughput_per_s"`
	// Latency is over every delivery that got an answer (whatever its
	// status), computed exactly (at the microsecond it is reported in)
	// from every recorded latency.
	Latency Latency `json:"latency_ms"`

	// StoppedBy says what ended the run: count, duration, interrupt or
	// error.
	StoppedBy string `json:"stopped_by"`
}

// Failures counts failed deliveries by cause.
type Failures struct {
	// Status counts answers whose status was not expected, by code.
	Status  map[string]int `json:"status"`
	Timeout int            `json:"timeout"`
	Refused int            `json:"refused"`
	Other   int            `json:"other"`
	// OtherReasons says what the other failures were (at most ten distinct
	// reasons are kept).
	OtherReasons map[string]int `json:"other_reasons,omitempty"`
}

// StatusFailures is the number of failures by unexpected status.
func (f Failures) StatusFailures() int {
	n := 0
	for _, c := range f.Status {
		n += c
	}
	return n
}

// Latency percentiles in milliseconds. Percentiles are nearest-rank: p99
// is the smallest latency that at least 99% of the deliveries did not
// exceed.
type Latency struct {
	Count int     `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted
// (ascending) values; 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summarize computes the latency summary of ds; it sorts ds in place.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Latency{
		Count: len(ds),
		Min:   msExact(ds[0]),
		Mean:  msExact(sum / time.Duration(len(ds))),
		P50:   msExact(Percentile(ds, 50)),
		P90:   msExact(Percentile(ds, 90)),
		P99:   msExact(Percentile(ds, 99)),
		Max:   msExact(ds[len(ds)-1]),
	}
}

// msExact is d in milliseconds, rounded to the microsecond.
func msExact(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// tally is one worker's counts; workers never share one (except the
// latency histogram, which is safe for concurrent use), the run merges
// them at the end.
type tally struct {
	sent, succeeded       int
	timeout, refused      int
	other                 int
	bytes                 int64
	statuses, badStatuses map[int]int
	reasons               map[string]int
	lat                   *latencyRecorder
	slow                  []time.Duration // latencies beyond the histogram
	latCount              int
	latSum                time.Duration
	latMin, latMax        time.Duration
}

func newTally(lat *latencyRecorder) *tally {
	return &tally{
		statuses:    map[int]int{},
		badStatuses: map[int]int{},
		reasons:     map[string]int{},
		lat:         lat,
	}
}

// fineBuckets is how many microseconds the latency histogram counts one
// by one: latencies up to about a second. Longer ones are kept as they are.
const fineBuckets = 1 << 20

// latencyRecorder counts latencies per microsecond (rounded to the
// nearest), so that a run of any length needs 4 MiB for its latencies and
// its percentiles are still exact at the microsecond they are reported in.
type latencyRecorder struct {
	fine *[fineBuckets]atomic.Uint32
}

func newLatencyRecorder() *latencyRecorder {
	return &latencyRecorder{fine: new([fineBuckets]atomic.Uint32)}
}

// micros rounds d to the nearest microsecond.
func micros(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64((d + 500*time.Nanosecond) / time.Microsecond)
}

func (t *tally) addLatency(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if t.latCount == 0 || d < t.latMin {
		t.latMin = d
	}
	if d > t.latMax {
		t.latMax = d
	}
	t.latCount++
	t.latSum += d
	if us := micros(d); us < fineBuckets {
		t.lat.fine[us].Add(1)
		return
	}
	t.slow = append(t.slow, d)
}

// summarizeRecorded computes the latency summary from the histogram and
// the slow latencies of every tally (all sharing one recorder).
func summarizeRecorded(lat *latencyRecorder, ts []*tally) Latency {
	var n int
	var sum time.Duration
	var lo, hi time.Duration
	var slow []time.Duration
	for _, t := range ts {
		if t.latCount == 0 {
			continue
		}
		if n == 0 || t.latMin < lo {
			lo = t.latMin
		}
		hi = max(hi, t.latMax)
		n += t.latCount
		sum += t.latSum
		slow = append(slow, t.slow...)
	}
	if n == 0 {
		return Latency{}
	}
	slices.Sort(slow)
	fineCount := n - len(slow)
	// The nearest-rank percentiles: walk the histogram in order, then the
	// slow latencies (all longer than anything in the histogram).
	ranks := []float64{50, 90, 99}
	out := make([]float64, len(ranks))
	next := 0
	want := func(i int) int {
		return min(max(int(math.Ceil(ranks[i]/100*float64(n))), 1), n)
	}
	seen := 0
	if lat != nil && fineCount > 0 {
		for us := 0; us < fineBuckets && next < len(ranks); us++ {
			c := int(lat.fine[us].Load())
			if c == 0 {
				continue
			}
			seen += c
			for next < len(ranks) && want(next) <= seen {
				out[next] = float64(us) / 1000
				next++
			}
		}
	}
	for ; next < len(ranks); next++ {
		out[next] = msExact(slow[want(next)-fineCount-1])
	}
	return Latency{
		Count: n,
		Min:   msExact(lo),
		Mean:  msExact(sum / time.Duration(n)),
		P50:   out[0],
		P90:   out[1],
		P99:   out[2],
		Max:   msExact(hi),
	}
}

func (t *tally) add(o outcome) {
	t.sent++
	t.bytes += int64(o.bytes)
	if o.status > 0 {
		t.statuses[o.status]++
		t.addLatency(o.latency)
	}
	switch {
	case o.ok:
		t.succeeded++
	case o.cause == CauseStatus:
		t.badStatuses[o.status]++
	case o.cause == CauseTimeout:
		t.timeout++
	case o.cause == CauseRefused:
		t.refused++
	default:
		t.other++
		addReason(t.reasons, o.reason, 1)
	}
}

func addReason(m map[string]int, reason string, n int) {
	named := len(m)
	if _, ok := m[moreReasons]; ok {
		named--
	}
	if _, ok := m[reason]; ok || named < maxOtherReasons {
		m[reason] += n
		return
	}
	m[moreReasons] += n
}

// merge folds the worker tallies (all recording latencies into lat) into
// a report.
func merge(r *LoadReport, lat *latencyRecorder, ts []*tally) {
	r.Statuses = map[string]int{}
	r.Failures.Status = map[string]int{}
	reasons := map[string]int{}
	for _, t := range ts {
		r.Sent += t.sent
		r.Succeeded += t.succeeded
		r.BytesSent += t.bytes
		r.Failures.Timeout += t.timeout
		r.Failures.Refused += t.refused
		r.Failures.Other += t.other
		for code, c := range t.statuses {
			r.Statuses[strconv.Itoa(code)] += c
		}
		for code, c := range t.badStatuses {
			r.Failures.Status[strconv.Itoa(code)] += c
		}
		// Keep the most frequent reasons when workers saw different ones.
		keys := make([]string, 0, len(t.reasons))
		for k := range t.reasons {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return t.reasons[keys[i]] > t.reasons[keys[j]] || (t.reasons[keys[i]] == t.reasons[keys[j]] && keys[i] < keys[j])
		})
		for _, k := range keys {
			if k == moreReasons {
				reasons[moreReasons] += t.reasons[k]
				continue
			}
			addReason(reasons, k, t.reasons[k])
		}
	}
	r.Failed = r.Sent - r.Succeeded
	if len(reasons) > 0 {
		r.Failures.OtherReasons = reasons
	}
	r.Latency = summarizeRecorded(lat, ts)
}
