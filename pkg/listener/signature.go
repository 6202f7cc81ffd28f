package listener

import "github.com/wa-cb/wa-cb/pkg/callback"

// Signs reports whether a request that decoded to evs comes from a family
// that signs its callbacks with X-Hub-Signature-256. Only Meta Cloud
// notifications are signed; Kaleyra (v1 query strings and JSON, v2
// meta_object bodies) and Meta on-premises never sign, so a missing
// signature on them is no fault. A request wa-cb cannot place in a family
// may be a Cloud notification it failed to read: it counts as signing.
func Signs(evs []callback.Event) bool {
	for i := range evs {
		switch evs[i].Source {
		case callback.SourceKaleyraV1, callback.SourceKaleyraV2, callback.SourceOnPrem:
		default:
			return true
		}
	}
	return len(evs) == 0
}
