// Command urlbench supports scripts/bench.d/validate-url.sh.
//
//	urlbench gen N            write N mixed callback URLs, one per line (deterministic)
//	urlbench parse            the baseline: read lines, url.Parse each, write a line per URL
//	urlbench run IN OUT CMD...    run CMD with stdin IN and stdout OUT; print "SECONDS MAXRSS_KIB CPU_SECONDS"
//	urlbench repeat N CMD...  run CMD N times (output discarded); print the mean and best milliseconds
package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		if len(os.Args) != 3 {
			usage()
		}
		n, perr := strconv.Atoi(os.Args[2])
		if perr != nil {
			usage()
		}
		err = gen(os.Stdout, n)
	case "parse":
		err = parse(os.Stdin, os.Stdout)
	case "run":
		if len(os.Args) < 5 {
			usage()
		}
		err = run(os.Args[2], os.Args[3], os.Args[4:])
	case "repeat":
		if len(os.Args) < 4 {
			usage()
		}
		n, perr := strconv.Atoi(os.Args[2])
		if perr != nil || n < 1 {
			usage()
		}
		err = repeat(n, os.Args[3:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "urlbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: urlbench gen N | parse | run IN OUT CMD... | repeat N CMD...")
	os.Exit(2)
}

// gen writes a realistic mix: mostly whitelisted callback URLs, some on
// other domains, some malformed, some internationalised, some IP hosts.
func gen(w io.Writer, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	bw := bufio.NewWriterSize(w, 1<<16)
	paths := []string{"/wa/status", "/callbacks/whatsapp", "/hooks/kaleyra/v1", "/api/v2/wa-callback", "/cb"}
	for i := 0; i < n; i++ {
		p := paths[rng.IntN(len(paths))]
		tenant := rng.IntN(100000)
		var s string
		switch k := rng.IntN(100); {
		case k < 55:
			s = fmt.Sprintf("https://hooks%d.example.com%s?tenant=%d", tenant%50, p, tenant)
		case k < 65:
			s = fmt.Sprintf("https://api.example.org:8443%s", p)
		case k < 75:
			s = fmt.Sprintf("https://cb%d.partner-%d.net%s?ref=%d", tenant%7, tenant%300, p, tenant)
		case k < 80:
			s = fmt.Sprintf("https://bücher-%d.example.com%s", tenant%20, p)
		case k < 84:
			s = fmt.Sprintf("http://10.%d.%d.%d:8080%s", tenant%256, (tenant/256)%256, tenant%200+1, p)
		case k < 88:
			s = fmt.Sprintf("https://example.com@evil-%d.net%s", tenant%10, p)
		case k < 91:
			s = fmt.Sprintf("https://hooks.example.com:%d%s", 65536+tenant%1000, p)
		case k < 94:
			s = fmt.Sprintf("https://hooks.example.com%s?q=%d#frag", p, tenant)
		case k < 97:
			s = fmt.Sprintf("https:hooks.example.com%s", p)
		default:
			s = fmt.Sprintf("https://hooks.example.com%s/a b?x=%d", p, tenant)
		}
		bw.WriteString(s)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// parse is what a plain Go program does with the same input: read a line,
// url.Parse it, write one line: the URL, then its host or the error.
func parse(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	bw := bufio.NewWriterSize(w, 1<<16)
	for sc.Scan() {
		line := sc.Text()
		u, err := url.Parse(line)
		bw.WriteString(line)
		if err != nil {
			bw.WriteString("\terror\t")
			bw.WriteString(err.Error())
		} else {
			bw.WriteString("\tok\t")
			bw.WriteString(u.Host)
		}
		bw.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

func run(in, out string, argv []string) error {
	fin, err := os.Open(in)
	if err != nil {
		return err
	}
	defer fin.Close()
	fout, err := os.Create(out)
	if err != nil {
		return err
	}
	defer fout.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = fin, fout, io.Discard
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !asExit(err, &ee) {
		return err
	}
	rss := int64(0)
	cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	fmt.Printf("%.3f %d %.3f\n", elapsed.Seconds(), rss, cpu)
	return nil
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

func repeat(n int, argv []string) error {
	var total, best time.Duration
	for i := 0; i < n; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			return err
		}
		total += d
		if i == 0 || d < best {
			best = d
		}
	}
	fmt.Printf("%.2f %.2f\n", float64(total.Microseconds())/float64(n)/1000, float64(best.Microseconds())/1000)
	return nil
}
