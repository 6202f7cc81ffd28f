// Command sseclient is the browser stand-in of scripts/bench.d/ui.sh: it
// follows the web inspector's event stream (GET /api/stream) from the
// start, counts the exchanges it is sent and the ones it is told it missed,
// and when the stream ends (the listener stopped) prints
// {"exchanges":N,"missed":M} on stdout. It writes -ready once connected.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	base := flag.String("url", "", "the inspector's URL")
	ready := flag.String("ready", "", "file to write once the stream is open")
	flag.Parse()
	resp, err := http.Get(strings.TrimSuffix(*base, "/") + "/api/stream")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sseclient:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		fmt.Fprintf(os.Stderr, "sseclient: %s, %s\n", resp.Status, resp.Header.Get("Content-Type"))
		os.Exit(1)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("ok\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "sseclient:", err)
			os.Exit(1)
		}
	}
	var counts struct {
		Exchanges int64 `json:"exchanges"`
		Missed    int64 `json:"missed"`
		Ended     bool  `json:"ended"`
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && event == "missed":
			var m struct{ Missed int64 }
			if err := json.Unmarshal([]byte(line[len("data: "):]), &m); err == nil {
				counts.Missed += m.Missed
			}
		case line == "":
			switch event {
			case "exchange":
				counts.Exchanges++
			case "end":
				counts.Ended = true
			}
			event = ""
		}
		if counts.Ended {
			break
		}
	}
	json.NewEncoder(os.Stdout).Encode(counts)
}
