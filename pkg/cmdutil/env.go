package cmdutil

// EnvAppSecret holds the app secret that signs bodies (send, replay) and
// checks their signatures (listen, mock) when --app-secret is not given.
const EnvAppSecret = "WA_CB_APP_SECRET"
