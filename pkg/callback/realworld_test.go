package callback

import (
	"os"
	"path/filepath"
	"testing"
)

// Payloads in the shapes real senders deliver, beyond the documented
// examples (testdata/realworld: *.json bodies, *.query GET query strings):
// flows, orders, ad referrals, pricing models, echoes, calls, groups,
// payments, several entries and fields in one request, Kaleyra's
// callback-profile bodies, numbers as strings, duplicate keys and broken
// bytes. Each want lists the facts an event must show (null: absent); the
// number of wants is the number of events, so nothing vanishes.
func TestDecodeRealWorld(t *testing.T) {
	tests := []struct {
		file  string
		wants []string
	}{
		// ---- Meta Cloud API
		{"cloud-nfm-reply-flow.json", []string{`{"source":"cloud","kind":"message","type":"interactive","id":"wamid.NFM1","from":"5215512345678","name":"Ana Ruiz","business_number":"15557770000","timestamp":"2025-11-24T16:00:00Z","text":"Sent",
			"reply":{"kind":"nfm_reply","title":"flow","payload":"{\"flow_token\":\"tok-77\",\"rating\":\"5\",\"comment\":\"fast\"}"},"context":{"id":"wamid.FLOWSRC1","from":"15557770000"},"decode_error":null}`}},
		{"cloud-order-quantities-as-strings.json", []string{`{"kind":"message","type":"order","id":"wamid.ORD1","text":"for pickup","extra":{"catalog_id":"900100200","order_items":"SKU-9 x2 @ 12.50 MXN, SKU-3 x1 @ 7 MXN"}}`}},
		{"cloud-referral-ctwa-welcome.json", []string{`{"kind":"message","type":"text","text":"I saw the ad","referral":{"source_type":"ad","source_id":"120200","ctwa_clid":"Afk3-x","media_type":"video","welcome_message":{"text":"Hi! Ask us anything"}}}`}},
		{"cloud-reaction-escaped-emoji.json", []string{`{"kind":"message","type":"reaction","text":"👍","reaction":{"message_id":"wamid.OUT9","emoji":"👍"}}`}},
		{"cloud-status-failed-href.json", []string{`{"kind":"status","status":"failed","id":"wamid.OUT9","to":"5215512345678","timestamp":"2025-11-24T16:00:04Z",
			"error":{"code":"131049","title":"This message was not delivered to maintain healthy ecosystem engagement.","detail":"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},"errors":null}`}},
		{"cloud-status-delivered-pmp-opaque.json", []string{`{"kind":"status","status":"delivered","pricing":{"billable":true,"pricing_model":"PMP","category":"utility"},"extra":{"biz_opaque_callback_data":"order=77;step=2","pricing_type":"regular"}}`}},
		{"cloud-status-sent-conversation.json", []string{`{"kind":"status","status":"sent","pricing":{"pricing_model":"CBP","conversation_id":"c0ffee","origin":"utility"},"extra":{"conversation_expiration":"2025-11-25T16:00:00Z"}}`}},
		{"cloud-value-errors.json", []string{`{"kind":"error","business_number":"15557770000","error":{"code":"131000","title":"Something went wrong","detail":"Unsupported webhook payload"}}`}},
		{"cloud-smb-echo-image.json", []string{`{"kind":"message-echo","type":"image","id":"wamid.ECHO1","from":"15557770000","to":"5215512345678","text":"menu","media":{"id":"778899","caption":"menu"}}`}},
		{"cloud-calls-connect.json", []string{`{"kind":"unknown","id":"wacid.CALL1","from":"5215512345678","to":"15557770000","timestamp":"2025-11-24T16:00:08Z","extra":{"array":"calls"}}`}},
		{"cloud-text-referred-product.json", []string{`{"kind":"message","type":"text","text":"Is this in stock?","context":{"id":"wamid.CAT1","from":"15557770000"},"extra":{"referred_product.catalog_id":"900100200","referred_product.product_retailer_id":"SKU-9"}}`}},
		{"cloud-call-permission-reply.json", []string{`{"kind":"message","type":"interactive","id":"wamid.CPR1","reply":{"kind":"call_permission_reply","id":"accept"}}`}},
		{"cloud-unsupported-edit.json", []string{`{"kind":"message","type":"unsupported","id":"wamid.U1","error":{"code":"131051"},"extra":{"unsupported_type":"edit"}}`}},
		{"cloud-template-button.json", []string{`{"kind":"message","type":"button","text":"Confirm","reply":{"kind":"button","id":"CONFIRM_77","payload":"CONFIRM_77","title":"Confirm"},"context":{"id":"wamid.TPL1"}}`}},
		{"cloud-document-url.json", []string{`{"kind":"message","type":"document","text":null,"media":{"id":"556677","filename":"invoice 7.pdf","mime_type":"application/pdf","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2"}}`}},
		{"cloud-numbers-as-strings.json", []string{`{"kind":"message","type":"location","timestamp":"2025-11-24T16:00:00Z","location":{"latitude":19.4326,"longitude":-99.1332,"name":"Zocalo"},"decode_error":null}`}},
		// the last of a duplicated key wins, as in Go, JavaScript and Python
		{"cloud-duplicate-keys.json", []string{`{"kind":"message","from":"2222","text":"second"}`}},
		{"cloud-group-message.json", []string{`{"kind":"message","from":"5215500000001","text":"hello group","extra":{"group_id":"120363000000000001@g.us"}}`}},
		{"cloud-group-status.json", []string{`{"kind":"status","status":"read","id":"wamid.GS","to":"5215500000001","extra":{"recipient_type":"group","recipient_participant_id":"5215500000009"}}`}},
		{"cloud-group-lifecycle.json", []string{`{"kind":"unknown","extra":{"array":"groups"},"timestamp":"2025-11-24T16:00:00Z"}`}},
		{"cloud-two-entries-three-fields.json", []string{
			`{"kind":"status","status":"read","id":"wamid.X1","to":"1555","extra":{"waba_id":"A1"}}`,
			`{"kind":"status","status":"delivered","id":"wamid.X2","to":"1556","timestamp":"2025-11-24T16:11:39Z"}`,
			`{"kind":"template-status","status":"approved","id":"77","extra":{"message_template_name":"t1","waba_id":"A1"}}`,
			`{"kind":"message","type":"sticker","id":"wamid.X3","business_number":"15557770001","media":{"animated":true},"extra":{"waba_id":"A2","phone_number_id":"23"}}`,
		}},
		// a status wa-cb does not know is kept as sent
		{"cloud-status-payment.json", []string{`{"kind":"status","status":"captured","id":"wamid.P1","to":"919845012345","extra":{"status_type":"payment"}}`}},
		{"cloud-invalid-utf8-nul.json", []string{`{"kind":"message","type":"text","id":"w","text":"bad \ufffd utf8 \u0000 nul","decode_error":"body is not valid UTF-8 (first invalid byte at offset 164); invalid bytes replaced with U+FFFD; invalid JSON at byte 173: control character byte 0x0 in string; repaired: escaped a control character in a string"}`}},

		// Messenger's envelope is Cloud's, with another object
		{"graph-page-object.json", []string{`{"source":"unknown","kind":"unknown","decode_error":"a Meta webhook for object \"page\", not whatsapp_business_account: not a WhatsApp notification"}`}},

		// ---- Kaleyra v2 (meta_object + extra_info)
		{"kv2-text.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"text","id":"wamid.KV2TXT","from":"919845012345","name":"Ravi K","business_number":"918040001111","text":"namaste","extra":{"trace_id":"5b0d2a8e-0000-4000-8000-00000000aaaa","waba_id":"347000000000069","ref":null,"reply_to":null}}`}},
		{"kv2-status-read-hex-id.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"read","id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","to":"919845012345","extra":{"message_id":"wamid.KV2OUT","ref":"inv-9"}}`}},
		{"kv2-status-failed-numeric-timestamp.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"failed","id":"wamid.KV2F","timestamp":"2025-11-24T16:05:00Z","error":{"code":"131047","title":"Re-engagement message"}}`}},
		{"kv2-nfm-reply.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"interactive","reply":{"kind":"nfm_reply","payload":"{\"flow_token\":\"unused\",\"city\":\"Pune\"}"},"context":{"id":"wamid.F0"},"extra":{"reply_to":"c1"}}`}},

		// ---- Kaleyra v1: on-premises JSON, callback-profile bodies, query strings
		{"k1-onprem-button-reply.json", []string{`{"source":"onprem","kind":"message","type":"interactive","from":"919845012345","name":"Ravi","text":"Yes","reply":{"kind":"button_reply","id":"btn-yes","title":"Yes"},"context":{"id":"gBEGkZhFUBJXAgkRN4G-X2jUOFc"}}`}},
		{"k1-profile-location-object.json", []string{`{"source":"kaleyra-v1","kind":"message","type":"location","from":"919845012345","business_number":"918040001111","timestamp":"2025-11-24T16:06:40Z","location":{"latitude":12.97,"longitude":77.59,"name":"Cubbon Park","address":"Bengaluru"}}`}},
		{"k1-profile-contacts-string.json", []string{`{"source":"kaleyra-v1","kind":"message","type":"contacts","contacts":[{"name":"Meera S","phones":["+91 98450 00000"]}]}`}},
		{"k1-status-id-and-status-only.query", []string{`{"source":"kaleyra-v1","kind":"status","status":"read","id":"7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d:0","to":null,"timestamp":null,"decode_error":null}`}},
		{"k1-profile-text-body.txt", []string{`{"source":"kaleyra-v1","kind":"status","status":"read","id":"7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d:0","to":"919845012345","timestamp":"2025-11-24T16:00:00Z","decode_error":"content type text/plain but the body is form data"}`}},
		{"k1-media-url-unencoded.query", []string{`{"source":"kaleyra-v1","kind":"message","type":"image","from":"919845012345","name":"Ravi Kumar","media":{"url":"https://media.example.in/in/8812/photo.jpg"}}`}},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			checkDecode(t, loadRequest(t, filepath.Join("testdata", "realworld", tc.file)), tc.wants)
		})
	}
	files, err := os.ReadDir(filepath.Join("testdata", "realworld"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[f.Name()] {
			t.Errorf("testdata/realworld/%s has no expectations", f.Name())
		}
	}
}
