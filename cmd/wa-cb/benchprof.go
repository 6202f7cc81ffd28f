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
// WA_CB_CPUPROFILE_SECONDS (default 10) seconds to FILE;
// WA_CB_ALLOCPROFILE=FILE writes the allocations made in them (the
// "allocs" profile, read with go tool pprof -sample_index=alloc_space).
func init() {
	cpuPath, allocPath := os.Getenv("WA_CB_CPUPROFILE"), os.Getenv("WA_CB_ALLOCPROFILE")
	if cpuPath == "" && allocPath == "" {
		return
	}
	d := 10 * time.Second
	if s := os.Getenv("WA_CB_CPUPROFILE_SECONDS"); s != "" {
		if n, err := time.ParseDuration(s + "s"); err == nil {
			d = n
		}
	}
	var cpu *os.File
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchprof:", err)
			return
		}
		cpu = f
	}
	time.AfterFunc(d, func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if allocPath == "" {
			return
		}
		f, err := os.Create(allocPath)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchprof:", err)
		}
	})
}
