package urlcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The checker's promise: for every URL it calls valid, the mainstream
// parsers read the same host it reports. This test holds it to that against
// the real parsers on this machine, Node's WHATWG URL (what browsers and
// Node clients use) and Python's urllib.parse, over every URL of the
// package's tests and fuzz corpus. Each is skipped when not installed.

// nodeHosts prints, for each URL of a JSON array on stdin, the hostname of
// new URL(url), or null when it does not parse.
const nodeHosts = `
const urls = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(urls.map(u => { try { return new URL(u).hostname; } catch (e) { return null; } })));
`

// pythonHosts does the same with urllib.parse.urlsplit. A host Python's
// socket layer reads as IPv4 (inet_aton: 0x7f.1, 2130706433) is given
// dotted, the address a Python client connects to; an IPv6 one in
// brackets and compressed, as the checker reports it.
const pythonHosts = `
import ipaddress, json, socket, sys, urllib.parse
def host(u):
    try:
        h = urllib.parse.urlsplit(u).hostname
    except ValueError:
        return None
    if h is None:
        return None
    if ':' in h:
        try:
            return '[' + ipaddress.IPv6Address(h).compressed + ']'
        except ValueError:
            return h
    try:
        return socket.inet_ntoa(socket.inet_aton(h))
    except OSError:
        return h
print(json.dumps([host(u) for u in json.load(sys.stdin)]))
`

func TestDifferentialParsersAgreeOnValidHosts(t *testing.T) {
	urls, want := validCorpus(t)
	if len(urls) < 100 {
		t.Fatalf("only %d valid URLs in the corpus: it was not read", len(urls))
	}
	t.Logf("%d URLs the checker calls valid, from the tests and fuzz seeds", len(urls))
	parsers := []struct {
		name, bin string
		args      []string
		// unicode: the parser keeps a host's labels as written, A-labels or
		// U-labels (urllib; its clients encode them when they connect).
		unicode bool
	}{
		{"node (WHATWG URL)", "node", []string{"-e", nodeHosts}, false},
		{"python3 (urllib.parse)", "python3", []string{"-c", pythonHosts}, true},
	}
	input, err := json.Marshal(urls)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parsers {
		t.Run(p.bin, func(t *testing.T) {
			bin, err := exec.LookPath(p.bin)
			if err != nil {
				t.Skipf("%s is not installed: no comparison with %s", p.bin, p.name)
			}
			cmd := exec.Command(bin, p.args...)
			cmd.Stdin = bytes.NewReader(input)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", p.name, err, stderr.String())
			}
			var got []*string
			if err := json.Unmarshal(out, &got); err != nil || len(got) != len(urls) {
				t.Fatalf("%s printed %d hosts for %d URLs (%v)", p.name, len(got), len(urls), err)
			}
			for i, u := range urls {
				switch r := want[i]; {
				case got[i] == nil:
					t.Errorf("%s cannot parse %q, which wa-cb calls %s (host %q)", p.name, u, r.Verdict, r.Host)
				case !sameHost(*got[i], r, p.unicode):
					t.Errorf("%s reads host %q in %q; wa-cb reports %q (%s)", p.name, *got[i], u, r.Host, r.Verdict)
				}
			}
		})
	}
}

// sameHost reports whether a parser's host is the one wa-cb reports, as a
// client reaches it: an IPv6 literal is one address however written
// (::ffff:7f00:1 is ::ffff:127.0.0.1), and a domain with its trailing dot
// is the same DNS name (wa-cb reports it without, as the rules say).
func sameHost(got string, r Result, unicode bool) bool {
	if strings.HasPrefix(got, "[") || strings.HasPrefix(r.Host, "[") {
		a, errA := netip.ParseAddr(strings.Trim(got, "[]"))
		b, errB := netip.ParseAddr(strings.Trim(r.Host, "[]"))
		return errA == nil && errB == nil && a == b
	}
	got = strings.TrimSuffix(got, ".")
	return got == r.Host || (unicode && r.HostUnicode != "" && got == r.HostUnicode)
}

// validCorpus gathers every URL the package's tests and fuzz seeds hold,
// and returns those the checker calls valid with their results.
func validCorpus(t *testing.T) ([]string, []Result) {
	t.Helper()
	seen := map[string]bool{}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(s, "://") {
					seen[s] = true
				}
			}
			return true
		})
	}
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range seeds {
		for _, s := range fuzzStrings(t, name) {
			if strings.Contains(s, "://") {
				seen[s] = true
			}
		}
	}
	var urls []string
	for s := range seen {
		urls = append(urls, s)
	}
	sort.Strings(urls)
	c := New(Options{})
	var valid []string
	var results []Result
	for _, u := range urls {
		if r := c.Check(u); r.Valid {
			valid = append(valid, u)
			results = append(results, r)
		}
	}
	return valid, results
}

// fuzzStrings reads the string values of a fuzz corpus file
// ("go test fuzz v1", then one value per line).
func fuzzStrings(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "string("); ok && strings.HasSuffix(v, ")") {
			if s, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
				out = append(out, s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
