package mock

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"
)

// multipartUpload is a media upload as the SDKs send it: messaging_product,
// type (the MIME type) and the file part. An empty typ leaves type out.
func multipartUpload(t *testing.T, typ, partType string, data []byte) (ctype, body string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("messaging_product", "whatsapp")
	if typ != "" {
		mw.WriteField("type", typ)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="f.bin"`)
	h.Set("Content-Type", partType)
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), b.String()
}

func metaCode(ans map[string]any) (int, int) {
	e, _ := ans["error"].(map[string]any)
	code, _ := e["code"].(float64)
	sub, _ := e["error_subcode"].(float64)
	return int(code), int(sub)
}

// The flow of the SDKs that upload before they send: upload, send by id,
// look the id up, download from the URL with the token, delete.
func TestMediaUploadSendDownloadDelete(t *testing.T) {
	h := newHarness(t, Config{Token: "T0KEN"})
	auth := []string{"Authorization", "Bearer T0KEN"}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
	ctype, body := multipartUpload(t, "image/png", "image/png", png)
	if code, ans := h.do("POST", "/v21.0/106540352242922/media", ctype, body); code != 401 {
		t.Errorf("upload without the token: %d %v", code, ans)
	}
	h.next(KindAPICall)
	code, ans := h.do("POST", "/v21.0/106540352242922/media", ctype, body, auth...)
	id, _ := ans["id"].(string)
	if code != 200 || len(ans) != 1 || len(id) != 15 || strings.Trim(id, "0123456789") != "" {
		t.Fatalf("upload: %d %v", code, ans)
	}
	if rec := h.next(KindAPICall); rec.Type != "media-upload" || rec.ID != id || rec.Answer != 200 {
		t.Errorf("upload record %+v", rec)
	}

	send := func(mediaID string) (int, map[string]any) {
		return h.do("POST", "/v21.0/106540352242922/messages", "application/json",
			`{"messaging_product":"whatsapp","to":"919812345678","type":"image","image":{"id":"`+mediaID+`","caption":"your receipt"}}`, auth...)
	}
	if code, ans := send(id); code != 200 {
		t.Errorf("a message with the uploaded id: %d %v", code, ans)
	}
	if code, ans := send("999"); code != 400 || !strings.Contains(fmt.Sprint(ans), "Param image['id'] is not a valid whatsapp business account media attachment ID") {
		t.Errorf("a message with an unknown id: %d %v", code, ans)
	} else if c, _ := metaCode(ans); c != 100 {
		t.Errorf("unknown media id: code %d", c)
	}

	code, ans = h.do("GET", "/v21.0/"+id, "", "", auth...)
	sum := sha256.Sum256(png)
	if code != 200 || ans["messaging_product"] != "whatsapp" || ans["id"] != id || ans["mime_type"] != "image/png" ||
		ans["sha256"] != hex.EncodeToString(sum[:]) || ans["file_size"] != float64(len(png)) {
		t.Fatalf("media URL: %d %v", code, ans)
	}
	u, err := url.Parse(ans["url"].(string))
	if err != nil || u.Scheme != "http" || u.Host != "127.0.0.1:4290" || u.Path != MediaPath || u.Query().Get("mid") != id {
		t.Fatalf("the URL is not the mock's: %v %v", ans["url"], err)
	}
	target := u.RequestURI()
	if w := h.raw("GET", target, "", ""); w.Code != 401 {
		t.Errorf("download without the token: %d %s", w.Code, w.Body)
	}
	if w := h.raw("GET", target, "", "", "Authorization", "Bearer wrong"); w.Code != 401 {
		t.Errorf("download with a wrong token: %d", w.Code)
	}
	w := h.raw("GET", target, "", "", auth...)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), png) || w.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %q %d bytes", w.Code, w.Header(), w.Body.Len())
	}

	if code, ans := h.do("DELETE", "/v21.0/"+id, "", "", auth...); code != 200 || ans["success"] != true {
		t.Fatalf("delete: %d %v", code, ans)
	}
	for _, method := range []string{"GET", "DELETE", "POST"} {
		code, ans := h.do(method, "/v21.0/"+id, "", "", auth...)
		if c, sub := metaCode(ans); code != 400 || c != 100 || sub != 33 ||
			!strings.Contains(fmt.Sprint(ans), "Unsupported "+strings.ToLower(method)+" request. Object with ID '"+id+"' does not exist") {
			t.Errorf("%s of a deleted id: %d %v", method, code, ans)
		}
	}
	if code, _ := send(id); code != 400 {
		t.Errorf("a message with a deleted id: %d", code)
	}
	if w := h.raw("GET", target, "", "", auth...); w.Code != 404 {
		t.Errorf("download of a deleted id: %d", w.Code)
	}
	// two-segment paths that are not Graph's stay the plain 404
	if code, ans := h.do("GET", "/v1/HXAP16XXXXXX97IN", "", ""); code != 404 || ans["error"].(map[string]any)["path"] == nil {
		t.Errorf("GET /v1/SID: %d %v", code, ans)
	}
}

func TestMediaUploadRefusals(t *testing.T) {
	h := newHarness(t, Config{})
	path := "/v21.0/106540352242922/media"
	big := func(n int) []byte { return bytes.Repeat([]byte{1}, n) }
	for _, tt := range []struct {
		name          string
		typ, partType string
		data          []byte
		status, code  int
		want          string
	}{
		{"image over 5 MiB", "image/jpeg", "image/jpeg", big(5<<20 + 1), 413, 100, "larger than 5 MiB, the most Meta takes for image media"},
		{"sticker over 500 KiB", "image/webp", "image/webp", big(500<<10 + 1), 413, 100, "500 KiB"},
		{"unsupported type", "image/gif", "image/gif", big(10), 400, 100, "Received file of type 'image/gif'"},
		{"type from the file part", "", "audio/ogg; codecs=opus", big(10), 200, 0, ""},
		{"no type at all", "", "", big(10), 400, 131008, "the parameter type is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctype, body := multipartUpload(t, tt.typ, tt.partType, tt.data)
			code, ans := h.do("POST", path, ctype, body)
			c, _ := metaCode(ans)
			if code != tt.status || c != tt.code || !strings.Contains(fmt.Sprint(ans), tt.want) {
				t.Errorf("%d %v, want %d code %d %q", code, ans, tt.status, tt.code, tt.want)
			}
		})
	}
	if code, ans := h.do("POST", path, "application/json", `{"messaging_product":"whatsapp"}`); code != 400 || !strings.Contains(fmt.Sprint(ans), "multipart/form-data") {
		t.Errorf("a JSON upload: %d %v", code, ans)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("type", "image/png")
	mw.Close()
	if code, ans := h.do("POST", path, mw.FormDataContentType(), b.String()); code != 400 || !strings.Contains(fmt.Sprint(ans), "messaging_product") {
		t.Errorf("no messaging_product: %d %v", code, ans)
	}
}

// Uploads are bounded in number (Keep) and in bytes (MediaBytes): the
// oldest go first; a file larger than all the mock keeps gets 413.
func TestMediaBounds(t *testing.T) {
	h := newHarness(t, Config{Keep: 3, MediaBytes: 1000})
	upload := func(n int) (int, string) {
		ctype, body := multipartUpload(t, "application/pdf", "application/pdf", bytes.Repeat([]byte{'%'}, n))
		code, ans := h.do("POST", "/v21.0/106540352242922/media", ctype, body)
		id, _ := ans["id"].(string)
		return code, id
	}
	held := func() []string {
		var ids []string
		for _, md := range h.m.Media() {
			ids = append(ids, md.ID)
		}
		return ids
	}
	_, a := upload(400)
	_, b := upload(400)
	_, c := upload(400) // 1200 bytes: a goes
	if got := held(); fmt.Sprint(got) != fmt.Sprint([]string{b, c}) {
		t.Errorf("held %v, want %v", got, []string{b, c})
	}
	_, d := upload(10)
	_, e := upload(10) // four uploads: b goes
	if got := held(); fmt.Sprint(got) != fmt.Sprint([]string{c, d, e}) {
		t.Errorf("held %v, want %v", got, []string{c, d, e})
	}
	if code, _ := upload(1001); code != 413 {
		t.Errorf("a file larger than all the mock keeps: %d", code)
	}
	if st := h.m.Stats(); st.MediaDropped != 2 {
		t.Errorf("media dropped %d", st.MediaDropped)
	}
	if code, ans := h.do("GET", "/v21.0/"+a, "", ""); code != 400 {
		t.Errorf("a dropped upload: %d %v", code, ans)
	}
}

// An upload larger than the body limit of messages is still whole when
// the exchanges are observed (the web inspector).
func TestMediaUploadObserved(t *testing.T) {
	var seen []Exchange
	h := newHarness(t, Config{MaxBody: 1024, Exchanges: func(x Exchange) { seen = append(seen, x) }})
	data := bytes.Repeat([]byte("%PDF"), 2000)
	ctype, body := multipartUpload(t, "application/pdf", "application/pdf", data)
	code, ans := h.do("POST", "/v21.0/106540352242922/media", ctype, body)
	if code != 200 {
		t.Fatalf("%d %v", code, ans)
	}
	if md := h.m.Media(); len(md) != 1 || md[0].Size != len(data) {
		t.Errorf("held %+v", md)
	}
	if len(seen) != 1 || seen[0].Record.Response.Status != 200 {
		t.Errorf("exchanges %+v", seen)
	}
}

// FuzzParseUpload reads any multipart body as a media upload: a refusal in
// Meta's shape or an upload with a MIME type, never a panic.
func FuzzParseUpload(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		up, e := parseUpload(body, boundary)
		if e != nil {
			if e.status != 400 || e.code == 0 || e.reason == "" {
				t.Fatalf("refusal %+v", e)
			}
			return
		}
		if up.mime == "" {
			t.Fatalf("an upload with no type: %+v", up)
		}
	})
}

// A customer's media message names a file the app can fetch as from Meta:
// its id is known to the media endpoints, its sha256 matches the bytes.
func TestCustomerMediaCanBeFetched(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{WebhookURL: a.srv.URL + "/hook"})
	code, ans := h.do("POST", "/_mock/inbound", "application/json", `{"api":"cloud","from":"919812345678","fixture":"cloud-incoming-image"}`)
	if code != 202 {
		t.Fatal(code, ans)
	}
	h.next(KindCallback)
	var wh struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Messages []struct {
						Image struct {
							ID     string `json:"id"`
							MIME   string `json:"mime_type"`
							SHA256 string `json:"sha256"`
						} `json:"image"`
					} `json:"messages"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	got := a.requests()
	if len(got) != 1 || json.Unmarshal(got[0].Body, &wh) != nil {
		t.Fatalf("webhooks %+v", got)
	}
	img := wh.Entry[0].Changes[0].Value.Messages[0].Image
	code, ans = h.do("GET", "/v21.0/"+img.ID, "", "")
	if code != 200 || ans["mime_type"] != img.MIME {
		t.Fatalf("the customer's image %+v: %d %v", img, code, ans)
	}
	u, _ := url.Parse(ans["url"].(string))
	w := h.raw("GET", u.RequestURI(), "", "", "Authorization", "Bearer x")
	sum := sha256.Sum256(w.Body.Bytes())
	if w.Code != 200 || base64.StdEncoding.EncodeToString(sum[:]) != img.SHA256 {
		t.Errorf("download %d, sha256 %x, the webhook says %s", w.Code, sum, img.SHA256)
	}
}

// A media URL works for five minutes of the mock's clock, as Meta's: an
// app that keeps URLs instead of asking again is caught.
func TestMediaURLExpires(t *testing.T) {
	h := newHarness(t, Config{})
	ctype, body := multipartUpload(t, "image/jpeg", "image/jpeg", []byte("JFIF"))
	_, ans := h.do("POST", "/v21.0/106540352242922/media", ctype, body)
	id := ans["id"].(string)
	urlOf := func() string {
		_, ans := h.do("GET", "/v21.0/"+id, "", "")
		u, err := url.Parse(ans["url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return u.RequestURI()
	}
	first := urlOf()
	h.clk.Advance(MediaURLLife)
	if w := h.raw("GET", first, "", "", "Authorization", "Bearer x"); w.Code != 200 {
		t.Errorf("at five minutes: %d %s", w.Code, w.Body)
	}
	h.clk.Advance(time.Second)
	if w := h.raw("GET", first, "", "", "Authorization", "Bearer x"); w.Code != 404 || !strings.Contains(w.Body.String(), "the media URL expired") {
		t.Errorf("after five minutes: %d %s", w.Code, w.Body)
	}
	if w := h.raw("GET", urlOf(), "", "", "Authorization", "Bearer x"); w.Code != 200 {
		t.Errorf("a new URL: %d %s", w.Code, w.Body)
	}
	if w := h.raw("GET", MediaPath+"?mid="+id, "", "", "Authorization", "Bearer x"); w.Code != 404 {
		t.Errorf("a URL with no expiry: %d %s", w.Code, w.Body)
	}
}

// Uploads sent at once are read a few at a time, and every one is
// answered.
func TestConcurrentUploads(t *testing.T) {
	h := newHarness(t, Config{})
	ctype, body := multipartUpload(t, "application/pdf", "application/pdf", bytes.Repeat([]byte("%PDF"), 4096))
	codes := make(chan int, 3*maxUploadsRead)
	for range cap(codes) {
		go func() {
			r := httptest.NewRequest("POST", "/v21.0/106540352242922/media", strings.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			w := httptest.NewRecorder()
			h.m.ServeHTTP(w, r)
			codes <- w.Code
		}()
	}
	for range cap(codes) {
		if code := <-codes; code != 200 {
			t.Errorf("an upload answered %d", code)
		}
	}
	if n := len(h.m.Media()); n != cap(codes) {
		t.Errorf("%d uploads held, want %d", n, cap(codes))
	}
	if len(h.m.uploads) != 0 {
		t.Errorf("%d upload tokens still held", len(h.m.uploads))
	}
}
