package inspector

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// Secret values are shown as record.Masked, the word recordings use for
// them: the headers record.SecretHeader names (API keys, bearer tokens,
// cookies) and the query parameters callback.IsVerifyToken names (Meta's
// handshake token). An edited replay that still holds the placeholder gets
// the original value back on the server.

// maskHeader returns h with the values of credential headers replaced by
// record.Masked (h itself is not changed).
func maskHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if record.SecretHeader(k) {
			masked := make([]string, len(vs))
			for i := range masked {
				masked[i] = record.Masked
			}
			out[k] = masked
			continue
		}
		out[k] = vs
	}
	return out
}

// maskQuery replaces the values of secret parameters in a raw query,
// leaving every other byte as sent (a parameter without a value has
// nothing to hide).
func maskQuery(raw string) string {
	if raw == "" || !strings.Contains(raw, "verify_token") {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		if k, _, hasValue := strings.Cut(p, "="); hasValue && secretParam(k) {
			parts[i] = k + "=" + url.QueryEscape(record.Masked)
		}
	}
	return strings.Join(parts, "&")
}

// unmaskQuery puts the original values of secret parameters back where
// an edited query still holds the placeholder: the first such
// parameter of a name gets the first original value of that name, and so
// on.
func unmaskQuery(edited, original string) string {
	if !strings.Contains(edited, url.QueryEscape(record.Masked)) && !strings.Contains(edited, record.Masked) {
		return edited
	}
	orig := map[string][]string{}
	for _, p := range strings.Split(original, "&") {
		if k, v, hasValue := strings.Cut(p, "="); hasValue && secretParam(k) {
			name, _ := url.QueryUnescape(k)
			orig[name] = append(orig[name], v)
		}
	}
	parts := strings.Split(edited, "&")
	for i, p := range parts {
		k, v, hasValue := strings.Cut(p, "=")
		if !hasValue || !secretParam(k) {
			continue
		}
		name, _ := url.QueryUnescape(k)
		if uv, err := url.QueryUnescape(v); err == nil && uv == record.Masked && len(orig[name]) > 0 {
			parts[i] = k + "=" + orig[name][0]
			orig[name] = orig[name][1:]
		}
	}
	return strings.Join(parts, "&")
}

// secretParam reports whether a raw parameter name is a secret one.
func secretParam(rawName string) bool {
	name, err := url.QueryUnescape(rawName)
	return err == nil && callback.IsVerifyToken(name)
}

// unmaskHeader puts the original values of credential headers back where
// an edited header still holds the placeholder. One whose original is not
// known (a recording keeps none) is not sent at all.
func unmaskHeader(edited, original http.Header) {
	for k, vs := range edited {
		if !record.SecretHeader(k) {
			continue
		}
		ov := original.Values(k)
		kept := vs[:0]
		for i, v := range vs {
			if v == record.Masked {
				if i >= len(ov) || ov[i] == record.Masked {
					continue
				}
				v = ov[i]
			}
			kept = append(kept, v)
		}
		if len(kept) == 0 {
			delete(edited, k)
		} else {
			edited[k] = kept
		}
	}
}
