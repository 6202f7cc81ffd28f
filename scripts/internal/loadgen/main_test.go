package main

import (
	"testing"
	"time"
)

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

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var ds []time.Duration
		for _, v := range n {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
		return ds
	}
	tests := []struct {
		in   []time.Duration
		p    int
		want float64
	}{
		{nil, 99, 0},
		{ms(5), 50, 5},
		{ms(4, 1, 3, 2), 50, 2},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%v, %d) = %v, want %v", tt.in, tt.p, got, tt.want)
		}
	}
}
