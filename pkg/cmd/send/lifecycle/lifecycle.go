// Package lifecycle implements `wa-cb send lifecycle`.
package lifecycle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmd/fixtures/shared"
	"github.com/wa-cb/wa-cb/pkg/cmd/send/delivery"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Family is one sender's status fixtures: <Prefix><status>.
type Family struct {
	Name     string
	Prefix   string
	Statuses []string
}

// Families are the families a lifecycle can be sent for.
var Families = []Family{
	{Name: "kaleyra", Prefix: "status-", Statuses: []string{"sent", "delivered", "read", "failed", "not-sent"}},
	{Name: "kv2", Prefix: "kv2-status-", Statuses: []string{"sent", "delivered", "read", "failed"}},
	{Name: "onprem", Prefix: "onprem-status-", Statuses: []string{"sent", "delivered", "read", "failed", "deleted"}},
	{Name: "cloud", Prefix: "cloud-status-", Statuses: []string{"sent", "delivered", "read", "failed"}},
}

var familyAliases = map[string]string{
	"kaleyra": "kaleyra", "kaleyra-v1": "kaleyra", "k1": "kaleyra", "kv1": "kaleyra",
	"kv2": "kv2", "kaleyra-v2": "kv2", "k2": "kv2",
	"onprem": "onprem", "on-prem": "onprem",
	"cloud": "cloud", "meta": "cloud",
}

// Options for `wa-cb send lifecycle`.
type Options struct {
	IO       *iostreams.IOStreams
	Factory  *cmdutil.Factory
	Renderer *fixture.Renderer
	Now      func() time.Time

	Family     string
	Path       []string
	Duplicate  bool
	OutOfOrder bool
	Shuffle    bool
	Seed       uint64
	SeedSet    bool
	ID         string
	Recipient  string
	Dirs       []string
	Delivery   delivery.Flags
}

