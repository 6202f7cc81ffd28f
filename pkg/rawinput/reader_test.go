package rawinput

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readAll drains a Reader over data, fed a few bytes at a time so that
// reads end mid-line.
func readAll(t testing.TB, data []byte, max int64) ([]Input, error) {
	t.Helper()
	r := NewReader(&fewBytes{data}, max)
	var out []Input
	several := false
	for {
		in, err := r.Next()
		if errors.Is(err, io.EOF) {
			if several != (len(out) > 1) {
				t.Errorf("%q: Several said %v after the first of %d inputs", data, several, len(out))
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(out) == 0 {
			several = r.Several()
		}
		out = append(out, in)
	}
}

// fewBytes gives its data 5 bytes a read at most.
type fewBytes struct{ data []byte }

func (f *fewBytes) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 5)], f.data)
	f.data = f.data[n:]
	return n, nil
}

// readerInputs are inputs of every form Parse knows, logs and not.
var readerInputs = []string{
	`{"a":1}`,
	"\n\n{\n  \"a\": 1,\n  \"b\": 2\n}\n",
	"{\"a\":1}\n\n{\"b\":2}\r\n",
	"{\"a\":1}\n{\"b\":2}\n{\"c\":3}",
	"?id=1&status=sent\n",
	"# status callbacks\nhttps://a.test/cb?id=1&status=sent\n\nhttps://a.test/cb?id=1&status=read\n",
	"hello world\n{\"a\":1}",
	"{\"a\":\n{\"b\":2}",
	"{\"a\":1}\n{\"b\":\n{\"c\":3}\n",
	"[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n",
	"[{\"a\":1}]\n[{\"b\":2}]\n",
	"\xef\xbb\xbf{\"a\":1}\n{\"b\":2}\n",
	"\xff\xfe{\x00\"\x00a\x00\"\x00:\x00\"\x00\xe9\x00\"\x00}\x00\r\x00\n\x00",
	"POST /hook?x=1 HTTP/1.1\nHost: 127.0.0.1:4280\nContent-Length: 7\nContent-Type: application/json\n\n{\"a\":1}",
	"\r\nPOST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"a\":\r\n1}\r\n",
	"POST /a HTTP/1.1\nContent-Length: 2\n\n{}\nGET /b?s=1 HTTP/1.1\nHost: h\n\nGET /c?s=2 HTTP/1.1\nHost: h\n\n",
	"GET /cb?id=1 HTTP/1.1\n\n",
	"GET /a?x=1 HTTP/1.1\n\nGET /b?x=2 HTTP/1.1\n",
	"GET /a?x=1 HTTP/1.1\nGET /b?x=2 HTTP/1.1\nPOST /c?x=3\n",
	"id=1&status=sent\nid=1&status=delivered\n",
	`{"schema":"wa-cb.record/v1","request":{"method":"GET","path":"/cb","query":"id=1&status=sent"}}` + "\n" +
		`{"schema":"wa-cb.record/v1","request":{"method":"POST","path":"/hook","body":"{\"a\":1}"}}` + "\n",
	"just some text",
	" \n\t\n",
	"",
	"# only a comment\n",
}

func TestReaderAgreesWithParse(t *testing.T) {
	for _, in := range readerInputs {
		got, err := readAll(t, []byte(in), 1<<20)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if want := Parse([]byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", in, got, want)
		}
	}
}

// A log's lines come out as they are written, before the input ends.
func TestReaderStreamsLog(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	r := NewReader(pr, 1<<20)
	next := make(chan Input)
	go func() {
		defer close(next)
		for {
			in, err := r.Next()
			if err != nil {
				return
			}
			next <- in
		}
	}()
	want := func(query string, line int) {
		t.Helper()
		select {
		case in := <-next:
			if in.Request.RawQuery != query || in.Line != line {
				t.Fatalf("got line %d ?%s, want line %d ?%s", in.Line, in.Request.RawQuery, line, query)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("line %d did not come before the input ended", line)
		}
	}
	io.WriteString(pw, "?id=1&status=sent\n\n")
	io.WriteString(pw, "?id=1&status=delivered\n")
	want("id=1&status=sent", 1)
	want("id=1&status=delivered", 3)
	io.WriteString(pw, "# a comment\n?id=1&status=read\n")
	want("id=1&status=read", 5)
	pw.Close()
	if in, ok := <-next; ok {
		t.Fatalf("after the end: %+v", in)
	}
}

// Past a log's first lines, a line that is not a callback is an input of
// its own, not the end of the log.
func TestReaderKeepsALogPastABadLine(t *testing.T) {
	got, err := readAll(t, []byte("?id=1&status=sent\n?id=1&status=delivered\nnot a callback\n?id=1&status=read\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var forms []string
	for _, in := range got {
		forms = append(forms, string(in.Form))
	}
	if want := "query query text query"; strings.Join(forms, " ") != want {
		t.Fatalf("forms %q, want %q", strings.Join(forms, " "), want)
	}
	if got[2].Line != 3 || string(got[2].Request.Body) != "not a callback" {
		t.Errorf("the bad line: %+v", got[2])
	}
}

func TestReaderLimit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// n inputs come before the error, which names line (0: none)
		n, line int
	}{
		{"document", "{\n\"a\": \"" + strings.Repeat("x", 100) + "\"}", 0, 0},
		{"long first line", "?c=" + strings.Repeat("x", 100) + "\n", 0, 0},
		{"long line of a log", "?a=1\n?b=2\n?c=" + strings.Repeat("x", 100) + "\n", 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, []byte(tt.in), 64)
			var tl *TooLargeError
			if !errors.As(err, &tl) || len(got) != tt.n || tl.Line != tt.line {
				t.Fatalf("%d inputs, error %v; want %d and line %d too large", len(got), err, tt.n, tt.line)
			}
		})
	}
	// a log longer than the limit, each line under it, is read to its end
	log := strings.Repeat("?id=1&status=sent\n", 100)
	got, err := readAll(t, []byte(log), 64)
	if err != nil || len(got) != 100 {
		t.Fatalf("%d inputs, %v", len(got), err)
	}
}

// FuzzReader: the Reader reads what Parse reads, but where a log holds a
// line that is not a callback.
func FuzzReader(f *testing.F) {
	for _, in := range readerInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readAll(t, data, 1<<20)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		want := Parse(data)
		if reflect.DeepEqual(got, want) {
			return
		}
		for _, line := range bytes.Split(normalize(data), []byte("\n")) {
			if line = bytes.TrimSpace(line); len(line) > 0 && line[0] != '#' && !looksLikeCallback(line) {
				return // Parse made one payload of the log; the Reader kept its lines
			}
		}
		t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
	})
}
