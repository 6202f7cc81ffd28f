package inspector

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/internal/hostguard"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// maxOrder bounds a replay order (an edited body included).
const maxOrder = 8 << 20

// Handler serves the page, its assets and the API, for requests whose
// Host names g's server.
func (in *Inspector) Handler(g hostguard.Guard) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", in.serveIndex)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets())))
	mux.HandleFunc("GET /api/info", in.serveInfo)
	mux.HandleFunc("GET /api/exchanges", in.serveList)
	mux.HandleFunc("GET /api/exchanges/{seq}", in.serveDetail)
	mux.HandleFunc("GET /api/exchanges/{seq}/curl", in.serveCurl)
	mux.HandleFunc("POST /api/exchanges/{seq}/replay", in.serveReplay)
	mux.HandleFunc("GET /api/messages", in.serveMessages)
	mux.HandleFunc("GET /api/stream", in.serveStream)
	mux.HandleFunc("GET /api/export.har", in.serveHAR)
	mux.HandleFunc("GET /api/export.ndjson", in.serveRecording)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no such API: "+r.Method+" "+r.URL.Path)
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusForbidden, "cross-origin request refused")
	}))
	return guarded(g, cop.Handler(mux))
}

// guarded refuses requests whose Host is not the server's (DNS
// rebinding) and sets the headers every answer carries.
func guarded(g hostguard.Guard, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if !g.Allows(r.Host) {
			http.Error(w, "wa-cb inspector: unknown Host "+strconv.Quote(r.Host)+"; open the address the inspector printed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var indexTemplate = template.Must(template.ParseFS(webFS, "web/index.html"))

func (in *Inspector) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	data := struct {
		Title    string
		Live     bool
		Redacted bool
		Version  string
	}{in.cfg.Title, in.cfg.Live, in.cfg.Redacted, in.cfg.Version}
	if err := indexTemplate.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Info is what the page needs to know of the inspector.
type Info struct {
	Title     string   `json:"title"`
	Live      bool     `json:"live"`
	Keep      int      `json:"keep"`
	Redacted  bool     `json:"redacted"`
	Targets   []Target `json:"targets"`
	CanResign bool     `json:"can_resign"`
	Version   string   `json:"version,omitempty"`
	// Run names this run of the source: the page gives it back to the
	// stream, which resets a page of another run.
	Run string `json:"run"`
}

func (in *Inspector) serveInfo(w http.ResponseWriter, r *http.Request) {
	targets := in.Targets()
	if targets == nil {
		targets = []Target{}
	}
	writeJSON(w, Info{
		Title:     in.cfg.Title,
		Live:      in.cfg.Live,
		Keep:      in.cfg.Keep,
		Redacted:  in.cfg.Redacted || in.redacted.Load(),
		Targets:   targets,
		CanResign: in.cfg.AppSecret != "",
		Version:   in.cfg.Version,
		Run:       in.run,
	})
}

// selected returns the kept exchanges q selects, newest first, at most
// limit (0: all), and the first jq error met.
func (in *Inspector) selected(q *Query, limit int) (list []*entry, last uint64, jqErr error) {
	all, last := in.snapshot()
	for i := len(all) - 1; i >= 0; i-- {
		if limit > 0 && len(list) >= limit {
			break
		}
		ok, err := q.match(all[i])
		if err != nil && jqErr == nil {
			jqErr = err
		}
		if ok {
			list = append(list, all[i])
		}
	}
	return list, last, jqErr
}

func (in *Inspector) serveList(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := 0
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 0 {
			apiError(w, http.StatusBadRequest, "limit: want a number of exchanges")
			return
		}
	}
	list, last, jqErr := in.selected(&q, limit)
	b := make([]byte, 0, 512*len(list)+256)
	b = append(b, `{"items":[`...)
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.summaryJSON()...)
	}
	b = append(b, `],"last_seq":`...)
	b = strconv.AppendUint(b, last, 10)
	b = append(b, `,"added":`...)
	b = strconv.AppendUint(b, in.Added(), 10)
	b = append(b, `,"keep":`...)
	b = strconv.AppendInt(b, int64(in.cfg.Keep), 10)
	b = append(b, `,"filtered":`...)
	b = strconv.AppendBool(b, !q.empty())
	if jqErr != nil {
		b = append(b, `,"jq_error":`...)
		b = append(b, mustJSON(jqErr.Error())...)
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// entryOf finds the exchange a request names, answering 404 when it is
// not kept.
func (in *Inspector) entryOf(w http.ResponseWriter, r *http.Request) *entry {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "not an exchange number: "+r.PathValue("seq"))
		return nil
	}
	e := in.get(seq)
	if e == nil {
		apiError(w, http.StatusNotFound, errNotKept.Error())
	}
	return e
}

