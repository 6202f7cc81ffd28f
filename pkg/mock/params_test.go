package mock

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
)

func multipartBody(t *testing.T, fields map[string]string, file string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range []string{"channel", "to", "from", "type", "body", "callback_url", "media_url", "caption"} {
		if v, ok := fields[k]; ok {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file != "" {
		fw, err := w.CreateFormFile("media", "photo.jpg")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(file))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestParseKaleyraV1(t *testing.T) {
	mp, mpType := multipartBody(t, map[string]string{"channel": "whatsapp", "to": "919812345678", "from": "918012340128", "type": "text", "body": "Hi & bye"}, "")
	mpFile, mpFileType := multipartBody(t, map[string]string{"channel": "whatsapp", "to": "919812345678", "from": "918012340128", "type": "media", "caption": "look"}, "JPEGDATA")
	tests := []struct {
		name, method, ctype, query, body string
		wantEnc                          string
		want                             map[string]string
		wantErr                          string // the parameter at fault
		check                            func(t *testing.T, p *Params)
	}{
		{name: "GET query", method: "GET", query: "channel=whatsapp&to=%2B919812345678&type=text&body=Hello%20there&callback_url=https%3A%2F%2Fhooks.example.com%2Fcb%3Fa%3D1",
			wantEnc: EncodingQuery, want: map[string]string{"to": "+919812345678", "body": "Hello there", "callback_url": "https://hooks.example.com/cb?a=1"}},
		{name: "urlencoded", method: "POST", ctype: "application/x-www-form-urlencoded", body: "channel=WhatsApp&to=919812345678&type=text&body=Hi+there&api-key=k",
			wantEnc: EncodingURLEncoded, want: map[string]string{"channel": "WhatsApp", "body": "Hi there", "api-key": "k"}},
		{name: "urlencoded without a type (curl -d)", method: "POST", body: "to=919812345678&type=text",
			wantEnc: EncodingURLEncoded, want: map[string]string{"to": "919812345678"}},
		{name: "body wins over query", method: "POST", ctype: "application/x-www-form-urlencoded", query: "to=1&ref=q", body: "to=919812345678",
			want: map[string]string{"to": "919812345678", "ref": "q"}},
		{name: "multipart", method: "POST", ctype: mpType, body: string(mp),
			wantEnc: EncodingMultipart, want: map[string]string{"body": "Hi & bye", "type": "text"}},
		{name: "multipart with a media file", method: "POST", ctype: mpFileType, body: string(mpFile),
			wantEnc: EncodingMultipart, want: map[string]string{"type": "media", "caption": "look"},
			check: func(t *testing.T, p *Params) {
				if p.Media == nil || p.Media.Filename != "photo.jpg" || p.Media.Size != 8 || p.Media.Field != "media" {
					t.Errorf("media part %+v", p.Media)
				}
			}},
		{name: "JSON", method: "POST", ctype: "application/json", body: `{"channel":"whatsapp","to":["919812345678","919812345679"],"type":"template","template_name":"order_update","params":["Ravi",4821],"preview_url":true,"ref":null}`,
			wantEnc: EncodingJSON, want: map[string]string{"to": "919812345678,919812345679", "params": "Ravi,4821", "preview_url": "true", "ref": ""}},
		{name: "JSON with charset", method: "POST", ctype: "application/json; charset=utf-8", body: `{"type":"text","body":"नमस्ते"}`,
			wantEnc: EncodingJSON, want: map[string]string{"body": "नमस्ते"}},
		{name: "JSON without a type", method: "POST", body: ` {"type":"text"}`, wantEnc: EncodingJSON, want: map[string]string{"type": "text"}},
		{name: "JSON location object", method: "POST", ctype: "application/json", body: `{"type":"location","location":{"latitude":"12.97","longitude":77.59,"name":"MG Road","address":"Bengaluru"}}`,
			wantEnc: EncodingJSON, check: func(t *testing.T, p *Params) {
				l := p.Location
				if l == nil || l.Latitude == nil || *l.Latitude != 12.97 || l.Longitude == nil || *l.Longitude != 77.59 || l.Name != "MG Road" {
					t.Errorf("location %+v", l)
				}
			}},
		{name: "form location as JSON", method: "POST", ctype: "application/x-www-form-urlencoded", body: `type=location&location=%7B%22latitude%22%3A1.5%2C%22longitude%22%3A2%7D`,
			check: func(t *testing.T, p *Params) {
				if p.Location == nil || *p.Location.Latitude != 1.5 || *p.Location.Longitude != 2 {
					t.Errorf("location %+v", p.Location)
				}
			}},
		{name: "bad query escape", method: "GET", query: "to=%zz", wantErr: "query"},
		{name: "bad form escape", method: "POST", ctype: "application/x-www-form-urlencoded", body: "to=%", wantErr: "body"},
		{name: "malformed JSON", method: "POST", ctype: "application/json", body: `{"to":`, wantErr: "body"},
		{name: "JSON array", method: "POST", ctype: "application/json", body: `[1,2]`, wantErr: "body"},
		{name: "JSON two values", method: "POST", ctype: "application/json", body: `{"a":1}{"b":2}`, wantErr: "body"},
		{name: "JSON nested object", method: "POST", ctype: "application/json", body: `{"to":{"n":1}}`, wantErr: "to"},
		{name: "form location not JSON", method: "POST", ctype: "application/x-www-form-urlencoded", body: "location=here", wantErr: "location"},
		{name: "multipart without boundary", method: "POST", ctype: "multipart/form-data", body: "x", wantErr: "content-type"},
		{name: "multipart truncated", method: "POST", ctype: "multipart/form-data; boundary=b", body: "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n91", wantErr: "body"},
		{name: "unsupported type", method: "POST", ctype: "text/xml", body: "<to/>", wantErr: "content-type"},
		{name: "malformed content type", method: "POST", ctype: "application/json; =", body: "{}", wantErr: "content-type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseKaleyraV1(tt.method, tt.ctype, tt.query, []byte(tt.body))
			if tt.wantErr != "" {
				pe, ok := err.(*ParseError)
				if !ok || pe.Param != tt.wantErr {
					t.Fatalf("error %v, want one about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantEnc != "" && p.Encoding != tt.wantEnc {
				t.Errorf("encoding %q, want %q", p.Encoding, tt.wantEnc)
			}
			for k, v := range tt.want {
				if got, ok := p.Values[k]; !ok || got != v {
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestValidateV1(t *testing.T) {
	base := "channel=whatsapp&from=918012340128&to=919812345678&"
	tests := []struct {
		query string
		want  string // "param: start of the reason", "" for none
	}{
		{base + "type=text&body=Hi", ""},
		{base + "type=TEXT&body=Hi", ""},
		{base + "type=text", "body: is required"},
		{base + "type=template&template_name=order_update&params=a,b", ""},
		{base + "type=template", "template_name: is required"},
		{base + "type=media&media_url=https://example.com/a.jpg", ""},
		{base + "type=media", "media_url: is required"},
		{base + `type=location&location={"latitude":12.9,"longitude":77.5}`, ""},
		{base + `type=location&location={"latitude":120,"longitude":77.5}`, "location: latitude"},
		{base + "type=location", "location: is required"},
		{base + "type=sticker", "type: unsupported type"},
		{base + "body=Hi", "type: is required"},
		{"from=918012340128&to=919812345678&type=text&body=Hi", "channel: is required"},
		{"channel=sms&from=918012340128&to=919812345678&type=text&body=Hi", "channel: unsupported"},
		{"channel=whatsapp&from=918012340128&to=12ab&type=text&body=Hi", "to: invalid number"},
		{"channel=whatsapp&from=918012340128&to=919812345678,%2B1202555&type=text&body=Hi", "to: invalid number"},
		{"channel=whatsapp&from=918012340128&type=text&body=Hi", "to: is required"},
		{"channel=whatsapp&to=919812345678&type=text&body=Hi", "from: is required"},
	}
	for _, tt := range tests {
		p, err := ParseKaleyraV1("GET", "", strings.ReplaceAll(tt.query, `"`, "%22"), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		errs := validateV1(p)
		if tt.want == "" {
			if len(errs) > 0 {
				t.Errorf("%s: errors %v", tt.query, errs)
			}
			continue
		}
		param, reason, _ := strings.Cut(tt.want, ": ")
		if !strings.HasPrefix(errs[param], reason) || len(errs) != 1 {
			t.Errorf("%s: errors %v, want %s", tt.query, errs, tt.want)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	for in, want := range map[string]string{"+919812345678": "919812345678", " 91 98123-45678 ": "919812345678", "+1 (202) 555-0143": "12025550143",
		"12ab": "", "1234567": "", "0919812345678": "", "1234567890123456": "", "": "", "++91981234567": ""} {
		got, ok := PhoneDigits(in)
		if got != want || ok != (want != "") {
			t.Errorf("PhoneDigits(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzParseKaleyraV1(f *testing.F) {
	mp := "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n919812345678\r\n--b\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\n\r\nJPEG\r\n--b--\r\n"
	f.Add("POST", "multipart/form-data; boundary=b", "", []byte(mp))
	f.Add("POST", "application/x-www-form-urlencoded", "sid=1", []byte("channel=whatsapp&to=919812345678&type=text&body=Hi"))
	f.Add("POST", "application/json", "", []byte(`{"to":["91981"],"type":"location","location":{"latitude":1,"longitude":2}}`))
	f.Add("GET", "", "channel=whatsapp&to=%2B91&callback_url=https%3A%2F%2Fx.example%2F", []byte(nil))
	f.Fuzz(func(t *testing.T, method, ctype, query string, body []byte) {
		p, err := ParseKaleyraV1(method, ctype, query, body)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if p != nil {
				t.Fatal("params and an error")
			}
			return
		}
		if p == nil || p.Values == nil {
			t.Fatal("no params and no error")
		}
		_ = validateV1(p) // never panics either
	})
}
