package inspector_test

// Browser tests: the inspector's page in a real headless Chromium, driven
// through the DevTools protocol (chromedp), against `wa-cb listen --ui`
// run in-process and fed with `wa-cb send`. They are skipped, saying so,
// when no Chromium is installed; CI installs one.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/wa-cb/wa-cb/pkg/cmd/root"
	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// EnvChrome names the browser binary to use; EnvScreenshot, when set, is
// where the screenshot test writes its picture (scripts/screenshot sets
// it; tests never write into the tree otherwise).
const (
	EnvChrome     = "WA_CB_CHROME"
	EnvScreenshot = "WA_CB_SCREENSHOT"
)

const secret = "browser-test-secret"

// findChrome returns a Chromium binary, or "" when there is none.
func findChrome() string {
	if p := os.Getenv(EnvChrome); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// wacb runs one wa-cb command in-process.
func wacb(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.NewFactory("test", ios)
	cmd := root.NewCmdRoot(f, version.Info{Version: "test"})
	cmd.SetContext(ctx)
	code = root.Execute(cmd, f, args)
	return out.String(), errOut.String(), code
}

// stack is `wa-cb listen --ui` running for a test.
type stack struct {
	listen, ui string // base URLs, with the trailing slash
	stop       func() string
}

func startListen(t *testing.T, extra ...string) *stack {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"listen", "--port", "0", "--ready-file", filepath.Join(dir, "url"),
		"--ui", "--ui-addr", "127.0.0.1:0", "--ui-ready-file", filepath.Join(dir, "ui"),
		"--json", "--app-secret", secret}, extra...)
	urls, stop := serve(t, args, filepath.Join(dir, "url"), filepath.Join(dir, "ui"))
	return &stack{listen: urls[0], ui: urls[1], stop: stop}
}

// serve runs a serving wa-cb command until the test ends (or stop is
// called), once it has written its ready files; it returns their URLs.
func serve(t *testing.T, args []string, ready ...string) ([]string, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut string
	done := make(chan struct{})
	go func() {
		out, errOut, _ = wacb(ctx, args...)
		close(done)
	}()
	var urls []string
	for _, f := range ready {
		urls = append(urls, waitFile(t, f, done))
	}
	var once sync.Once
	stop := func() string {
		once.Do(func() { cancel(); <-done })
		return out + errOut
	}
	t.Cleanup(func() { stop() })
	return urls, stop
}

// waitFile waits for a ready file the listener writes once it serves.
func waitFile(t *testing.T, path string, died <-chan struct{}) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		select {
		case <-died:
			t.Fatalf("wa-cb listen stopped before writing %s", path)
		case <-deadline:
			t.Fatalf("no %s after 30s", path)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *stack) send(t *testing.T, args ...string) {
	t.Helper()
	args = append(args, "--to", s.listen, "--app-secret", secret, "--expect-status", "2xx,5xx")
	if out, errOut, code := wacb(context.Background(), args...); code != 0 {
		t.Fatalf("wa-cb %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
}

func (s *stack) api(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.ui + strings.TrimPrefix(path, "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := findChrome()
	if bin == "" {
		t.Skip("no Chromium found (install the chromium package, or set " + EnvChrome + "): browser tests skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(t.TempDir()),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run its sandbox as root
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 3*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTimeout() })
	if err := chromedp.Do(bctx); err != nil {
		t.Skipf("Chromium at %s does not start (%v): browser tests skipped", bin, err)
	}
	return bctx
}

// run runs steps, failing the test with what went wrong.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// until waits for a JavaScript condition to hold.
func until(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	var err error
	for try := 0; try < 5; try++ {
		_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second)))
		// Right after a navigation the poll may start in the page that
		// was left; it then runs again in the new one.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
	}
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		t.Fatalf("%s: %v (waited for %s)\npage:\n%s", what, err, js, page)
	}
}

const rowCount = `document.querySelectorAll("#rows .row").length`

