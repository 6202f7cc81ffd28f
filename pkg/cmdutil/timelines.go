package cmdutil

import (
	"github.com/spf13/pflag"

	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// SummaryAnomalies is how many messages with lifecycle anomalies a summary
// names (listen at exit, decode at the end); the rest are counted.
const SummaryAnomalies = 10

// TimelinesFlag adds --timelines, the bound on the messages whose status
// lifecycle is followed (listen, decode).
func TimelinesFlag(fl *pflag.FlagSet, p *int) {
	fl.IntVar(p, "timelines", lifecycle.DefaultMaxMessages, "Follow the status lifecycle of at most `N` messages (the least recently updated are dropped past it)")
}

// CheckTimelines is the usage error of a --timelines below 1.
func CheckTimelines(n int) error {
	if n < 1 {
		return FlagErrorf("invalid --timelines %d: want 1 or more", n)
	}
	return nil
}
