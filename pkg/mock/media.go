package mock

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Cloud API's media endpoints ([C] Meta's media reference): an app
// uploads a file (POST /{version}/{phone_number_id}/media, multipart with
// messaging_product, file and type), sends a message naming its id, looks
// it up (GET /{version}/{media_id}: a URL, its type, size and SHA-256),
// downloads it from that URL with its Bearer token, and deletes it
// (DELETE /{version}/{media_id}). The URL is on the mock itself, in the
// shape of Meta's lookaside URLs.

// MediaPath is the path of the mock's media download URLs (Meta's are
// https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…).
const MediaPath = "/whatsapp_business/attachments/"

// MaxMediaFile is the largest file Meta takes, whatever its type.
const MaxMediaFile = 100 << 20

// DefaultMediaBytes bounds the bytes of uploaded media the mock keeps.
const DefaultMediaBytes = 64 << 20

// maxUploadsRead is how many uploads are read at once.
const maxUploadsRead = 4

// mediaKind is a media type Meta takes: the message type it is sent as
// and the largest file ([C] Meta's supported media types; MB read as 2^20
// bytes).
type mediaKind struct {
	kind  string
	limit int64
}

var mediaMIME = map[string]mediaKind{
	"audio/aac":                     {"audio", 16 << 20},
	"audio/amr":                     {"audio", 16 << 20},
	"audio/mpeg":                    {"audio", 16 << 20},
	"audio/mp4":                     {"audio", 16 << 20},
	"audio/ogg":                     {"audio", 16 << 20},
	"image/jpeg":                    {"image", 5 << 20},
	"image/png":                     {"image", 5 << 20},
	"image/webp":                    {"sticker", 500 << 10},
	"video/mp4":                     {"video", 16 << 20},
	"video/3gpp":                    {"video", 16 << 20},
	"text/plain":                    {"document", MaxMediaFile},
	"application/pdf":               {"document", MaxMediaFile},
	"application/msword":            {"document", MaxMediaFile},
	"application/vnd.ms-excel":      {"document", MaxMediaFile},
	"application/vnd.ms-powerpoint": {"document", MaxMediaFile},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {"document", MaxMediaFile},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {"document", MaxMediaFile},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"document", MaxMediaFile},
}

// mediaIDShape is the shape of Meta's media ids.
const mediaIDShape = "103754329154363" // 15 digits: 16 would read as hex

// Media is one uploaded file.
type Media struct {
	ID       string    `json:"id"`
	MIME     string    `json:"mime_type"`
	SHA256   string    `json:"sha256"`
	Size     int       `json:"file_size"`
	Phone    string    `json:"phone_number_id"`
	Uploaded time.Time `json:"uploaded_at"`
	data     []byte
}

// mediaStore keeps the latest uploads, at most keep of them and bytes in
// all: the oldest go first.
type mediaStore struct {
	mu      sync.Mutex
	keep    int
	bytes   int64
	held    int64
	byID    map[string]*Media
	order   []*Media // oldest first
	dropped int
}

func newMediaStore(keep int, bytes int64) *mediaStore {
	return &mediaStore{keep: max(keep, 1), bytes: bytes, byID: map[string]*Media{}}
}

// add stores md and returns how many uploads it pushed out.
func (s *mediaStore) add(md *Media) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[md.ID] = md
	s.order = append(s.order, md)
	s.held += int64(len(md.data))
	n := 0
	for len(s.order) > 1 && (len(s.order) > s.keep || s.held > s.bytes) {
		s.removeAt(0)
		n++
	}
	s.dropped += n
	return n
}

func (s *mediaStore) removeAt(i int) {
	old := s.order[i]
	s.order = append(s.order[:i:i], s.order[i+1:]...)
	delete(s.byID, old.ID)
	s.held -= int64(len(old.data))
}

func (s *mediaStore) get(id string) (*Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	md, ok := s.byID[id]
	return md, ok
}

