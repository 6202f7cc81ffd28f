package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

func TestBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		key  string // the JSON key the body is stored under
	}{
		{"json text", []byte(`{"object":"whatsapp_business_account","text":"\u00e9 <b>&"}`), `"body":`},
		{"utf-8 with emoji and U+2028", []byte("caf\u00e9 \U0001F600 \u2028 end"), `"body":`},
		{"invalid utf-8", []byte{0xff, 0xfe, 'a', 0x00, 0x80}, `"body_base64":`},
		{"nul bytes", []byte("a\x00b"), `"body":`},
		{"trailing newline and CRLF", []byte("a=1&b=2\r\n"), `"body":`},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec.ndjson")
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			in := &Record{
				RequestID:  "req_1",
				ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
				Request: Request{Method: "POST", Path: "/cb%2Fx", RawQuery: "a=%20b&c",
					Header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"1", "2"}}, Body: tt.body},
				Events:   []callback.Event{{Schema: callback.Schema, Source: callback.SourceCloud, Kind: callback.KindMessage}},
				Response: Response{Status: 200, LatencyMS: 0.25},
			}
			if err := w.Write(in); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if tt.key != "" && !bytes.Contains(data, []byte(tt.key)) {
				t.Errorf("line %s lacks %s", data, tt.key)
			}
			f, _ := os.Open(path)
			defer f.Close()
			got, raw, err := NewReader(f).Next()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Request.Body, tt.body) {
				t.Errorf("body = %q, want %q", got.Request.Body, tt.body)
			}
			if got.Request.RawQuery != in.Request.RawQuery || got.Request.Path != in.Request.Path {
				t.Errorf("request = %+v", got.Request)
			}
			if got.Request.Header.Values("X-Multi")[1] != "2" {
				t.Errorf("headers = %v", got.Request.Header)
			}
			if got.Schema != Schema || !got.ReceivedAt.Equal(in.ReceivedAt) {
				t.Errorf("record = %+v", got)
			}
			if len(raw) == 0 || raw[len(raw)-1] == '\n' {
				t.Errorf("raw line %q", raw)
			}
		})
	}
}

