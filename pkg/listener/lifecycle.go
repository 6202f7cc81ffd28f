package listener

import (
	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// FollowLifecycle passes ev to tr when it is a status of a message with an
// id, and sets its lifecycle note: what the status means for the message's
// story. receivedAt (RFC 3339, may be empty) stands in for a status
// without a timestamp of its own. A nil tr follows nothing.
func FollowLifecycle(tr *lifecycle.Tracker, ev *callback.Event, receivedAt string) {
	if tr != nil && ev.Kind == callback.KindStatus && ev.ID != "" && ev.Status != "" {
		n := tr.Observe(ev.ID, ev.Status, lifecycle.TimeOf(ev.Timestamp, receivedAt))
		ev.Lifecycle = &n
	}
}
