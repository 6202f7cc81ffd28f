package urlcheck

import (
	"net/url"
	"testing"
)

var benchURLs = []struct{ name, url string }{
	{"allowed", "https://hooks.example.com/wa/status?tenant=42"},
	{"not-whitelisted", "https://hooks.example.net/wa/status?tenant=42"},
	{"invalid", "https://example.com@evil.net/wa/status"},
	{"idn", "https://bücher.example.com/wa/status"},
	{"ipv4", "https://0x7f.1/wa/status"},
}

// BenchmarkCheck measures one URL through every rule, with a whitelist.
func BenchmarkCheck(b *testing.B) {
	c := New(Options{Whitelist: mustWhitelist(b, "example.com", "example.org", "=api.example.io")})
	for _, bc := range benchURLs {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.Check(bc.url)
			}
		})
	}
}

// BenchmarkCheckJSON adds the NDJSON encoding validate-url --json does.
func BenchmarkCheckJSON(b *testing.B) {
	c := New(Options{Whitelist: mustWhitelist(b, "example.com")})
	var buf []byte
	for _, bc := range benchURLs {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := c.Check(bc.url)
				buf = r.AppendJSON(buf[:0])
			}
		})
	}
}

// BenchmarkURLParse is the baseline: net/url alone on the same inputs.
func BenchmarkURLParse(b *testing.B) {
	for _, bc := range benchURLs {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = url.Parse(bc.url)
			}
		})
	}
}
