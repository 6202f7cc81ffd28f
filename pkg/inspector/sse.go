package inspector

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// streamBatch is how many exchanges a stream sends before it flushes.
const streamBatch = 256

// streamWriteWait is how long one write to a browser may take; a browser
// that takes longer is dropped (it reconnects and resumes).
const streamWriteWait = 30 * time.Second

// serveStream is the live feed: Server-Sent Events, one "exchange" event
// per exchange (its id is the exchange's seq, its data the list row), a
// "missed" event when exchanges left the ring before this browser got
// them, comments as heartbeats when idle, and "end" when the source
// stops. A reconnecting browser sends Last-Event-ID and resumes there;
// ?after=SEQ does the same for the first connection. A cursor past the
// last exchange is a page of an earlier run: it is sent "reset" and
// everything kept; so is a page that names another run (?run=, the
// Info.Run it was loaded from), whatever its cursor.
func (in *Inspector) serveStream(w http.ResponseWriter, r *http.Request) {
	cursor, ok := streamCursor(r)
	if !ok {
		apiError(w, http.StatusBadRequest, "Last-Event-ID or after: want an exchange number")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 32<<10)
	sub := in.subscribe()
	defer in.unsubscribe(sub)

	flush := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteWait))
		if bw.Flush() != nil {
			return false
		}
		return rc.Flush() == nil
	}
	bw.WriteString("retry: 2000\n\n")
	if run := r.URL.Query().Get("run"); cursor > in.lastSeq() || (run != "" && run != in.run) {
		// A page that was following an earlier run (the listener was
		// restarted on the same address) starts again from the first:
		// the numbers it holds name other exchanges here.
		cursor = 0
		bw.WriteString("event: reset\ndata: {\"run\":")
		bw.Write(mustJSON(in.run))
		bw.WriteString("}\n\n")
	}
	if !flush() {
		return
	}
	beat := time.NewTicker(in.cfg.Heartbeat)
	defer beat.Stop()
	for {
		list, missed := in.after(cursor, streamBatch)
		if missed > 0 {
			bw.WriteString("event: missed\ndata: {\"missed\":")
			bw.WriteString(strconv.FormatUint(missed, 10))
			bw.WriteString(",\"keep\":")
			bw.WriteString(strconv.Itoa(in.cfg.Keep))
			bw.WriteString("}\n\n")
		}
		for _, e := range list {
			bw.WriteString("id: ")
			bw.WriteString(strconv.FormatUint(e.seq, 10))
			bw.WriteString("\nevent: exchange\ndata: ")
			bw.Write(e.summaryJSON())
			bw.WriteString("\n\n")
			cursor = e.seq
		}
		if missed > 0 || len(list) > 0 {
			if !flush() {
				return
			}
			if len(list) == streamBatch {
				continue
			}
		}
		select {
		case <-sub.wake:
		case <-beat.C:
			bw.WriteString(": heartbeat\n\n")
			if !flush() {
				return
			}
		case <-in.closed:
			// Whatever arrived before the end is sent first.
			if rest, _ := in.after(cursor, 1); len(rest) > 0 {
				continue
			}
			bw.WriteString("event: end\ndata: {}\n\n")
			flush()
			return
		case <-r.Context().Done():
			return
		}
	}
}

// streamCursor is the last seq the browser has: Last-Event-ID when it
// reconnects, else ?after, else 0 (everything kept).
func streamCursor(r *http.Request) (uint64, bool) {
	s := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if s == "" {
		s = r.URL.Query().Get("after")
	}
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
