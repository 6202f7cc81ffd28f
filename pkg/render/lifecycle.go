package render

import (
	"fmt"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// LifecycleSummary is what `listen` says on stderr when it stops about the
// messages whose statuses told an odd story: at most max of them, each with
// its statuses in arrival order, its flags and its missing steps, and how
// many more there were. total counts every message that showed an anomaly
// (including those whose timelines were dropped); dropped counts the
// timelines dropped to stay within the limit. "" when there is nothing to
// say.
func LifecycleSummary(anomalies []lifecycle.Timeline, total, dropped, max int) string {
	if total == 0 && dropped == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Lifecycle: %s with anomalies", evPlural(total, "message"))
	if dropped > 0 {
		fmt.Fprintf(&b, " (%s dropped past --timelines)", evPlural(dropped, "older timeline"))
	}
	b.WriteString("\n")
	shown := 0
	for _, tl := range anomalies {
		if shown == max {
			break
		}
		shown++
		statuses := make([]string, 0, len(tl.Entries)+1)
		if tl.Truncated > 0 {
			statuses = append(statuses, "…")
		}
		for _, e := range tl.Entries {
			statuses = append(statuses, evClean(e.Status))
		}
		flags := make([]string, len(tl.Flags))
		for i, f := range tl.Flags {
			flags[i] = strings.ReplaceAll(f, "_", " ")
		}
		fmt.Fprintf(&b, "  %s  %s  %s\n", cpOneLine(tl.ID), strings.Join(statuses, " → "),
			evJoinDot(strings.Join(flags, " · "), evPrefixed("missing ", strings.Join(tl.Missing, ", "))))
	}
	if rest := total - shown; rest > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", rest)
	}
	return b.String()
}
