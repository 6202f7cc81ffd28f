package render

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

func TestDeliveryPrinter(t *testing.T) {
	ok := sender.Result{Name: "cloud-incoming-text", Method: "POST", URL: "http://127.0.0.1:4280/", Status: 200, StatusText: "OK",
		LatencyMS: 3.25, Sent: 500, Signed: true, Response: "ok\tdone", ResponseBytes: 7, OK: true}
	bad := sender.Result{Method: "GET", URL: "http://127.0.0.1:4280/?id=1", Status: 500, StatusText: "Internal Server Error", LatencyMS: 0.4}
	tests := []struct {
		name       string
		tty, color bool
		json       bool
		want       []string
		notWant    []string
	}{
		{name: "plain", want: []string{
			"cloud-incoming-text\tPOST\thttp://127.0.0.1:4280/\t200\t3.2\tok done\n",
			"-\tGET\thttp://127.0.0.1:4280/?id=1\t500\t0.4\t\n"}},
		{name: "tty no colour", tty: true, want: []string{
			"✓ 200 OK  POST http://127.0.0.1:4280/  3.2ms  cloud-incoming-text  signed  ok\tdone\n",
			"✗ 500 Internal Server Error  GET http://127.0.0.1:4280/?id=1  400µs\n"}, notWant: []string{"\x1b["}},
		{name: "tty colour", tty: true, color: true, want: []string{"\x1b[32m✓\x1b[0m", "\x1b[31;1m500 Internal Server Error"}},
		{name: "json", json: true, want: []string{
			`{"fixture":"cloud-incoming-text","method":"POST","url":"http://127.0.0.1:4280/","status":200,"status_text":"OK","latency_ms":3.25,"bytes_sent":500,"signed":true,"response":"ok\tdone","response_bytes":7,"ok":true}` + "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			if tt.color {
				ios.SetColorMode(iostreams.ColorAlways)
			} else {
				ios.SetColorMode(iostreams.ColorNever)
			}
			p := NewDeliveryPrinter(ios, tt.json)
			if err := p.Print(ok); err != nil {
				t.Fatal(err)
			}
			if err := p.Print(bad); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%q", w, out.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q", w)
				}
			}
			if p.PrintsErrors() != tt.json {
				t.Error("PrintsErrors")
			}
		})
	}
}

func TestDeliveryPrinterConcurrent(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	p := NewDeliveryPrinter(ios, true)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.Print(sender.Result{Method: "POST", URL: "http://x/", Status: 200, OK: true, Response: strings.Repeat("r", 300)})
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("interleaved line: %q", l)
		}
	}
}

func TestFormatLatency(t *testing.T) {
	for ms, want := range map[float64]string{0.25: "250µs", 12.34: "12.3ms", 2500: "2.50s"} {
		if got := formatLatency(ms); got != want {
			t.Errorf("formatLatency(%v) = %q, want %q", ms, got, want)
		}
	}
}
