package inspector_test

// Hostile callbacks in a real browser: every field a callback carries
// (text, names, ids, headers, path, query keys and values, JSON keys,
// broken JSON, binary) holds markup, script, template syntax and odd
// characters. Nothing may run, nothing may be parsed as markup, and the
// page must keep working and show the bytes as text.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// hostile is markup that runs script if anything parses it as HTML, plus
// template syntax, a textarea closer, line separators and shell syntax.
const hostile = `<script>window.__pwned="script"</script><img src=x onerror="window.__pwned='img'"><svg onload="window.__pwned='svg'"></svg></textarea></pre></title>{{.}}{{template "x"}} javascript:window.__pwned=1 ` + "\u2028\u2029" + ` it's $(touch /tmp/wa-cb-pwned) ` + "`id`"

// rawRequest writes one HTTP/1.1 request as given (a request line Go's
// client would escape) and reads the answer's status line.
func rawRequest(t *testing.T, base, head string, body []byte) {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", head, u.Host, len(body))
	c.Write(body)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 ") {
		t.Fatalf("%s: answer %q, %v", head, line, err)
	}
}

func hostileCloud(t *testing.T) []byte {
	t.Helper()
	long := strings.Repeat("A<b>", 50_000)
	v := map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": hostile, "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": hostile, "phone_number_id": hostile},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": hostile}, "wa_id": hostile}},
			"messages": []any{
				map[string]any{"from": hostile, "id": "wamid." + hostile, "timestamp": "1796156887", "type": "text",
					"text": map[string]any{"body": hostile + "\x00nul " + long}, hostile: hostile},
			},
			"statuses": []any{
				map[string]any{"id": "wamid." + hostile, "status": "delivered", "timestamp": "1796156890", "recipient_id": hostile},
				map[string]any{"id": "wamid." + hostile, "status": "sent", "timestamp": "1796156889", "recipient_id": hostile},
				map[string]any{"id": "wamid." + hostile, "status": hostile, "timestamp": "1796156891", "recipient_id": hostile},
			},
		}}}}},
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBrowserHostileCallbacks(t *testing.T) {
	ctx := browser(t)
	s := startListen(t)

	var mu sync.Mutex
	var thrown []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if x := e.ExceptionDetails.Exception; x != nil {
				msg += " " + x.Description
			}
			mu.Lock()
			thrown = append(thrown, msg)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	post := func(path string, header http.Header, body []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", strings.TrimSuffix(s.listen, "/")+path, strings.NewReader(string(body)))
		for k, vs := range header {
			req.Header[k] = vs
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	q := url.Values{hostile: {hostile}, "javascript:alert(1)": {"javascript:alert(1)"}, "nul": {"a\x00b"}}.Encode()
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Evil-" + "Name": {hostile[:120]}, "Authorization": {"Bearer never-shown-token"}}
	n := 0
	post("/cloud?"+q, hdr, hostileCloud(t))
	n++
	post("/broken?"+q, hdr, []byte(`{"entry": [`+strings.Repeat(`"`+strings.ReplaceAll(hostile, `"`, `\"`)+`",`, 3)+`,}`))
	n++
	post("/binary", http.Header{"Content-Type": {"application/octet-stream"}}, append([]byte("\x00\xff\xfe<script>window.__pwned=1</script>"), []byte(hostile)...))
	n++
	post("/form", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte(url.Values{hostile: {hostile}, "from": {hostile}, "text": {hostile}}.Encode()))
	n++
	rawRequest(t, s.listen, `GET /<img/src=x/onerror=window.__pwned=1>/{{.}}/</textarea>?<script>=<script>window.__pwned=1</script>&mobile=<b>x</b>&status=<i>read</i>&'$(id)'=1 HTTP/1.1`, nil)
	n++

	run(t, ctx, "open the page", chromedp.Navigate(s.ui))
	until(t, ctx, "every hostile exchange listed", fmt.Sprintf(`%s === %d`, rowCount, n))

	for i := 1; i <= n; i++ {
		sel := fmt.Sprintf(`#rows .row[data-seq="%d"]`, i)
		run(t, ctx, "open exchange", chromedp.Click(chromedp.CSS(sel)))
		// The hash changes at the click, while the pane still holds the
		// previous exchange's cards until this one's detail is fetched:
		// wait for the page to have drawn this one, or the clicks below
		// land on the previous one as it is replaced.
		until(t, ctx, "its detail", fmt.Sprintf(`location.hash === "#/x/%d" && S.detail && S.detail.seq === %d && document.querySelectorAll("#detail-pane .card").length >= 3`, i, i))
		for _, d := range []string{"#detail-pane details", "#detail-pane details details"} {
			eval[bool](t, ctx, `(() => { for (const d of document.querySelectorAll("`+d+`")) d.open = true; return true })()`)
		}
		run(t, ctx, "open the editor", chromedp.Click(chromedp.CSS(`#edit-open`)))
		until(t, ctx, "the editor", `document.querySelector("#edit").open`)
		run(t, ctx, "close the editor", chromedp.Click(chromedp.CSS(`#edit-cancel`)))
		run(t, ctx, "copy as curl", chromedp.Click(chromedp.CSS(`#copy-curl`)))
		until(t, ctx, "the curl text", `document.querySelector("#curl").open && /^(curl|printf) /.test(document.querySelector("#curl-text").value)`)
		eval[bool](t, ctx, `document.querySelector("#curl").close() || true`)
		until(t, ctx, "the curl dialog closed", `!document.querySelector("dialog[open]")`)
	}
	run(t, ctx, "the messages view", chromedp.Navigate(s.ui+"#/messages"))
	until(t, ctx, "the hostile message's timeline", `document.querySelectorAll("#timeline .tl li").length >= 2`)
	run(t, ctx, "open the message", chromedp.Click(chromedp.CSS(`#msg-list li[data-id]`)))
	until(t, ctx, "its timeline", `document.querySelector("#timeline h2") && document.querySelector("#timeline h2").textContent.includes("<script>")`)
	run(t, ctx, "a reload on its address", chromedp.Reload())
	until(t, ctx, "the timeline again", `document.querySelector("#timeline h2") && document.querySelector("#timeline h2").textContent.includes("<script>")`)
	run(t, ctx, "a broken message address", chromedp.Navigate(s.ui+"#/messages/%E0%A4%A"))
	until(t, ctx, "the messages view still", `!document.querySelector("#messages-pane").hidden`)
	run(t, ctx, "back to the list", chromedp.Navigate(s.ui+"#/"))
	until(t, ctx, "the list again", fmt.Sprintf(`%s === %d`, rowCount, n))

	checks := map[string]string{
		"no script ran":              `window.__pwned === undefined`,
		"no element came from data":  `document.querySelectorAll("img[src=x], svg, b, i, textarea script").length === 0`,
		"only the page's own script": `document.scripts.length === 1`,
		"no javascript: link":        `[...document.querySelectorAll("a[href]")].every((a) => !/^\s*javascript:/i.test(a.getAttribute("href")))`,
		"the markup shown as text":   `document.body.textContent.includes('<img src=x onerror=')`,
	}
	for what, js := range checks {
		if !eval[bool](t, ctx, js) {
			t.Errorf("%s: %s is false", what, js)
		}
	}
	if strings.Contains(eval[string](t, ctx, `document.documentElement.outerHTML`), "never-shown-token") {
		t.Error("the page holds an Authorization header's value")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range thrown {
		t.Errorf("the page threw: %s", e)
	}
}

// A listener stopped and started again on the same --ui-addr: the open
// page follows the new run by itself, showing only its exchanges.
func TestBrowserFollowsAListenerRestart(t *testing.T) {
	ctx := browser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uiAddr := ln.Addr().String()
	ln.Close() // the listener binds it next; nothing else here takes it meanwhile
	start := func() *stack {
		dir := t.TempDir()
		urls, stop := serve(t, []string{"listen", "--port", "0", "--ready-file", filepath.Join(dir, "url"),
			"--ui", "--ui-addr", uiAddr, "--ui-ready-file", filepath.Join(dir, "ui"), "--json", "--app-secret", secret},
			filepath.Join(dir, "url"), filepath.Join(dir, "ui"))
		return &stack{listen: urls[0], ui: urls[1], stop: stop}
	}
	first := start()
	first.send(t, "send", "fixture", "cloud-incoming-text", "status-failed")
	run(t, ctx, "open the page", chromedp.Navigate(first.ui+"#/x/2"))
	until(t, ctx, "the first run's exchanges", rowCount+` === 2 && document.querySelectorAll("#detail-pane .card").length >= 3`)
	first.stop()
	until(t, ctx, "the page says the source stopped", `document.querySelector("#state").textContent === "stopped"`)

	second := start()
	second.send(t, "send", "fixture", "onprem-location")
	until(t, ctx, "the page follows the second run", rowCount+` === 1 && document.querySelector("#state").classList.contains("live") && document.querySelector("#detail-pane").hidden`)
	if row := eval[string](t, ctx, `document.querySelector("#rows .row").innerText`); !strings.Contains(row, "onprem") {
		t.Errorf("the row is %q", row)
	}
	second.send(t, "send", "fixture", "status-read")
	until(t, ctx, "live rows of the second run", rowCount+` === 2`)
}

// An incoming message has no status timeline: its detail offers none, and
// an address naming a message no status talks about says so instead of
// showing another message's timeline.
func TestBrowserMessageWithoutStatuses(t *testing.T) {
	ctx := browser(t)
	s := startListen(t)
	s.send(t, "send", "lifecycle", "--family", "cloud")
	s.send(t, "send", "fixture", "cloud-incoming-text")
	run(t, ctx, "open the incoming text", chromedp.Navigate(s.ui+"#/x/4"))
	until(t, ctx, "its detail", `document.querySelectorAll("#detail-pane .card").length >= 3 && S.messages.length === 1`)
	run(t, ctx, "open it again, the messages known", chromedp.Navigate(s.ui+"#/x/3"))
	until(t, ctx, "another detail", `S.detail && S.detail.seq === 3`)
	run(t, ctx, "back to it", chromedp.Navigate(s.ui+"#/x/4"))
	until(t, ctx, "its detail", `S.detail && S.detail.seq === 4 && document.querySelectorAll("#detail-pane .card").length >= 3`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#detail-pane a[href^="#/messages/"]').length`); n != 0 {
		t.Errorf("an incoming message links to %d timelines: %s", n, eval[string](t, ctx, `[...document.querySelectorAll('#detail-pane a[href^="#/messages/"]')].map((a) => a.href).join(" ") + " " + location.hash + " " + document.querySelector("#detail-pane h1").textContent`))
	}
	run(t, ctx, "a message no status names", chromedp.Navigate(s.ui+"#/messages/wamid.nothing"))
	until(t, ctx, "the page says so", `document.querySelector("#timeline").textContent.includes("No status of this message")`)
	if got := eval[string](t, ctx, `document.querySelector("#timeline").textContent`); !strings.Contains(got, "wamid.nothing") || strings.Contains(got, "delivered") {
		t.Errorf("the timeline shows %q", got)
	}
	run(t, ctx, "the statused message", chromedp.Navigate(s.ui+"#/x/1"))
	until(t, ctx, "a status links to its timeline", `S.detail && S.detail.seq === 1 && document.querySelectorAll('#detail-pane a[href^="#/messages/"]').length === 1`)
	run(t, ctx, "follow it", chromedp.Click(chromedp.CSS(`#detail-pane a[href^="#/messages/"]`)))
	until(t, ctx, "its timeline", `document.querySelectorAll("#timeline .tl li").length === 3`)
}

// A callback that batches tens of thousands of entries (a body near the
// listener's 3 MiB limit) opens at once: the events are drawn a hundred
// at a time, each raw object only when unfolded, and a body this large
// is shown without a span per token.
func TestBrowserHugeBatchOpens(t *testing.T) {
	ctx := browser(t)
	s := startListen(t)
	const entries = 30000
	body := `{"object":"whatsapp_business_account","entry":[` + strings.Repeat(`{"a":1,"b":true,"c":"x"},`, entries-1) + `{"a":1}]}`
	resp, err := http.Post(s.listen, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	run(t, ctx, "open the page", chromedp.Navigate(s.ui))
	until(t, ctx, "its row", rowCount+` === 1`)
	run(t, ctx, "open it", chromedp.Click(chromedp.CSS(`#rows .row`)))
	until(t, ctx, "the first events", `document.querySelectorAll("#detail-pane .event").length === 100`)
	if got := eval[string](t, ctx, `document.querySelector("#detail-pane summary").textContent`); got != fmt.Sprintf("Events (%d)", entries) {
		t.Errorf("the events card says %q", got)
	}
	run(t, ctx, "show more", chromedp.Click(chromedp.CSS(`#detail-pane .card .body > div > button`)))
	until(t, ctx, "a hundred more", `document.querySelectorAll("#detail-pane .event").length === 200`)
	run(t, ctx, "unfold a raw object", chromedp.Click(chromedp.CSS(`#detail-pane .event details summary`)))
	until(t, ctx, "it is drawn", `document.querySelector("#detail-pane .event details .j-key") !== null`)
}