// remove deletes the upload id and reports whether there was one.
func (s *mediaStore) remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, md := range s.order {
		if md.ID == id {
			s.removeAt(i)
			return true
		}
	}
	return false
}

func (s *mediaStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID, s.order, s.held, s.dropped = map[string]*Media{}, nil, 0, 0
}

// Media returns the uploads the mock holds, oldest first.
func (m *Mock) Media() []Media {
	s := m.media
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Media, len(s.order))
	for i, md := range s.order {
		out[i] = *md
	}
	return out
}

// customerMIME is the MIME type of the placeholder file a customer's
// media message of each type carries.
var customerMIME = map[string]string{"image": "image/jpeg", "audio": "audio/ogg", "video": "video/mp4", "document": "application/pdf", "sticker": "image/webp"}

// customerMedia stores the placeholder file of a customer's media message
// of type kind to the business phone_number_id phone, so that the app can
// look it up and download it as from Meta.
func (m *Mock) customerMedia(kind, phone string) *Media {
	mt := customerMIME[kind]
	data := []byte("placeholder " + mt + " of a customer's " + kind + " message, held by the mock\n")
	sum := sha256.Sum256(data)
	md := &Media{ID: m.freshMediaID(), MIME: mt, SHA256: hex.EncodeToString(sum[:]), Size: len(data), Phone: phone, Uploaded: m.sched.Now(), data: data}
	if n := m.media.add(md); n > 0 {
		m.stats.mediaDropped.Add(int64(n))
	}
	return md
}

// sha256Base64 is the file's SHA-256 as webhooks write it (base64; the
// media endpoint answers hex).
func (md *Media) sha256Base64() string {
	sum, _ := hex.DecodeString(md.SHA256)
	return base64.StdEncoding.EncodeToString(sum)
}

