package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/wa-cb/wa-cb"

// presentation are the packages of the command line and the terminal:
// only commands may use them.
var presentation = []string{
	module + "/pkg/cmd",
	module + "/pkg/cmdutil",
	module + "/pkg/iostreams",
	module + "/pkg/render",
	"github.com/spf13/cobra",
	"github.com/charmbracelet/lipgloss",
	"github.com/fatih/color",
	"github.com/muesli/termenv",
}

// isPresentation reports whether path is one of presentation or below it.
func isPresentation(path string) bool {
	for _, p := range presentation {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// isDomain reports whether a package of this module must keep to the
// rule: everything under pkg/ that is not presentation, and not this
// test's own package.
func isDomain(path string) bool {
	return strings.HasPrefix(path, module+"/pkg/") && !isPresentation(path) && path != module+"/pkg/internal/archtest"
}

// chain finds the shortest import chain from pkg to a presentation
// package in the import graph (nil when there is none).
func chain(graph map[string][]string, pkg string) []string {
	prev := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, imp := range graph[cur] {
			if _, seen := prev[imp]; seen {
				continue
			}
			prev[imp] = cur
			if isPresentation(imp) {
				var path []string
				for p := imp; p != ""; p = prev[p] {
					path = append([]string{p}, path...)
				}
				return path
			}
			queue = append(queue, imp)
		}
	}
	return nil
}

// importGraph lists every package of the module and their dependencies
// with their (non-test) imports.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list: %v", err)
		}
		graph[p.ImportPath] = p.Imports
	}
	return graph
}

// touchSources opens every directory and Go file of the module, so that
// go test's cache, which only sees what the test itself opens, runs the
// test again whenever a package or an import changes (go list reads them
// in another process).
func touchSources(t *testing.T) {
	t.Helper()
	root := moduleRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			return f.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module's sources: %v", err)
	}
}

// moduleRoot is the folder of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func short(path string) string { return strings.TrimPrefix(path, module+"/") }

func TestDomainPackagesStayOffTheTerminal(t *testing.T) {
	touchSources(t)
	graph := importGraph(t)
	var domain []string
	for p := range graph {
		if isDomain(p) {
			domain = append(domain, p)
		}
	}
	sort.Strings(domain)
	// The rule would pass vacuously if the listing went wrong.
	for _, want := range []string{"callback", "listener", "sender", "fixture", "urlcheck", "record", "redact"} {
		if _, ok := graph[module+"/pkg/"+want]; !ok {
			t.Fatalf("go list did not list pkg/%s; domain packages found: %v", want, domain)
		}
	}
	for _, p := range domain {
		if c := chain(graph, p); c != nil {
			names := make([]string, len(c))
			for i, s := range c {
				names[i] = short(s)
			}
			t.Errorf("%s imports %s, which only commands may use: %s", short(p), short(c[len(c)-1]), strings.Join(names, " -> "))
		}
	}
}

func TestChain(t *testing.T) {
	graph := map[string][]string{
		module + "/pkg/a":        {"fmt", module + "/pkg/b"},
		module + "/pkg/b":        {module + "/pkg/cmdutil"},
		module + "/pkg/cmdutil":  {module + "/pkg/iostreams"},
		module + "/pkg/c":        {"github.com/fatih/color"},
		module + "/pkg/d":        {"fmt"},
		module + "/pkg/cmd/root": {"github.com/spf13/cobra"},
	}
	tests := []struct {
		pkg  string
		want string
	}{
		{"pkg/a", "pkg/a -> pkg/b -> pkg/cmdutil"},
		{"pkg/c", "pkg/c -> github.com/fatih/color"},
		{"pkg/d", ""},
	}
	for _, tt := range tests {
		var names []string
		for _, s := range chain(graph, module+"/"+tt.pkg) {
			names = append(names, short(s))
		}
		if got := strings.Join(names, " -> "); got != tt.want {
			t.Errorf("chain(%s) = %q, want %q", tt.pkg, got, tt.want)
		}
	}
	for path, want := range map[string]bool{
		module + "/pkg/listener":          true,
		module + "/pkg/internal/jsonspan": true,
		module + "/pkg/mock":              true,
		module + "/pkg/cmd/listen":        false,
		module + "/pkg/cmdutil":           false,
		module + "/pkg/render":            false,
		module + "/pkg/iostreams":         false,
		module + "/pkg/internal/archtest": false,
		module + "/cmd/wa-cb":             false,
	} {
		if got := isDomain(path); got != want {
			t.Errorf("isDomain(%s) = %v, want %v", path, got, want)
		}
	}
}
