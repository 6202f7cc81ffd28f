// Package redact masks personal data in events, JSON payloads, query
// strings, request bodies and HTTP headers: phone numbers and WhatsApp ids, business-
// scoped user ids, names, message text, captions, reply titles and
// descriptions, button texts and payloads, reactions, location names and
// addresses (coordinates rounded to 2 decimals), contact cards, media file
// names and the query strings of URLs. Ids, types, statuses, timestamps,
// error codes and Kaleyra refs are kept.
//
// Masking is consistent: within one Redactor the same value always becomes
// the same token, so a conversation can still be followed ("phone:3fa91c
// sent 3 messages") without showing it.
package redact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"path"
	"strconv"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Redactor masks values with an HMAC keyed per Redactor, so tokens cannot be
// reversed by hashing every phone number.
type Redactor struct {
	key []byte
}

// New returns a Redactor keyed with key, or with a random key when key is
// empty (tokens then stay stable for the life of the process only).
func New(key []byte) *Redactor {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Redactor{key: key}
}

func (r *Redactor) token(kind, v string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return kind + ":" + hex.EncodeToString(m.Sum(nil)[:3])
}

// Phone masks a phone number (or WhatsApp id). Leading '+', spaces and
// punctuation do not change the token: "+1 (631) 555-1234" and
// "16315551234" mask alike.
func (r *Redactor) Phone(v string) string {
	if v == "" {
		return ""
	}
	digits := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			digits = append(digits, v[i])
		}
	}
	if len(digits) == 0 {
		digits = []byte(v)
	}
	return r.token("phone", string(digits))
}

// Name masks a person's name.
func (r *Redactor) Name(v string) string {
	if v == "" {
		return ""
	}
	return r.token("name", v)
}

// Text masks message text, keeping its length as a hint.
func (r *Redactor) Text(v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf("%s(%d chars)", r.token("text", v), len([]rune(v)))
}

// User masks a business-scoped user id (US.13491208655302741918), which
// identifies a person as a phone number does.
func (r *Redactor) User(v string) string {
	if v == "" {
		return ""
	}
	return r.token("user", v)
}

// File masks a file name, keeping a short extension as a hint
// ("file:3fa91c.pdf").
func (r *Redactor) File(v string) string {
	if v == "" {
		return ""
	}
	ext := path.Ext(v)
	if len(ext) > 6 || !isAlnum(ext[min(1, len(ext)):]) {
		ext = ""
	}
	return r.token("file", v) + ext
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// URL masks what a URL's query string, fragment and user info say (signed
// media links carry them); scheme, host and path are kept. A value that is
// not an absolute URL is masked as text.
func (r *Redactor) URL(v string) string {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return r.Text(v)
	}
	return r.reference(u, v)
}

// reference writes u (an absolute URL or a path, parsed from v) with its
// query, fragment and user info masked as one "?query:…" token; v as it
// is when it has none.
func (r *Redactor) reference(u *url.URL, v string) string {
	if u.RawQuery == "" && u.Fragment == "" && u.User == nil && !u.ForceQuery {
		return v
	}
	rest := u.RawQuery
	if u.Fragment != "" {
		rest += "#" + u.Fragment
	}
	if u.User != nil {
		rest += "@" + u.User.String()
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User, u.ForceQuery = "", "", "", nil, false
	return u.String() + "?" + r.token("query", rest)
}

// Coord rounds a coordinate to 2 decimals (about a kilometre).
func Coord(f float64) float64 {
	return math.Round(f*100) / 100
}

// coordText rounds a coordinate written as text; anything that is not a
// number is masked as text.
func (r *Redactor) coordText(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return r.Text(v)
	}
	return strconv.FormatFloat(Coord(f), 'f', -1, 64)
}

// coordNumber rounds a coordinate written as a JSON number; one too large
// for a float64 becomes null, so that the document stays valid.
func coordNumber(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	return strconv.FormatFloat(Coord(f), 'f', -1, 64)
}

