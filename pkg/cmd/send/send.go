// Package send implements `wa-cb send`: deliver callbacks to a handler.
package send

import (
	"github.com/spf13/cobra"

	sendFileCmd "github.com/wa-cb/wa-cb/pkg/cmd/send/file"
	sendFixtureCmd "github.com/wa-cb/wa-cb/pkg/cmd/send/fixture"
	sendLifecycleCmd "github.com/wa-cb/wa-cb/pkg/cmd/send/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
)

// NewCmdSend builds `wa-cb send`.
func NewCmdSend(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send <command>",
		Short: "Deliver realistic callbacks to your handler",
		Long: `Deliver callbacks to your handler the way Kaleyra and Meta do: the same
method, content type, query string or body, and signature.

Where it goes: --to URL, by default the local listener http://127.0.0.1:4280/
(run wa-cb listen in another terminal). The fixture's path is appended to
--to's path ("/" adds nothing) and its query string to --to's query:

  --to https://app.example/hooks/wa   + status-sent -> GET …/hooks/wa?id=...
  --to https://app.example/wa?key=k1  + status-sent -> GET …/wa?key=k1&id=...

Signing: with --app-secret (or WA_CB_APP_SECRET) the body is signed with
X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, exact bytes sent)>, as
Meta signs Cloud API callbacks (plus the older X-Hub-Signature: sha1=<hex>).
Cloud fixtures are signed; Kaleyra (v1 and v2) and on-premises senders do
not sign, so their fixtures are not (a fixture can say otherwise with
"signed" in _meta); GET requests have no body and are never signed. send
file signs any body.

Each delivery prints the target, method, response status, latency and the
start of the response body; --json prints one JSON object per delivery.
The exit status is 3 when a response is not 2xx (or not --expect-status) or
no response arrived, so CI can assert what a handler answers.`,
		Example: `  $ wa-cb send fixture incoming-location
  $ wa-cb send fixture cloud-incoming-text --to http://localhost:8080/webhook --app-secret s3cret
  $ wa-cb send file payload.json --to http://localhost:8080/webhook
  $ wa-cb send lifecycle --family cloud --path sent,delivered,read --out-of-order`,
	}
	cmd.AddCommand(sendFixtureCmd.NewCmdFixture(f, nil))
	cmd.AddCommand(sendFileCmd.NewCmdFile(f, nil))
	cmd.AddCommand(sendLifecycleCmd.NewCmdLifecycle(f, nil))
	return cmd
}
