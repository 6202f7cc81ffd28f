package callback

import (
	"net/http"
	"testing"
)

// cloudChange wraps one change value in Meta's Cloud envelope.
func cloudChange(field, value string) Request {
	return jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1763980000,"changes":[{"value":` +
		value + `,"field":"` + field + `"}]}]}`)
}

const cloudMeta = `"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}`

// What real senders send beyond the documented examples: values decoded
// by what they hold, account-level fields, statuses wa-cb does not know,
// business-scoped user ids.
func TestDecodeRealSenders(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		// ---- decoded by what the value holds
		{"field status holding statuses", cloudChange("status", `{`+cloudMeta+`,"statuses":[{"id":"wamid.A","status":"read","timestamp":"1763980000","recipient_id":"16505551234"}]}`),
			[]string{`{"kind":"status","status":"read","id":"wamid.A","to":"16505551234","business_number":"15550783881"}`}},
		{"unknown arrays next to messages are events of their own", cloudChange("messages", `{`+cloudMeta+`,"messages":[{"from":"16505551234","id":"wamid.M","timestamp":"1763980000","type":"text","text":{"body":"hi"}}],"calls":[{"id":"wacid.C","event":"connect","timestamp":"1763980001"}],"whatever_next":[{"a":1},{"a":2}]}`),
			[]string{
				`{"kind":"message","type":"text","text":"hi"}`,
				`{"kind":"unknown","id":"wacid.C","timestamp":"2025-11-24T10:26:41Z","extra":{"array":"calls"},"raw":{"event":"connect"}}`,
				`{"kind":"unknown","extra":{"array":"whatever_next"},"raw":{"a":1}}`,
				`{"kind":"unknown","extra":{"array":"whatever_next"},"raw":{"a":2}}`,
			}},
		{"on-premises body with an unknown array", jsonReq(`{"statuses":[{"id":"gB","status":"sent","recipient_id":"1"}],"calls":[{"id":"c"}]}`),
			[]string{`{"source":"onprem","kind":"status","status":"sent"}`, `{"source":"onprem","kind":"unknown","id":"c","extra":{"array":"calls"}}`}},
		{"message echoes", cloudChange("smb_message_echoes", `{`+cloudMeta+`,"contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],"message_echoes":[{"from":"15550783881","to":"16505551234","to_user_id":"US.1","id":"wamid.E","timestamp":"1763980000","type":"text","text":{"body":"ready"}}]}`),
			[]string{`{"kind":"message-echo","type":"text","from":"15550783881","to":"16505551234","to_user_id":"US.1","name":"Sheena","text":"ready","id":"wamid.E"}`}},
		{"user preferences", cloudChange("user_preferences", `{`+cloudMeta+`,"user_preferences":[{"wa_id":"16505551234","detail":"User requested to resume marketing messages","category":"marketing_messages","value":"resume","timestamp":1763979900}]}`),
			[]string{`{"kind":"user-preference","status":"resume","from":"16505551234","timestamp":"2025-11-24T10:25:00Z","extra":{"category":"marketing_messages","detail":"User requested to resume marketing messages"}}`}},
		{"history chunk", cloudChange("history", `{`+cloudMeta+`,"history":[{"metadata":{"phase":1,"chunk_order":2,"progress":100},"threads":[{"id":"1","messages":[{"id":"a"},{"id":"b"}]},{"id":"2","messages":[{"id":"c"}]}]}]}`),
			[]string{`{"kind":"history","extra":{"phase":"1","chunk_order":"2","progress":"100","threads":"2","messages":"3"}}`}},
		{"history declined", cloudChange("history", `{`+cloudMeta+`,"history":[{"errors":[{"code":2593109,"title":"History sharing is turned off by the business"}]}]}`),
			[]string{`{"kind":"history","error":{"code":"2593109","title":"History sharing is turned off by the business"}}`}},
		{"app state sync", cloudChange("smb_app_state_sync", `{`+cloudMeta+`,"state_sync":[{"type":"contact","contact":{"full_name":"Pablo Morales","phone_number":"16505551234"},"action":"remove","metadata":{"timestamp":"1763980000"}}]}`),
			[]string{`{"kind":"state-sync","type":"contact","status":"remove","contacts":[{"name":"Pablo Morales","phones":["16505551234"]}],"timestamp":"2025-11-24T10:26:40Z"}`}},

		// ---- account-level fields: a named kind with their key facts
		{"account_update restriction", cloudChange("account_update", `{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1764584800},{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":1764584800}]}`),
			[]string{`{"source":"cloud","kind":"account-update","status":"account_restriction","timestamp":"2025-11-24T10:26:40Z","extra":{"event":"ACCOUNT_RESTRICTION","restriction_info.restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING, RESTRICTED_ADD_PHONE_NUMBER_ACTION","waba_id":"102290129340398"}}`}},
		{"account_update ban", cloudChange("account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"SCHEDULE_FOR_DISABLE","waba_ban_date":"December 8, 2026"}}`),
			[]string{`{"kind":"account-update","status":"disabled_update","extra":{"ban_info.waba_ban_state":"SCHEDULE_FOR_DISABLE","ban_info.waba_ban_date":"December 8, 2026"}}`}},
		{"account_update partner", cloudChange("account_update", `{"event":"PARTNER_ADDED","waba_info":{"waba_id":"980","owner_business_id":"232","solution_partner_business_ids":["294","520"]}}`),
			[]string{`{"kind":"account-update","status":"partner_added","extra":{"waba_info.waba_id":"980","waba_info.solution_partner_business_ids":"294, 520"}}`}},
		{"account_update verified", cloudChange("account_update", `{"phone_number":"15550783881","event":"VERIFIED_ACCOUNT"}`),
			[]string{`{"kind":"account-update","status":"verified_account","business_number":"15550783881"}`}},
		{"account_alerts", cloudChange("account_alerts", `{"entity_type":"PHONE_NUMBER","entity_id":"106540352242922","alert_severity":"WARNING","alert_status":"ACTIVE","alert_type":"INCREASED_CAPABILITIES_ELIGIBILITY_FAILED","alert_description":"Not yet eligible"}`),
			[]string{`{"kind":"account-alert","status":"increased_capabilities_eligibility_failed","extra":{"alert_severity":"WARNING","alert_status":"ACTIVE","entity_id":"106540352242922","alert_description":"Not yet eligible"}}`}},
		{"account_review_update", cloudChange("account_review_update", `{"decision":"REJECTED"}`),
			[]string{`{"kind":"account-review","status":"rejected","extra":{"decision":"REJECTED"}}`}},
		{"business_capability_update", cloudChange("business_capability_update", `{"max_daily_conversation_per_phone":1000,"max_phone_numbers_per_business":2}`),
			[]string{`{"kind":"business-capability","status":null,"extra":{"max_daily_conversation_per_phone":"1000","max_phone_numbers_per_business":"2"}}`}},
		{"phone_number_name_update", cloudChange("phone_number_name_update", `{"display_phone_number":"15550783881","decision":"REJECTED","requested_verified_name":"Lucky Shrub","rejection_reason":"NAME_FORMAT_UNACCEPTABLE"}`),
			[]string{`{"kind":"display-name","status":"rejected","business_number":"15550783881","extra":{"requested_verified_name":"Lucky Shrub","rejection_reason":"NAME_FORMAT_UNACCEPTABLE"}}`}},
		{"phone_number_quality_update", cloudChange("phone_number_quality_update", `{"display_phone_number":"15550783881","event":"UPGRADE","current_limit":"TIER_10K","old_limit":"TIER_1K"}`),
			[]string{`{"kind":"quality","status":"upgrade","business_number":"15550783881","extra":{"current_limit":"TIER_10K","old_limit":"TIER_1K"}}`}},
		{"message_template_status_update with other_info", cloudChange("message_template_status_update", `{"event":"REJECTED","message_template_id":1229054618214839,"message_template_name":"order_shipped","message_template_language":"en_US","reason":"INVALID_FORMAT","other_info":{"title":"FIRST_PAUSE","description":"Paused for low quality"}}`),
			[]string{`{"kind":"template-status","status":"rejected","id":"1229054618214839","extra":{"message_template_name":"order_shipped","reason":"INVALID_FORMAT","other_info.title":"FIRST_PAUSE"}}`}},
		{"message_template_quality_update", cloudChange("message_template_quality_update", `{"previous_quality_score":"GREEN","new_quality_score":"RED","message_template_id":806312974732579,"message_template_name":"welcome_template","message_template_language":"en_US"}`),
			[]string{`{"kind":"template-quality","status":"red","id":"806312974732579","extra":{"previous_quality_score":"GREEN","new_quality_score":"RED","message_template_name":"welcome_template","message_template_language":"en_US"}}`}},
		{"template_category_update", cloudChange("template_category_update", `{"message_template_id":12345678,"message_template_name":"my_template","message_template_language":"he","previous_category":"UTILITY","new_category":"MARKETING"}`),
			[]string{`{"kind":"template-category","status":"marketing","id":"12345678","extra":{"previous_category":"UTILITY","message_template_name":"my_template"}}`}},
		{"template_category_update announced", cloudChange("template_category_update", `{"message_template_id":12345678,"message_template_name":"my_template","message_template_language":"he","correct_category":"MARKETING","category_update_timestamp":1764584800}`),
			[]string{`{"kind":"template-category","status":"marketing","extra":{"correct_category":"MARKETING"}}`}},
		{"message_template_components_update", cloudChange("message_template_components_update", `{"message_template_id":12345678,"message_template_name":"my_template","message_template_language":"en_US","message_template_element":"Hi {{1}}","message_template_buttons":[{"message_template_button_type":"URL","message_template_button_text":"Track"}]}`),
			[]string{`{"kind":"template-components","id":"12345678","extra":{"message_template_element":"Hi {{1}}","message_template_buttons.message_template_button_text":"Track"}}`}},
		{"security", cloudChange("security", `{"display_phone_number":"15550783881","event":"PIN_RESET_REQUEST","requester":"2678"}`),
			[]string{`{"kind":"security","status":"pin_reset_request","business_number":"15550783881","extra":{"requester":"2678"}}`}},
		{"a field newer than the decoder keeps its facts", cloudChange("flows", `{"event":"FLOW_STATUS_CHANGE","flow_id":"6789","old_status":"DRAFT","new_status":"PUBLISHED"}`),
			[]string{`{"kind":"unknown","extra":{"field":"flows","event":"FLOW_STATUS_CHANGE","flow_id":"6789","new_status":"PUBLISHED"}}`}},
		{"kaleyra v2 forwarding an account field", jsonReq(`{"meta_object":{"field":"message_template_quality_update","value":{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1,"message_template_name":"t"}},"extra_info":{"waba_id":"347"}}`),
			[]string{`{"source":"kaleyra-v2","kind":"template-quality","status":"yellow","id":"1","extra":{"waba_id":"347"}}`}},

		// ---- statuses: known spellings normalised, the rest kept as sent
		{"cloud status unknown to wa-cb", jsonReq(`{"statuses":[{"id":"gB","status":"in_orbit","recipient_id":"1"}]}`),
			[]string{`{"kind":"status","status":"in_orbit"}`}},
		{"cloud status in capitals unknown to wa-cb", jsonReq(`{"statuses":[{"id":"gB","status":"Beyond Reach","recipient_id":"1"}]}`),
			[]string{`{"kind":"status","status":"Beyond Reach"}`}},
		{"kaleyra NOT-SENT", Request{Method: http.MethodGet, RawQuery: "id=a%3A0&status=NOT-SENT&mobile=919812345683"},
			[]string{`{"source":"kaleyra-v1","kind":"status","status":"not-sent"}`}},
		{"kaleyra Not Sent", Request{Method: http.MethodGet, RawQuery: "id=a%3A0&status=Not+Sent&mobile=919812345683"},
			[]string{`{"kind":"status","status":"not-sent"}`}},
		{"kaleyra not_sent", Request{Method: http.MethodGet, RawQuery: "id=a%3A0&status=not_sent&mobile=919812345683"},
			[]string{`{"kind":"status","status":"not-sent"}`}},
		{"kaleyra DELIVERED", Request{Method: http.MethodGet, RawQuery: "id=a%3A0&status=DELIVERED&mobile=919812345683"},
			[]string{`{"kind":"status","status":"delivered"}`}},
		{"kaleyra status unknown to wa-cb", Request{Method: http.MethodGet, RawQuery: "id=a%3A0&status=in_orbit&mobile=919812345683"},
			[]string{`{"kind":"status","status":"in_orbit"}`}},
		{"kaleyra v2 top-level status beside an unknown array", jsonReq(`{"meta_object":{"field":"messages","value":{"messaging_product":"whatsapp","calls":[{"id":"wacid.1"}]}},"status":"sent","message_id":"wamid.Q"}`),
			[]string{`{"source":"kaleyra-v2","kind":"unknown","id":"wacid.1","extra":{"array":"calls"}}`, `{"source":"kaleyra-v2","kind":"status","status":"sent","id":"wamid.Q"}`}},
		{"kaleyra v2 top-level status unknown to wa-cb", jsonReq(`{"meta_object":{"field":"messages","value":{}},"status":"QUEUED_AT_META","message_id":"wamid.Q"}`),
			[]string{`{"source":"kaleyra-v2","kind":"status","status":"QUEUED_AT_META","id":"wamid.Q"}`}},

		// ---- reply.id routes every reply, template buttons included
		{"template quick-reply button", cloudChange("messages", `{`+cloudMeta+`,"messages":[{"from":"16505551234","id":"wamid.B","timestamp":"1763980000","type":"button","button":{"payload":"STOP_PROMOS","text":"Stop promotions"}}]}`),
			[]string{`{"type":"button","text":"Stop promotions","reply":{"kind":"button","id":"STOP_PROMOS","payload":"STOP_PROMOS","title":"Stop promotions"}}`}},
		{"on-premises template button", jsonReq(`{"messages":[{"from":"1","id":"m","type":"button","button":{"payload":"yes-1","text":"Yes"}}]}`),
			[]string{`{"type":"button","reply":{"kind":"button","id":"yes-1","payload":"yes-1"}}`}},

		// ---- business-scoped user ids
		{"message identified only by from_user_id", cloudChange("messages", `{`+cloudMeta+`,"contacts":[{"profile":{"name":"Other"},"user_id":"US.2"},{"profile":{"name":"Sheena"},"user_id":"US.1","parent_user_id":"US.ENT.9"}],"messages":[{"from_user_id":"US.1","from_parent_user_id":"US.ENT.9","id":"wamid.U","timestamp":"1763980000","type":"text","text":{"body":"hi"}}]}`),
			[]string{`{"kind":"message","from":null,"from_user_id":"US.1","from_parent_user_id":"US.ENT.9","name":"Sheena","extra":{"from_user_id":"US.1"}}`}},
		{"message with a phone number and a user id", cloudChange("messages", `{`+cloudMeta+`,"contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234","user_id":"US.1"}],"messages":[{"from":"16505551234","from_user_id":"US.1","id":"wamid.U","timestamp":"1763980000","type":"text","text":{"body":"hi"}}]}`),
			[]string{`{"kind":"message","from":"16505551234","from_user_id":"US.1","name":"Sheena"}`}},
		{"status to a user id", jsonReq(`{"statuses":[{"id":"gB","status":"delivered","recipient_user_id":"US.1","recipient_parent_user_id":"US.ENT.9"}]}`),
			[]string{`{"kind":"status","to":null,"to_user_id":"US.1","to_parent_user_id":"US.ENT.9"}`}},

		// ---- identity.created_timestamp: Cloud seconds as a string, on-premises milliseconds as a number
		{"identity created as Cloud sends it", cloudChange("messages", `{`+cloudMeta+`,"messages":[{"from":"1","id":"w","timestamp":"1763980000","identity":{"acknowledged":true,"created_timestamp":"1763979960","hash":"h"},"system":{"body":"User identity changed","type":"customer_identity_changed"},"type":"system"}]}`),
			[]string{`{"type":"system","extra":{"identity_created":"2025-11-24T10:26:00Z","identity_hash":"h"}}`}},
		{"identity created as on-premises sends it", jsonReq(`{"messages":[{"from":"1","id":"w","timestamp":"1763980000","identity":{"acknowledged":true,"created_timestamp":1763979960000,"hash":"h"},"type":"text","text":{"body":"x"}}]}`),
			[]string{`{"type":"text","extra":{"identity_created":"2025-11-24T10:26:00Z"}}`}},
		{"identity created not a time", jsonReq(`{"messages":[{"from":"1","id":"w","identity":{"created_timestamp":"soon"},"type":"text","text":{"body":"x"}}]}`),
			[]string{`{"type":"text","extra":{"identity_created":"soon"}}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, tc.req, tc.want) })
	}
}
