package inspector

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/wa-cb/wa-cb/pkg/jqmatch"
)

// Query selects exchanges: free text, a jq expression over the events,
// and filters. The zero Query selects everything.
type Query struct {
	// Text must occur (case-insensitively) in the request, its events or
	// the answers; several words must all occur.
	Text string
	// JQ must be true for at least one event of the exchange.
	JQ string
	// Source, Kind and Status must be those of at least one event.
	Source string
	Kind   string
	Status string
	// Origin keeps only callbacks, API calls or sent callbacks.
	Origin string
	// Seqs keeps only these exchanges (an export of a selection).
	Seqs map[uint64]bool

	jq    *jqmatch.Matcher
	words []string
}

// ParseQuery reads a Query from URL parameters: q, jq, source (or
// family), kind, status, origin and ids (seqs separated by commas).
func ParseQuery(v url.Values) (Query, error) {
	q := Query{
		Text:   strings.TrimSpace(v.Get("q")),
		JQ:     strings.TrimSpace(v.Get("jq")),
		Source: v.Get("source"),
		Kind:   v.Get("kind"),
		Status: v.Get("status"),
		Origin: v.Get("origin"),
	}
	if q.Source == "" {
		q.Source = v.Get("family")
	}
	if ids := v.Get("ids"); ids != "" {
		q.Seqs = map[uint64]bool{}
		for _, s := range strings.Split(ids, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return q, fmt.Errorf("ids: %q is not an exchange number", s)
			}
			q.Seqs[n] = true
		}
	}
	if err := q.compile(); err != nil {
		return q, err
	}
	return q, nil
}

func (q *Query) compile() error {
	if q.JQ != "" && q.jq == nil {
		m, err := jqmatch.Compile(q.JQ)
		if err != nil {
			return err
		}
		q.jq = m
	}
	q.words = strings.Fields(strings.ToLower(q.Text))
	return nil
}

// empty reports whether q selects everything.
func (q *Query) empty() bool {
	return len(q.words) == 0 && q.jq == nil && q.Source == "" && q.Kind == "" && q.Status == "" && q.Origin == "" && q.Seqs == nil
}

// match reports whether e is selected; a jq runtime error on every event
// is returned (the first one) so the page can show it.
func (q *Query) match(e *entry) (bool, error) {
	if q.Seqs != nil && !q.Seqs[e.seq] {
		return false, nil
	}
	if q.Origin != "" && e.ex.Origin != q.Origin {
		return false, nil
	}
	if q.Source != "" || q.Kind != "" || q.Status != "" {
		found := false
		for i := range e.ex.Record.Events {
			ev := &e.ex.Record.Events[i]
			if (q.Source == "" || ev.Source == q.Source) && (q.Kind == "" || ev.Kind == q.Kind) && (q.Status == "" || ev.Status == q.Status) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	if len(q.words) > 0 {
		hay := e.haystack()
		for _, w := range q.words {
			if !strings.Contains(hay, w) {
				return false, nil
			}
		}
	}
	if q.jq != nil {
		var firstErr error
		for _, v := range e.eventValues() {
			ok, err := q.jq.Match(v)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			if ok {
				return true, nil
			}
		}
		return false, firstErr
	}
	return true, nil
}
