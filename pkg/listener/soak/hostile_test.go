package soak

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// hostileMaxBody is the --max-body of the hostile-input listener.
const hostileMaxBody = 1 << 20

// answerBound is how long a normal callback may take to be answered while
// hostile clients are at work: generous, the listener answers in well
// under a millisecond when idle.
const answerBound = 2 * time.Second

// rawRequest writes req on a new connection to addr and reads the answer.
// The request is written while the answer is read, so an early answer (413,
// 431) is seen even when the server stops reading. status is 0 when the
// server closed the connection without answering.
func rawRequest(t *testing.T, addr string, req []byte) (status int, body string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = conn.Write(req) // the server may stop reading: an error here is expected
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		wg.Wait()
		return 0, err.Error()
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	conn.Close()
	wg.Wait()
	return resp.StatusCode, string(b)
}

// post is a raw POST request with a Content-Length.
func post(contentType string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", contentType, len(body))
	b.Write(body)
	return b.Bytes()
}

// get is a raw GET request for target with extra header lines.
func get(target string, headers ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", target)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.Bytes()
}

// chunked is a raw chunked POST of body in 32 KiB chunks.
func chunked(body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
	for len(body) > 0 {
		n := min(len(body), 32<<10)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// jsonOfSize is a valid JSON object of exactly n bytes.
func jsonOfSize(n int) []byte {
	head, tail := `{"object":"whatsapp_business_account","padding":"`, `"}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

const cloudHead = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1"},"messages":[`
const cloudTail = `]}}]}]}`

// cloudMessage is a Cloud API payload holding one message object.
func cloudMessage(msg string) []byte { return []byte(cloudHead + msg + cloudTail) }

// normalCallback sends an ordinary Cloud text callback with a fresh id and
// fails the test unless it is answered 200 within answerBound.
func normalCallback(t *testing.T, client *http.Client, base string, n int) {
	t.Helper()
	body := cloudMessage(`{"from":"15551234567","id":"wamid.NORMAL` + strconv.Itoa(n) + `","timestamp":"1763980000","type":"text","text":{"body":"still there?"}}`)
	start := time.Now()
	resp, err := client.Post(base+"normal", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("normal callback %d: %v", n, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusOK || took > answerBound {
		t.Fatalf("normal callback %d: answered %d after %s (want 200 within %s)", n, resp.StatusCode, took, answerBound)
	}
}

// TestHostileInput sends hostile requests to `wa-cb listen --json --record`
// one after another, each followed by a normal callback, and checks that
// every hostile request gets a sensible answer, that the listener stays up
// and answers the normal callbacks, that every request that reached the
// handler is recorded (with its exact bytes) and that the JSON stream
// stays valid JSON.
func TestHostileInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
	}
	deepArrays := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	deepObjects := cloudMessage(strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000))
	deepUnclosed := []byte(strings.Repeat(`{"a":[`, 50000))
	hugeNumbers := cloudMessage(`{"from":` + strings.Repeat("9", 5000) + `,"id":"wamid.HUGE","timestamp":"` + strings.Repeat("9", 400) +
		`","type":"location","location":{"latitude":1e999999,"longitude":-1e-999999}}`)
	badUTF8 := cloudMessage("{\"from\":\"15551234567\",\"id\":\"wamid.BADUTF8\",\"timestamp\":\"1763980000\",\"type\":\"text\",\"text\":{\"body\":\"\xff\xfe\xc3( \xed\xa0\x80 ok\"}}")
	var manyParams strings.Builder
	manyParams.WriteString("/kaleyra?id=MANY&status=sent")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&manyParams, "&p%d=%d", i, i)
	}
	var manyHeaders []string
	for i := 0; i < 2000; i++ {
		manyHeaders = append(manyHeaders, fmt.Sprintf("X-H%d: %s", i, strings.Repeat("v", 100)))
	}

	cases := []struct {
		name string
		req  []byte
		// want lists the acceptable answers.
		want []int
		// recorded: the request reaches the handler, so it is recorded;
		// exact: with its body byte for byte.
		recorded, exact bool
		body            []byte
		// decodeError: the recorded event says why it could not be decoded.
		decodeError bool
	}{
		{name: "body at the limit", req: post("application/json", jsonOfSize(hostileMaxBody)), want: []int{200}, recorded: true, exact: true, body: jsonOfSize(hostileMaxBody)},
		{name: "body one byte over the limit", req: post("application/json", jsonOfSize(hostileMaxBody+1)), want: []int{413}, recorded: true},
		{name: "chunked body over the limit", req: chunked(jsonOfSize(2 * hostileMaxBody)), want: []int{413}, recorded: true},
		{name: "binary junk", req: post("application/octet-stream", junk), want: []int{200}, recorded: true, exact: true, body: junk, decodeError: true},
		{name: "binary junk said to be JSON", req: post("application/json", append([]byte("{"), junk...)), want: []int{200}, recorded: true, exact: true, body: append([]byte("{"), junk...), decodeError: true},
		{name: "100k nested arrays", req: post("application/json", deepArrays), want: []int{200}, recorded: true, exact: true, body: deepArrays, decodeError: true},
		{name: "100k nested objects in a Cloud message", req: post("application/json", deepObjects), want: []int{200}, recorded: true, exact: true, body: deepObjects},
		{name: "unclosed deep nesting", req: post("application/json", deepUnclosed), want: []int{200}, recorded: true, exact: true, body: deepUnclosed, decodeError: true},
		{name: "huge numbers", req: post("application/json", hugeNumbers), want: []int{200}, recorded: true, exact: true, body: hugeNumbers},
		{name: "invalid UTF-8", req: post("application/json", badUTF8), want: []int{200}, recorded: true, exact: true, body: badUTF8},
		{name: "invalid UTF-8 in a form body", req: post("application/x-www-form-urlencoded", []byte("id=%FF%FE&status=\xff\xfe")), want: []int{200}, recorded: true},
		{name: "5000 query parameters", req: get(manyParams.String()), want: []int{200}, recorded: true},
		{name: "2000 headers", req: get("/kaleyra?id=HEADERS&status=sent", manyHeaders...), want: []int{200}, recorded: true},
		{name: "control bytes in the query", req: get("/kaleyra?id=%00%01%1b[31m&status=%0d%0asent"), want: []int{200}, recorded: true},
		{name: "empty JSON body", req: post("application/json", nil), want: []int{200}, recorded: true},
		{name: "2 MiB header", req: get("/", "X-Big: "+strings.Repeat("b", 2<<20)), want: []int{431}},
		{name: "malformed chunked body", req: []byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n"), want: []int{400}, recorded: true},
		{name: "garbage request line", req: []byte("\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n"), want: []int{400}},
		{name: "HTTP/0.9 style request", req: []byte("GET /\r\n\r\n"), want: []int{400}},
	}

	rec := filepath.Join(t.TempDir(), "hostile.ndjson")
	l := startListen(t, "--json", "--record", rec, "--max-body", strconv.Itoa(hostileMaxBody))
	addr := strings.TrimSuffix(strings.TrimPrefix(l.URL, "http://"), "/")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	wantRecords := 0
	for i, tc := range cases {
		status, answer := rawRequest(t, addr, tc.req)
		ok := false
		for _, w := range tc.want {
			ok = ok || status == w
		}
		if !ok {
			t.Errorf("%s: answered %d (%q), want one of %v", tc.name, status, answer, tc.want)
		}
		normalCallback(t, client, l.URL, i)
		wantRecords++ // the normal callback
		if tc.recorded {
			wantRecords++
		}
	}

	if err := l.stop(t); err != nil {
		t.Fatalf("listen: %v\n%s", err, l.errOut)
	}

	// Every request that reached the handler is recorded; bodies within the
	// limit come back byte for byte.
	recs := readRecording(t, rec)
	if len(recs) < wantRecords {
		t.Errorf("recording holds %d records, want at least %d", len(recs), wantRecords)
	}
	bodies := map[string]*record.Record{}
	tooLarge, unreadable := 0, 0
	for _, r := range recs {
		bodies[string(r.Request.Body)] = r
		if r.Response.Status == http.StatusBadRequest {
			unreadable++
			if r.Error == "" {
				t.Errorf("a 400 record says nothing of why")
			}
		}
		if r.Response.Status == http.StatusRequestEntityTooLarge {
			tooLarge++
			if r.Error == "" {
				t.Errorf("a 413 record says nothing of why")
			}
		}
		if r.Response.Status >= 500 {
			t.Errorf("record %s: answered %d", r.RequestID, r.Response.Status)
		}
	}
	if tooLarge != 2 || unreadable != 1 {
		t.Errorf("%d records answered 413 and %d answered 400, want 2 and 1", tooLarge, unreadable)
	}
	for _, tc := range cases {
		if !tc.exact {
			continue
		}
		r := bodies[string(tc.body)]
		switch {
		case r == nil:
			t.Errorf("%s: the recording does not hold the exact body", tc.name)
		case len(r.Events) == 0:
			t.Errorf("%s: recorded without events", tc.name)
		case tc.decodeError && r.Events[0].DecodeError == "":
			t.Errorf("%s: the event has no decode_error", tc.name)
		}
	}

	// The JSON stream stays one valid JSON object per line, whatever came in.
	events := 0
	for _, line := range strings.Split(strings.TrimSpace(l.out.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("invalid JSON line: %.200q", line)
		}
		events++
	}
	if events < wantRecords {
		t.Errorf("%d event lines for %d recorded requests", events, wantRecords)
	}
	if strings.Contains(l.errOut.String(), "panic") {
		t.Errorf("stderr mentions a panic:\n%s", l.errOut)
	}
}

// TestSlowHeaderClients holds connections open that send their headers a
// byte at a time, and checks that normal callbacks are answered meanwhile
// and that every slow client is cut off by ReadHeaderTimeout.
func TestSlowHeaderClients(t *testing.T) {
	t.Parallel() // mostly waiting for the header timeout
	const slow = 16
	const headerTimeout = 2 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := listener.NewServer(ln, listener.Config{ReadHeaderTimeout: headerTimeout, ShutdownTimeout: time.Second}, io.Discard)
	var mu sync.Mutex
	var seen []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := srv.Run(ctx, func(ex *listener.Exchange, _ bool) {
			mu.Lock()
			seen = append(seen, ex.Events[0].ID)
			mu.Unlock()
		})
		done <- err
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := srv.URL()
	addr := ln.Addr().String()

	// The slow clients: a request line, then a header byte every 20ms,
	// for longer than the header timeout.
	type cut struct {
		after time.Duration
		err   error
	}
	cuts := make(chan cut, slow)
	stopWriting := make(chan struct{})
	for i := 0; i < slow; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		go func() {
			header := []byte("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("s", 1000))
			for _, b := range header {
				select {
				case <-stopWriting:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{b}); err != nil {
					return
				}
			}
		}()
		go func() {
			// The server answers nothing (or 408) and closes the connection.
			_ = conn.SetReadDeadline(time.Now().Add(headerTimeout + 20*time.Second))
			_, err := io.Copy(io.Discard, conn)
			cuts <- cut{after: time.Since(start), err: err}
		}()
	}
	defer close(stopWriting)

	// Meanwhile, normal callbacks are answered at once.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; i < 20; i++ {
		normalCallback(t, client, base, i)
	}

	for i := 0; i < slow; i++ {
		c := <-cuts
		// Closed (EOF) or reset (the server closed with bytes unread): cut.
		if c.err != nil && !errors.Is(c.err, syscall.ECONNRESET) {
			t.Errorf("slow client %d: not cut off by the server: %v", i, c.err)
		} else if c.after > headerTimeout+15*time.Second {
			t.Errorf("slow client %d: cut off only after %s (header timeout %s)", i, c.after, headerTimeout)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range seen {
		if !strings.HasPrefix(id, "wamid.NORMAL") {
			t.Errorf("an exchange from a slow client was emitted: %q", id)
		}
	}
	if len(seen) != 20 {
		t.Errorf("%d exchanges emitted, want the 20 normal callbacks", len(seen))
	}
}

// TestManyIdleConnections opens many connections that never send a byte
// and checks that normal callbacks are still answered.
func TestManyIdleConnections(t *testing.T) {
	l := startListen(t, "--json")
	addr := strings.TrimSuffix(strings.TrimPrefix(l.URL, "http://"), "/")
	for i := 0; i < 200; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; i < 10; i++ {
		normalCallback(t, client, l.URL, i)
	}
	if err := l.stop(t); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if n := strings.Count(l.out.String(), "\n"); n != 10 {
		t.Errorf("%d events, want 10", n)
	}
}

// TestSlowBodyClients holds connections open that send their body a byte
// at a time, and checks that normal callbacks are answered meanwhile and
// that every stalled body is cut off by ReadTimeout and still reported.
func TestSlowBodyClients(t *testing.T) {
	t.Parallel() // mostly waiting for the read timeout
	const slow = 8
	const readTimeout = 2 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := listener.NewServer(ln, listener.Config{ReadTimeout: readTimeout, ShutdownTimeout: time.Second}, io.Discard)
	var mu sync.Mutex
	var normal, stalled int
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := srv.Run(ctx, func(ex *listener.Exchange, _ bool) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ex.Path == "/slow-body" && ex.ReadError != "" && ex.Answer.Status == http.StatusBadRequest:
				stalled++
			case ex.Path == "/normal" && ex.Answer.Status == http.StatusOK:
				normal++
			default:
				t.Errorf("unexpected exchange %s %s: answered %d, read error %q", ex.Method, ex.Path, ex.Answer.Status, ex.ReadError)
			}
		})
		done <- err
	}()
	base := srv.URL()

	cuts := make(chan error, slow)
	stopWriting := make(chan struct{})
	for i := 0; i < slow; i++ {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		head := "POST /slow-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				select {
				case <-stopWriting:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := io.WriteString(conn, " "); err != nil {
					return
				}
			}
		}()
		go func() {
			_ = conn.SetReadDeadline(time.Now().Add(readTimeout + 20*time.Second))
			_, err := io.Copy(io.Discard, conn)
			cuts <- err
		}()
	}

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; i < 20; i++ {
		normalCallback(t, client, base, i)
	}
	for i := 0; i < slow; i++ {
		if err := <-cuts; err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("slow body %d: not cut off by the server: %v", i, err)
		}
	}
	close(stopWriting)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if normal != 20 || stalled != slow {
		t.Errorf("%d normal and %d stalled exchanges reported, want 20 and %d", normal, stalled, slow)
	}
}
