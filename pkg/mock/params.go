package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
)

// Encodings of a Kaleyra v1 send request.
const (
	EncodingQuery      = "query"      // GET with every parameter in the query string
	EncodingURLEncoded = "urlencoded" // application/x-www-form-urlencoded (curl -d)
	EncodingMultipart  = "multipart"  // multipart/form-data (curl --form)
	EncodingJSON       = "json"       // a flat JSON object
)

// Params are the parameters of a Kaleyra v1 send request, whichever way
// they were encoded. Names are kept as sent (Kaleyra's are lower case).
type Params struct {
	Encoding string            `json:"encoding"`
	Values   map[string]string `json:"values"`
	// Location is the location object of a location message, when one was
	// given (a JSON object, or a form field holding one).
	Location *Location `json:"location,omitempty"`
	// Media is the file part of a multipart media message.
	Media *MediaPart `json:"media,omitempty"`
}

// Location is the location object of a Kaleyra v1 location message.
type Location struct {
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	Name      string   `json:"name,omitempty"`
	Address   string   `json:"address,omitempty"`
}

// MediaPart is an uploaded file (its bytes are not kept).
type MediaPart struct {
	Field       string `json:"field"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
}

// Get returns the value of a parameter ("" when absent).
func (p *Params) Get(name string) string { return p.Values[name] }

// ParseError is a request whose parameters cannot be read: the parameter
// (or "body") at fault and why, answered 400 in Kaleyra's shape.
type ParseError struct {
	Param  string
	Reason string
}

func (e *ParseError) Error() string { return e.Param + ": " + e.Reason }

// maxParts bounds the parts of a multipart body, so a body of many tiny
// parts cannot make the parser allocate without end.
const maxParts = 1000

// ParseKaleyraV1 reads a Kaleyra v1 send request: the query string always
// (GET carries everything there), and the body by its content type:
// urlencoded, multipart or JSON. A body parameter wins over the same one
// in the query. It never panics, whatever the input.
func ParseKaleyraV1(method, contentType, rawQuery string, body []byte) (*Params, error) {
	p := &Params{Encoding: EncodingQuery, Values: map[string]string{}}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, &ParseError{"query", "malformed query string: " + describeQueryError(err)}
	}
	for k, vs := range q {
		p.Values[k] = vs[0]
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, p.readLocationValue()
	}
	mt, mparams, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		// curl -d without a type sends urlencoded; a JSON body without a
		// type is still recognisable.
		mt, err = "application/x-www-form-urlencoded", nil
		if b := bytes.TrimSpace(body); b[0] == '{' {
			mt = "application/json"
		}
	}
	if err != nil {
		return nil, &ParseError{"content-type", fmt.Sprintf("malformed Content-Type %q", contentType)}
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		p.Encoding = EncodingURLEncoded
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &ParseError{"body", "malformed form body: " + describeQueryError(err)}
		}
		for k, vs := range f {
			p.Values[k] = vs[0]
		}
	case mt == "multipart/form-data":
		p.Encoding = EncodingMultipart
		if err := p.readMultipart(body, mparams["boundary"]); err != nil {
			return nil, err
		}
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		p.Encoding = EncodingJSON
		if err := p.readJSON(body); err != nil {
			return nil, err
		}
	default:
		return nil, &ParseError{"content-type", fmt.Sprintf("unsupported Content-Type %q: send multipart/form-data, application/x-www-form-urlencoded or application/json", mt)}
	}
	if p.Location == nil {
		if err := p.readLocationValue(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func describeQueryError(err error) string {
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return fmt.Sprintf("invalid escape %q", string(ee))
	}
	return err.Error()
}

func (p *Params) readMultipart(body []byte, boundary string) error {
	if boundary == "" {
		return &ParseError{"content-type", "multipart/form-data without a boundary"}
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	seen := map[string]bool{}
	for n := 0; ; n++ {
		if n >= maxParts {
			return &ParseError{"body", fmt.Sprintf("more than %d multipart parts", maxParts)}
		}
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ParseError{"body", "malformed multipart body: " + err.Error()}
		}
		name := part.FormName()
		if part.FileName() != "" {
			size, err := io.Copy(io.Discard, part)
			if err != nil {
				return &ParseError{"body", "malformed multipart body: " + err.Error()}
			}
			if p.Media == nil {
				p.Media = &MediaPart{Field: name, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: size}
			}
			continue
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return &ParseError{"body", "malformed multipart body: " + err.Error()}
		}
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		p.Values[name] = string(b)
	}
}

func (p *Params) readJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return &ParseError{"body", "malformed JSON: " + err.Error()}
	}
	if obj == nil {
		return &ParseError{"body", "the JSON body is not an object"}
	}
	if dec.More() {
		return &ParseError{"body", "malformed JSON: more than one value"}
	}
	for k, raw := range obj {
		if k == "location" {
			if loc, ok := parseLocation(raw); ok {
				p.Location = loc
				p.Values[k] = string(raw)
				continue
			}
		}
		v, ok := jsonScalar(raw)
		if !ok {
			return &ParseError{k, "want a string, a number or a list of them"}
		}
		p.Values[k] = v
	}
	return nil
}

// jsonScalar turns a JSON value into the text a form field would hold:
// strings as they are, numbers and booleans as written, null as "", and a
// list of strings or numbers joined by commas (to, params).
func jsonScalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := jsonScalar(it)
			if !ok || (len(bytes.TrimSpace(it)) > 0 && bytes.TrimSpace(it)[0] == '[') {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	case '{':
		return "", false
	case 'n':
		return "", string(raw) == "null"
	default:
		return string(raw), true
	}
}

// readLocationValue parses a location parameter that holds JSON (a form
// field or query parameter).
func (p *Params) readLocationValue() error {
	v, ok := p.Values["location"]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	loc, ok := parseLocation(json.RawMessage(v))
	if !ok {
		return &ParseError{"location", "want a JSON object {\"latitude\":…,\"longitude\":…,\"name\":…,\"address\":…}"}
	}
	p.Location = loc
	return nil
}

func parseLocation(raw json.RawMessage) (*Location, bool) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&obj) != nil || obj == nil {
		return nil, false
	}
	loc := &Location{}
	for k, v := range obj {
		s, ok := jsonScalar(v)
		if !ok {
			return nil, false
		}
		switch k {
		case "latitude", "longitude":
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, false
			}
			if k == "latitude" {
				loc.Latitude = &f
			} else {
				loc.Longitude = &f
			}
		case "name":
			loc.Name = s
		case "address":
			loc.Address = s
		}
	}
	return loc, true
}
