package lifecycle

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

func order(steps []Step) string {
	var s []string
	for _, st := range steps {
		x := st.Status + "@" + strconv.Itoa(st.Index)
		if st.Repeat {
			x += "+"
		}
		s = append(s, x)
	}
	return strings.Join(s, " ")
}

func TestPlan(t *testing.T) {
	path := []string{"sent", "delivered", "read"}
	tests := []struct {
		name                     string
		outOfOrder, shuffle, dup bool
		want                     string
		wantLen                  int
	}{
		{name: "in order", want: "sent@0 delivered@1 read@2"},
		{name: "out of order", outOfOrder: true, want: "sent@0 read@2 delivered@1"},
		{name: "shuffle", shuffle: true, wantLen: 3},
		{name: "duplicate", dup: true, wantLen: 4},
		{name: "shuffle and duplicate", shuffle: true, dup: true, wantLen: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Plan(path, tt.outOfOrder, tt.shuffle, tt.dup, rand.New(rand.NewPCG(7, 7)))
			b := Plan(path, tt.outOfOrder, tt.shuffle, tt.dup, rand.New(rand.NewPCG(7, 7)))
			if order(a) != order(b) {
				t.Errorf("same seed, different plans: %s / %s", order(a), order(b))
			}
			if tt.want != "" && order(a) != tt.want {
				t.Errorf("plan = %s, want %s", order(a), tt.want)
			}
			if tt.wantLen != 0 && len(a) != tt.wantLen {
				t.Errorf("plan = %s, want %d steps", order(a), tt.wantLen)
			}
			seen := map[int]int{}
			for i, s := range a {
				seen[s.Index]++
				if s.Repeat {
					if i == 0 || seen[s.Index] != 2 {
						t.Errorf("a duplicate comes before its original: %s", order(a))
					}
				}
			}
			for i := range path {
				if seen[i] == 0 {
					t.Errorf("status %d missing: %s", i, order(a))
				}
			}
		})
	}
	if got := order(Plan([]string{"sent"}, true, false, false, nil)); got != "sent@0" {
		t.Errorf("single status out of order = %s", got)
	}
}

type seeded struct{ r *rand.ChaCha8 }

func (s *seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestLifecycleRun(t *testing.T) {
	var mu sync.Mutex
	var got []callback.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, callback.Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header, Body: b})
		mu.Unlock()
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, fam := range Families {
		t.Run(fam.Name, func(t *testing.T) {
			got = nil
			ios, _, out, errOut := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" },
				HTTPClient: func(d time.Duration) *http.Client { return srv.Client() }}
			var s [32]byte
			r := &fixture.Renderer{Rand: &seeded{rand.NewChaCha8(s)}}
			var opts *Options
			cmd := NewCmdLifecycle(f, func(_ context.Context, o *Options) error { opts = o; return nil })
			cmd.SetArgs([]string{"--to", srv.URL, "--family", fam.Name, "--out-of-order"})
			cmd.SetOut(io.Discard)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			opts.Renderer, opts.Now = r, func() time.Time { return now }
			if err := lifecycleRun(context.Background(), opts); err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			if strings.Count(out.String(), "\n") != 3 || !strings.Contains(errOut.String(), "sent → read → delivered") {
				t.Errorf("out=%s err=%s", out, errOut)
			}
			if len(got) != 3 {
				t.Fatalf("got %d requests", len(got))
			}
			var id string
			wantStatus := []string{"sent", "read", "delivered"}
			wantTS := []int{0, 2, 1}
			for i, req := range got {
				ev := callback.Decode(req)[0]
				if ev.Status != wantStatus[i] || ev.DecodeError != "" {
					t.Errorf("delivery %d: status %q (%s)", i, ev.Status, ev.DecodeError)
				}
				if i == 0 {
					id = ev.ID
				} else if ev.ID != id {
					t.Errorf("delivery %d: id %q, want %q", i, ev.ID, id)
				}
				if want := now.Add(time.Duration(wantTS[i]-2) * time.Second).Format(time.RFC3339); ev.Timestamp != want {
					t.Errorf("delivery %d: timestamp %s, want %s", i, ev.Timestamp, want)
				}
			}
		})
	}
}

func TestLifecycleFlags(t *testing.T) {
	tests := []struct {
		args, wantErr string
	}{
		{"--family nope", `invalid --family "nope"`},
		{"--path ,", "--path needs at least one status"},
		{"--shuffle --out-of-order", "give one"},
		{"--to ftp://x", "--to"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
		cmd := NewCmdLifecycle(f, func(context.Context, *Options) error { return nil })
		cmd.SetArgs(strings.Fields(tt.args))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: error = %v", tt.args, err)
		}
	}
	var got *Options
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
	cmd := NewCmdLifecycle(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--family", "Kaleyra-V2", "--path", " Sent, FAILED ", "--seed", "9", "--duplicate"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Family != "kv2" || strings.Join(got.Path, ",") != "sent,failed" || got.Seed != 9 || !got.SeedSet || !got.Duplicate {
		t.Errorf("opts = %+v", got)
	}
}