func TestBrowser(t *testing.T) {
	ctx := browser(t)
	s := startListen(t)

	run(t, ctx, "open the page", chromedp.Navigate(s.ui))
	until(t, ctx, "the live feed connects", `document.querySelector("#state").classList.contains("live")`)
	if got := eval[string](t, ctx, `document.querySelector("#empty").innerText`); !strings.Contains(got, "Waiting for callbacks") {
		t.Errorf("empty page says %q", got)
	}
	eval[bool](t, ctx, `window.__sameLoad = true`)

	// Rows appear live, newest first, without a reload.
	s.send(t, "send", "fixture", "cloud-incoming-text")
	until(t, ctx, "the first row appears", rowCount+` === 1`)
	row := eval[string](t, ctx, `document.querySelector("#rows .row").innerText`)
	for _, want := range []string{"POST", "cloud", "text", "15551234567", "Austin", "200", "sig ✓"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
	if !eval[bool](t, ctx, `window.__sameLoad === true`) {
		t.Fatal("the page reloaded")
	}

	// The detail: events as fields, the raw request, the answer.
	run(t, ctx, "open the detail", chromedp.Click(chromedp.CSS(`#rows .row`)))
	until(t, ctx, "the detail opens", `document.querySelectorAll("#detail-pane .card").length >= 3`)
	detail := eval[string](t, ctx, `document.querySelector("#detail-pane").textContent`)
	for _, want := range []string{"Events (1)", "Maya Patel", "X-Hub-Signature-256", "whatsapp_business_account", "Answer", "200"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#detail-pane .j-key").length`); n < 5 {
		t.Errorf("the JSON body is not highlighted (%d keys marked):\n%s", n, detail)
	}
	if strings.Contains(eval[string](t, ctx, `document.documentElement.outerHTML`), secret) {
		t.Fatal("the page holds the app secret")
	}

	// Replay to the listener itself: a new exchange, marked as a replay.
	var first inspector.Summary
	var list struct{ Items []inspector.Summary }
	s.api(t, "/api/exchanges", &list)
	first = list.Items[0]
	run(t, ctx, "replay", chromedp.Click(chromedp.CSS(`#replay`)))
	until(t, ctx, "the replay is answered", `(document.querySelector("#replay-result") || {}).textContent?.includes("Replayed")`)
	until(t, ctx, "the replayed request arrives", rowCount+` === 2`)
	if got := eval[string](t, ctx, `document.querySelector("#rows .row").innerText`); !strings.Contains(got, "↻ replay") {
		t.Errorf("the replay's row %q is not marked", got)
	}
	var replayed inspector.Detail
	s.api(t, "/api/exchanges/2", &replayed)
	if replayed.ReplayOf != first.ID || !hasHeader(replayed.Request.Header, inspector.ReplayHeader, first.ID) {
		t.Errorf("the listener saw the replay as %q with %v", replayed.ReplayOf, replayed.Request.Header)
	}
	if replayed.Signature != "valid" {
		t.Errorf("a byte-for-byte replay has signature %q", replayed.Signature)
	}

	// Edit and replay: a changed body, signed anew on the server.
	run(t, ctx, "press e", chromedp.KeyEvent("e"))
	until(t, ctx, "the editor opens", `document.querySelector("#edit").open && document.querySelector("#edit-body").value.includes("Austin")`)
	if !eval[bool](t, ctx, `document.querySelector("#edit-resign").checked`) {
		t.Error("re-signing is not offered for a signed request")
	}
	eval[bool](t, ctx, `(() => { const b = document.querySelector("#edit-body"); b.value = b.value.replace("Austin", "Boston"); return true })()`)
	run(t, ctx, "send the edit", chromedp.Click(chromedp.CSS(`#edit-send`)))
	until(t, ctx, "the edited replay is answered", `document.querySelector("#edit-result").textContent.includes("Replayed")`)
	run(t, ctx, "close the editor", chromedp.Click(chromedp.CSS(`#edit-cancel`)))
	until(t, ctx, "the edited request arrives", rowCount+` === 3`)
	newest := eval[string](t, ctx, `document.querySelector("#rows .row").innerText`)
	if !strings.Contains(newest, "Boston") || !strings.Contains(newest, "sig ✓") || !strings.Contains(newest, "↻ replay") || strings.Contains(newest, "decode error") {
		t.Errorf("the edited replay arrived as %q", newest)
	}

	// Search with a jq expression, then without.
	run(t, ctx, "type a jq filter", chromedp.SendKeys(chromedp.CSS(`#jq`), `.text | test("Boston")`))
	until(t, ctx, "the filter applies", rowCount+` === 1 && document.querySelector("#rows .row").innerText.includes("Boston")`)
	eval[bool](t, ctx, `(() => { const q = document.querySelector("#jq"); q.value = ".kind =="; q.dispatchEvent(new Event("input")); return true })()`)
	until(t, ctx, "a broken filter is flagged", `document.querySelector("#jq").classList.contains("bad")`)
	eval[bool](t, ctx, `(() => { const q = document.querySelector("#jq"); q.value = ""; q.dispatchEvent(new Event("input")); return true })()`)
	until(t, ctx, "the filter is cleared", rowCount+` === 3`)

	// A message's timeline: statuses out of order are marked.
	s.send(t, "send", "lifecycle", "--family", "cloud", "--out-of-order")
	until(t, ctx, "the statuses arrive", rowCount+` >= 6`)
	eval[bool](t, ctx, `document.activeElement.blur() || true`)
	run(t, ctx, "press m", chromedp.KeyEvent("m"))
	until(t, ctx, "the messages list", `document.querySelectorAll("#msg-list li[data-id]").length >= 1`)
	run(t, ctx, "open the timeline", chromedp.Click(chromedp.CSS(`#msg-list li[data-id]`)))
	until(t, ctx, "the timeline shows every status", `document.querySelectorAll("#timeline .tl li").length >= 3`)
	tl := eval[string](t, ctx, `document.querySelector("#timeline").innerText`)
	for _, want := range []string{"sent", "delivered", "read", "out of order"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	// Clicked from the page: the timeline is drawn again as statuses
	// arrive, and a node looked up first may be gone by the click.
	eval[bool](t, ctx, `(() => { document.querySelector("#timeline .tl li a").click(); return true })()`)
	// The pane still holds the exchange opened before until this one is
	// fetched and drawn: wait for the page's detail to be the linked one.
	until(t, ctx, "its exchange opens", `S.detail && location.hash === "#/x/" + S.detail.seq && document.querySelectorAll("#detail-pane .card").length >= 3`)

	// Keys: j/k move, r replays the selected row, ? lists them.
	run(t, ctx, "press k and j", chromedp.KeyEvent("k"), chromedp.KeyEvent("j"))
	// j and k open the selected row's detail as they move; r replays the
	// open detail, so wait for it to be the selected row's.
	until(t, ctx, "a row is selected and open", `document.querySelectorAll("#rows .row.selected").length === 1 && S.detail && String(S.detail.seq) === document.querySelector("#rows .row.selected").dataset.seq`)
	before := eval[int](t, ctx, rowCount)
	selected := eval[int](t, ctx, `Number(document.querySelector("#rows .row.selected").dataset.seq)`)
	run(t, ctx, "press r", chromedp.KeyEvent("r"))
	until(t, ctx, "r replays it", fmt.Sprintf(`%s === %d && document.querySelector("#rows .row").innerText.includes("↻ replay")`, rowCount, before+1))
	var sel, again inspector.Detail
	s.api(t, fmt.Sprintf("/api/exchanges/%d", selected), &sel)
	s.api(t, fmt.Sprintf("/api/exchanges/%d", before+1), &again)
	if again.ReplayOf != sel.ID {
		t.Errorf("r replayed %q, not the selected row's %q", again.ReplayOf, sel.ID)
	}
	run(t, ctx, "press ?", chromedp.KeyEvent("?"))
	until(t, ctx, "the keys are listed", `document.querySelector("#help").open`)
	run(t, ctx, "close the help", chromedp.Click(chromedp.CSS(`#help button`)))

	t.Run("narrow", func(t *testing.T) {
		run(t, ctx, "a 360px screen", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile), chromedp.Navigate(s.ui))
		until(t, ctx, "rows at 360px", rowCount+` >= 6`)
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("the list is %dpx wide on a 360px screen", w)
		}
		run(t, ctx, "open a detail", chromedp.Click(chromedp.CSS(`#rows .row`)))
		until(t, ctx, "the detail fills the screen", `document.querySelectorAll("#detail-pane .card").length >= 3 && getComputedStyle(document.querySelector("#list-pane")).display === "none"`)
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("the detail is %dpx wide on a 360px screen", w)
		}
	})

	t.Run("dark", func(t *testing.T) {
		light := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
		run(t, ctx, "prefer dark", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
			})
			return err
		}))
		dark := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
		if dark == light || dark != "rgb(15, 18, 22)" {
			t.Errorf("dark background %s (light %s)", dark, light)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		screenshot(t, ctx, s)
	})

	if out := s.stop(); !strings.Contains(out, `"kind":"message"`) || strings.Contains(out, secret) {
		t.Errorf("listen's own output:\n%s", out)
	}
}

