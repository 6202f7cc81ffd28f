package record

import (
	"net/http"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Masked stands, in a recording, for the value of a header that carries a
// credential. Recordings are files people share, attach to bug reports and
// keep: a bearer token, a cookie or an API key must not travel with them.
const Masked = callback.Masked

// secretHeaderNames are credential headers by exact name (lower case).
var secretHeaderNames = []string{"cookie", "set-cookie"}

// secretHeaderWords mark a credential anywhere in a header's name:
// Authorization, Proxy-Authorization, X-Auth-Token, X-Api-Key, Api_Key,
// X-Amz-Security-Token, X-Session-Id, X-Client-Secret, X-Password.
var secretHeaderWords = []string{"auth", "token", "secret", "api-key", "apikey", "api_key", "password", "session"}

// SecretHeader reports whether a header named name carries a credential,
// whatever its case. Signature headers (X-Hub-Signature-256) are no
// secret: they prove a body, and replay needs them.
func SecretHeader(name string) bool {
	for _, n := range secretHeaderNames {
		if len(name) == len(n) && hasFoldAt(name, n, 0) {
			return true
		}
	}
	// One pass over the name, trying at each byte only the words that
	// begin with it: most bytes begin none.
	for i := 0; i < len(name); i++ {
		g := secretWordStarts[name[i]]
		if g == 0 {
			continue
		}
		for _, w := range secretWordGroups[g-1] {
			if i+len(w) <= len(name) && hasFoldAt(name, w, i) {
				return true
			}
		}
	}
	return false
}

// secretWordGroups are secretHeaderWords grouped by their first byte;
// secretWordStarts gives, for a byte of either case, 1 + the index of the
// group of words beginning with it, or 0. A small table: it is looked at
// for every byte of every recorded header name.
var secretWordGroups, secretWordStarts = func() (groups [][]string, starts [256]uint8) {
	for _, w := range secretHeaderWords {
		c := w[0]
		if starts[c] == 0 {
			groups = append(groups, nil)
			starts[c] = uint8(len(groups))
			if 'a' <= c && c <= 'z' {
				starts[c-'a'+'A'] = starts[c]
			}
		}
		groups[starts[c]-1] = append(groups[starts[c]-1], w)
	}
	return groups, starts
}()

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// hasFoldAt reports whether s holds lower, ASCII case-insensitively, at i
// (lower is lower case). No allocation: it runs for every recorded header.
func hasFoldAt(s, lower string, i int) bool {
	for j := 0; j < len(lower); j++ {
		if lowerASCII(s[i+j]) != lower[j] {
			return false
		}
	}
	return true
}

// MaskedHeaders lists the credential headers of h that a recording holds
// masked (every value Masked), by their names in h: what a request read
// back from a recording must not send.
func MaskedHeaders(h http.Header) map[string]bool {
	var out map[string]bool
	for k, vs := range h {
		if len(vs) == 0 || !SecretHeader(k) {
			continue
		}
		masked := true
		for _, v := range vs {
			masked = masked && v == Masked
		}
		if masked {
			if out == nil {
				out = map[string]bool{}
			}
			out[k] = true
		}
	}
	return out
}
