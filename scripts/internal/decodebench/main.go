// Command decodebench supports scripts/bench.d/decode.sh.
//
//	decodebench gen N   write N callbacks, one per line (deterministic): Cloud
//	                    texts and statuses, on-premises statuses and Kaleyra
//	                    v1 query strings, each with its own id
//	decodebench parse   the baseline: read lines, decode each generically
//	                    (encoding/json into map[string]any, or url.ParseQuery)
//	                    and write it back as a JSON line
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "gen":
		n, perr := strconv.Atoi(os.Args[2])
		if perr != nil || n < 0 {
			usage()
		}
		err = gen(os.Stdout, n)
	case len(os.Args) == 2 && os.Args[1] == "parse":
		err = parse(os.Stdin, os.Stdout)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "decodebench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: decodebench gen N | parse")
	os.Exit(2)
}

const cloudHead = `{"object":"whatsapp_business_account","entry":[{"id":"5467539754836534","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1122334455667"},`

// gen writes a mix of the formats the decoder reads.
func gen(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("BENCH%08d", i)
		ts := strconv.Itoa(1763980000 + i%86400)
		switch i % 4 {
		case 0:
			fmt.Fprintf(bw, `%s"contacts":[{"profile":{"name":"Bench %d"},"wa_id":"972987654321"}],"messages":[{"from":"972987654321","id":"wamid.%s","timestamp":"%s","text":{"body":"Hello, I would like to know the status of my order %d."},"type":"text"}]},"field":"messages"}]}]}`+"\n", cloudHead, i, id, ts, i)
		case 1:
			fmt.Fprintf(bw, `%s"statuses":[{"id":"wamid.%s","status":"delivered","timestamp":"%s","recipient_id":"16315551181","conversation":{"id":"CONVERSATION_ID","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"service"}}]},"field":"messages"}]}]}`+"\n", cloudHead, id, ts)
		case 2:
			fmt.Fprintf(bw, `{"statuses":[{"id":"gBEGkYiEB1VXAglK1ZE%s","recipient_id":"16315555555","status":"read","timestamp":"%s"}]}`+"\n", id, ts)
		default:
			q := url.Values{"id": {id + ":0"}, "status": {"delivered"}, "phone_number": {"+919812345678"}, "timestamp": {ts}}
			fmt.Fprintf(bw, "?%s\n", q.Encode())
		}
	}
	return bw.Flush()
}

// parse is what a developer could write in a few lines: decode each line
// generically and print it back as JSON.
func parse(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		line := sc.Bytes()
		var v any
		if len(line) > 0 && line[0] == '{' {
			if err := json.Unmarshal(line, &v); err != nil {
				v = map[string]string{"error": err.Error()}
			}
		} else {
			q, err := url.ParseQuery(strings.TrimPrefix(string(line), "?"))
			if err != nil {
				v = map[string]string{"error": err.Error()}
			} else {
				v = q
			}
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}
