package jqmatch

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	event := `{"kind":"status","status":"read","id":"wamid.1","to":"919812345678","errors":[{"code":"131026"}]}`
	record := `{"events":[{"status":"sent"},{"status":"failed"}],"response":{"status":200}}`
	tests := []struct {
		name, expr, doc string
		want            bool
		wantErr         string
	}{
		{"select true", `select(.status=="read")`, event, true, ""},
		{"select false", `select(.status=="failed")`, event, false, ""},
		{"bare comparison", `.kind == "status"`, event, true, ""},
		{"any of many outputs", `.events[].status=="failed"`, record, true, ""},
		{"none of many outputs", `.events[].status=="deleted"`, record, false, ""},
		{"null is not a match", `.missing`, event, false, ""},
		{"a value is a match", `.id`, event, true, ""},
		{"empty is not a match", `empty`, event, false, ""},
		{"nested", `.errors[0].code | startswith("131")`, event, true, ""},
		{"test regex", `.to | test("^91")`, event, true, ""},
		{"runtime error", `.id | .x`, event, false, "expected an object"},
		{"unbounded output stops", `range(1e9) | false`, event, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.MatchJSON([]byte(tt.doc))
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			if tt.wantErr == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, expr := range []string{`select(`, `.a |||`, `undefined_fn(1)`} {
		if _, err := Compile(expr); err == nil || !strings.Contains(err.Error(), "invalid jq expression") {
			t.Errorf("Compile(%q) err = %v", expr, err)
		}
	}
}

func TestMatchStruct(t *testing.T) {
	m, _ := Compile(`.n > 2`)
	ok, err := m.MatchStruct(struct {
		N int `json:"n"`
	}{3})
	if !ok || err != nil {
		t.Fatalf("MatchStruct = %v, %v", ok, err)
	}
}
