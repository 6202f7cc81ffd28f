package callback

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every documented example of the wire formats (and the real-world shapes
// beyond them) decodes into the expected events. Each want is a JSON object
// whose keys must match the event (null: the field must be absent); the
// number of wants is the number of events.
var exampleTests = []struct {
	file string
	want []string
}{
	// ---- Kaleyra v1: status callbacks (legacy callback_url and profiles)
	{"k1/status-sent.query", []string{`{"source":"kaleyra-v1","kind":"status","status":"sent","id":"a2d4ef99-fa14-4487-ab3a-d245b65611a4:0","to":"+12025550143","timestamp":"2020-02-06T07:06:20Z","error":null,"decode_error":null}`}},
	{"k1/status-delivered.query", []string{`{"source":"kaleyra-v1","kind":"status","status":"delivered","to":"+12025550143","timestamp":"2020-02-06T07:06:23Z"}`}},
	{"k1/status-read.query", []string{`{"kind":"status","status":"read","timestamp":"2020-02-06T07:08:21Z"}`}},
	{"k1/status-failed.query", []string{`{"kind":"status","status":"failed","error":{"code":"131026","title":"Message undeliverable"}}`}},
	{"k1/status-seed-quirk.query", []string{`{"source":"kaleyra-v1","kind":"status","status":"delivered","id":"a2d4ef99-fa14-4487-ab3a-d245b65611a4:2","to":"+1202XXXXXXX","timestamp":"2020-02-06T07:06:23Z","decode_error":null,"raw":{"phone_number":"   1202XXXXXXX"}}`}},
	{"k1/status-not-sent.query", []string{`{"kind":"status","status":"not-sent","error":{"title":"Template not approved"}}`}},
	{"k1/status-profile-get.query", []string{`{"kind":"status","status":"delivered","id":"c9e113f0-6fc2-4bd7-979c-ebdb2f600f38:0","to":"919812345683","pricing":{"price":"0.01"},"error":null,"extra":{"custom_response":"false","message":"Message delivered","price":"0.01","ref":"order-42","ref1":null,"error":null}}`}},
	{"k1/status-delivered-post.json", []string{`{"source":"kaleyra-v1","kind":"status","status":"delivered","id":"ad97e1b2-c923-4a1b-b3a3-0b1c2d3e4d97:0","to":"919812345683","timestamp":"2023-11-14T22:13:20Z","pricing":{"price":"0.01"},"extra":{"ref":"order-42"},"raw":{"ref":"order-42","error":""}}`}},
	{"k1/status-failed-post.json", []string{`{"kind":"status","status":"failed","error":{"code":"131026","title":"Message undeliverable"},"pricing":null}`}},
	{"k1/status-form.form", []string{`{"source":"kaleyra-v1","kind":"status","status":"sent","id":"a2d4ef99-fa14-4487-ab3a-d245b65611a4:1","to":"+12025550143"}`}},

	// ---- Kaleyra v1: incoming messages
	{"k1/incoming-image.query", []string{`{"source":"kaleyra-v1","kind":"message","type":"image","from":"919901819819","name":"test","business_number":"918012340128","timestamp":"2020-12-09T06:20:33Z","media":{"url":"https://whatsapp-media-mnt-sg.s3.ap-southeast-1.amazonaws.com/Z5bf5d8/1607494833355_9019fee8-3247-425e-a691-7a2924da9058.jpg","mime_type":"image/jpeg","filename":"9019fee8-3247-425e-a691-7a2924da9058"},"context":{"id":"afe9bda2-4b8f-4ce7-b91b-58fd8e8912d4"},"text":null,"extra":{"company_id":"Z5bf5d8","mobile":"919901819819"},"decode_error":null}`}},
	{"k1/incoming-document.query", []string{`{"kind":"message","type":"document","text":"Quarterly report","media":{"caption":"Quarterly report","mime_type":"application/pdf","filename":"report.pdf"},"context":null}`}},
	{"k1/incoming-image-seed.query", []string{`{"source":"kaleyra-v1","kind":"message","type":"image","from":"919XXXXX9019","name":"test","business_number":"918XXXXX0128","timestamp":null,"media":{"url":"https://whatsapp-media-mnt-sg.s3.ap-southeast-1.amazonaws.com/Z5bf5d8/16XXXXXXXX074_9019fee8-3247-425e-a691-7a2XXXX99058.jpg","mime_type":"image/jpeg"},"context":{"id":"afe9bda2-4b8f-4ce7-b91b-58fd8e8912d4"},"extra":{"phone_number":"+1202XXXXXXX","company_id":"Z5XXXX8"},"decode_error":"message parameter: invalid JSON at byte 249: expected ',' or '}' after object member, found ']'; repaired: closed a container left open before a mismatched bracket; timestamp \"160XXXXX74\" is not a Unix time; timestamp \"160XXX4827\" is not a Unix time","raw":{"created_at":"160XXXXX74","type":"image"}}`}},
	{"k1/incoming-text-query.query", []string{`{"source":"kaleyra-v1","kind":"message","type":"text","text":"Hi","from":"919812345678","name":"John","business_number":"918012340128","context":null,"media":null,"timestamp":"2023-11-14T22:13:20Z","decode_error":null}`}},
	{"k1/incoming-text-post.json", []string{`{"source":"kaleyra-v1","kind":"message","type":"text","text":"Hi","from":"919812345678","name":"John","media":null,"raw":{"body":"Hi","wanumber":"918012340128"}}`}},
	{"k1/incoming-location-query.query", []string{`{"kind":"message","type":"location","location":{"latitude":12.9716,"longitude":77.5946,"name":"MG Road","address":"Bengaluru"}}`}},
	{"k1/incoming-contacts-query.query", []string{`{"kind":"message","type":"contacts","text":"Asha Rao","contacts":[{"name":"Asha Rao","phones":["+91 98123 45679"]}],"extra":{"ref":"a"},"decode_error":null}`}},
	// Kaleyra forwards text, location and interactive replies in the
	// on-premises format; the seed's masked timestamp stays only in raw.
	{"k1/incoming-text.json", []string{`{"source":"onprem","kind":"message","type":"text","id":"ABGGFlA5FpafAgo6tHcNmNjXmuSf","from":"1XXXXXXXX63","name":"Test","text":"Hello this is an answer","timestamp":null,"decode_error":"timestamp \"15XXXXX186\" is not a Unix time","raw":{"timestamp":"15XXXXX186"}}`}},
	{"k1/incoming-location.json", []string{`{"source":"onprem","kind":"message","type":"location","name":"Test","timestamp":"2018-03-19T22:17:55Z","location":{"latitude":38.9806263495,"longitude":-131.9428612257,"name":"Main Street Beach","address":"Main Street Beach, Santa Cruz, CA","url":"https://foursquare.com/v/4d7031d35b5df7744"}}`}},
	{"k1/incoming-list-reply.json", []string{`{"source":"onprem","kind":"message","type":"interactive","id":"message_id","from":"sender_wa_id","text":"row-title-content-here","reply":{"kind":"list_reply","id":"unique-row-identifier-here","title":"row-title-content-here","description":"row-description-content-here"},"context":{"id":"message_id_of_context_message","from":"sender_wa_id_of_context_message","mentions":["wa_id1","wa_id2"]},"timestamp":null,"decode_error":"timestamp \"message_timestamp\" is not a Unix time"}`}},
	{"k1/incoming-list-reply-truncated.json", []string{`{"source":"onprem","kind":"message","type":"interactive","reply":{"kind":"list_reply","id":"unique-row-identifier-here","description":"row-description-content-here"},"decode_error":"invalid JSON at byte 455: unexpected end of input in object (unterminated object starting at byte 343); repaired: 5 unterminated containers closed at end of input; timestamp \"message_timestamp\" is not a Unix time"}`}},
	{"k1/incoming-button-reply-trailing-comma.json", []string{`{"source":"onprem","kind":"message","type":"interactive","text":"button-text","reply":{"kind":"button_reply","id":"unique-button-identifier","title":"button-text"},"context":{"id":"message_id_of_context_message"},"decode_error":"invalid JSON at byte 309: trailing comma before '}'; repaired: dropped a trailing comma; timestamp \"message_timestamp\" is not a Unix time"}`}},
	{"k1/incoming-template-button.json", []string{`{"source":"onprem","kind":"message","type":"button","text":"Yes","reply":{"kind":"button","title":"Yes","payload":"payload1"},"name":"Kerry Fisher"}`}},

	// ---- Kaleyra v1: quality and template status
	{"k1/quality.query", []string{`{"source":"kaleyra-v1","kind":"quality","status":"flagged","business_number":"16505551111","extra":{"event":"FLAGGED","current_limit":"TIER_10K"}}`}},
	{"k1/template-status.query", []string{`{"source":"kaleyra-v1","kind":"template-status","status":"approved","id":"12345","timestamp":"2023-11-14T22:20:00Z","extra":{"message_template_id":"987654321","callback_profile_id":"cbp-1","company_id":"Z5bf5d8","reason":"NONE","message_template_language":"en","other_info":null}}`}},
	{"k1/template-status-post.json", []string{`{"source":"kaleyra-v1","kind":"template-status","status":"rejected","id":"12346","name":null,"extra":{"message_template_name":"order_update","reason":"INVALID_FORMAT","message_template_id":"987654322"}}`}},

	// ---- Kaleyra v2
	{"kv2/status-sent-doc.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"sent","id":"XXX7f9c32XXXX9deXXXXXXacac299cfb","to":"919407XXXXXX","business_number":"91XXXXXXXXXX","timestamp":"2024-08-05T05:11:05Z","pricing":{"billable":true,"pricing_model":"Conversation-Based Pricing","category":"marketing","conversation_id":"XXX7f9c3269f79deXXXXXXacac299cfb","origin":"marketing"},"extra":{"trace_id":"8f14e45f-eXXX-4c1a-9e77-1a5XXXXXXXXX","message_id":"wamid.XXXXXHE5NXXXXXXXXXXDAQ==","waba_id":"12XXXXX34512345","ref":"campaign_2025_summer_sale","ref1":"order_ORD_456789","ref2":"payment_pending"},"decode_error":"invalid JSON at byte 1264: trailing comma before '}'; repaired: dropped a trailing comma"}`}},
	{"kv2/status-delivered.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"delivered","to":"919812345678","pricing":{"category":"utility"},"extra":{"ref":"r","ref1":null},"decode_error":null}`}},
	{"kv2/status-failed.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"failed","id":"wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSNUY3MDAA","error":{"code":"131026","title":"Message undeliverable","detail":"Message Undeliverable."},"errors":null}`}},
	{"kv2/status-not-sent-top.json", []string{`{"source":"kaleyra-v2","kind":"status","status":"not-sent","id":"c0ffee00-0000-4000-8000-000000000001:0","business_number":"919812300000"}`}},
	{"kv2/incoming-image.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"image","name":"Samuel","from":"919XXXXXXXXX","media":{"id":"4621XXXXXXXXXXX","url":"https://example.com/images/product123.jpg","mime_type":"image/jpeg","sha256":"hYeiE5iZTCUKVSRXXXXXXXXXXtP4CwWZIq5j3e3SqnU="},"context":{"from":"919XXXXXXXXX","id":"wamid.HBgMOTE5NzQwNzc2NTXXXXXXXXXXA1FQIAEhggRUQxMzMUQ4QzFGREQ5NzI3OUFBNTEwQTkA"},"extra":{"reply_to":"48c38d78-4ec5-XXXX-abee-03XXXXXX6c85","ref":"Hello This will be my reference id - 123","ref1":"shoes campaign","ref2":"summer sale campaign","trace_id":"cb94fee2-3e70-XXXX-944a-2a4XXXXdb90a","waba_id":"347XXXXXXXXXX69","media_url":null}}`}},
	{"kv2/incoming-list-reply.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"interactive","from":"919740776505","name":"Sam","text":"1st sec 1 Row ಅತುಲ್","reply":{"kind":"list_reply","id":"1","title":"1st sec 1 Row ಅತುಲ್","description":"Its Description-here 1st row"},"media":null}`}},
	{"kv2/incoming-template-button.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"button","text":"message","reply":{"kind":"button","title":"message","payload":"button0"}}`}},
	{"kv2/incoming-voice.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"audio","media":{"voice":true,"url":"https://example.com/media/voice.ogg","id":"1234567890987654321"}}`}},
	{"kv2/incoming-reaction.json", []string{`{"source":"kaleyra-v2","kind":"message","type":"reaction","text":"👍","reaction":{"message_id":"wamid.HBgMOTE5ODEyMzQ1Njc5FQIAERgSNUY3MDAA","emoji":"👍"}}`}},

	// ---- Meta On-Premises
	{"onprem/text.json", []string{`{"source":"onprem","kind":"message","type":"text","id":"ABGGFlA5FpafAgo6tHcNmNjXmuSf","from":"16315551234","name":"Kerry Fisher","text":"Hello this is an answer","timestamp":"2018-02-15T11:30:35Z","business_number":null}`}},
	{"onprem/text-reply.json", []string{`{"kind":"message","type":"text","text":"Yes, count me in!","context":{"id":"ABGGFlA5FpafAgo6tHcNmNjXmuSf","from":"16315558011"}}`}},
	{"onprem/text-forwarded.json", []string{`{"type":"text","context":{"forwarded":true,"frequently_forwarded":null}}`}},
	{"onprem/text-frequently-forwarded.json", []string{`{"type":"text","context":{"frequently_forwarded":true,"forwarded":null}}`}},
	{"onprem/text-group-mentions.json", []string{`{"type":"text","name":null,"context":{"id":"gBGGFlA5FpafAgkOuJbRq54qwbM","from":"16315555544","mentions":["16315551000","16315551099"]}}`}},
	{"onprem/text-identity.json", []string{`{"type":"text","text":"Hi from new number 3601","extra":{"identity_acknowledged":"true","identity_hash":"Sjvjlx8G6Z0=","identity_created":"2020-10-12T19:51:40Z"}}`}},
	{"onprem/image.json", []string{`{"source":"onprem","type":"image","text":"Check out my new phone!","media":{"id":"b1c68f38-8734-4ad3-b4a1-ef0c10d683","mime_type":"image/jpeg","sha256":"29ed500fa64eb55fc19dc4124acb300e5dcc54a0f822a301ae99944db","caption":"Check out my new phone!"}}`}},
	{"onprem/document.json", []string{`{"type":"document","media":{"mime_type":"application/pdf","caption":"80skaraokesonglistartist"}}`}},
	{"onprem/voice.json", []string{`{"type":"voice","media":{"id":"463eb7ec-ff4e-4d9b-b110-1879cbd411b2","mime_type":"audio/ogg; codecs=opus","voice":true}}`}},
	{"onprem/audio.json", []string{`{"type":"audio","media":{"mime_type":"audio/mpeg","voice":null}}`}},
	{"onprem/video.json", []string{`{"type":"video","name":"Kerry Fisher","from":"16315558011","context":{"frequently_forwarded":true},"media":{"mime_type":"video/mp4"}}`}},
	{"onprem/sticker.json", []string{`{"type":"sticker","media":{"mime_type":"image/webp","id":"b1c68f38-8734-4ad3-b4a1-ef0c10d683"}}`}},
	{"onprem/contacts.json", []string{`{"type":"contacts","text":"Kerry Fisher","contacts":[{"name":"Kerry Fisher","phones":["+1 (940) 555-1234","+1 (650) 555-1234"]}]}`}},
	{"onprem/button.json", []string{`{"type":"button","text":"No","reply":{"kind":"button","title":"No","payload":"No-Button-Payload"},"context":{"id":"gBGGFmkiWVVPAgkgQkwi7IORac0"}}`}},
	{"onprem/system-number-changed.json", []string{`{"type":"system","text":"User A changed from +1 (631) 555-8889 to +1 (631) 555-8890","extra":{"system_type":"user_changed_number","new_wa_id":"16315558890"}}`}},
	{"onprem/system-identity-changed.json", []string{`{"type":"system","extra":{"system_type":"user_identity_changed","identity":"Rc/eg9Rl0JA=","user":"16315553601"}}`}},
	{"onprem/unknown.json", []string{`{"kind":"message","type":"unknown","error":{"code":"501","title":"Unknown message type","detail":"Message type is not currently supported"}}`}},
	{"onprem/referral.json", []string{`{"type":"text","text":"Can I learn more about your business?","referral":{"source_type":"ad","source_id":"1234567890","headline":"Our new product"}}`}},
	{"onprem/status-sent.json", []string{`{"source":"onprem","kind":"status","status":"sent","id":"gBGGEgFVUXl_AgkUBIUqicVXyZY","to":"12015551797","timestamp":"2021-01-05T20:50:00Z","pricing":{"billable":true,"pricing_model":"CBP","conversation_id":"5fc5524522b4c9bc0e2018ad810a095a"}}`}},
	{"onprem/status-delivered.json", []string{`{"kind":"status","status":"delivered","to":"12015551797"}`}},
	{"onprem/status-read.json", []string{`{"kind":"status","status":"read","to":"16315555555"}`}},
	{"onprem/status-delivered-legacy.json", []string{`{"kind":"status","status":"delivered","pricing":null,"to":"16315555555"}`}},
	{"onprem/status-message-recipient.json", []string{`{"kind":"status","status":"read","to":"16315555556"}`}},
	{"onprem/status-failed.json", []string{`{"kind":"status","status":"failed","error":{"code":"470"}}`}},
	{"onprem/status-failed-identity.json", []string{`{"kind":"status","status":"failed","error":{"code":"480","title":"Failed to send message since we detect an identity change of the contact"}}`}},
	{"onprem/status-deleted.json", []string{`{"kind":"status","status":"deleted","id":"ABGGFmkiWVVPAgo66iFiii_-TG0-"}`}},
	{"onprem/errors.json", []string{`{"source":"onprem","kind":"error","error":{"code":"400","title":"Media download error","detail":"Failed to download the media from the sender."},"raw":{"href":"location for error detail"}}`}},

	// ---- Meta Cloud API
	{"cloud/verify.query", []string{`{"source":"cloud","kind":"verification","verification":{"mode":"subscribe","challenge":"1158201444","token_present":true},"raw":{"hub.verify_token":"[redacted]","hub.challenge":"1158201444"}}`}},
	{"cloud/incoming-text.json", []string{`{"source":"cloud","kind":"message","type":"text","id":"wamid.xyzxyz","from":"972987654321","name":"Test Name","business_number":"15550001111","timestamp":"2023-10-11T16:53:43Z","text":"Body Text","extra":{"phone_number_id":"1122334455667","waba_id":"102290129340398"},"raw":{"id":"wamid.xyzxyz","text":{"body":"Body Text"}}}`}},
	{"cloud/incoming-text-reply.json", []string{`{"type":"text","text":"replied text","context":{"id":"wamid.xyzxyz==","from":"972123456789"}}`}},
	{"cloud/incoming-text-forwarded.json", []string{`{"type":"text","context":{"forwarded":true}}`}},
	{"cloud/incoming-text-frequently-forwarded.json", []string{`{"type":"text","context":{"frequently_forwarded":true}}`}},
	{"cloud/incoming-image.json", []string{`{"type":"image","text":"This is a caption","media":{"id":"65463453","mime_type":"image/jpeg","sha256":"4654+8g=","caption":"This is a caption"}}`}},
	{"cloud/incoming-video.json", []string{`{"type":"video","text":"caption","context":{"forwarded":true},"media":{"id":"765756756","mime_type":"video/mp4"}}`}},
	{"cloud/incoming-document.json", []string{`{"type":"document","media":{"filename":"filename.pdf","caption":"caption","mime_type":"application/pdf","id":"1234567890987654321"}}`}},
	{"cloud/incoming-audio.json", []string{`{"type":"audio","media":{"voice":null,"mime_type":"audio/ogg; codecs=opus"}}`}},
	{"cloud/incoming-voice.json", []string{`{"type":"audio","media":{"voice":true,"id":"1234567890987654322"}}`}},
	{"cloud/incoming-sticker.json", []string{`{"type":"sticker","media":{"animated":null,"mime_type":"image/webp"}}`}},
	{"cloud/incoming-sticker-animated.json", []string{`{"type":"sticker","media":{"animated":true}}`}},
	{"cloud/incoming-location.json", []string{`{"type":"location","location":{"latitude":37.4611978,"longitude":-122.2164385,"name":"Facebook HQ","address":"1 Hacker Way, Menlo Park, CA 94025","url":"https://maps.google.com/?cid=2000000000000000000"}}`}},
	{"cloud/incoming-location-current.json", []string{`{"type":"location","location":{"latitude":12.25089,"longitude":43.90539,"name":null}}`}},
	{"cloud/incoming-contacts.json", []string{`{"type":"contacts","text":"Chandler Bing","contacts":[{"name":"Chandler Bing","phones":["+1 555-555-5555"]}]}`}},
	{"cloud/incoming-button.json", []string{`{"type":"button","text":"title","reply":{"kind":"button","title":"title","payload":"callback_data"},"context":{"id":"wamid.xyzxyz=="}}`}},
	{"cloud/incoming-button-reply.json", []string{`{"type":"interactive","text":"title","reply":{"kind":"button_reply","id":"callback_data","title":"title"}}`}},
	{"cloud/incoming-list-reply.json", []string{`{"type":"interactive","text":"Row title","reply":{"kind":"list_reply","id":"row_1","title":"Row title","description":"Row description"}}`}},
	{"cloud/incoming-nfm-reply.json", []string{`{"type":"interactive","text":"Sent","reply":{"kind":"nfm_reply","title":"flow","payload":"{\"flow_token\":\"tok-1\",\"screen_0_Name_0\":\"Dana\"}"}}`}},
	{"cloud/incoming-reaction.json", []string{`{"type":"reaction","text":"😮","reaction":{"message_id":"wamid.yzxyzx=","emoji":"😮"}}`}},
	{"cloud/incoming-unreaction.json", []string{`{"type":"reaction","text":null,"reaction":{"message_id":"wamid.yzxyzx=","emoji":""}}`}},
	{"cloud/incoming-reaction-typo.json", []string{`{"type":"reaction","reaction":{"message_id":"wamid.yzxyzy=","emoji":"❤️"}}`}},
	{"cloud/incoming-order.json", []string{`{"type":"order","extra":{"catalog_id":"354160437058781","order_items":"HAMBURGER x3 @ 30 ILS"}}`}},
	{"cloud/incoming-referral.json", []string{`{"type":"text","text":"BODY","referral":{"source_url":"AD_OR_POST_FB_URL","ctwa_clid":"CTWA_CLID"}}`}},
	{"cloud/incoming-unsupported.json", []string{`{"kind":"message","type":"unsupported","error":{"code":"131051","title":"Message type unknown","detail":"Message type is currently not supported."}}`}},
	{"cloud/incoming-unknown.json", []string{`{"kind":"message","type":"unknown","error":{"code":"131051","title":"Unsupported message type","detail":"Message type is not currently supported"}}`}},
	{"cloud/incoming-interactive-error.json", []string{
		`{"kind":"message","type":"interactive","id":"wamid.wegrchytvwcggt=","reply":null,"error":null}`,
		`{"source":"cloud","kind":"error","error":{"code":"131000","title":"Something went wrong","detail":"Unsupported webhook payload"},"raw":{"code":131000}}`,
	}},
	{"cloud/system-number-changed.json", []string{`{"type":"system","name":null,"text":"User A changed from 972987654321 to 972912345678","extra":{"system_type":"user_changed_number","wa_id":"972912345678"}}`}},
	{"cloud/system-user-id-changed.json", []string{`{"type":"system","from":null,"extra":{"system_type":"user_changed_user_id","user_id":"MX.0987654321","previous_user_id":"CO.1234567890"}}`}},
	{"cloud/system-identity-changed.json", []string{`{"type":"system","text":"User identity changed","extra":{"system_type":"customer_identity_changed","identity_acknowledged":"true","identity_hash":"xyzxyz"}}`}},
	{"cloud/incoming-text-user-id.json", []string{`{"type":"text","name":"Test Name","from":"16505551234","extra":{"from_user_id":"US.13491208655302741918"}}`}},
	{"cloud/status-sent.json", []string{`{"source":"cloud","kind":"status","status":"sent","id":"wamid.xyzxyz","to":"972987654321","business_number":"972123456789","timestamp":"2023-10-25T20:49:05Z","pricing":{"billable":true,"pricing_model":"CBP","category":"service","conversation_id":"7270432eae37498234f4444b35ffc5","origin":"service"},"extra":{"conversation_expiration":"2023-10-26T17:05:00Z","waba_id":"5467539754836534"}}`}},
	{"cloud/status-delivered.json", []string{`{"kind":"status","status":"delivered","extra":{"conversation_expiration":null}}`}},
	{"cloud/status-read.json", []string{`{"kind":"status","status":"read"}`}},
	{"cloud/status-sent-opaque.json", []string{`{"kind":"status","status":"sent","extra":{"biz_opaque_callback_data":"some data"}}`}},
	{"cloud/status-failed.json", []string{`{"kind":"status","status":"failed","error":{"code":"130472","title":"User's number is part of an experiment","detail":"Failed to send message because this user's phone number is part of an experiment"}}`}},
	{"cloud/status-failed-multi-errors.json", []string{`{"kind":"status","status":"failed","error":{"code":"131049"},"errors":[{"code":"131049"},{"code":"131026","title":"Message undeliverable"}]}`}},
	{"cloud/status-delivered-pmp.json", []string{`{"kind":"status","pricing":{"pricing_model":"PMP","category":"marketing","billable":true,"conversation_id":null},"extra":{"pricing_type":"regular"}}`}},
	{"cloud/status-read-pricing-model-only.json", []string{`{"kind":"status","status":"read","pricing":{"pricing_model":"PMP","billable":null}}`}},
	{"cloud/batch.json", []string{
		`{"kind":"message","type":"text","text":"Body Text","name":"Test Name","extra":{"waba_id":"102290129340398"}}`,
		`{"kind":"message","type":"image","text":"This is a caption"}`,
		`{"kind":"status","status":"delivered"}`,
		`{"kind":"message","type":"text","text":"second entry","from":"16505550000","name":"Other","extra":{"waba_id":"999"}}`,
	}},
	{"cloud/pretty-trailing-commas.json", []string{`{"source":"cloud","kind":"message","type":"text","text":"Test","name":"Dana Levi","business_number":"15550009999","decode_error":"invalid JSON at byte 424: trailing comma before '}'; repaired: 7 trailing commas dropped"}`}},
	{"cloud/incoming-nfm-reply-object.json", []string{`{"type":"interactive","text":"Delivery address","reply":{"kind":"nfm_reply","title":"address_message","payload":"{\"values\":{\"city\":\"Haifa\"}}"}}`}},
	{"onprem/status-failed-type-message.json", []string{`{"source":"onprem","kind":"status","status":"failed","to":"15550001111","error":{"code":"1026","title":"Receiver Incapable"}}`}},
	{"cloud/template-status.json", []string{`{"source":"cloud","kind":"template-status","status":"approved","id":"1234567890","name":null,"timestamp":"2023-11-14T22:23:20Z","extra":{"reason":"NONE","message_template_language":"en_US"}}`}},
	{"cloud/quality-update.json", []string{`{"source":"cloud","kind":"quality","status":"downgrade","business_number":"16505551111","extra":{"current_limit":"TIER_1K","old_limit":"TIER_10K"}}`}},
	// Hand-made payloads: no "object" key, or one change on its own.
	{"cloud/no-object-key.json", []string{`{"source":"cloud","kind":"status","status":"read","to":"919096053970","timestamp":"2023-11-02T05:33:37Z","extra":{"waba_id":"102290129340398"},"decode_error":null}`}},
	{"cloud/lone-change.json", []string{`{"source":"cloud","kind":"message","type":"text","from":"15551234567","name":"Maya Patel","business_number":"15550783881","text":"just the change","decode_error":null}`}},
	{"cloud/account-update.json", []string{`{"source":"cloud","kind":"account-update","status":"verified_account","business_number":"16505551111","extra":{"event":"VERIFIED_ACCOUNT","field":null},"raw":{"event":"VERIFIED_ACCOUNT"}}`}},
}

func TestDecodeExamples(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range exampleTests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			checkDecode(t, loadRequest(t, filepath.Join("testdata", "requests", tc.file)), tc.want)
		})
	}
	// Every request file in testdata is covered by a table entry.
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*", "*"))
	for _, f := range files {
		rel := strings.TrimPrefix(filepath.ToSlash(f), "testdata/requests/")
		if !seen[rel] {
			t.Errorf("testdata file %s has no expectation", rel)
		}
	}
}

// TestRawIsVerbatim checks that raw holds the message object exactly as
// received (same bytes), not a re-encoding.
func TestRawIsVerbatim(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "requests", "kv2", "incoming-list-reply.json"))
	if err != nil {
		t.Fatal(err)
	}
	evs := Decode(Request{Method: "POST", Body: body})
	if len(evs) != 1 {
		t.Fatalf("got %d events", len(evs))
	}
	raw := string(evs[0].Raw)
	if !strings.HasPrefix(raw, `{"context":`) || !strings.Contains(string(body), raw) {
		t.Fatalf("raw is not a verbatim slice of the body: %s", raw)
	}
	if !strings.Contains(raw, `\u0c85`) {
		t.Fatalf("raw lost the original escaping: %s", raw)
	}
}

// appendUTC writes what the time package writes, across the range of
// times unixTime reads: the edges of that range, of months, leap days and
// centuries, and days spread over all of it.
func TestAppendUTCMatchesTime(t *testing.T) {
	secs := []int64{0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 951868800, // 2000-02-29
		4107456000, 4107542399, 4107542400, // 2100-02-28, 2100-03-01
		1796152982, msFrom - 1, usTo/1e6 - 1}
	for y := 1970; y <= 5138; y++ {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			at := time.Date(y, time.Month(md[0]), md[1], 23, 59, 59, 0, time.UTC)
			secs = append(secs, at.Unix(), at.Unix()+1)
		}
	}
	for s := int64(0); s < msFrom; s += 7777777 {
		secs = append(secs, s)
	}
	for _, s := range secs {
		if s < 0 || s >= msFrom {
			continue
		}
		want := time.Unix(s, 0).UTC().Format(time.RFC3339)
		if got := string(appendUTC(nil, s)); got != want {
			t.Fatalf("appendUTC(%d) = %s, want %s", s, got, want)
		}
	}
}
