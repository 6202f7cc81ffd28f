package inspector

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// Hidden stands for a secret value in everything the inspector serves.
// An edited replay that still holds it gets the original value back on
// the server.
const Hidden = "[hidden by wa-cb]"

// secretHeaders carry credentials: API keys, bearer tokens, cookies.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"Api-Key":             true,
	"X-Api-Key":           true,
}

// secretParams are query parameters that hold a secret: Meta's
// handshake token (and the underscore spelling some proxies produce).
var secretParams = map[string]bool{
	"hub.verify_token": true,
	"hub_verify_token": true,
}

// maskHeader returns h with the values of credential headers replaced by
// Hidden (h itself is not changed).
func maskHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if secretHeaders[textproto.CanonicalMIMEHeaderKey(k)] {
			masked := make([]string, len(vs))
			for i := range masked {
				masked[i] = Hidden
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
			parts[i] = k + "=" + url.QueryEscape(Hidden)
		}
	}
	return strings.Join(parts, "&")
}

// unmaskQuery puts the original values of secret parameters back where
// an edited query still holds the Hidden placeholder: the first such
// parameter of a name gets the first original value of that name, and so
// on.
func unmaskQuery(edited, original string) string {
	if !strings.Contains(edited, url.QueryEscape(Hidden)) && !strings.Contains(edited, Hidden) {
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
		if uv, err := url.QueryUnescape(v); err == nil && uv == Hidden && len(orig[name]) > 0 {
			parts[i] = k + "=" + orig[name][0]
			orig[name] = orig[name][1:]
		}
	}
	return strings.Join(parts, "&")
}

// secretParam reports whether a raw parameter name is a secret one.
func secretParam(rawName string) bool {
	name, err := url.QueryUnescape(rawName)
	return err == nil && secretParams[name]
}

// unmaskHeader puts the original values of credential headers back where
// an edited header still holds the Hidden placeholder.
func unmaskHeader(edited, original http.Header) {
	for k, vs := range edited {
		if !secretHeaders[textproto.CanonicalMIMEHeaderKey(k)] {
			continue
		}
		ov := original.Values(k)
		for i, v := range vs {
			if v == Hidden && i < len(ov) {
				vs[i] = ov[i]
			}
		}
	}
}
