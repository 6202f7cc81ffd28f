package callback

import (
	"fmt"
	"slices"
	"testing"
)

// A copy of extras added to never changes the original, however many
// entries either holds (inline room or spilled).
func TestExtrasCopyIndependent(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 9} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var base extras
			var want []kv
			for i := range n {
				x := kv{fmt.Sprint("k", i), fmt.Sprint("v", i)}
				base.add(x)
				want = append(want, x)
			}
			a, b := base, base
			a.add(kv{"a", "1"})
			b.add(kv{"b", "2"})
			if got := base.list(); !slices.Equal(got, want) {
				t.Fatalf("original = %v, want %v", got, want)
			}
			if got := a.list(); !slices.Equal(got, append(slices.Clone(want), kv{"a", "1"})) {
				t.Fatalf("first copy = %v", got)
			}
			if got := b.list(); !slices.Equal(got, append(slices.Clone(want), kv{"b", "2"})) {
				t.Fatalf("second copy = %v", got)
			}
		})
	}
}

// Two locations decoded from one document do not share coordinates.
func TestLocationCoordinatesOwn(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[` +
		`{"from":"3","id":"a","timestamp":"1700000000","type":"location","location":{"latitude":1.5,"longitude":2.5}},` +
		`{"from":"3","id":"b","timestamp":"1700000000","type":"location","location":{"latitude":3.5,"longitude":"4.5"}}]}}]}]}`
	evs := Decode(Request{Method: "POST", Body: []byte(body)})
	if len(evs) != 2 || evs[0].Location == nil || evs[1].Location == nil {
		t.Fatalf("events = %+v", evs)
	}
	got := []float64{*evs[0].Location.Latitude, *evs[0].Location.Longitude, *evs[1].Location.Latitude, *evs[1].Location.Longitude}
	if !slices.Equal(got, []float64{1.5, 2.5, 3.5, 4.5}) {
		t.Fatalf("coordinates = %v", got)
	}
	if evs[0].Extra["waba_id"] != "1" || evs[1].Extra["phone_number_id"] != "2" {
		t.Fatalf("extras = %v, %v", evs[0].Extra, evs[1].Extra)
	}
}