func hasHeader(h [][2]string, name, value string) bool {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) && kv[1] == value {
			return true
		}
	}
	return false
}

// screenshot takes the README's picture: a few more families, the list
// and a message's detail, in light mode at a laptop's size. The test
// checks it is a real page (many colours), and writes it only where
// EnvScreenshot says.
func screenshot(t *testing.T, ctx context.Context, s *stack) {
	for _, fx := range []string{"kv2-incoming-image", "status-failed", "onprem-location", "incoming-text-form", "cloud-incoming-button-reply"} {
		s.send(t, "send", "fixture", fx)
	}
	var list struct{ Items []inspector.Summary }
	s.api(t, "/api/exchanges?kind=message&source=cloud", &list)
	if len(list.Items) == 0 {
		t.Fatal("no message to show")
	}
	run(t, ctx, "set the scene",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}},
			})
			return err
		}),
		chromedp.EmulateViewport(1360, 860),
		chromedp.Navigate("about:blank"), // a fresh load: no row is still flashing as new
		chromedp.Navigate(s.ui+fmt.Sprintf("#/x/%d", list.Items[len(list.Items)-1].Seq)))
	until(t, ctx, "the scene is ready", rowCount+` >= 11 && document.querySelectorAll("#detail-pane .card").length >= 3 && document.querySelector("#state").classList.contains("live")`)
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if b.Dx() < 1000 || len(colours) < 64 {
		t.Fatalf("the screenshot looks blank: %dx%d, %d colours", b.Dx(), b.Dy(), len(colours))
	}
	if path := os.Getenv(EnvScreenshot); path != "" {
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%dx%d, %d colours)", path, b.Dx(), b.Dy(), len(colours))
	}
}

