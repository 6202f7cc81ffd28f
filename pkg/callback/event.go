// Package callback turns WhatsApp Business callback requests of every family
// (Kaleyra v1 and v2, Meta on-premises, Meta Cloud API) into events of the
// schema wa-cb.event/v1, and signs and verifies X-Hub-Signature-256.
//
// It knows nothing of terminals or commands: it takes bytes and returns
// json-tagged structs that both the pretty renderer and --json consume.
package callback

import (
	"encoding/json"

	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// Schema is the value of every event's "schema" field.
const Schema = "wa-cb.event/v1"

// Sources: which family sent the callback.
const (
	SourceKaleyraV1 = "kaleyra-v1"
	SourceKaleyraV2 = "kaleyra-v2"
	SourceOnPrem    = "onprem"
	SourceCloud     = "cloud"
	SourceUnknown   = "unknown"
)

// Sources lists every source an event may have, in the order the schema
// documents them.
var Sources = []string{SourceKaleyraV1, SourceKaleyraV2, SourceOnPrem, SourceCloud, SourceUnknown}

// Kinds of events.
const (
	KindMessage        = "message"
	KindStatus         = "status"
	KindError          = "error"
	KindVerification   = "verification"
	KindTemplateStatus = "template-status"
	KindQuality        = "quality"
	KindUnknown        = "unknown"

	// Meta's account-level webhook fields, one kind each.
	KindTemplateQuality    = "template-quality"    // message_template_quality_update
	KindTemplateCategory   = "template-category"   // template_category_update
	KindTemplateComponents = "template-components" // message_template_components_update
	KindAccountUpdate      = "account-update"      // account_update
	KindAccountAlert       = "account-alert"       // account_alerts
	KindAccountReview      = "account-review"      // account_review_update
	KindCapability         = "business-capability" // business_capability_update
	KindDisplayName        = "display-name"        // phone_number_name_update
	KindSecurity           = "security"            // security

	// Arrays of a messages-shaped change value other than messages and
	// statuses: one event per element.
	KindEcho           = "message-echo"    // message_echoes (smb_message_echoes)
	KindUserPreference = "user-preference" // user_preferences
	KindHistory        = "history"         // history (one event per chunk)
	KindStateSync      = "state-sync"      // state_sync (smb_app_state_sync)
)

// Kinds lists every kind an event may have, in the order the schema
// documents them.
var Kinds = []string{KindMessage, KindStatus, KindError, KindVerification, KindTemplateStatus,
	KindQuality, KindUnknown, KindTemplateQuality, KindTemplateCategory, KindTemplateComponents,
	KindAccountUpdate, KindAccountAlert, KindAccountReview, KindCapability, KindDisplayName,
	KindSecurity, KindEcho, KindUserPreference, KindHistory, KindStateSync}

// Signature states set by the listener when an app secret is configured.
const (
	SignatureValid   = "valid"
	SignatureInvalid = "invalid"
	SignatureMissing = "missing"
)

// Event is one decoded callback event. Field names are a contract (scripts
// and jq filters depend on them): add fields, never rename or repurpose one.
// Fields that do not apply are omitted.
type Event struct {
	Schema string `json:"schema"`
	Source string `json:"source"`
	Kind   string `json:"kind"`
	Type   string `json:"type,omitempty"`
	Status string `json:"status,omitempty"`

	ID   string `json:"id,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`

	// Business-scoped user ids, for users known by them rather than (or
	// beside) a phone number.
	FromUserID       string `json:"from_user_id,omitempty"`
	FromParentUserID string `json:"from_parent_user_id,omitempty"`
	ToUserID         string `json:"to_user_id,omitempty"`
	ToParentUserID   string `json:"to_parent_user_id,omitempty"`

	Name           string `json:"name,omitempty"`
	BusinessNumber string `json:"business_number,omitempty"`
	Timestamp      string `json:"timestamp,omitempty"`

	Text     string    `json:"text,omitempty"`
	Media    *Media    `json:"media,omitempty"`
	Location *Location `json:"location,omitempty"`
	Reply    *Reply    `json:"reply,omitempty"`
	Context  *Context  `json:"context,omitempty"`
	Error    *Error    `json:"error,omitempty"`
	Errors   []Error   `json:"errors,omitempty"`

	// Extra facts some families carry, flat and optional.
	Reaction *Reaction         `json:"reaction,omitempty"`
	Contacts []SharedContact   `json:"contacts,omitempty"` // contact cards of a contacts message
	Referral json.RawMessage   `json:"referral,omitempty"`
	Pricing  *Pricing          `json:"pricing,omitempty"`
	Extra    map[string]string `json:"extra,omitempty"` // Kaleyra ref/ref1/ref2, trace_id, reply_to, template/quality fields...

	// Verification handshake (kind "verification").
	Verification *Verification `json:"verification,omitempty"`

	DecodeError string          `json:"decode_error,omitempty"`
	Raw         json.RawMessage `json:"raw,omitempty"`

	// Request facts, set by the listener (absent from wa-cb decode).
	RequestID  string `json:"request_id,omitempty"`
	ReceivedAt string `json:"received_at,omitempty"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	Signature  string `json:"signature,omitempty"`
	// Lifecycle says what a status means for its message's story (set by
	// the listener on status events that carry an id).
	Lifecycle *lifecycle.Note `json:"lifecycle,omitempty"`
}

// Media describes an image, audio, voice, video, document or sticker.
type Media struct {
	ID       string `json:"id,omitempty"`
	URL      string `json:"url,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// Location is a shared location; coordinates stay numbers.
type Location struct {
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	Name      string   `json:"name,omitempty"`
	Address   string   `json:"address,omitempty"`
	URL       string   `json:"url,omitempty"`
}

// Reply is the customer's answer to an interactive message or template
// button. Kind is button_reply, list_reply or button.
type Reply struct {
	Kind        string `json:"kind"`
	ID          string `json:"id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Payload     string `json:"payload,omitempty"`
}

// Context names the message a message replies to, or marks it forwarded.
type Context struct {
	ID                  string   `json:"id,omitempty"`
	From                string   `json:"from,omitempty"`
	Forwarded           bool     `json:"forwarded,omitempty"`
	FrequentlyForwarded bool     `json:"frequently_forwarded,omitempty"`
	Mentions            []string `json:"mentions,omitempty"`
}

// Error is a WhatsApp or Kaleyra error. Code is kept as text because
// Kaleyra sends it as a string and Meta as a number.
type Error struct {
	Code   string `json:"code,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// SharedContact is one contact card sent in a contacts message.
type SharedContact struct {
	Name   string   `json:"name,omitempty"`
	Phones []string `json:"phones,omitempty"`
}

// Reaction is an emoji reaction (an empty Emoji removes a reaction).
type Reaction struct {
	MessageID string `json:"message_id,omitempty"`
	Emoji     string `json:"emoji"`
}

// Pricing is the conversation pricing attached to a status.
type Pricing struct {
	Billable     *bool  `json:"billable,omitempty"`
	Model        string `json:"pricing_model,omitempty"`
	Category     string `json:"category,omitempty"`
	Conversation string `json:"conversation_id,omitempty"`
	Origin       string `json:"origin,omitempty"`
	Price        string `json:"price,omitempty"`
}

// Verification is Meta's GET subscription handshake.
type Verification struct {
	Mode      string `json:"mode,omitempty"`
	Challenge string `json:"challenge,omitempty"`
	// TokenPresent says a verify token was sent; the token itself is a secret
	// and is never part of an event.
	TokenPresent bool `json:"token_present"`
}
