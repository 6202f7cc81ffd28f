package urlcheck

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestScanURLsLongLine(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", 3*MaxLineKeep)
	in := "https://a.example/\n" + long + "\r\nhttps://b.example/\n" + long
	type got struct {
		n         int
		length    int
		truncated bool
		prefix    string
	}
	var lines []got
	err := ScanURLs(strings.NewReader(in), func(s string, n int, truncated bool) error {
		lines = append(lines, got{n, len(s), truncated, s[:min(len(s), 20)]})
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{1, len("https://a.example/"), false, "https://a.example/"},
		{2, MaxLineKeep, true, "https://example.com/"},
		{3, len("https://b.example/"), false, "https://b.example/"},
		{4, MaxLineKeep, true, "https://example.com/"},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v; want %+v", i, lines[i], want[i])
		}
	}
	// A truncated line is still judged: too long.
	if r := New(Options{}).Check(long[:MaxLineKeep]); r.Rule != RuleTooLong {
		t.Errorf("a kept prefix of a long line is %s; want too-long", r.Rule)
	}
}

func TestScanURLsExactlyAtLimit(t *testing.T) {
	line := strings.Repeat("x", MaxLineKeep)
	var got []string
	var cut []bool
	err := ScanURLs(strings.NewReader(line+"\n"+line+"y\n"), func(s string, _ int, truncated bool) error {
		got = append(got, s)
		cut = append(cut, truncated)
		return nil
	}, nil)
	if err != nil || len(got) != 2 || got[0] != line || cut[0] || len(got[1]) != MaxLineKeep || !cut[1] {
		t.Fatalf("err %v, %d lines, truncated %v", err, len(got), cut)
	}
}

func TestScanURLsIdleAndErrors(t *testing.T) {
	idle := 0
	err := ScanURLs(iotest.OneByteReader(strings.NewReader("a\nb\n")), func(string, int, bool) error { return nil }, func() error {
		idle++
		return nil
	})
	if err != nil || idle == 0 {
		t.Fatalf("err %v, idle called %d times", err, idle)
	}
	boom := errors.New("boom")
	if err := ScanURLs(iotest.ErrReader(boom), func(string, int, bool) error { return nil }, nil); !errors.Is(err, boom) {
		t.Errorf("read error = %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err = ScanURLs(strings.NewReader("a\nb\nc\n"), func(string, int, bool) error {
		n++
		return stop
	}, nil)
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d lines", err, n)
	}
	if err := ScanURLs(strings.NewReader("a\n"), func(string, int, bool) error { return nil }, func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("idle error = %v", err)
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	c := New(Options{Whitelist: mustWhitelist(t, "example.com")})
	for _, s := range append(seedURLs, "https://example.com/\u2028", "\xff\x00\"\\<>&", "http://10.0.0.1.nip.io/?id=1") {
		r := c.Check(s)
		r.Line = 7
		checkJSONEqual(t, &r)
	}
}

func TestScanURLsCRLFAcrossBuffer(t *testing.T) {
	line := strings.Repeat("x", MaxLineKeep-1)
	var got []string
	var cut []bool
	err := ScanURLs(strings.NewReader(line+"\r\nnext\r\n"), func(s string, _ int, truncated bool) error {
		got = append(got, s)
		cut = append(cut, truncated)
		return nil
	}, nil)
	if err != nil || len(got) != 2 || got[0] != line || cut[0] || got[1] != "next" {
		t.Fatalf("err %v, lines %d, first len %d, truncated %v, second %q", err, len(got), len(got[0]), cut, got[len(got)-1])
	}
}