// Keys whose values are masked wherever they appear in a payload, a query
// string or an event's extra.
var (
	phoneKeys = set("from", "to", "wa_id", "recipient_id", "phone_number", "mobile", "wa_number",
		"wanumber", "new_wa_id", "display_phone_number", "phone", "user", "customer_number", "mentions",
		"recipient_participant_id")
	userKeys = set("user_id", "parent_user_id", "from_user_id", "from_parent_user_id", "to_user_id",
		"to_parent_user_id", "recipient_user_id", "recipient_parent_user_id", "previous_user_id")
	nameKeys = set("name", "first_name", "last_name", "middle_name", "formatted_name", "full_name",
		"prefix", "suffix", "sticker-pack-publisher")
	textKeys = set("body", "caption", "text", "address", "email", "street", "city", "zip",
		"birthday", "contact_image", "headline", "payload", "emoji", "response_json",
		"company", "department")
	fileKeys = set("filename", "media_name", "file")
	urlKeys  = set("url", "link", "media_url", "source_url", "image_url", "video_url", "thumbnail_url")
	// Members that are a person's words only inside a reply or a
	// contact's organisation (elsewhere they are error titles and the
	// like, which stay).
	replyKeys    = set("title", "description")
	replyParents = set("button_reply", "list_reply", "nfm_reply", "button", "org", "interactive")
	// Query parameters and members whose value is itself JSON (Kaleyra v1).
	jsonParams = set("message", "contacts", "location")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// field masks a string value found under key, in an object that sits
// under parent ("" when unknown).
func (r *Redactor) field(parent, key, v string) string {
	switch {
	case phoneKeys[key] || key == "id" && parent == "threads":
		// a history thread is named by the customer's WhatsApp id
		return r.Phone(v)
	case userKeys[key]:
		return r.User(v)
	case nameKeys[key]:
		return r.Name(v)
	case textKeys[key] || replyKeys[key] && replyParents[parent]:
		return r.Text(v)
	case fileKeys[key]:
		return r.File(v)
	case urlKeys[key]:
		return r.URL(v)
	case key == "latitude" || key == "longitude":
		return r.coordText(v)
	}
	return v
}

// Event masks an event in place: every field that holds a person's data
// (see the package comment), its extra facts by name, and its raw payload
// and referral. Shared values (media, location, reply, context, contacts)
// are copied, never changed.
func (r *Redactor) Event(e *callback.Event) {
	e.From, e.To, e.BusinessNumber = r.Phone(e.From), r.Phone(e.To), r.Phone(e.BusinessNumber)
	e.FromUserID, e.FromParentUserID = r.User(e.FromUserID), r.User(e.FromParentUserID)
	e.ToUserID, e.ToParentUserID = r.User(e.ToUserID), r.User(e.ToParentUserID)
	e.Name = r.Name(e.Name)
	e.Text = r.Text(e.Text)
	if e.Media != nil {
		m := *e.Media
		m.Caption, m.Filename, m.URL = r.Text(m.Caption), r.File(m.Filename), r.URL(m.URL)
		e.Media = &m
	}
	if e.Location != nil {
		l := *e.Location
		l.Name, l.Address, l.URL = r.Text(l.Name), r.Text(l.Address), r.URL(l.URL)
		l.Latitude, l.Longitude = roundPtr(l.Latitude), roundPtr(l.Longitude)
		e.Location = &l
	}
	if e.Reply != nil {
		rp := *e.Reply
		if rp.ID != "" && rp.ID == rp.Payload {
			// a template button's id is its payload: the same token
			rp.ID = r.Text(rp.ID)
		}
		rp.Title, rp.Description, rp.Payload = r.Text(rp.Title), r.Text(rp.Description), r.Text(rp.Payload)
		e.Reply = &rp
	}
	if e.Reaction != nil {
		re := *e.Reaction
		re.Emoji = r.Text(re.Emoji)
		e.Reaction = &re
	}
	if e.Context != nil {
		c := *e.Context
		c.From = r.Phone(c.From)
		if len(c.Mentions) > 0 {
			ms := make([]string, len(c.Mentions))
			for i, m := range c.Mentions {
				ms[i] = r.Phone(m)
			}
			c.Mentions = ms
		}
		e.Context = &c
	}
	if len(e.Contacts) > 0 {
		cs := make([]callback.SharedContact, len(e.Contacts))
		for i, c := range e.Contacts {
			cs[i].Name = r.Name(c.Name)
			for _, p := range c.Phones {
				cs[i].Phones = append(cs[i].Phones, r.Phone(p))
			}
		}
		e.Contacts = cs
	}
	if len(e.Extra) > 0 {
		ex := make(map[string]string, len(e.Extra))
		for k, v := range e.Extra {
			ex[k] = r.field("", k, v)
		}
		e.Extra = ex
	}
	if len(e.Referral) > 0 {
		e.Referral = r.Payload(e.Referral)
	}
	if len(e.Raw) > 0 {
		e.Raw = r.Payload(e.Raw)
	}
}

func roundPtr(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := Coord(*f)
	return &v
}