func TestConcurrentWritesNeverInterleave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := bytes.Repeat([]byte{'x'}, 1000+i)
			if err := w.Write(&Record{RequestID: "r", Request: Request{Method: "POST", Body: body}}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	rd := NewReader(f)
	seen := map[int]bool{}
	for {
		rec, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[len(rec.Request.Body)] = true
	}
	if len(seen) != n {
		t.Fatalf("read %d distinct records, want %d", len(seen), n)
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
		records           int
	}{
		{"blank lines skipped", "\n{\"request\":{\"method\":\"GET\"}}\n\n{\"request\":{\"method\":\"POST\"}}", "", 2},
		{"not json", "{\"request\":{\"method\":\"GET\"}}\nhello\n", "line 2: not a wa-cb recording line", 1},
		{"no method", "{\"events\":[]}\n", "line 1: not a wa-cb recording line: no request method", 0},
		{"bad base64", "{\"request\":{\"method\":\"GET\",\"body_base64\":\"!!\"}}\n", "body_base64", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tt.in))
			n := 0
			var err error
			for {
				_, _, err = rd.Next()
				if err != nil {
					break
				}
				n++
			}
			if n != tt.records {
				t.Errorf("records = %d, want %d", n, tt.records)
			}
			if tt.wantErr == "" {
				if !errors.Is(err, io.EOF) {
					t.Errorf("err = %v, want EOF", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestReaderNamesOtherWaCbFormats(t *testing.T) {
	tests := []struct {
		line        string
		schema      string
		eventStream bool
	}{
		{`{"schema":"wa-cb.event/v1","kind":"message","method":"POST","path":"/"}`, "wa-cb.event/v1", true},
		{`{"schema":"wa-cb.forward/v1","kind":"forward","url":"http://x/"}`, "wa-cb.forward/v1", true},
		{`{"schema":"wa-cb.record/v1","request":{}}`, "", false},
		{`{"hello":"world"}`, "", false},
	}
	for _, tt := range tests {
		_, _, err := NewReader(strings.NewReader(tt.line + "\n")).Next()
		var le *LineError
		if !errors.As(err, &le) {
			t.Fatalf("%s: err %v, want a LineError", tt.line, err)
		}
		if le.Schema != tt.schema || le.IsEventStream() != tt.eventStream {
			t.Errorf("%s: Schema %q IsEventStream %v, want %q %v", tt.line, le.Schema, le.IsEventStream(), tt.schema, tt.eventStream)
		}
	}
}

// After Flush, every record written so far is in the file, whichever
// writers' lines shared a write.
func TestFlushWritesEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := fmt.Sprintf("req-%03d", i)
			if err := w.Write(&Record{RequestID: id, Request: Request{Method: "POST"}}); err != nil {
				t.Error(err)
				return
			}
			if err := w.Flush(); err != nil {
				t.Error(err)
			}
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Contains(b, []byte(`"request_id":"`+id+`"`)) {
				t.Errorf("after Flush, %s is not in the file (%v)", id, err)
			}
		}(i)
	}
	wg.Wait()
}

// A failed write is told once, returned by Flush, by every later Write
// and by Close; nothing more is written.
func TestWriteFailureSticks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var told []error
	w.OnError(func(err error) { told = append(told, err) })
	if err := w.Write(&Record{RequestID: "a", Request: Request{Method: "GET"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w.f.Close() // the disk goes away
	_ = w.Write(&Record{RequestID: "b", Request: Request{Method: "GET"}})
	if err := w.Flush(); err == nil {
		t.Fatal("Flush after a failed write: no error")
	}
	for i := 0; i < 2; i++ {
		if err := w.Write(&Record{RequestID: "c", Request: Request{Method: "GET"}}); err == nil {
			t.Fatalf("write %d after the file failed: no error", i)
		}
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed write: no error")
	}
	if len(told) != 1 {
		t.Errorf("OnError was told %d times (%v), want once", len(told), told)
	}
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), "\n") != 1 {
		t.Errorf("file %q, want the one line written before the failure", b)
	}
}

// Close writes what is pending; a Write after Close fails.
func TestCloseWritesPending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := w.Write(&Record{RequestID: "r", Request: Request{Method: "GET"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Record{RequestID: "late", Request: Request{Method: "GET"}}); err == nil {
		t.Error("Write after Close: no error")
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != 100 {
		t.Errorf("%d lines after Close, want 100", n)
	}
}

// Batches larger than the chunks kept for reuse, of lines longer than a
// chunk, lose nothing: big records from many writers, all read back whole.
func TestBigBatchesLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 300<<10) // a few lines fill maxSpare
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if err := w.Write(&Record{RequestID: fmt.Sprintf("%d-%d", g, i), Request: Request{Method: "POST", Body: body}}); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := NewReader(f)
	seen := map[string]bool{}
	for {
		rec, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Request.Body, body) {
			t.Fatalf("record %s came back with a body of %d bytes", rec.RequestID, len(rec.Request.Body))
		}
		seen[rec.RequestID] = true
	}
	if len(seen) != 160 {
		t.Fatalf("%d records read back, want 160", len(seen))
	}
}

// Pending lines go into chunks of chunkSize, each holding whole lines and
// so written whole; a line that does not fit in one has a chunk of its
// own. Written, the file holds the lines in order.
func TestPendingChunks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sizes  []int // line lengths, without the newline
		chunks int
	}{
		{"one line", []int{10}, 1},
		{"lines filling a chunk", []int{chunkSize/2 - 1, chunkSize/2 - 1}, 1},
		{"one byte too many", []int{chunkSize/2 - 1, chunkSize / 2}, 2},
		{"a line of a chunk exactly", []int{chunkSize - 1}, 1},
		{"a line over a chunk", []int{chunkSize}, 1},
		{"small, huge, small", []int{100, 3 * chunkSize, 100}, 3},
		{"many small", slices.Repeat([]int{2000}, 100), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec.ndjson")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := &Writer{f: f}
			w.changed.L = &w.mu
			var want []byte
			for i, n := range tc.sizes {
				line := bytes.Repeat([]byte{'a' + byte(i%26)}, n)
				w.addLine(line)
				w.added++
				want = append(append(want, line...), '\n')
			}
			if len(w.pending) != tc.chunks {
				t.Errorf("%d chunks, want %d", len(w.pending), tc.chunks)
			}
			for i, chunk := range w.pending {
				if len(chunk) == 0 || chunk[len(chunk)-1] != '\n' {
					t.Errorf("chunk %d does not end a line", i)
				}
			}
			w.writePending()
			if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
				t.Errorf("file of %d bytes, want the %d bytes of the lines in order", len(got), len(want))
			}
			if w.written != uint64(len(tc.sizes)) || len(w.pending) != 0 {
				t.Errorf("written %d, pending %d chunks after the write", w.written, len(w.pending))
			}
			for _, chunk := range w.free {
				if len(chunk) != 0 || cap(chunk) != chunkSize {
					t.Errorf("free chunk of len %d cap %d", len(chunk), cap(chunk))
				}
			}
			f.Close()
		})
	}
}
