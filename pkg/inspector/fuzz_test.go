package inspector

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// FuzzBodyView: any body is shown without a panic, as what it is; pretty
// JSON is the same document, and a broken one is located inside it.
func FuzzBodyView(f *testing.F) {
	f.Add([]byte(`{"a":[1,true,null,"x"]}`), "application/json")
	f.Add([]byte("{\n  \"a\": 1,\n  \"b\" 2\n}"), "")
	f.Add([]byte("a=1&b=two+words&c=%E2%9C%93&d"), "application/x-www-form-urlencoded")
	f.Add([]byte{0xff, 0x00, 'A'}, "application/octet-stream")
	f.Add([]byte(`{"t":"ünï", x}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		v := bodyView(body, ctype)
		if v.Size != len(body) {
			t.Fatalf("size %d of %d bytes", v.Size, len(body))
		}
		switch v.Kind {
		case "empty":
			if len(body) != 0 {
				t.Fatal("a body shown as empty")
			}
		case "binary":
			if utf8.Valid(body) || v.Hex == "" {
				t.Fatal("text shown as binary, or no dump")
			}
		case "json":
			if v.Pretty != "" {
				var a, b bytes.Buffer
				if json.Compact(&a, body) != nil || json.Compact(&b, []byte(v.Pretty)) != nil || a.String() != b.String() {
					t.Fatalf("pretty JSON is another document: %q", v.Pretty)
				}
			} else if e := v.JSONError; e == nil || e.Line < 1 || e.Column < 1 || e.Line > bytes.Count(body, []byte("\n"))+1 || e.Offset > int64(len(body)) {
				t.Fatalf("broken JSON located at %+v", v.JSONError)
			}
		case "form", "text":
			if v.Text != string(body) {
				t.Fatal("text changed")
			}
		default:
			t.Fatalf("kind %q", v.Kind)
		}
	})
}

// FuzzQuerySecrets: masking hides every secret parameter's value, keeps
// every other byte, and an edit that keeps the placeholder gets the value
// back.
func FuzzQuerySecrets(f *testing.F) {
	f.Add("hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42")
	f.Add("hub_verify_token=a%20b&x=1&hub.verify_token=")
	f.Add("hub%2Everify_token=zz&&=&hub.verify_token")
	f.Add("id=1&status=read")
	f.Fuzz(func(t *testing.T, raw string) {
		masked := maskQuery(raw)
		if got := unmaskQuery(masked, raw); got != raw {
			t.Fatalf("unmask(mask(%q)) = %q", raw, got)
		}
		parts, mparts := strings.Split(raw, "&"), strings.Split(masked, "&")
		if len(parts) != len(mparts) {
			t.Fatalf("%q masked to %q", raw, masked)
		}
		for i, p := range parts {
			k, _, hasValue := strings.Cut(p, "=")
			if hasValue && secretParam(k) {
				if mparts[i] != k+"="+url.QueryEscape(record.Masked) {
					t.Fatalf("secret %q masked as %q", p, mparts[i])
				}
			} else if mparts[i] != p {
				t.Fatalf("%q changed to %q", p, mparts[i])
			}
		}
	})
}
