package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

func sampleLoadReport() *sender.LoadReport {
	return &sender.LoadReport{
		Fixtures:    []string{"cloud-incoming-text", "status-sent"},
		Target:      "http://127.0.0.1:4280/",
		Concurrency: 8,
		Count:       1000,
		Sent:        1000,
		Succeeded:   988,
		Failed:      12,
		Failures: sender.Failures{
			Status:       map[string]int{"500": 8, "503": 1},
			Timeout:      1,
			Other:        2,
			OtherReasons: map[string]int{"the server closed the connection without answering": 2},
		},
		Statuses:   map[string]int{"200": 988, "500": 8, "503": 1},
		ElapsedS:   1.2345,
		Throughput: 800.3,
		Latency:    sender.Latency{Count: 997, Min: 0.31, Mean: 1.4, P50: 1.2, P90: 2.31, P99: 5.1, Max: 1234.5},
		StoppedBy:  sender.StoppedByCount,
	}
}

func TestPrintLoadReport(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		color   bool
		mutate  func(*sender.LoadReport)
		want    string
		has     []string
		notWant []string
	}{
		{name: "plain", want: `fixtures    cloud-incoming-text, status-sent
target      http://127.0.0.1:4280/
sent        1000 in 1.23s, concurrency 8
throughput  800/s succeeded
succeeded   988 (98.8%)
failed      12: 8 × status 500, 1 × status 503, 1 timeout, 2 other
statuses    200 ×988, 500 ×8, 503 ×1
latency     p50 1.2ms  p90 2.3ms  p99 5.1ms  max 1.23s  (min 310µs, mean 1.4ms)
other       the server closed the connection without answering ×2
`},
		{name: "all good, paced, by duration", mutate: func(r *sender.LoadReport) {
			r.Succeeded, r.Failed, r.Failures, r.Statuses = 1000, 0, sender.Failures{}, map[string]int{"204": 1000}
			r.Rate, r.Throughput, r.DurationS, r.StoppedBy = 50, 49.87, 20, sender.StoppedByDuration
		}, has: []string{
			"sent        1000 in 1.23s, concurrency 8, paced at 50.0/s\n", "throughput  49.9/s succeeded\n",
			"succeeded   1000 (100.0%)\n", "failed      0\n", "statuses    204 ×1000\n", "stopped     after 20.00s (--duration)\n"},
			notWant: []string{"other "}},
		{name: "interrupted, nothing answered", mutate: func(r *sender.LoadReport) {
			r.Sent, r.Succeeded, r.Failed, r.Statuses, r.Latency = 3, 0, 3, map[string]int{}, sender.Latency{}
			r.Failures = sender.Failures{Refused: 3}
			r.StoppedBy = sender.StoppedByInterrupt
		}, has: []string{"throughput  none: no delivery succeeded\n", "succeeded   0 (0.0%)\n", "failed      3: 3 refused\n", "stopped     interrupted\n"},
			notWant: []string{"latency", "statuses", "/s"}},
		{name: "tty colour", tty: true, color: true, has: []string{"\x1b[31;1m12\x1b[0;22m: 8 × status 500", "\x1b[32m200\x1b[0m ×988"}},
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
			r := sampleLoadReport()
			if tt.mutate != nil {
				tt.mutate(r)
			}
			if err := PrintLoadReport(ios, r, false); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if tt.want != "" && got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, h := range tt.has {
				if !strings.Contains(got, h) {
					t.Errorf("lacks %q:\n%q", h, got)
				}
			}
			for _, h := range tt.notWant {
				if strings.Contains(got, h) {
					t.Errorf("has %q:\n%s", h, got)
				}
			}
		})
	}
}

func TestPrintLoadReportJSON(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorMode(iostreams.ColorAlways)
	r := sampleLoadReport()
	r.Target = "http://127.0.0.1:4280/?a=1&b=<2>"
	if err := PrintLoadReport(ios, r, true); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") || strings.Contains(got, "\x1b[") || !strings.Contains(got, `b=<2>`) {
		t.Fatalf("not one compact uncoloured line without HTML escapes: %q", got)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatal(err)
	}
	lat := m["latency_ms"].(map[string]any)
	fail := m["failures"].(map[string]any)
	if m["sent"] != 1000.0 || m["failed"] != 12.0 || lat["p99"] != 5.1 || lat["max"] != 1234.5 || fail["timeout"] != 1.0 ||
		fail["status"].(map[string]any)["500"] != 8.0 || m["stopped_by"] != "count" || m["throughput_per_s"] != 800.3 {
		t.Errorf("json = %s", got)
	}
}

func TestLoadProgress(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetColorMode(iostreams.ColorNever)
	lp := NewLoadProgress(ios)
	lp.Update(sender.Progress{Done: 10, Count: 100})
	lp.Clear()
	if lp.Enabled() || errOut.Len() != 0 {
		t.Fatalf("drew without a terminal: %q", errOut.String())
	}

	ios.SetStderrTTY(true)
	lp = NewLoadProgress(ios)
	lp.Clear() // nothing drawn yet: nothing to clear
	if errOut.Len() != 0 {
		t.Fatalf("cleared an empty line: %q", errOut.String())
	}
	lp.Update(sender.Progress{Done: 512, Failed: 2, Count: 1000, Elapsed: 640 * time.Millisecond})
	lp.Update(sender.Progress{Done: 600, Duration: 10 * time.Second, Elapsed: 2 * time.Second})
	lp.Clear()
	want := "\r\x1b[Ksending 512/1000  51%  800/s  2 failed  600ms" +
		"\r\x1b[Ksending 600  300/s  0 failed  2s of 10s" +
		"\r\x1b[K"
	if got := errOut.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