// mediaUpload serves POST /{version}/{phone_number_id}/media.
func (m *Mock) mediaUpload(w http.ResponseWriter, r *http.Request) {
	rec := Record{Type: "media-upload"}
	phone, refuse, ok := m.cloudPost(w, r, &rec, "the file as multipart/form-data")
	if !ok {
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		refuse(&apiError{status: 400, code: 100, field: "body", reason: "a media upload is a multipart/form-data body with the fields messaging_product, type and file"})
		return
	}
	limit := m.maxUpload()
	// An upload is held whole while it is read: a few at a time bound the
	// memory of many large ones sent at once; the others wait their turn.
	select {
	case m.uploads <- struct{}{}:
	case <-r.Context().Done():
		refuse(&apiError{status: 400, code: 100, field: "body", reason: "the client went away before its upload was read"})
		return
	}
	defer func() { <-m.uploads }()
	// room for the other fields and the part headers beside the file
	body, tooLarge, err := m.readLimited(w, r, limit+64<<10)
	if tooLarge {
		refuse(&apiError{status: 413, code: 100, field: "file", reason: fmt.Sprintf("the upload is larger than %s, the most the mock takes", sizeText(limit))})
		return
	}
	if err != nil {
		refuse(&apiError{status: 400, code: 100, field: "body", reason: "cannot read the body: " + err.Error()})
		return
	}
	up, e := parseUpload(body, params["boundary"])
	if e != nil {
		refuse(e)
		return
	}
	kind, ok := mediaMIME[up.mime]
	if !ok {
		refuse(&apiError{status: 400, code: 100, field: "type", reason: fmt.Sprintf("Param file must be a file with one of the following types: %s. Received file of type '%s'.", supportedMIME(), up.mime)})
		return
	}
	if size := int64(len(up.data)); size > min(kind.limit, limit) {
		refuse(&apiError{status: 413, code: 100, field: "file", reason: fmt.Sprintf("the %s file is %s, larger than %s, the most %s", up.mime, sizeText(size), sizeText(min(kind.limit, limit)), limitHolder(kind, limit))})
		return
	}
	sum := sha256.Sum256(up.data)
	md := &Media{ID: m.freshMediaID(), MIME: up.mime, SHA256: hex.EncodeToString(sum[:]), Size: len(up.data), Phone: phone, Uploaded: m.sched.Now(), data: up.data}
	if n := m.media.add(md); n > 0 {
		m.stats.mediaDropped.Add(int64(n))
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": md.ID})
	rec.Answer, rec.ID, rec.Note = http.StatusOK, md.ID, fmt.Sprintf("%s, %d bytes", md.MIME, md.Size)
	m.emitAPI(r, rec)
}

// limitHolder says whose limit an upload is over: Meta's for the type, or
// the mock's own bound on the media it keeps.
func limitHolder(kind mediaKind, limit int64) string {
	if kind.limit <= limit {
		return "Meta takes for " + kind.kind + " media"
	}
	return "the mock keeps of media in all"
}

// maxUpload is the largest file the mock takes: Meta's 100 MB, or less
// when the media it keeps in all is bounded lower.
func (m *Mock) maxUpload() int64 { return min(MaxMediaFile, m.cfg.MediaBytes) }

func (m *Mock) freshMediaID() string {
	for {
		id := m.cfg.Renderer.FreshID(mediaIDShape)
		if _, taken := m.media.get(id); !taken {
			return id
		}
	}
}

type upload struct {
	mime string
	data []byte
}

// parseUpload reads the multipart body of a media upload.
func parseUpload(body []byte, boundary string) (upload, *apiError) {
	var up upload
	var product, typ, partType string
	haveFile := false
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, &apiError{status: 400, code: 100, field: "body", reason: "malformed multipart body: " + err.Error()}
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return up, &apiError{status: 400, code: 100, field: "body", reason: "malformed multipart body: " + err.Error()}
		}
		switch p.FormName() {
		case "messaging_product":
			product = strings.TrimSpace(string(b))
		case "type":
			typ = strings.TrimSpace(string(b))
		case "file":
			up.data, haveFile = b, true
			partType = p.Header.Get("Content-Type")
		}
	}
	if product != "whatsapp" {
		return up, &apiError{status: 400, code: 100, field: "messaging_product", reason: "the parameter messaging_product is required and must be \"whatsapp\""}
	}
	if !haveFile {
		return up, &apiError{status: 400, code: 131008, field: "file", reason: "the parameter file is required (a file part)"}
	}
	// type is the file's MIME type; a client that leaves it out is read by
	// its file part's Content-Type
	raw := typ
	if raw == "" {
		raw = partType
	}
	if raw == "" {
		return up, &apiError{status: 400, code: 131008, field: "type", reason: "the parameter type is required (the file's MIME type, such as image/jpeg)"}
	}
	mt, _, err := mime.ParseMediaType(raw)
	if err != nil {
		mt = raw
	}
	up.mime = strings.ToLower(mt)
	return up, nil
}

