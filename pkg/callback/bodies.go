package callback

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// Callback-profile bodies other than JSON and URL-encoded forms: Kaleyra
// lets a profile POST multipart forms or XML built from the same <var>
// placeholders. Both are read as flat parameters.

// maxFormParts bounds the work spent on one multipart or XML body.
const maxFormParts = 1000

// multipartParams reads the fields of a multipart/form-data body; a file
// part contributes its file name.
func multipartParams(h http.Header, body []byte) (params, error) {
	_, p, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	boundary := p["boundary"]
	if boundary == "" {
		return nil, errors.New("no boundary in the content type")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var ps params
	for len(ps) < maxFormParts {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ps, err
		}
		name := part.FormName()
		if fn := part.FileName(); fn != "" {
			ps = append(ps, param{key: name, value: fn})
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return ps, err
		}
		ps = append(ps, param{key: name, value: string(v)})
	}
	return ps, nil
}

// xmlParams reads the leaf elements of an XML document (any nesting) as
// name/text parameters, in document order.
func xmlParams(body []byte) (params, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	var ps params
	type open struct {
		name string
		leaf bool
		text strings.Builder
	}
	var stack []*open
	for len(ps) < maxFormParts {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Keep what a truncated document still says.
			if n := len(stack); n > 0 && stack[n-1].leaf && stack[n-1].text.Len() > 0 {
				ps = append(ps, param{key: stack[n-1].name, value: strings.TrimSpace(stack[n-1].text.String())})
			}
			return ps, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= 32 {
				return ps, errors.New("XML nested deeper than 32 levels")
			}
			if len(stack) > 0 {
				stack[len(stack)-1].leaf = false
			}
			stack = append(stack, &open{name: t.Name.Local, leaf: true})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.leaf {
				ps = append(ps, param{key: top.name, value: strings.TrimSpace(top.text.String())})
			}
		}
	}
	if len(ps) == 0 {
		return nil, errors.New("no elements")
	}
	return ps, nil
}
