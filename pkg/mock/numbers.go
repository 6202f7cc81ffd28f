package mock

import "strings"

// Magic recipients: numbers ending in these digits force an outcome, like
// a provider's test numbers.
const (
	MagicUndeliverable = "4001" // sent, then failed with 131026
	MagicWindow        = "4002" // sent, then failed with 131047 (24-hour window)
	MagicNotSent       = "4003" // not-sent (Kaleyra); failed with 131000 on Cloud
	MagicNeverRead     = "4004" // sent, delivered, never read
	MagicTwice         = "4005" // every status twice
	MagicReadFirst     = "4006" // sent, read, then delivered
	MagicInvalid       = "4007" // refused by the API itself: invalid number
	MagicServerError   = "4008" // the API answers 500 once, then accepts the retry
)

// MagicNumber documents one magic recipient.
type MagicNumber struct {
	Suffix string `json:"suffix"`
	Number string `json:"example"`
	Effect string `json:"effect"`
}

// MagicNumbers lists every magic recipient, for `wa-cb mock numbers` and
// --help.
var MagicNumbers = []MagicNumber{
	{MagicUndeliverable, "919800004001", "sent, then failed with 131026 (message undeliverable)"},
	{MagicWindow, "919800004002", "sent, then failed with 131047 (outside the 24-hour window)"},
	{MagicNotSent, "919800004003", "not-sent (Kaleyra); Cloud has no not-sent: failed with 131000"},
	{MagicNeverRead, "919800004004", "sent and delivered, never read"},
	{MagicTwice, "919800004005", "every status twice (the same callback delivered again)"},
	{MagicReadFirst, "919800004006", "sent, read, then delivered (read before delivered)"},
	{MagicInvalid, "919800004007", "refused by the API: 400, invalid number"},
	{MagicServerError, "919800004008", "the API answers 500 once, then accepts the retry"},
}

// magicOf returns the magic suffix a number ends in, or "".
func magicOf(digits string) string {
	for _, mn := range MagicNumbers {
		if strings.HasSuffix(digits, mn.Suffix) {
			return mn.Suffix
		}
	}
	return ""
}

// PhoneDigits reads a phone number as the APIs accept it: an optional
// leading +, then 8 to 15 digits (spaces, dashes and parentheses aside, as
// people write them). ok is false for anything else.
func PhoneDigits(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return d, true
}