func supportedMIME() string {
	names := make([]string, 0, len(mediaMIME))
	for k := range mediaMIME {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// sizeText writes a byte count for a person: 5 MiB, 500 KiB, 1234 bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// mediaObject serves GET and DELETE /{version}/{media_id}.
func (m *Mock) mediaObject(w http.ResponseWriter, r *http.Request) {
	version, id := r.PathValue("version"), r.PathValue("media")
	if !graphPath.MatchString(r.URL.Path) || !graphVersion.MatchString(version) {
		// a version with a dot (v21.0): no Kaleyra path is so
		m.unknownPath(w, r)
		return
	}
	m.stats.apiCalls.Add(1)
	rec := Record{Kind: KindAPICall, API: APICloud, Method: r.Method, Path: r.URL.Path, ID: id}
	refuse := func(e *apiError) { m.refuseCloud(w, r, rec, e) }
	// Graph's answer to a request its object does not take: no such
	// object, or not this method
	unsupported := func(reason string) {
		refuse(&apiError{status: 400, code: 100, subcode: 33, typ: "GraphMethodException",
			title:  fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", strings.ToLower(r.Method), id),
			reason: reason})
	}
	switch r.Method {
	case http.MethodGet:
		rec.Type = "media-url"
	case http.MethodDelete:
		rec.Type = "media-delete"
	default:
		unsupported(r.Method + " is not accepted on a media id: GET its URL or DELETE it")
		return
	}
	if !m.bearerOK(r) {
		refuse(&apiError{status: 401, code: 190, field: "Authorization", reason: "missing or wrong Bearer token"})
		return
	}
	md, ok := m.media.get(id)
	if !ok {
		unsupported("no media with this id: it was never uploaded to the mock, or was deleted, or dropped to bound the media kept")
		return
	}
	if r.Method == http.MethodDelete {
		m.media.remove(id)
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		rec.Answer = http.StatusOK
		m.emitAPI(r, rec)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"url":               m.mediaURL(r, md),
		"mime_type":         md.MIME,
		"sha256":            md.SHA256,
		"file_size":         md.Size,
		"id":                md.ID,
	})
	rec.Answer = http.StatusOK
	m.emitAPI(r, rec)
}

// MediaURLLife is how long a media URL works ([C] Meta's: 5 minutes);
// the app asks for a new one after.
const MediaURLLife = 5 * time.Minute

// mediaURL is where md is downloaded: on the mock, by the host the app
// reached it with; ext is when the URL expires (mock time, Unix seconds).
func (m *Mock) mediaURL(r *http.Request, md *Media) string {
	q := url.Values{"mid": {md.ID}, "ext": {strconv.FormatInt(m.sched.Now().Add(MediaURLLife).Unix(), 10)}, "hash": {md.SHA256[:24]}}
	return (&url.URL{Scheme: "http", Host: r.Host, Path: MediaPath, RawQuery: q.Encode()}).String()
}

// mediaDownload serves the media URL: the uploaded bytes, to a client
// that sends a Bearer token as Meta requires.
func (m *Mock) mediaDownload(w http.ResponseWriter, r *http.Request) {
	m.stats.apiCalls.Add(1)
	rec := Record{Kind: KindAPICall, API: APICloud, Method: r.Method, Path: r.URL.Path, Type: "media-download"}
	refuse := func(e *apiError) { m.refuseCloud(w, r, rec, e) }
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		refuse(&apiError{status: 405, code: 100, field: "method", reason: r.Method + " is not accepted: GET the media URL"})
		return
	}
	// Meta answers a media URL only with the app's token: a client that
	// follows it without one is told here, not in production
	if _, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || !m.bearerOK(r) {
		refuse(&apiError{status: 401, code: 190, field: "Authorization", reason: "a media URL is downloaded with the header Authorization: Bearer <access token>"})
		return
	}
	id := r.URL.Query().Get("mid")
	rec.ID = id
	md, ok := m.media.get(id)
	if !ok {
		refuse(&apiError{status: 404, code: 100, field: "mid", reason: "no media with this id: it was never uploaded to the mock, or was deleted, or dropped to bound the media kept"})
		return
	}
	if exp, err := strconv.ParseInt(r.URL.Query().Get("ext"), 10, 64); err != nil || m.sched.Now().Unix() > exp {
		refuse(&apiError{status: 404, code: 100, field: "ext", reason: fmt.Sprintf("the media URL expired (they work for %s): GET /{version}/{media_id} again for a new one", MediaURLLife)})
		return
	}
	w.Header().Set("Content-Type", md.MIME)
	w.Header().Set("Content-Length", strconv.Itoa(md.Size))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(md.data)
	}
	rec.Answer, rec.Note = http.StatusOK, fmt.Sprintf("%s, %d bytes", md.MIME, md.Size)
	m.emitAPI(r, rec)
}
