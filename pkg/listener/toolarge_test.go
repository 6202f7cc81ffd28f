package listener

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A sender of a body over the limit sees the 413, as nginx's lingering close
// lets it: the listener reads and discards the rest before it closes,
// instead of closing while the sender still writes (a broken pipe or a
// reset, and no answer).
func TestServerTooLargeAnswerReachesSender(t *testing.T) {
	const size = 16 << 20
	tests := []struct {
		name  string
		head  string
		write func(c net.Conn) error
	}{
		{"content-length", fmt.Sprintf("POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size),
			func(c net.Conn) error { _, err := c.Write(bytes.Repeat([]byte("a"), size)); return err }},
		{"chunked", "POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
			func(c net.Conn) error {
				chunk := bytes.Repeat([]byte("a"), 1<<20)
				for i := 0; i < size>>20; i++ {
					if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
						return err
					}
				}
				_, err := c.Write([]byte("0\r\n\r\n"))
				return err
			}},
		// a sender waiting for 100-continue gets the 413 instead, and sends nothing
		{"expect-100-continue", fmt.Sprintf("POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", size),
			func(net.Conn) error { return nil }},
		// beyond the lingering bound nothing is read: the answer still comes first
		{"declared-beyond-bound", fmt.Sprintf("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", int64(lingerBytes)+1),
			func(net.Conn) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, done := startServer(t, ctx, Config{MaxBody: 1024}, nil)
			c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(srv.URL(), "/"), "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write([]byte(tt.head)); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(c); err != nil {
				t.Fatalf("writing the body: %v (the listener closed before reading it)", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", resp.StatusCode)
			}
			cancel()
			if r := waitResult(t, done); r.stats.TooLarge != 1 {
				t.Errorf("too large: %d, want 1", r.stats.TooLarge)
			}
		})
	}
}
