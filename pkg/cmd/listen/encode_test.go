package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// The events are encoded once: the raw of the JSON stream and of the
// recording are the same bytes, those received (<, >, & and U+2028 as
// they came, the one invalid byte as the U+FFFD decode_error announces),
// and the recording keeps the body itself byte for byte.
func TestListenRawIsByteForByte(t *testing.T) {
	cloud := "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\"," +
		"\"messages\":[{\"from\":\"1\",\"id\":\"w\",\"timestamp\":\"1\",\"type\":\"text\",\"text\":{\"body\":\"<b> & c \u2028 x \xff y\"}}]}}]}]}"
	cloudRaw := "{\"from\":\"1\",\"id\":\"w\",\"timestamp\":\"1\",\"type\":\"text\",\"text\":{\"body\":\"<b> & c \u2028 x \ufffd y\"}}"
	unknown := "{\"note\":\"<b> & c \u2028 \xff\"}"
	tests := []struct {
		name, body, raw string
	}{
		{"cloud message", cloud, cloudRaw},
		{"unknown JSON", unknown, strings.ToValidUTF8(unknown, "\ufffd")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recPath := filepath.Join(t.TempDir(), "rec.ndjson")
			o := parseOptions(t, "--json", "--max-events", "1", "--record", recPath)
			u, out, _, done := runListen(t, context.Background(), o)
			resp, err := http.Post(u, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if err := wait(t, done); err != nil {
				t.Fatal(err)
			}
			var line struct{ Raw json.RawMessage }
			if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &line); err != nil {
				t.Fatalf("stdout %q: %v", out, err)
			}
			f, err := os.Open(recPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rec, recLine, err := record.NewReader(f).Next()
			if err != nil {
				t.Fatal(err)
			}
			if string(line.Raw) != tc.raw {
				t.Errorf("JSON stream raw %q, want %q", line.Raw, tc.raw)
			}
			if len(rec.Events) != 1 || string(rec.Events[0].Raw) != tc.raw {
				t.Errorf("recording raw %q, want %q", rec.Events[0].Raw, tc.raw)
			}
			if string(rec.Request.Body) != tc.body {
				t.Errorf("recorded body %q, want %q", rec.Request.Body, tc.body)
			}
			if bytes.Contains(recLine, []byte(`\u003c`)) || bytes.Contains(recLine, []byte(`\u0026`)) {
				t.Errorf("the recording escapes HTML: %s", recLine)
			}
			// The stream's line is the recording's event, byte for byte.
			if !bytes.Contains(recLine, bytes.TrimSpace(out.Bytes())) {
				t.Errorf("recording %s\ndoes not hold the stream's line %s", recLine, out)
			}
		})
	}
}
