package sender

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestNewClient(t *testing.T) {
	tests := []struct {
		name string
		o    ClientOptions
		idle int
	}{
		{"send", ClientOptions{Timeout: 10 * time.Second}, DefaultMaxIdle},
		{"forward", ClientOptions{MaxIdle: 256, DisableCompression: true}, 256},
		{"insecure", ClientOptions{Insecure: true}, DefaultMaxIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.o)
			tr := c.Transport.(*http.Transport)
			if c.Timeout != tt.o.Timeout || tr.Proxy != nil || tr.MaxIdleConns != tt.idle || tr.MaxIdleConnsPerHost != tt.idle || tr.DisableCompression != tt.o.DisableCompression {
				t.Errorf("client %+v, transport idle %d/%d compression off %v", c, tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.DisableCompression)
			}
			insecure := tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify
			if insecure != tt.o.Insecure {
				t.Errorf("insecure %v, want %v", insecure, tt.o.Insecure)
			}
		})
	}
}

func TestNewClientDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := NewClient(ClientOptions{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want the 302 itself", resp.StatusCode)
	}
}

// InsecureClient leaves the client it copies alone.
func TestInsecureClientCopies(t *testing.T) {
	c := NewClient(ClientOptions{})
	ic := InsecureClient(c)
	if tr := c.Transport.(*http.Transport); tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("the original client became insecure")
	}
	if !ic.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify {
		t.Error("the copy is not insecure")
	}
}
