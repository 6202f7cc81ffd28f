package listener

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// BenchmarkRecord measures what listen --record adds per callback: the
// record of an exchange as the listener emits it (a Cloud location
// callback with the headers wrk sends) built by RecordOf and appended by a
// record.Writer, to a file and to /dev/null (the same work without the
// kernel's page cache, whose cost varies with the machine's load).
// cpu-ns/op is the CPU of the whole process per record, the writer's
// goroutine included, which ns/op alone hides when it runs on another
// core.
func BenchmarkRecord(b *testing.B) {
	var got []*Exchange
	h := NewHandler(Config{}, func(ex *Exchange) { got = append(got, ex) })
	r := httptest.NewRequest("POST", "/webhook", bytes.NewReader([]byte(cloudLocation)))
	r.Host = "127.0.0.1:8080"
	r.RemoteAddr = "127.0.0.1:53124"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Length", strconv.Itoa(len(cloudLocation)))
	h.ServeHTTP(httptest.NewRecorder(), r)
	ex := got[0]
	ex.EncodeEvents()

	for _, bc := range []struct{ name, path string }{
		{"file", filepath.Join(b.TempDir(), "rec.ndjson")},
		{"devnull", os.DevNull},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w, err := record.Create(bc.path)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(cloudLocation)))
			cpu0 := processCPU()
			for b.Loop() {
				if err := w.Write(RecordOf(ex)); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
