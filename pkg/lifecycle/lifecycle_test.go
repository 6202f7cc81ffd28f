package lifecycle

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ms(n int64) *int64 { return &n }

type obs struct {
	id, status string
	after      time.Duration // after t0; the status's own time
}

func TestObserve(t *testing.T) {
	tests := []struct {
		name string
		in   []obs
		want []Note // one per observation
	}{
		{
			name: "in order",
			in:   []obs{{"m", "sent", 0}, {"m", "delivered", 812 * time.Millisecond}, {"m", "read", 5 * time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(812)},
				{Seq: 3, Previous: "delivered", SincePreviousMS: ms(4188)},
			},
		},
		{
			name: "read before delivered",
			in:   []obs{{"m", "sent", 0}, {"m", "read", 2 * time.Second}, {"m", "delivered", time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(2000), Missing: []string{"delivered"}},
				{Seq: 3, Previous: "read", SincePreviousMS: ms(-1000), Flags: []string{FlagOutOfOrder}},
			},
		},
		{
			name: "read alone misses sent and delivered",
			in:   []obs{{"m", "read", 0}},
			want: []Note{{Seq: 1, Missing: []string{"sent", "delivered"}}},
		},
		{
			name: "delivered twice",
			in:   []obs{{"m", "sent", 0}, {"m", "delivered", time.Second}, {"m", "delivered", time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(1000)},
				{Seq: 3, Previous: "delivered", SincePreviousMS: ms(0), Flags: []string{FlagDuplicate}},
			},
		},
		{
			name: "delivered again after read is both late and a duplicate",
			in:   []obs{{"m", "sent", 0}, {"m", "delivered", 0}, {"m", "read", 0}, {"m", "delivered", 0}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(0)},
				{Seq: 3, Previous: "delivered", SincePreviousMS: ms(0)},
				{Seq: 4, Previous: "read", SincePreviousMS: ms(0), Flags: []string{FlagOutOfOrder, FlagDuplicate}},
			},
		},
		{
			name: "sent after delivered",
			in:   []obs{{"m", "delivered", 0}, {"m", "sent", 0}},
			want: []Note{
				{Seq: 1, Missing: []string{"sent"}},
				{Seq: 2, Previous: "delivered", SincePreviousMS: ms(0), Flags: []string{FlagOutOfOrder}},
			},
		},
		{
			name: "failed after delivered",
			in:   []obs{{"m", "sent", 0}, {"m", "delivered", time.Second}, {"m", "failed", 3 * time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(1000)},
				{Seq: 3, Previous: "delivered", SincePreviousMS: ms(2000), Flags: []string{FlagFailedAfterDelivered}},
			},
		},
		{
			name: "failed after sent is a normal story",
			in:   []obs{{"m", "sent", 0}, {"m", "failed", time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(1000)},
			},
		},
		{
			name: "delivered after failed",
			in:   []obs{{"m", "failed", 0}, {"m", "delivered", time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "failed", SincePreviousMS: ms(1000), Flags: []string{FlagAfterFailure}, Missing: []string{"sent"}},
			},
		},
		{
			name: "not-sent after sent",
			in:   []obs{{"m", "sent", 0}, {"m", "not-sent", time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(1000), Flags: []string{FlagOutOfOrder}},
			},
		},
		{
			name: "deleted after read",
			in:   []obs{{"m", "sent", 0}, {"m", "delivered", 0}, {"m", "read", 0}, {"m", "deleted", time.Minute}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(0)},
				{Seq: 3, Previous: "delivered", SincePreviousMS: ms(0)},
				{Seq: 4, Previous: "read", SincePreviousMS: ms(60000)},
			},
		},
		{
			name: "unknown status is kept and only flagged when repeated",
			in:   []obs{{"m", "in_orbit", 0}, {"m", "sent", time.Second}, {"m", "in_orbit", 2 * time.Second}},
			want: []Note{
				{Seq: 1},
				{Seq: 2, Previous: "in_orbit", SincePreviousMS: ms(1000)},
				{Seq: 3, Previous: "sent", SincePreviousMS: ms(1000), Flags: []string{FlagDuplicate}},
			},
		},
		{
			name: "messages are independent",
			in:   []obs{{"a", "read", 0}, {"b", "sent", 0}, {"a", "delivered", time.Second}, {"b", "delivered", time.Second}},
			want: []Note{
				{Seq: 1, Missing: []string{"sent", "delivered"}},
				{Seq: 1},
				{Seq: 2, Previous: "read", SincePreviousMS: ms(1000), Flags: []string{FlagOutOfOrder}, Missing: []string{"sent"}},
				{Seq: 2, Previous: "sent", SincePreviousMS: ms(1000)},
			},
		},
		{
			name: "empty id is not tracked",
			in:   []obs{{"", "read", 0}, {"", "read", 0}},
			want: []Note{{}, {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Options{})
			for i, o := range tt.in {
				got := tr.Observe(o.id, o.status, t0.Add(o.after))
				if !reflect.DeepEqual(got, tt.want[i]) {
					t.Errorf("observation %d (%s %s):\n got %s\nwant %s", i, o.id, o.status, js(got), js(tt.want[i]))
				}
			}
		})
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestNoteJSON(t *testing.T) {
	tests := []struct {
		note Note
		want string
	}{
		{Note{Seq: 1}, `{"seq":1}`},
		{Note{Seq: 2, Previous: "sent", SincePreviousMS: ms(0)}, `{"seq":2,"previous":"sent","since_previous_ms":0}`},
		{
			Note{Seq: 2, Previous: "sent", SincePreviousMS: ms(812), Flags: []string{FlagOutOfOrder}, Missing: []string{"delivered"}},
			`{"seq":2,"previous":"sent","since_previous_ms":812,"flags":["out_of_order"],"missing":["delivered"]}`,
		},
	}
	for _, tt := range tests {
		if got := js(tt.note); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestZeroTimeIsNow(t *testing.T) {
	now := t0
	tr := New(Options{Now: func() time.Time { return now }})
	tr.Observe("m", "sent", time.Time{})
	now = now.Add(1500 * time.Millisecond)
	n := tr.Observe("m", "delivered", time.Time{})
	if n.SincePreviousMS == nil || *n.SincePreviousMS != 1500 {
		t.Fatalf("since previous: got %v, want 1500", js(n))
	}
	tl, _ := tr.Timeline("m")
	if !tl.Entries[1].At.Equal(now) {
		t.Fatalf("entry time %v, want %v", tl.Entries[1].At, now)
	}
}

func TestTimeline(t *testing.T) {
	tr := New(Options{})
	tr.Observe("m", "read", t0)
	tr.Observe("m", "delivered", t0.Add(time.Second))
	got, ok := tr.Timeline("m")
	if !ok {
		t.Fatal("timeline not held")
	}
	want := Timeline{
		ID: "m",
		Entries: []Entry{
			{Status: "read", At: t0, Note: Note{Seq: 1, Missing: []string{"sent", "delivered"}}},
			{Status: "delivered", At: t0.Add(time.Second), Note: Note{Seq: 2, Previous: "read", SincePreviousMS: ms(1000), Flags: []string{FlagOutOfOrder}, Missing: []string{"sent"}}},
		},
		Flags:   []string{FlagOutOfOrder},
		Missing: []string{"sent"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %s\nwant %s", js(got), js(want))
	}
	if _, ok := tr.Timeline("other"); ok {
		t.Fatal("unknown id reported as held")
	}
	// The copy is the caller's: changing it leaves the tracker alone.
	got.Entries[0].Status = "changed"
	again, _ := tr.Timeline("m")
	if again.Entries[0].Status != "read" {
		t.Fatal("Timeline returned the tracker's own slice")
	}
}

func TestEntriesBounded(t *testing.T) {
	tr := New(Options{MaxEntries: 3})
	for i := range 5 {
		tr.Observe("m", fmt.Sprintf("s%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	tl, _ := tr.Timeline("m")
	if len(tl.Entries) != 3 || tl.Truncated != 2 {
		t.Fatalf("entries %d truncated %d, want 3 and 2", len(tl.Entries), tl.Truncated)
	}
	if tl.Entries[0].Status != "s2" || tl.Entries[2].Seq != 5 {
		t.Fatalf("kept the wrong entries: %s", js(tl.Entries))
	}
	// Known statuses are recognised as duplicates even once their entry is gone.
	tr = New(Options{MaxEntries: 1})
	tr.Observe("m", "sent", t0)
	tr.Observe("m", "in_orbit", t0)
	if n := tr.Observe("m", "sent", t0); !reflect.DeepEqual(n.Flags, []string{FlagDuplicate}) {
		t.Fatalf("flags %v, want duplicate", n.Flags)
	}
}

func TestMessagesBounded(t *testing.T) {
	tr := New(Options{MaxMessages: 2})
	tr.Observe("a", "read", t0) // anomalous: missing steps
	tr.Observe("b", "sent", t0)
	tr.Observe("a", "delivered", t0) // a is now the most recent
	tr.Observe("c", "sent", t0)      // drops b, the least recently updated
	if tr.Len() != 2 || tr.Dropped() != 1 {
		t.Fatalf("len %d dropped %d, want 2 and 1", tr.Len(), tr.Dropped())
	}
	if _, ok := tr.Timeline("b"); ok {
		t.Fatal("b should have been dropped")
	}
	tr.Observe("d", "sent", t0) // drops a
	tr.Observe("e", "sent", t0) // drops c
	if tr.Dropped() != 3 || len(tr.Anomalies()) != 0 || tr.Anomalous() != 1 {
		t.Fatalf("dropped %d anomalies %d anomalous %d, want 3, 0, 1", tr.Dropped(), len(tr.Anomalies()), tr.Anomalous())
	}
	// A message seen again after its timeline was dropped starts afresh.
	if n := tr.Observe("a", "read", t0); n.Seq != 1 {
		t.Fatalf("seq %d, want 1", n.Seq)
	}
}

func TestAnomalies(t *testing.T) {
	tr := New(Options{})
	tr.Observe("fine", "sent", t0)
	tr.Observe("fine", "delivered", t0)
	tr.Observe("twice", "sent", t0)
	tr.Observe("late", "read", t0)
	tr.Observe("twice", "sent", t0)
	tr.Observe("fine", "read", t0)
	var ids []string
	for _, a := range tr.Anomalies() {
		if !a.Anomalous() {
			t.Errorf("%s listed without an anomaly", a.ID)
		}
		ids = append(ids, a.ID)
	}
	if want := []string{"twice", "late"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("anomalies %v, want %v (in first-arrival order)", ids, want)
	}
	if tr.Anomalous() != 2 {
		t.Fatalf("anomalous %d, want 2", tr.Anomalous())
	}
}

func TestTimeOf(t *testing.T) {
	tests := []struct {
		timestamp, received string
		want                time.Time
	}{
		{"2026-03-01T12:00:00Z", "2026-03-01T12:00:05.5Z", t0},
		{"", "2026-03-01T12:00:05.5Z", t0.Add(5500 * time.Millisecond)},
		{"garbage", "2026-03-01T12:00:01Z", t0.Add(time.Second)},
		{"", "", time.Time{}},
	}
	for _, tt := range tests {
		if got := TimeOf(tt.timestamp, tt.received); !got.Equal(tt.want) {
			t.Errorf("TimeOf(%q, %q) = %v, want %v", tt.timestamp, tt.received, got, tt.want)
		}
	}
}

func TestConcurrent(t *testing.T) {
	tr := New(Options{MaxMessages: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("m%d", (g*31+i)%80)
				tr.Observe(id, []string{"sent", "delivered", "read"}[i%3], t0)
				tr.Timeline(id)
				if i%50 == 0 {
					tr.Anomalies()
				}
			}
		})
	}
	wg.Wait()
	if tr.Len() > 50 {
		t.Fatalf("holds %d timelines, limit 50", tr.Len())
	}
}
