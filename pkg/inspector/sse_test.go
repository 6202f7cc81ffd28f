package inspector

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sseEvent is one event read off a stream ("" name for a comment).
type sseEvent struct {
	name, id, data, comment string
}

type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

func openStream(t *testing.T, url string, header http.Header) (*sseReader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	return &sseReader{t: t, sc: bufio.NewScanner(resp.Body)}, func() { cancel(); resp.Body.Close() }
}

// next reads the next event or comment (skipping the retry advice).
func (r *sseReader) next() sseEvent {
	r.t.Helper()
	var ev sseEvent
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev
			}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
	r.t.Fatalf("stream ended: %v", r.sc.Err())
	return ev
}

func (r *sseReader) nextEvent() sseEvent {
	for {
		if ev := r.next(); ev.name != "" {
			return ev
		}
	}
}

func TestStreamLiveAndResume(t *testing.T) {
	in := New(Config{})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, in)

	s, stop := openStream(t, base+"/api/stream", nil)
	ev := s.nextEvent()
	if ev.name != "exchange" || ev.id != "1" {
		t.Fatalf("first event %+v", ev)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(ev.data), &sum); err != nil || sum.ID != "a" {
		t.Fatalf("data %s: %v", ev.data, err)
	}
	in.Add(Exchange{Record: rec("b", "POST", "/", "", "{}")})
	if ev = s.nextEvent(); ev.id != "2" {
		t.Fatalf("live event %+v", ev)
	}
	stop()

	in.Add(Exchange{Record: rec("c", "POST", "/", "", "{}")})
	// A browser that reconnects says where it was.
	s, stop = openStream(t, base+"/api/stream?after=0", http.Header{"Last-Event-ID": {"2"}})
	if ev = s.nextEvent(); ev.id != "3" {
		t.Fatalf("resumed at %+v, want 3", ev)
	}
	stop()
	s, stop = openStream(t, base+"/api/stream?after=1", nil)
	if ev = s.nextEvent(); ev.id != "2" {
		t.Fatalf("?after=1 starts at %+v", ev)
	}
	stop()
	if code, _ := get(t, base+"/api/stream?after=x"); code != 400 {
		t.Errorf("bad cursor: %d", code)
	}
}

// A page of an earlier run (the listener restarted on its address) is
// told to start again, and gets everything kept.
func TestStreamResetsAPageOfAnotherRun(t *testing.T) {
	in := New(Config{})
	in.Add(Exchange{Record: rec("a", "POST", "/", "", "{}")})
	base := served(t, in)
	s, stop := openStream(t, base+"/api/stream", http.Header{"Last-Event-ID": {"500"}})
	defer stop()
	if ev := s.nextEvent(); ev.name != "reset" {
		t.Fatalf("first event %+v", ev)
	}
	if ev := s.nextEvent(); ev.id != "1" {
		t.Fatalf("then %+v", ev)
	}
	// Up to date is not another run.
	s2, stop2 := openStream(t, base+"/api/stream", http.Header{"Last-Event-ID": {"1"}})
	defer stop2()
	in.Add(Exchange{Record: rec("b", "POST", "/", "", "{}")})
	if ev := s2.nextEvent(); ev.id != "2" {
		t.Fatalf("an up-to-date page got %+v", ev)
	}
}

func TestStreamTellsWhatWasMissed(t *testing.T) {
	in := New(Config{Keep: 3})
	for i := 0; i < 10; i++ {
		in.Add(Exchange{Record: rec("r"+strconv.Itoa(i), "POST", "/", "", "{}")})
	}
	base := served(t, in)
	s, stop := openStream(t, base+"/api/stream", http.Header{"Last-Event-ID": {"2"}})
	defer stop()
	ev := s.nextEvent()
	if ev.name != "missed" || ev.data != `{"missed":5,"keep":3}` {
		t.Fatalf("first event %+v, want 5 missed", ev)
	}
	for _, want := range []string{"8", "9", "10"} {
		if ev = s.nextEvent(); ev.id != want {
			t.Fatalf("got %+v, want %s", ev, want)
		}
	}
}

