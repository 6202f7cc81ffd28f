// Package jqmatch decides whether a JSON value matches a jq expression, for
// `listen --until` and `replay --filter`. It uses gojq, a complete jq
// implementation in Go, so users write the filters they already know.
package jqmatch

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/itchyny/gojq"
)

// maxOutputs bounds how many results of one evaluation are looked at, so an
// expression like `range(1e9)` cannot stall the caller.
const maxOutputs = 10000

// evalTimeout bounds one evaluation.
const evalTimeout = 2 * time.Second

// Matcher is a compiled expression.
type Matcher struct {
	src  string
	code *gojq.Code
}

// Compile parses and compiles expr. Errors say where the expression is wrong.
func Compile(expr string) (*Matcher, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %q: %w", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %q: %w", expr, err)
	}
	return &Matcher{src: expr, code: code}, nil
}

// String returns the expression as given.
func (m *Matcher) String() string { return m.src }

// Match reports whether any output of the expression on v is truthy (not
// false and not null), the way `select(EXPR)` keeps a value. A runtime error
// (e.g. indexing a string) counts as no match and is returned for display.
func (m *Matcher) Match(v any) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), evalTimeout)
	defer cancel()
	iter := m.code.RunWithContext(ctx, v)
	for i := 0; i < maxOutputs; i++ {
		out, ok := iter.Next()
		if !ok {
			return false, nil
		}
		if err, isErr := out.(error); isErr {
			if _, halted := err.(*gojq.HaltError); halted {
				return false, nil
			}
			return false, err
		}
		if out != nil && out != false {
			return true, nil
		}
	}
	return false, nil
}

// MatchJSON is Match on a JSON document.
func (m *Matcher) MatchJSON(doc []byte) (bool, error) {
	v, err := ToValue(doc)
	if err != nil {
		return false, err
	}
	return m.Match(v)
}

// MatchStruct is Match on any value that marshals to JSON (an event, a
// record), seen exactly as its JSON form.
func (m *Matcher) MatchStruct(s any) (bool, error) {
	doc, err := json.Marshal(s)
	if err != nil {
		return false, err
	}
	return m.MatchJSON(doc)
}

// ToValue turns a JSON document into the plain values gojq works on.
func ToValue(doc []byte) (any, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return v, nil
}
