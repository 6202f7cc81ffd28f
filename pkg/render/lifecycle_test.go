package render

import (
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

func TestLifecycleSummary(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tr := lifecycle.New(lifecycle.Options{MaxMessages: 3, MaxEntries: 2})
	tr.Observe("fine", "sent", at)
	tr.Observe("fine", "delivered", at)
	tr.Observe("wamid.late", "read", at)
	tr.Observe("wamid.late", "delivered", at)
	tr.Observe("twice", "sent", at)
	tr.Observe("twice", "sent", at)
	tr.Observe("twice", "sent", at)

	tests := []struct {
		name    string
		max     int
		dropped int
		want    string
	}{
		{"all", 10, 0, "Lifecycle: 2 messages with anomalies\n" +
			"  wamid.late  read → delivered  out of order · missing sent\n" +
			"  twice  … → sent → sent  duplicate\n"},
		{"bounded", 1, 4, "Lifecycle: 2 messages with anomalies (4 older timelines dropped past --timelines)\n" +
			"  wamid.late  read → delivered  out of order · missing sent\n" +
			"  … and 1 more\n"},
	}
	for _, tt := range tests {
		got := LifecycleSummary(tr.Anomalies(), tr.Anomalous(), tt.dropped, tt.max)
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if got := LifecycleSummary(nil, 0, 0, 10); got != "" {
		t.Errorf("nothing to say, got %q", got)
	}
	// Dropped timelines' anomalies are still counted.
	if got := LifecycleSummary(nil, 5, 5, 10); !strings.Contains(got, "5 messages with anomalies") || !strings.Contains(got, "… and 5 more") {
		t.Errorf("dropped anomalies: %q", got)
	}
}
