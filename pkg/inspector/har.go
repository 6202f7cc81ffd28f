package inspector

import (
	"encoding/base64"
	"mime"
	"net/http"
	"time"
	"unicode/utf8"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): the
// archive browsers' developer tools and many HTTP tools import.

// HAR is a whole archive.
type HAR struct {
	Log HARLog `json:"log"`
}

// HARLog is the archive's log.
type HARLog struct {
	Version string     `json:"version"`
	Creator HARCreator `json:"creator"`
	Entries []HAREntry `json:"entries"`
}

// HARCreator names the tool that wrote the archive.
type HARCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// HAREntry is one exchange.
type HAREntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         HARRequest  `json:"request"`
	Response        HARResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         HARTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
}

// HARRequest is the request as received.
type HARRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []HARNameValue `json:"cookies"`
	Headers     []HARNameValue `json:"headers"`
	QueryString []HARNameValue `json:"queryString"`
	PostData    *HARPostData   `json:"postData,omitempty"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

// HARResponse is the answer given.
type HARResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []HARNameValue `json:"cookies"`
	Headers     []HARNameValue `json:"headers"`
	Content     HARContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
	Comment     string         `json:"comment,omitempty"`
}

// HARNameValue is a header, cookie or query parameter.
type HARNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HARPostData is a request body. A body that is not text is stored in
// base64 (HAR 1.2 gives postData no encoding field: the comment says so).
type HARPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Comment  string `json:"comment,omitempty"`
}

// HARContent is a response body.
type HARContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

// HARTimings splits the entry's time; the listener measures only the
// whole (arrival to answer), kept as wait.
type HARTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harOf builds an archive of exchanges, secrets masked.
func harOf(list []*entry, version string) HAR {
	if version == "" {
		version = "dev"
	}
	h := HAR{Log: HARLog{Version: "1.2", Creator: HARCreator{Name: "wa-cb", Version: version}, Entries: []HAREntry{}}}
	for _, e := range list {
		h.Log.Entries = append(h.Log.Entries, harEntry(e))
	}
	return h
}

func harEntry(e *entry) HAREntry {
	r := e.ex.Record
	host := r.Request.Host
	if host == "" {
		host = "localhost"
	}
	q := maskQuery(r.Request.RawQuery)
	u := "http://" + host + r.Request.Path
	if q != "" {
		u += "?" + q
	}
	req := HARRequest{
		Method:      r.Request.Method,
		URL:         u,
		HTTPVersion: "HTTP/1.1",
		Cookies:     []HARNameValue{},
		Headers:     harHeaders(maskHeader(r.Request.Header)),
		QueryString: []HARNameValue{},
		HeadersSize: -1,
		BodySize:    len(r.Request.Body),
	}
	for _, kv := range queryParams(q) {
		req.QueryString = append(req.QueryString, HARNameValue{Name: kv[0], Value: kv[1]})
	}
	if len(r.Request.Body) > 0 {
		pd := &HARPostData{MimeType: headerValue(r.Request.Header, "Content-Type")}
		if utf8.Valid(r.Request.Body) {
			pd.Text = string(r.Request.Body)
		} else {
			pd.Text = base64.StdEncoding.EncodeToString(r.Request.Body)
			pd.Comment = "base64"
		}
		req.PostData = pd
	}
	body := r.Response.Body
	resp := HARResponse{
		Status:      r.Response.Status,
		StatusText:  http.StatusText(r.Response.Status),
		HTTPVersion: "HTTP/1.1",
		Cookies:     []HARNameValue{},
		Headers:     []HARNameValue{},
		Content:     HARContent{Size: len(body), MimeType: mimeOf(body), Text: body},
		HeadersSize: -1,
		BodySize:    len(body),
		Comment:     r.Response.Reason,
	}
	ent := HAREntry{
		StartedDateTime: e.at.UTC().Format(time.RFC3339Nano),
		Time:            r.Response.LatencyMS,
		Request:         req,
		Response:        resp,
		Timings:         HARTimings{Wait: r.Response.LatencyMS},
		Comment:         "wa-cb request " + r.RequestID,
	}
	if r.Forward != nil {
		ent.Comment += "; forwarded to " + r.Forward.URL
		if r.Forward.Error != "" {
			ent.Comment += ": " + r.Forward.Error
		}
	}
	return ent
}

func harHeaders(h http.Header) []HARNameValue {
	out := []HARNameValue{}
	for _, kv := range sortedHeader(h) {
		out = append(out, HARNameValue{Name: kv[0], Value: kv[1]})
	}
	return out
}

// mimeOf guesses the type of an answer body the listener gave (it keeps
// no answer headers): JSON, else plain text.
func mimeOf(body string) string {
	if body == "" {
		return "text/plain"
	}
	if body[0] == '{' || body[0] == '[' {
		return "application/json"
	}
	return mime.FormatMediaType("text/plain", map[string]string{"charset": "utf-8"})
}
