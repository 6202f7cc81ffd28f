package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

func TestSign(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	mac := hmac.New(sha256.New, []byte("app-secret"))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := Sign("app-secret", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	// Known vector: HMAC-SHA256 with key "key" over the pangram.
	if got := Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("Sign known vector = %s", got)
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"a":"\ud83d\ude2e"}`)
	good := Sign("s3cret", body)
	hexPart := strings.TrimPrefix(good, "sha256=")
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"valid", "s3cret", body, good, true},
		{"upper-case hex", "s3cret", body, "sha256=" + strings.ToUpper(hexPart), true},
		{"upper-case prefix", "s3cret", body, "SHA256=" + hexPart, true},
		{"surrounding space", "s3cret", body, "  " + good + " ", true},
		{"wrong secret", "other", body, good, false},
		{"body changed", "s3cret", []byte(`{"a":"😮"}`), good, false},
		{"no prefix", "s3cret", body, hexPart, false},
		{"sha1 prefix", "s3cret", body, "sha1=" + hexPart, false},
		{"truncated digest", "s3cret", body, good[:len(good)-2], false},
		{"not hex", "s3cret", body, "sha256=" + strings.Repeat("zz", 32), false},
		{"empty", "s3cret", body, "", false},
		{"empty body signed", "s3cret", nil, Sign("s3cret", nil), true},
	}
	for _, tc := range tests {
		if got := VerifySignature(tc.secret, tc.body, tc.header); got != tc.want {
			t.Errorf("%s: VerifySignature = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSignatureState(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account"}`)
	h := http.Header{}
	if got := SignatureState("s", h, body); got != SignatureMissing {
		t.Errorf("no header: %s", got)
	}
	h.Set("X-Hub-Signature-256", " ")
	if got := SignatureState("s", h, body); got != SignatureMissing {
		t.Errorf("blank header: %s", got)
	}
	h.Set("X-Hub-Signature-256", Sign("s", body))
	if got := SignatureState("s", h, body); got != SignatureValid {
		t.Errorf("good header: %s", got)
	}
	h.Set("x-hub-signature-256", Sign("t", body))
	if got := SignatureState("s", h, body); got != SignatureInvalid {
		t.Errorf("bad header: %s", got)
	}
}
