package callback

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzVerifySignature: the signature check accepts exactly the signature
// Sign makes (in any letter case, with surrounding space) and nothing else,
// and never panics on what a sender puts in X-Hub-Signature-256.
func FuzzVerifySignature(f *testing.F) {
	body := `{"object":"whatsapp_business_account","entry":[]}`
	f.Add("s3cret", body, Sign("s3cret", []byte(body)))
	f.Add("s3cret", body, "sha256=")
	f.Add("", "", "SHA256="+strings.Repeat("0", 64))
	f.Add("k", "\xff\x00", " sha256=zz"+strings.Repeat("a", 62)+" ")
	f.Add("k", "b", "sha1=abcd")
	f.Add("k", "b", "\u017fha256="+strings.TrimPrefix(Sign("k", []byte("b")), "sha256="))
	f.Fuzz(func(t *testing.T, secret, body, header string) {
		good := Sign(secret, []byte(body))
		if !VerifySignature(secret, []byte(body), good) {
			t.Fatalf("Sign(%q, %q) = %q does not verify", secret, body, good)
		}
		ok := VerifySignature(secret, []byte(body), header)
		if ok != (asciiLower(strings.TrimSpace(header)) == good) {
			t.Fatalf("VerifySignature(%q, %q, %q) = %v; the signature is %s", secret, body, header, ok, good)
		}
		h := http.Header{}
		if header != "" {
			h.Set(SignatureHeader, header)
		}
		state := SignatureState(secret, h, []byte(body))
		switch {
		case strings.TrimSpace(header) == "":
			if state != SignatureMissing {
				t.Fatalf("blank header %q: %s", header, state)
			}
		case ok != (state == SignatureValid) || (!ok && state != SignatureInvalid):
			t.Fatalf("header %q: state %s, verify %v", header, state, ok)
		}
	})
}

// asciiLower lowers A-Z only: "ſha256=" (a long s) is not "sha256=".
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
