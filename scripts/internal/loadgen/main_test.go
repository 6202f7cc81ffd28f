package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:4280/", true},
		{"http://[::1]:80/x", true},
		{"http://localhost:1/", true},
		{"http://127.8.0.1/", true},
		{"http://example.com/", false},
		{"http://10.0.0.1/", false},
		{"http://0.0.0.0:4280/", false},
		{"not a url", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := checkLoopback(tt.url); (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}
