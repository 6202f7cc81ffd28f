package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/cmd/root"
	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// flagWord is a command-line flag as a person types it: two dashes at the
// start of a word, then a letter ("--https-only", "--set"). Dashes inside
// a word ("xn--bcher-kva", "r3---sn") are not flags.
var flagWord = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(--[a-z][a-z0-9-]*)`)

// commandWords matches "wa-cb COMMAND" for each of the CLI's commands.
func commandWords(t *testing.T) *regexp.Regexp {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(cmdutil.NewFactory("test", ios), version.Info{Version: "test"})
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, regexp.QuoteMeta(c.Name()))
	}
	if len(names) < 5 {
		t.Fatalf("the root command lists only %d commands", len(names))
	}
	return regexp.MustCompile(`\bwa-cb (?:` + strings.Join(names, "|") + `)\b`)
}

// cliWords returns the flags and "wa-cb COMMAND" phrases in src, a Go
// file, with their positions: only string literals count, so that a
// comment may still say which flag a field serves.
func cliWords(fset *token.FileSet, name string, src []byte, commands *regexp.Regexp) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			s = lit.Value
		}
		at := fset.Position(lit.Pos()).String() + ": "
		for _, m := range flagWord.FindAllStringSubmatch(s, -1) {
			if _, ok := foreignFlags[m[1]]; !ok {
				found = append(found, at+m[1])
			}
		}
		for _, m := range commands.FindAllString(s, -1) {
			found = append(found, at+m)
		}
		return true
	})
	return found, nil
}

// TestDomainSpeaksNoCommandLine keeps the command line's words out of the
// domain: a domain package reports what went wrong with a typed error or a
// field, and the command that owns a flag is the one that names it.
func TestDomainSpeaksNoCommandLine(t *testing.T) {
	root := moduleRoot(t)
	commands := commandWords(t)
	fset := token.NewFileSet()
	found := map[string][]string{} // by package folder
	files := 0
	err := filepath.WalkDir(filepath.Join(root, "pkg"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "pkg" && (name == "testdata" || strings.HasPrefix(name, ".") || !isDomain(module+"/"+rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		words, err := cliWords(fset, rel, src, commands)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		found[dir] = append(found[dir], words...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The rule would pass vacuously if the walk went wrong.
	if files < 50 {
		t.Fatalf("read only %d Go files of domain packages under %s/pkg", files, root)
	}
	dirs := make([]string, 0, len(found))
	for dir := range found {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		words := found[dir]
		sort.Strings(words)
		if _, ok := pending[dir]; ok {
			for _, w := range words {
				t.Logf("%s (pending: %s)", w, dir)
			}
			continue
		}
		for _, w := range words {
			t.Errorf("%s: a domain package speaks the command line; return a typed error or a field and let the command word it", w)
		}
	}
	for dir := range pending {
		if len(found[dir]) == 0 {
			t.Errorf("%s keeps to the rule now: remove it from pending", dir)
		}
	}
}

// foreignFlags are other programs' flags a domain package must write:
// they are not wa-cb's command line.
var foreignFlags = map[string]string{
	"--data-binary": "curl's, in the web inspector's copy as curl",
	"--data-raw":    "curl's, in the web inspector's copy as curl",
	"--globoff":     "curl's, in the web inspector's copy as curl",
}

// pending are domain packages that still name flags in their messages;
// each must leave this list as soon as it keeps to the rule (the test
// fails when one already does).
var pending = map[string]struct{}{}

func TestCLIWords(t *testing.T) {
	src := `package p

// Set by --https-only; see wa-cb listen.
var a = "refused by --https-only"
var b = ` + "`" + `give --set or
--add` + "`" + `
var c = "xn--bcher-kva.example r3---sn-abc"
var d = "--"
var e = 'x'
const f = "(--keep)"
var g = "a wa-cb recording line; wa-cb.record/v1"
var h = "(wa-cb fixtures list shows them all)"
`
	commands := regexp.MustCompile(`\bwa-cb (?:fixtures|listen)\b`)
	got, err := cliWords(token.NewFileSet(), "p.go", []byte(src), commands)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p.go:4:9: --https-only", "p.go:5:9: --set", "p.go:5:9: --add", "p.go:10:11: --keep", "p.go:12:9: wa-cb fixtures"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("cliWords =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
