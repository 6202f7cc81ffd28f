package urlcheck

import (
	"strconv"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// AppendJSON appends r as one compact JSON object and a newline: the bytes
// encoding/json's Encoder writes with SetEscapeHTML(false), without its
// reflection cost (validate-url streams millions of results).
func (r *Result) AppendJSON(b []byte) []byte {
	b = append(b, `{"url":`...)
	b = jsonstr.Append(b, r.URL)
	if r.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(r.Line), 10)
	}
	b = append(b, `,"verdict":`...)
	b = jsonstr.Append(b, string(r.Verdict))
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, r.Valid)
	if r.Whitelisted != nil {
		b = append(b, `,"whitelisted":`...)
		b = strconv.AppendBool(b, *r.Whitelisted)
	}
	b = appendField(b, "code", r.Code, true)
	b = appendField(b, "rule", r.Rule, false)
	b = appendField(b, "reason", r.Reason, false)
	b = appendField(b, "host", r.Host, true)
	b = appendField(b, "host_unicode", r.HostUnicode, true)
	b = appendField(b, "port", r.Port, true)
	b = appendField(b, "matched", r.Matched, true)
	b = appendField(b, "ip_class", r.IPClass, true)
	if len(r.Warnings) > 0 {
		b = append(b, `,"warnings":[`...)
		for i, w := range r.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"rule":`...)
			b = jsonstr.Append(b, w.Rule)
			b = append(b, `,"message":`...)
			b = jsonstr.Append(b, w.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}', '\n')
}

func appendField(b []byte, name, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonstr.Append(b, v)
}
