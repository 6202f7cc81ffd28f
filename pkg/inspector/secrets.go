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
// leaving every other byte as sent.
func maskQuery(raw string) string {
	if raw == "" || !strings.Contains(raw, "verify_token") {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && secretParams[name] {
			parts[i] = k + "=" + url.QueryEscape(Hidden)
		}
	}
	return strings.Join(parts, "&")
}

// unmaskQuery puts the original values of secret parameters back where
// an edited query still holds the Hidden placeholder.
func unmaskQuery(edited, original string) string {
	if !strings.Contains(edited, url.QueryEscape(Hidden)) && !strings.Contains(edited, Hidden) {
		return edited
	}
	orig := map[string]string{}
	for _, p := range strings.Split(original, "&") {
		k, v, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && secretParams[name] {
			orig[name] = v
		}
	}
	parts := strings.Split(edited, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || !secretParams[name] {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil && uv == Hidden {
			if ov, ok := orig[name]; ok {
				parts[i] = k + "=" + ov
			}
		}
	}
	return strings.Join(parts, "&")
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
