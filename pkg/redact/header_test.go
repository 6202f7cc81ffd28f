package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/record"
)

func TestHeader(t *testing.T) {
	r := New([]byte("k"))
	phone := r.Phone("919812345678")
	tests := []struct {
		name, key, value, want string
	}{
		{"echoed number", "X-Echo", "919812345678", phone},
		{"number with plus in text", "X-Note", "sent by +919812345678 today", "sent by " + phone + " today"},
		{"relative redirect", "Location", "/done?phone=919812345678", "/done?" + r.token("query", "phone=919812345678")},
		{"absolute redirect", "Location", "https://app.example/done?name=Asha#top", r.URL("https://app.example/done?name=Asha#top")},
		{"number in a path", "Content-Location", "/users/919812345678", "/users/" + phone},
		{"credential", "Authorization", "Bearer 919812345678", record.Masked},
		{"cookie", "Set-Cookie", "sid=abc", record.Masked},
		{"short numbers stay", "X-Request-Id", "req-42-abc", "req-42-abc"},
		{"proxy address stays", "X-Forwarded-For", "203.0.113.7", "203.0.113.7"},
		{"structure stays", "Content-Length", "919812345678", "919812345678"},
		{"structure, any case", "user-agent", "Kaleyra/2 919812345678", "Kaleyra/2 919812345678"},
		{"date stays", "Date", "Tue, 01 Dec 2026 21:00:00 GMT", "Tue, 01 Dec 2026 21:00:00 GMT"},
		{"echoed query string", "X-Echo-Query", "name=Asha&from=919812345678&type=text", "name=" + url.QueryEscape(r.Name("Asha")) + "&from=" + url.QueryEscape(phone) + "&type=text"},
		{"structured value is no query", "Link", `</next?page=2>; rel="next"`, `</next?page=2>; rel="next"`},
		{"query string with Kaleyra's JSON", "X-Echo-Query", `message=[{"from":"919812345678"}]&name=Asha`, "message=" + url.QueryEscape(`[{"from":"`+phone+`"}]`) + "&name=" + url.QueryEscape(r.Name("Asha"))},
		{"disposition is no query", "Content-Disposition", `attachment;filename="a.pdf"`, `attachment;filename="a.pdf"`},
		{"e-mail like value is no URL", "X-From", "919812345678@c.us", phone + "@c.us"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := http.Header{tt.key: {tt.value}}
			got := r.Header(in)
			if g := got[tt.key]; len(g) != 1 || g[0] != tt.want {
				t.Errorf("Header(%s: %q) = %q, want %q", tt.key, tt.value, g, tt.want)
			}
			if in[tt.key][0] != tt.value {
				t.Errorf("the header given was changed: %q", in[tt.key])
			}
		})
	}
}

func TestHeaderEveryValueAndNil(t *testing.T) {
	r := New([]byte("k"))
	if r.Header(nil) != nil {
		t.Error("nil header not kept nil")
	}
	got := r.Header(http.Header{"X-Echo": {"919812345678", "919800000001"}, "Content-Type": nil})
	if vs := got["X-Echo"]; len(vs) != 2 || strings.Contains(strings.Join(vs, ","), "9198") {
		t.Errorf("X-Echo = %q, want both values masked", vs)
	}
	if vs, ok := got["Content-Type"]; !ok || vs != nil {
		t.Errorf("Content-Type = %q (present %v), want kept as nil", vs, ok)
	}
}
