package inspector

import "embed"

// webFS holds the page and its assets: every byte the browser gets comes
// from the binary (no CDN, no build step).
//
//go:embed web/index.html web/app.js web/style.css web/favicon.svg
var webFS embed.FS
