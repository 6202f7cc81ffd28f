package listener

import "github.com/wa-cb/wa-cb/pkg/callback"

// Signs reports whether a request that decoded to evs comes from a family
// that signs its callbacks with X-Hub-Signature-256 (see SourceSigns).
func Signs(evs []callback.Event) bool {
	for i := range evs {
		if SourceSigns(evs[i].Source) {
			return true
		}
	}
	return len(evs) == 0
}

// SourceSigns reports whether callbacks of source are signed. Only Meta
// Cloud notifications are; Kaleyra (v1 query strings and JSON, v2
// meta_object bodies) and Meta on-premises never sign, so a missing
// signature on them is no fault. A request wa-cb cannot place in a family
// may be a Cloud notification it failed to read: it counts as signing.
func SourceSigns(source string) bool {
	switch source {
	case callback.SourceKaleyraV1, callback.SourceKaleyraV2, callback.SourceOnPrem:
		return false
	}
	return true
}
