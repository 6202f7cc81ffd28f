package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// SignatureHeader is the header Meta signs Cloud API callbacks with.
const SignatureHeader = "X-Hub-Signature-256"

const sigPrefix = "sha256="

// Sign returns the X-Hub-Signature-256 value for body:
// "sha256=" + lowercase hex HMAC-SHA256(secret, body).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	var sum [sha256.Size]byte
	out := make([]byte, 0, len(sigPrefix)+2*sha256.Size)
	out = append(out, sigPrefix...)
	return string(hex.AppendEncode(out, mac.Sum(sum[:0])))
}

// VerifySignature reports whether header is a valid "sha256=<hex>"
// signature of body under secret. The hex digest may be upper or lower
// case; the comparison is constant-time.
func VerifySignature(secret string, body []byte, header string) bool {
	header = strings.TrimSpace(header)
	if len(header) < len(sigPrefix) || !strings.EqualFold(header[:len(sigPrefix)], sigPrefix) {
		return false
	}
	digest := header[len(sigPrefix):]
	if len(digest) != 2*sha256.Size {
		return false
	}
	got := make([]byte, sha256.Size)
	if _, err := hex.Decode(got, []byte(digest)); err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// SignatureState checks the X-Hub-Signature-256 header of a request:
// SignatureMissing without the header, else SignatureValid or
// SignatureInvalid.
func SignatureState(secret string, h http.Header, body []byte) string {
	v := h.Get(SignatureHeader)
	if strings.TrimSpace(v) == "" {
		return SignatureMissing
	}
	if VerifySignature(secret, body, v) {
		return SignatureValid
	}
	return SignatureInvalid
}
