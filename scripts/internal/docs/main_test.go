package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	when := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := generate(dir, "v1.2.3", when); err != nil {
			t.Fatal(err)
		}
	}
	read := func(dir, name string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	listen := read(a, "man/wa-cb-listen.1")
	for _, want := range []string{`wa-cb 1.2.3`, "Jan 2026", `\fB--forward-to\fP`, "wa-cb-listen"} {
		if !strings.Contains(strings.ReplaceAll(listen, "v1.2.3", "1.2.3"), want) {
			t.Errorf("listen man page lacks %q", want)
		}
	}
	// the reference details --help leaves out are in the pages
	if fx := read(a, "man/wa-cb-fixtures.1"); !strings.Contains(fx, "body_text") || !strings.Contains(fx, "_meta") {
		t.Errorf("fixtures man page lacks the file format")
	}
	if vu := read(a, "markdown/wa-cb_validate-url.md"); !strings.Contains(vu, "ends-in-number") {
		t.Errorf("validate-url reference lacks the rule table")
	}
	// a synopsis keeps its <command> (Markdown would drop it as a tag)
	if send := read(a, "man/wa-cb-send.1"); !strings.Contains(send, "<command>") {
		t.Errorf("send man page synopsis lost <command>:\n%s", send)
	}
	if md := read(a, "markdown/wa-cb_listen.md"); !strings.Contains(md, "## wa-cb listen") || !strings.Contains(md, "--forward-to") {
		t.Errorf("listen markdown:\n%s", md)
	}
	for _, c := range []string{"wa-cb.bash", "_wa-cb", "wa-cb.fish", "wa-cb.ps1"} {
		if read(a, "completions/"+c) == "" {
			t.Errorf("completion %s is empty", c)
		}
	}
	// the same commit yields the same files
	for _, sub := range []string{"man", "markdown", "completions"} {
		entries, err := os.ReadDir(filepath.Join(a, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := filepath.Join(sub, e.Name())
			if !bytes.Equal([]byte(read(a, name)), []byte(read(b, name))) {
				t.Errorf("%s differs between two runs", name)
			}
		}
	}
}

func TestPageDate(t *testing.T) {
	if d, err := pageDate("", "1767312000"); err != nil || !d.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("SOURCE_DATE_EPOCH: %v %v", d, err)
	}
	if d, err := pageDate("2026-03-04T05:06:07Z", "1"); err != nil || d.Month() != time.March {
		t.Errorf("-date wins: %v %v", d, err)
	}
	if _, err := pageDate("", "soon"); err == nil {
		t.Error("bad SOURCE_DATE_EPOCH accepted")
	}
}
