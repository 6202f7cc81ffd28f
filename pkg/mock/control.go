package mock

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// control serves /_mock/: loopback clients only, Host checked against the
// addresses the mock serves (against DNS rebinding), cross-origin writes
// refused.
func (m *Mock) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_mock/messages", m.listMessages)
	mux.HandleFunc("GET /_mock/messages/{id}", m.getMessage)
	mux.HandleFunc("POST /_mock/messages/{id}/status", m.forceStatus)
	mux.HandleFunc("POST /_mock/inbound", m.inbound)
	mux.HandleFunc("POST /_mock/reset", m.reset)
	mux.HandleFunc("POST /_mock/clock", m.advanceClock)
	mux.HandleFunc("GET /_mock/clock", m.getClock)
	mux.HandleFunc("GET /_mock/events", m.events)
	mux.HandleFunc("GET /_mock/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, m.Stats()) })
	mux.HandleFunc("/_mock/", func(w http.ResponseWriter, r *http.Request) {
		controlError(w, http.StatusNotFound, "no control endpoint "+r.Method+" "+r.URL.Path+": the control API serves /_mock/messages, /_mock/messages/{id}, /_mock/messages/{id}/status, /_mock/inbound, /_mock/clock, /_mock/reset, /_mock/events and /_mock/stats")
	})
	cop := http.NewCrossOriginProtection()
	guarded := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackClient(r.RemoteAddr) {
			controlError(w, http.StatusForbidden, "the control API answers only this machine")
			return
		}
		if !m.hostAllowed(r.Host) {
			controlError(w, http.StatusMisdirectedRequest, fmt.Sprintf("Host %q is not the mock's address", r.Host))
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func loopbackClient(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostAllowed reports whether host, a request's Host, names the mock.
func (m *Mock) hostAllowed(host string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hosts.Allows(host)
}

func (m *Mock) listMessages(w http.ResponseWriter, r *http.Request) {
	msgs, dropped := m.store.List()
	for i := range msgs {
		m.withTimeline(&msgs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs, "count": len(msgs), "dropped": dropped})
}

func (m *Mock) getMessage(w http.ResponseWriter, r *http.Request) {
	msg, ok := m.store.Get(r.PathValue("id"))
	if !ok {
		controlError(w, http.StatusNotFound, "no message "+strconv.Quote(r.PathValue("id"))+" (it may have been dropped: the mock keeps the latest "+strconv.Itoa(m.cfg.Keep)+")")
		return
	}
	m.withTimeline(&msg)
	writeJSON(w, http.StatusOK, msg)
}

func (m *Mock) withTimeline(msg *Message) {
	if tl, ok := m.life.Load().Timeline(msg.ID); ok {
		msg.Timeline = &tl
	}
}

// decodeControl reads a small JSON request body (an empty body is {}).
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err.Error() != "EOF" {
		controlError(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
		return false
	}
	return true
}

// forceStatus: POST /_mock/messages/{id}/status {"status":"read"} or
// {"status":"failed","code":131026}: the plan still pending is cancelled
// and this status goes out now.
func (m *Mock) forceStatus(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status string `json:"status"`
		Code   int    `json:"code"`
		Title  string `json:"title"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	msg := m.store.lookup(r.PathValue("id"))
	if msg == nil {
		controlError(w, http.StatusNotFound, "no message "+strconv.Quote(r.PathValue("id")))
		return
	}
	s := step{status: strings.ToLower(req.Status), code: req.Code, title: req.Title}
	switch s.status {
	case "sent", "delivered", "read":
		if s.code != 0 {
			controlError(w, http.StatusBadRequest, "code goes with status failed only")
			return
		}
	case "failed":
		if s.code == 0 {
			s.code = 131026
		}
		if s.title == "" {
			s.title = errorTitle(s.code)
		}
	case "not-sent":
		if msg.API == APICloud {
			controlError(w, http.StatusBadRequest, "Cloud has no not-sent status")
			return
		}
	default:
		controlError(w, http.StatusBadRequest, "status must be sent, delivered, read, failed or not-sent")
		return
	}
	if msg.Callback == nil || !msg.Callback.Deliver {
		controlError(w, http.StatusConflict, "message "+msg.ID+" gets no callbacks (see its callback verdict in GET /_mock/messages/"+msg.ID+")")
		return
	}
	var gen int
	m.store.Update(msg, func(mm *Message) {
		mm.gen++
		gen = mm.gen
		mm.Plan = append(mm.Plan, s.status)
	})
	m.later(msg, gen, s, nil, 1)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": msg.ID, "status": s.status})
}

// errorTitle is Meta's title for the error codes the mock uses.
func errorTitle(code int) string {
	switch code {
	case 131026:
		return "Message undeliverable"
	case 131047:
		return "Re-engagement message"
	case 131000:
		return "Something went wrong"
	case 131051:
		return "Unsupported message type"
	}
	return "Error " + strconv.Itoa(code)
}

func (m *Mock) reset(w http.ResponseWriter, r *http.Request) {
	n := m.store.Reset()
	m.media.reset()
	m.life.Store(m.newTracker())
	m.mu.Lock()
	m.failedOnce = map[string]bool{}
	m.lastInbound = map[string]time.Time{}
	m.mu.Unlock()
	m.emit(Record{Kind: KindReset, Count: n})
	writeJSON(w, http.StatusOK, map[string]int{"removed": n})
}

// advanceClock: POST /_mock/clock {"advance":"25h"}: the mock's clock
// moves forward; callbacks due in the skipped time go out now.
func (m *Mock) advanceClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Advance string `json:"advance"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d <= 0 {
		controlError(w, http.StatusBadRequest, `want {"advance":"DURATION"} with a positive duration such as "25h"`)
		return
	}
	m.sched.Advance(d)
	now := m.sched.Now()
	m.emit(Record{Kind: KindClock, AdvanceMS: float64(d.Milliseconds()), Time: now})
	writeJSON(w, http.StatusOK, map[string]any{"now": now.UTC().Format(time.RFC3339Nano), "offset": m.sched.Offset().String()})
}

func (m *Mock) getClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"now": m.sched.Now().UTC().Format(time.RFC3339Nano), "offset": m.sched.Offset().String()})
}

// events streams every Record as server-sent events; a client that falls
// behind is told how many it missed (event: missed).
func (m *Mock) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		controlError(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	sub := m.hub.Subscribe(1024)
	defer sub.Close()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": mock events\n\n")
	fl.Flush()
	rc := http.NewResponseController(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case rec, ok := <-sub.C:
			if !ok {
				return
			}
			if n := sub.Missed(); n > 0 {
				fmt.Fprintf(w, "event: missed\ndata: {\"missed\":%d}\n\n", n)
			}
			b, _ := MarshalLine(rec)
			fmt.Fprintf(w, "event: %s\ndata: %s\n", rec.Kind, b)
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			fl.Flush()
		}
	}
}
