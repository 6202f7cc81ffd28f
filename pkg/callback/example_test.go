package callback_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

func ExampleDecode() {
	// A Kaleyra v1 status callback as sent to a legacy callback_url.
	evs := callback.Decode(callback.Request{
		Method:   http.MethodGet,
		RawQuery: "id=a2d4ef99-fa14-4487-ab3a-d245b65611a4%3A2&phone_number=%20%20+1202XXXXXXX&status=delivered&timestamp=1580972783",
	})
	for _, ev := range evs {
		ev.Raw = nil
		b, _ := json.Marshal(ev)
		fmt.Println(string(b))
	}
	// Output:
	// {"schema":"wa-cb.event/v1","source":"kaleyra-v1","kind":"status","status":"delivered","id":"a2d4ef99-fa14-4487-ab3a-d245b65611a4:2","to":"+1202XXXXXXX","timestamp":"2020-02-06T07:06:23Z"}
}

func ExampleDecode_malformed() {
	// A truncated Meta on-premises body is repaired and decoded; the event
	// says what was wrong.
	evs := callback.Decode(callback.Request{
		Method: http.MethodPost,
		Body:   []byte(`{"statuses":[{"id":"gBGG","status":"read","recipient_id":"16315555555"`),
	})
	fmt.Println(evs[0].Source, evs[0].Kind, evs[0].Status, evs[0].To)
	fmt.Println(evs[0].DecodeError)
	// Output:
	// onprem status read 16315555555
	// invalid JSON at byte 70: unexpected end of input in object (unterminated object starting at byte 13); repaired: 3 unterminated containers closed at end of input
}

func ExampleSign() {
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	sig := callback.Sign("app-secret", body)
	h := http.Header{"X-Hub-Signature-256": {sig}}
	fmt.Println(callback.VerifySignature("app-secret", body, sig))
	fmt.Println(callback.SignatureState("app-secret", h, body))
	fmt.Println(callback.SignatureState("app-secret", http.Header{}, body))
	// Output:
	// true
	// valid
	// missing
}
