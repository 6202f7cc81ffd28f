package lifecycle

import (
	"testing"
	"time"
)

// FuzzTracker drives a small tracker with arbitrary operations and checks
// that it never panics and always keeps its bounds and sequence numbers.
// Each input byte pair is one status: the first byte picks the message id,
// the second the status and the time step.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 2})             // sent, delivered, read
	f.Add([]byte{0, 2, 0, 1, 0, 0})             // read, delivered, sent
	f.Add([]byte{1, 1, 1, 1, 1, 3, 1, 4})       // duplicate, failed after delivered, deleted
	f.Add([]byte{0, 6, 1, 7, 2, 6, 3, 5, 4, 0}) // unknown statuses, not-sent, more ids than the limit
	statuses := []string{StatusSent, StatusDelivered, StatusRead, StatusFailed, StatusDeleted, StatusNotSent, "in_orbit", ""}
	f.Fuzz(func(t *testing.T, ops []byte) {
		const maxMsgs, maxEntries = 3, 4
		tr := New(Options{MaxMessages: maxMsgs, MaxEntries: maxEntries})
		at := time.Unix(1700000000, 0)
		for i := 0; i+1 < len(ops); i += 2 {
			id := string(rune('a' + ops[i]%5))
			status := statuses[int(ops[i+1])%len(statuses)]
			at = at.Add(time.Duration(int8(ops[i+1])) * time.Millisecond)
			n := tr.Observe(id, status, at)
			if n.Seq < 1 {
				t.Fatalf("op %d: seq %d", i/2, n.Seq)
			}
			if (n.Seq > 1) != (n.SincePreviousMS != nil) {
				t.Fatalf("op %d: seq %d with since_previous_ms %v", i/2, n.Seq, n.SincePreviousMS)
			}
			tl, ok := tr.Timeline(id)
			if !ok {
				t.Fatalf("op %d: just observed %q is not held", i/2, id)
			}
			if len(tl.Entries) > maxEntries || len(tl.Entries)+tl.Truncated != n.Seq {
				t.Fatalf("op %d: %d entries + %d truncated for seq %d", i/2, len(tl.Entries), tl.Truncated, n.Seq)
			}
			if last := tl.Entries[len(tl.Entries)-1]; last.Status != status || last.Seq != n.Seq {
				t.Fatalf("op %d: last entry %+v, want %s #%d", i/2, last, status, n.Seq)
			}
			if tr.Len() > maxMsgs {
				t.Fatalf("op %d: holds %d timelines", i/2, tr.Len())
			}
		}
		if a := tr.Anomalies(); len(a) > tr.Anomalous() || len(a) > maxMsgs {
			t.Fatalf("%d anomalies listed, %d counted", len(a), tr.Anomalous())
		}
	})
}
