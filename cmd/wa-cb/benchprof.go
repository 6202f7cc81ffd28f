//go:build benchprof

// Built only with -tags benchprof (scripts/bench.d/listen.sh with
// LISTEN_BENCH_PROFILE=1): a CPU profile of the whole process for
// scripts/bench, never part of a release build.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

// WA_CB_CPUPROFILE=FILE writes a CPU profile of the first
// WA_CB_CPUPROFILE_SECONDS (default 10) seconds to FILE.
func init() {
	path := os.Getenv("WA_CB_CPUPROFILE")
	if path == "" {
		return
	}
	d := 10 * time.Second
	if s := os.Getenv("WA_CB_CPUPROFILE_SECONDS"); s != "" {
		if n, err := time.ParseDuration(s + "s"); err == nil {
			d = n
		}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchprof:", err)
		return
	}
	time.AfterFunc(d, func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	})
}