// NewCmdLifecycle builds `wa-cb send lifecycle`.
func NewCmdLifecycle(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Renderer: &fixture.Renderer{}, Now: time.Now}
	var path string
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Deliver the status callbacks of one message",
		Long: `Deliver the status callbacks of one outgoing message, all with the same
message id, as the family's real sender does: by default sent, delivered and
read. The statuses come from the family's status fixtures (status-<status>,
kv2-status-<status>, onprem-status-<status>, cloud-status-<status>), so your
own fixtures of those names are used when they replace the bundled ones.

Timestamps follow the lifecycle (each status a second after the previous,
the last one now), whatever order the callbacks are delivered in. Real
senders do not promise order or uniqueness, so a handler should survive:

  --out-of-order   the last two statuses swap places (read before delivered)
  --shuffle        a random order
  --duplicate      one callback is delivered a second time, byte for byte

--seed makes --shuffle and --duplicate repeatable; without it a seed is
picked and printed on stderr.`,
		Example: `  $ wa-cb send lifecycle
  $ wa-cb send lifecycle --family cloud --app-secret s3cret
  $ wa-cb send lifecycle --family kv2 --path sent,failed
  $ wa-cb send lifecycle --family onprem --out-of-order --duplicate --seed 7
  $ wa-cb send lifecycle --id 3f0c9a1e-7b2d-4c55-8e61-0a9b8c7d6e5f:0 --to http://localhost:8080/kaleyra`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fam, ok := familyAliases[strings.ToLower(opts.Family)]
			if !ok {
				return cmdutil.FlagErrorf("invalid --family %q: want kaleyra, kv2, onprem or cloud", opts.Family)
			}
			opts.Family = fam
			opts.Path = nil
			for _, s := range strings.Split(path, ",") {
				if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
					opts.Path = append(opts.Path, s)
				}
			}
			if len(opts.Path) == 0 {
				return cmdutil.FlagErrorf("--path needs at least one status")
			}
			if opts.Shuffle && opts.OutOfOrder {
				return cmdutil.FlagErrorf("--shuffle and --out-of-order both choose the order: give one")
			}
			opts.SeedSet = cmd.Flags().Changed("seed")
			if err := opts.Delivery.Validate(cmd, f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return lifecycleRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Family, "family", "kaleyra", "Sender `FAMILY`: kaleyra (v1), kv2, onprem or cloud")
	fl.StringVar(&path, "path", "sent,delivered,read", "Statuses to deliver, in lifecycle order (`LIST`, comma-separated)")
	fl.BoolVar(&opts.Duplicate, "duplicate", false, "Deliver one of the callbacks twice")
	fl.BoolVar(&opts.OutOfOrder, "out-of-order", false, "Swap the last two statuses (e.g. read before delivered)")
	fl.BoolVar(&opts.Shuffle, "shuffle", false, "Deliver the statuses in a random order")
	fl.Uint64Var(&opts.Seed, "seed", 0, "Seed `N` for --shuffle and --duplicate")
	fl.StringVar(&opts.ID, "id", "", "Message `ID` to use (default: a fresh one in the family's shape)")
	fl.StringVar(&opts.Recipient, "recipient", "", "Recipient `NUMBER` of the statuses")
	shared.AddFixturesDirFlag(cmd, &opts.Dirs)
	cmdutil.FlagGroup(cmd, "Lifecycle", "family", "path", "id", "recipient", "out-of-order", "duplicate", "shuffle", "seed", "fixtures-dir")
	delivery.AddFlags(cmd, &opts.Delivery, true)
	_ = cmd.RegisterFlagCompletionFunc("family", cobra.FixedCompletions(
		[]string{"kaleyra", "kv2", "onprem", "cloud"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Step is one planned delivery: the status and its place in the lifecycle.
type Step struct {
	Status string
	Index  int  // position in the lifecycle (timestamps follow it)
	Repeat bool // a duplicate of an earlier delivery
}

// Plan orders the lifecycle's statuses for delivery.
func Plan(statuses []string, outOfOrder, shuffle, duplicate bool, rng *rand.Rand) []Step {
	steps := make([]Step, len(statuses))
	for i, s := range statuses {
		steps[i] = Step{Status: s, Index: i}
	}
	switch {
	case shuffle:
		rng.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
	case outOfOrder && len(steps) >= 2:
		n := len(steps)
		steps[n-2], steps[n-1] = steps[n-1], steps[n-2]
	}
	if duplicate && len(steps) > 0 {
		i := rng.IntN(len(steps))
		dup := steps[i]
		dup.Repeat = true
		at := i + 1 + rng.IntN(len(steps)-i)
		steps = append(steps[:at], append([]Step{dup}, steps[at:]...)...)
	}
	return steps
}

func lifecycleRun(ctx context.Context, opts *Options) error {
	var fam Family
	for _, f := range Families {
		if f.Name == opts.Family {
			fam = f
		}
	}
	c, err := shared.Catalog(opts.Factory.Getenv, opts.Dirs)
	if err != nil {
		return err
	}
	fxs := make([]*fixture.Fixture, len(opts.Path))
	for i, st := range opts.Path {
		fx, err := c.Lookup(fam.Prefix + st)
		if err != nil {
			return cmdutil.FlagErrorf("--path: the %s family has no %q status fixture (%s%s); it has %s",
				fam.Name, st, fam.Prefix, st, strings.Join(available(c, fam), ", "))
		}
		fxs[i] = fx
	}
	seed := opts.Seed
	if !opts.SeedSet && (opts.Shuffle || opts.Duplicate) {
		seed = uint64(opts.Now().UnixNano())
		fmt.Fprintf(opts.IO.ErrOut, "seed %d\n", seed)
	}
	steps := Plan(opts.Path, opts.OutOfOrder, opts.Shuffle, opts.Duplicate, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))

	base := opts.Now()
	renderAll := func(id string, ids map[string]string) ([]*fixture.Request, error) {
		reqs := make([]*fixture.Request, len(fxs))
		for i, fx := range fxs {
			var overrides []fixture.Override
			if id != "" {
				o, _ := fixture.Shorthand("id", id)
				overrides = append(overrides, o)
			}
			if opts.Recipient != "" {
				o, _ := fixture.Shorthand("recipient", opts.Recipient)
				overrides = append(overrides, o)
			}
			// a second apart, the last one now
			at := base.Add(time.Duration(i-len(fxs)+1) * time.Second)
			r := &fixture.Renderer{Now: func() time.Time { return at }, Rand: opts.Renderer.Rand}
			req, err := shared.Render(r, fx, fixture.RenderOptions{Overrides: overrides, IDs: ids})
			if err != nil {
				return nil, err
			}
			reqs[i] = req
		}
		return reqs, nil
	}
	// Without --id, the status fixtures' own ids are renewed with one map,
	// so each id keeps its family's shape (Kaleyra v2 has a 32-hex status id
	// and a wamid). Fixtures that do not share their ids get the first one's.
	reqs, err := renderAll(opts.ID, map[string]string{})
	if err != nil {
		return err
	}
	id := fixture.MessageIDOf(fxs[0], reqs[0])
	if opts.ID == "" {
		for i := range reqs {
			if fixture.MessageIDOf(fxs[i], reqs[i]) != id {
				if id == "" {
					return cmdutil.ConfigErrorf("fixture %s holds no message id to share", fxs[0].Name)
				}
				if reqs, err = renderAll(id, map[string]string{}); err != nil {
					return err
				}
				break
			}
		}
	}
	rendered := make([]sender.Job, len(reqs))
	for i, req := range reqs {
		rendered[i] = opts.Delivery.NewJob(fxs[i], req)
	}
	ds := make([]sender.Job, len(steps))
	order := make([]string, len(steps))
	for i, s := range steps {
		ds[i] = rendered[s.Index]
		order[i] = s.Status
		if s.Repeat {
			order[i] += " (again)"
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s lifecycle of %s: %s\n", fam.Name, id, strings.Join(order, " → "))
	if ctx == nil {
		ctx = context.Background()
	}
	snd := opts.Delivery.Sender(opts.Factory)
	p := render.NewDeliveryPrinter(opts.IO, opts.Delivery.JSON)
	return delivery.Deliver(ctx, opts.IO.ErrOut, snd, p, ds, opts.Delivery.Expect)
}

func available(c *fixture.Catalog, fam Family) []string {
	var out []string
	for _, fx := range c.All() {
		if fx.Kind == "status" && strings.HasPrefix(fx.Name, fam.Prefix) && !fx.Malformed {
			out = append(out, strings.TrimPrefix(fx.Name, fam.Prefix))
		}
	}
	return out
}
