package mock

import (
	"testing"

	"github.com/wa-cb/wa-cb/pkg/mock"
)

func TestNoteOf(t *testing.T) {
	tests := []struct {
		rec  mock.Record
		want string
	}{
		{mock.Record{Kind: mock.KindAPICall, Type: "text", To: "919812345678", ID: "3f0c:0"}, "text to 919812345678 → 3f0c:0"},
		{mock.Record{Kind: mock.KindAPICall, Code: "E413", Message: "Invalid callback_url"}, "refused E413: Invalid callback_url"},
		{mock.Record{Kind: mock.KindAPICall, Message: "no provider API at GET /x"}, "refused: no provider API at GET /x"},
		{mock.Record{Kind: mock.KindCallback, Status: "read"}, ""},
	}
	for _, tt := range tests {
		if got := noteOf(tt.rec); got != tt.want {
			t.Errorf("noteOf(%+v) = %q, want %q", tt.rec, got, tt.want)
		}
	}
}
