package record

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSecretHeader(t *testing.T) {
	secret := []string{"Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key", "API_KEY",
		"Apikey", "X-Auth-Token", "X-Amz-Security-Token", "X-Session-Id", "X-Client-Secret", "X-Password", "X-Access-Token"}
	public := []string{"Content-Type", "Content-Length", "User-Agent", "X-Hub-Signature-256", "X-Hub-Signature", "Accept-Encoding",
		"X-Forwarded-For", "Cookies-Policy", "Host", ""}
	for _, h := range secret {
		if !SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = false, want true", h)
		}
	}
	for _, h := range public {
		if SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = true, want false", h)
		}
	}
}

// TestMarshalMasksCredentials: a recording never holds a credential
// header's value, of the request or of the app's answer; every other
// header, and the body, stay as received.
func TestMarshalMasksCredentials(t *testing.T) {
	rec := &Record{
		Schema: Schema, RequestID: "r-1", ReceivedAt: time.Unix(0, 0).UTC(),
		Request: Request{Method: "POST", Path: "/", Header: http.Header{
			"Authorization": {"Bearer s3cr3t"}, "Cookie": {"sid=abc", "b=2"}, "X-Api-Key": {"key-9"},
			"X-Hub-Signature-256": {"sha256=00ff"}, "Content-Type": {"application/json"},
		}, Body: []byte(`{"token":"kept: bodies are redacted by --redact"}`)},
		Response: Response{Status: 200},
		Forward:  &Forward{URL: "http://127.0.0.1:3000/", Status: 200, Header: http.Header{"Set-Cookie": {"app=secret-session"}}},
	}
	line, err := Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"s3cr3t", "sid=abc", "b=2", "key-9", "secret-session"} {
		if bytes.Contains(line, []byte(leak)) {
			t.Errorf("recording holds %q: %s", leak, line)
		}
	}
	for _, kept := range []string{`"Authorization":["[redacted]"]`, `"Cookie":["[redacted]","[redacted]"]`, `"X-Hub-Signature-256":["sha256=00ff"]`,
		`"Content-Type":["application/json"]`, `"Set-Cookie":["[redacted]"]`, `kept: bodies are redacted by --redact`} {
		if !strings.Contains(string(line), kept) {
			t.Errorf("recording lacks %s: %s", kept, line)
		}
	}
	if rec.Request.Header.Get("Authorization") != "Bearer s3cr3t" {
		t.Error("Marshal changed the record's own headers")
	}
}

func BenchmarkSecretHeader(b *testing.B) {
	names := []string{"Content-Type", "Content-Length", "User-Agent", "X-Hub-Signature-256", "Accept-Encoding"}
	for b.Loop() {
		for _, n := range names {
			_ = SecretHeader(n)
		}
	}
}

// TestSecretHeaderFindsEveryWord: a credential word is found wherever it
// stands in a name and whatever its ASCII case, as a plain search of the
// lowered name finds it; a non-ASCII look-alike is no match.
func TestSecretHeaderFindsEveryWord(t *testing.T) {
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	scan := func(name string) bool {
		l := lower(name)
		for _, n := range secretHeaderNames {
			if l == n {
				return true
			}
		}
		for _, w := range secretHeaderWords {
			if strings.Contains(l, w) {
				return true
			}
		}
		return false
	}
	names := []string{"", "a", "t", "Au", "Aut", "AUTH", "x-AuTh", "xauth", "auth-x", "Toke", "TOKEN", "apikey", "Api-Ke",
		"api_key", "X-Api_Key-2", "sessio", "X-Sessions", "pass", "Password-Hint", "Cookie", "Cookies", "set-cookie",
		"X-Api-\u212Aey", "\xffauth\xff", "au\u00e9th", "Content-Type", "X-Hub-Signature-256"}
	for _, w := range secretHeaderWords {
		names = append(names, w, strings.ToUpper(w), "X-"+w, w+"-X", w[:len(w)-1], "x"+w[1:])
	}
	for _, name := range names {
		if got, want := SecretHeader(name), scan(name); got != want {
			t.Errorf("SecretHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
