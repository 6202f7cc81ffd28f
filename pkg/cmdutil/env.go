package cmdutil

// EnvAppSecret holds the app secret that signs bodies (send, replay) and
// checks their signatures (listen, mock) when --app-secret is not given.
const EnvAppSecret = "WA_CB_APP_SECRET"

// EnvVerifyToken holds the token of Meta's subscription handshake (listen,
// mock) when --verify-token is not given.
const EnvVerifyToken = "WA_CB_VERIFY_TOKEN"