// A recording opened with wa-cb inspect: read-only, every exchange there,
// replay to a typed URL allowed.
func TestBrowserInspect(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	rec := filepath.Join(dir, "session.ndjson")
	l := startListen(t, "--record", rec)
	l.send(t, "send", "fixture", "cloud-incoming-text", "status-failed")
	l.stop()

	var got []*http.Request
	var mu sync.Mutex
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer app.Close()

	urls, _ := serve(t, []string{"inspect", rec, "--ui-addr", "127.0.0.1:0", "--ui-ready-file", filepath.Join(dir, "ui")}, filepath.Join(dir, "ui"))
	run(t, ctx, "open the recording", chromedp.Navigate(urls[0]))
	until(t, ctx, "its exchanges", rowCount+` === 2`)
	page := eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"Read-only", "recording, read-only", "failed", "Austin"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	run(t, ctx, "open the failed status", chromedp.Click(chromedp.CSS(`#rows .row`)))
	until(t, ctx, "its detail", `document.querySelectorAll("#detail-pane .card").length >= 3`)
	if !eval[bool](t, ctx, `document.querySelector("#replay-target").value === "url" && !document.querySelector("#replay-url").hidden`) {
		t.Error("a recording offers no typed URL to replay to")
	}
	run(t, ctx, "replay to a typed URL",
		chromedp.SendKeys(chromedp.CSS(`#replay-url`), app.URL+"/typed"),
		chromedp.Click(chromedp.CSS(`#replay`)))
	until(t, ctx, "the app answers", `document.querySelector("#replay-result").textContent.includes("204")`)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].URL.Path != "/typed" || got[0].Method != "GET" || got[0].Header.Get(inspector.ReplayHeader) == "" {
		t.Fatalf("the app got %v", got)
	}
}

