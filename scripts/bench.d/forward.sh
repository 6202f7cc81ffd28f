#!/usr/bin/env bash
# Section "forward": the cost of putting wa-cb listen --forward-to between a
# sender and the developer's app, measured against calling the app
# directly, in the same run:
#   1. go test -bench BenchmarkForward vs BenchmarkDirect (pkg/listener):
#      in-process listener engine forwarding to an httptest app;
#   2. the wa-cb binary: `listen --forward-to BASELINE --record FILE`
#      against the bare baseline server called directly, both driven by
#      the same load generator with the same load (best of the rounds).
# Prints, in the format of scripts/bench, both rates and their ratio. A
# forwarded request makes two HTTP exchanges instead of one, on the same
# cores, so about 0.5 is the ceiling on a loaded 2-core machine.
# Knobs: FORWARD_BENCH_TIME (2s), FORWARD_BENCH_CONNS (50),
# FORWARD_BENCH_N (10000 per round), FORWARD_BENCH_ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init forward

# 1. go test -bench
go test -run '^$' -bench 'BenchmarkForward$|BenchmarkDirect$' -benchtime "${FORWARD_BENCH_TIME:-2s}" ./pkg/listener >"$out/gobench.txt"
rate() { sed -n "s/^$1-[0-9]*[[:space:]].*[[:space:]]\([0-9.]*\) req\/s.*/\1/p" "$out/gobench.txt" | tail -n 1; }
fwd="$(rate BenchmarkForward)"
dir="$(rate BenchmarkDirect)"
if [ -z "$fwd" ] || [ -z "$dir" ]; then
  echo "bench forward: no result from go test -bench:" >&2
  cat "$out/gobench.txt" >&2
  exit 1
fi
awk -v f="$fwd" -v d="$dir" 'BEGIN {
  printf "forwarding engine (go test -bench, 4 goroutines per CPU): %.0f vs %.0f req/s direct = %.2f (target none: a forwarded request is two HTTP exchanges, so about 0.5 is the ceiling)\n", f, d, f / d }'

# 2. the binary under the load generator
go build -o "$out/loadgen" ./scripts/internal/loadgen
go build -o "$out/baseline" ./scripts/internal/baseline
conns="${FORWARD_BENCH_CONNS:-50}"
per_round="${FORWARD_BENCH_N:-10000}"
rounds="${FORWARD_BENCH_ROUNDS:-3}"
write_cloud_text "$out/cloud-text.json"

rm -f "$out/baseline.url" "$out/listen.url" "$out/record.ndjson"
"$out/baseline" -ready "$out/baseline.url" &
pids+=("$!")
wait_file "$out/baseline.url"
burl="$(cat "$out/baseline.url")"
"$bin" listen --port 0 --ready-file "$out/listen.url" --json --forward-to "$burl" --record "$out/record.ndjson" \
  >"$out/events.ndjson" 2>"$out/listen.err" &
lpid=$!
pids+=("$lpid")
wait_file "$out/listen.url"
lurl="$(cat "$out/listen.url")"

drive "$lurl" 2000 "$out/cloud-text.json" >/dev/null
drive "$burl" 2000 "$out/cloud-text.json" >/dev/null
total=2000
best_of_rounds "$lurl" "$burl" "$out/cloud-text.json"
kill -INT "$lpid"
wait "$lpid" || true
records="$(wc -l <"$out/record.ndjson" | tr -d ' ')"
awk -v l="$best_l" -v b="$best_b" -v c="$conns" 'BEGIN {
  printf "listen --forward-to --record --json (%d connections, Cloud text POST): %.0f vs %.0f req/s direct = %.2f (target none: for reference, higher is better)\n", c, l, b, l / b }'
awk -v a="$records" -v b="$total" 'BEGIN {
  printf "requests recorded vs forwarded: %d vs %d = %.2f (target 1.00)\n", a, b, a / b }'
tail -n 1 "$out/listen.err" | sed 's/^/  listen: /'