func (in *Inspector) serveDetail(w http.ResponseWriter, r *http.Request) {
	if e := in.entryOf(w, r); e != nil {
		writeJSON(w, e.detail())
	}
}

func (in *Inspector) serveCurl(w http.ResponseWriter, r *http.Request) {
	e := in.entryOf(w, r)
	if e == nil {
		return
	}
	o := ReplayOrder{Target: r.URL.Query().Get("target"), URL: r.URL.Query().Get("url"), AllowRemote: true}
	if o.Target == "" {
		o.Target = TargetURL
		if len(in.Targets()) > 0 {
			o.Target = in.Targets()[0].Name
		}
	}
	if o.Target == TargetURL && o.URL == "" {
		o.URL = "http://" + orDefault(e.ex.Record.Request.Host, "127.0.0.1:4280") + "/"
	}
	u, err := in.target(o)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(Curl(e.ex, u)))
}

func (in *Inspector) serveReplay(w http.ResponseWriter, r *http.Request) {
	e := in.entryOf(w, r)
	if e == nil {
		return
	}
	var o ReplayOrder
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxOrder))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		apiError(w, http.StatusBadRequest, "replay order: "+err.Error())
		return
	}
	res, err := in.Replay(r.Context(), e.seq, o)
	var re *ReplayError
	switch {
	case errors.As(err, &re):
		apiError(w, http.StatusBadRequest, re.Msg)
		return
	case err != nil:
		apiError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, res)
}

func (in *Inspector) serveHAR(w http.ResponseWriter, r *http.Request) {
	list, ok := in.exportList(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+in.exportName("har")+`"`)
	_, _ = w.Write(mustJSON(harOf(list, in.cfg.Version)))
}

func (in *Inspector) serveRecording(w http.ResponseWriter, r *http.Request) {
	list, ok := in.exportList(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+in.exportName("ndjson")+`"`)
	for _, e := range list {
		line, err := record.Marshal(exportRecord(e.ex.Record))
		if err != nil {
			continue // a record that came in decoded always encodes again
		}
		_, _ = w.Write(append(line, '\n'))
	}
}

// exportRecord is a record as exported: credentials masked.
func exportRecord(r *record.Record) *record.Record {
	c := *r
	c.Request.Header = maskHeader(r.Request.Header)
	c.Request.RawQuery = maskQuery(r.Request.RawQuery)
	if r.Forward != nil {
		f := *r.Forward
		f.Header = maskHeader(f.Header)
		c.Forward = &f
	}
	return &c
}

// exportList is the selection of an export, oldest first.
func (in *Inspector) exportList(w http.ResponseWriter, r *http.Request) ([]*entry, bool) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	list, _, _ := in.selected(&q, 0)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, true
}

func (in *Inspector) exportName(ext string) string {
	return "wa-cb-" + in.cfg.Now().UTC().Format("20060102-150405") + "." + ext
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(mustJSON(v))
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "{\"error\":%s}\n", mustJSON(msg))
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// assets are the page's static files.
func assets() fs.FS {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		panic(err) // the embedded tree always has web/
	}
	return sub
}