func TestStreamHeartbeatAndEnd(t *testing.T) {
	in := New(Config{Heartbeat: 5 * time.Millisecond})
	base := served(t, in)
	s, stop := openStream(t, base+"/api/stream", nil)
	defer stop()
	if ev := s.next(); ev.comment != "heartbeat" {
		t.Fatalf("idle stream sent %+v", ev)
	}
	in.Add(Exchange{Record: rec("last", "POST", "/", "", "{}")})
	in.Close()
	if ev := s.nextEvent(); ev.id != "1" {
		t.Fatalf("before the end: %+v", ev)
	}
	if ev := s.nextEvent(); ev.name != "end" {
		t.Fatalf("after Close: %+v", ev)
	}
}

// blockedWriter is a browser that takes nothing until released.
type blockedWriter struct {
	header  http.Header
	release chan struct{}
	started chan struct{}
	out     strings.Builder
	once    bool
}

func (w *blockedWriter) Header() http.Header { return w.header }
func (w *blockedWriter) WriteHeader(int)     {}
func (w *blockedWriter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		close(w.started)
		<-w.release
	}
	return w.out.Write(p)
}
func (w *blockedWriter) Flush() {}

// A browser that stops reading never holds up Add; once it reads again it
// gets every exchange still kept and is told how many it missed.
func TestSlowStreamNeverHoldsUpTheProducer(t *testing.T) {
	in := New(Config{Keep: 10})
	w := &blockedWriter{header: http.Header{}, release: make(chan struct{}), started: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest("GET", "/api/stream", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() { in.serveStream(w, req); close(done) }()
	<-w.started // the stream is stuck in its first write

	added := make(chan struct{})
	go func() {
		for i := 0; i < 500; i++ {
			in.Add(Exchange{Record: rec("r", "POST", "/", "", "{}")})
		}
		close(added)
	}()
	select {
	case <-added:
	case <-time.After(10 * time.Second):
		t.Fatal("Add waited for a stuck browser")
	}
	close(w.release)
	in.Close()
	<-done

	var seen, missed int
	for _, block := range strings.Split(w.out.String(), "\n\n") {
		switch {
		case strings.Contains(block, "event: exchange"):
			seen++
		case strings.Contains(block, "event: missed"):
			var m struct{ Missed int }
			json.Unmarshal([]byte(block[strings.Index(block, "data: ")+6:]), &m)
			missed += m.Missed
		}
	}
	if seen != 10 || seen+missed != 500 {
		t.Fatalf("seen %d + missed %d, want 10 + 490", seen, missed)
	}
}

// A page of another run is reset whatever its cursor: a listener
// restarted on its address (killed, so no "end" reached the page) may
// already hold as many exchanges as the page knew, under other numbers.
func TestStreamResetsAPageThatNamesAnotherRun(t *testing.T) {
	in := New(Config{})
	for _, id := range []string{"a", "b", "c"} {
		in.Add(Exchange{Record: rec(id, "POST", "/", "", "{}")})
	}
	base := served(t, in)
	var info Info
	getJSON(t, base+"/api/info", &info)
	if info.Run == "" {
		t.Fatal("info names no run")
	}
	s, stop := openStream(t, base+"/api/stream?after=2&run=0123456789ab", nil)
	defer stop()
	if ev := s.nextEvent(); ev.name != "reset" || ev.data != `{"run":"`+info.Run+`"}` {
		t.Fatalf("first event %+v", ev)
	}
	if ev := s.nextEvent(); ev.id != "1" {
		t.Fatalf("then %+v, want everything kept", ev)
	}
	// Its own run resumes where it was.
	s2, stop2 := openStream(t, base+"/api/stream?after=2&run="+info.Run, nil)
	defer stop2()
	if ev := s2.nextEvent(); ev.id != "3" {
		t.Fatalf("a page of this run got %+v", ev)
	}
}