// wa-cb mock --ui: the app's API calls and the callbacks the mock made.
func TestBrowserMock(t *testing.T) {
	ctx := browser(t)
	app := startListen(t)
	dir := t.TempDir()
	urls, _ := serve(t, []string{"mock", "--port", "0", "--ready-file", filepath.Join(dir, "mock"),
		"--delays", "sent=10ms,delivered=20ms,read=30ms",
		"--ui", "--ui-addr", "127.0.0.1:0", "--ui-ready-file", filepath.Join(dir, "ui")},
		filepath.Join(dir, "mock"), filepath.Join(dir, "ui"))
	run(t, ctx, "open the page", chromedp.Navigate(urls[1]))
	until(t, ctx, "the live feed connects", `document.querySelector("#state").classList.contains("live")`)

	form := url.Values{"channel": {"whatsapp"}, "type": {"text"}, "from": {"918012340128"}, "to": {"919812345678"},
		"body": {"Hello from the app"}, "callback_url": {app.listen + "kaleyra/status"}}
	req, _ := http.NewRequest("POST", urls[0]+"v1/HXAP16XXXXXX97IN/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Api-Key", "key-never-shown")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the API call got %d", resp.StatusCode)
	}
	until(t, ctx, "the call and its three callbacks", rowCount+` === 4`)
	list := eval[string](t, ctx, `document.querySelector("#rows").innerText`)
	for _, want := range []string{"api call", "text to 919812345678", "sent by mock", "sent", "delivered", "read"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	run(t, ctx, "open the API call", chromedp.Click(chromedp.CSS(`#rows .row:last-child`)))
	until(t, ctx, "its detail", `document.querySelectorAll("#detail-pane .card").length >= 3`)
	detail := eval[string](t, ctx, `document.querySelector("#detail-pane").textContent`)
	for _, want := range []string{"Api-Key", "[redacted]", "Hello from the app", "the mock"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the detail lacks %q", want)
		}
	}
	if strings.Contains(eval[string](t, ctx, `document.documentElement.outerHTML`), "key-never-shown") {
		t.Error("the page holds the API key")
	}
}

// A body sent gzip-compressed is shown as it was decoded, and named so;
// replayed, it goes as received, with its Content-Encoding.
func TestBrowserCompressedBody(t *testing.T) {
	ctx := browser(t)
	l := startListen(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.gz1","status":"read","recipient_id":"15551234567","timestamp":"1700000000"}]}}]}]}`)
	zw.Close()
	req, _ := http.NewRequest("POST", l.listen, bytes.NewReader(gz.Bytes()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	run(t, ctx, "open the inspector", chromedp.Navigate(l.ui))
	until(t, ctx, "the exchange", rowCount+` === 1`)
	run(t, ctx, "open it", chromedp.Click(chromedp.CSS(`#rows .row`)))
	until(t, ctx, "its detail", `document.querySelector("#detail-pane").innerText.includes("Body (json")`)
	pane := eval[string](t, ctx, `document.querySelector("#detail-pane").innerText`)
	for _, want := range []string{"sent gzip, " + strconv.Itoa(gz.Len()) + " bytes", `"object": "whatsapp_business_account"`, "wamid.gz1"} {
		if !strings.Contains(pane, want) {
			t.Errorf("the detail lacks %q:\n%s", want, pane)
		}
	}
}
