#!/usr/bin/env bash
# Section "load": `wa-cb send fixture --duration D --concurrency C` (load
# mode: every delivery freshly rendered) against vegeta, the load tool users
# would otherwise pick (github.com/tsenart/vegeta/v12, pinned below and
# installed into the bench directory, not a dependency of wa-cb), at the
# same concurrency for the same time, against the same bare net/http server
# (scripts/internal/baseline) on loopback, in the same run. vegeta sends
# the same Cloud text body (one rendering of the fixture) each time.
# Prints, in the format of scripts/bench:
#   throughput of wa-cb vs vegeta (target >= 0.9), the client CPU time per
#   request of each (for reference) and the p99 latency each measured (for
#   reference).
# Knobs: LOAD_BENCH_CONNS (50), LOAD_BENCH_SECONDS (4 per run),
# LOAD_BENCH_ROUNDS (5; the best round of each side counts),
# VEGETA (a vegeta binary to use instead of installing the pinned one).
set -euo pipefail
cd "$(dirname "$0")/../.."

VEGETA_VERSION=v12.13.0

. scripts/bench-lib.sh
bench_init load
go build -o "$out/baseline" ./scripts/internal/baseline
vegeta="${VEGETA:-}"
if [ -z "$vegeta" ]; then
  GOBIN="$out/tools" go install "github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
  vegeta="$out/tools/vegeta"
fi

conns="${LOAD_BENCH_CONNS:-50}"
secs="${LOAD_BENCH_SECONDS:-4}"
rounds="${LOAD_BENCH_ROUNDS:-5}"

rm -f "$out/baseline.url"
"$out/baseline" -ready "$out/baseline.url" &
pids+=("$!")
for _ in $(seq 1 500); do
  [ -s "$out/baseline.url" ] && break
  sleep 0.02
done
[ -s "$out/baseline.url" ] || { echo "bench load: the bare server never started" >&2; exit 1; }
url="$(cat "$out/baseline.url")"

# The body vegeta sends: the fixture as wa-cb renders it (the last line of
# `fixtures show` is the body, without the newline printed after it).
printf %s "$("$bin" fixtures show cloud-incoming-text | tail -n 1)" > "$out/body.json"
printf 'POST %s\nContent-Type: application/json\nUser-Agent: wa-cb-bench\n@%s\n' "$url" "$out/body.json" > "$out/targets.txt"

# Each runner prints "REQUESTS SUCCESS_PER_SECOND P99_MS CPU_SECONDS".
TIMEFORMAT='%U %S'
run_wacb() {
  local t
  t="$( { time "$bin" send fixture cloud-incoming-text --to "$url" --concurrency "$conns" --duration "${secs}s" --json >"$out/wa-cb.json" 2>"$out/wa-cb.err"; } 2>&1 )"
  sed -n 's/.*"sent":\([0-9]*\),"succeeded":\([0-9]*\),.*"throughput_per_s":\([0-9.e+]*\),.*"p99":\([0-9.]*\),.*/\1 \3 \4/p' "$out/wa-cb.json" |
    awk -v t="$t" '{ split(t, c, " "); print $1, $2, $3, c[1] + c[2] }'
}
run_vegeta() {
  local t
  t="$( { time "$vegeta" attack -targets "$out/targets.txt" -rate 0 -workers "$conns" -max-workers "$conns" -duration "${secs}s" >"$out/vegeta.bin" 2>"$out/vegeta.err"; } 2>&1 )"
  "$vegeta" report -type json "$out/vegeta.bin" >"$out/vegeta.json"
  sed -n 's/.*"99th":\([0-9]*\),.*"requests":\([0-9]*\),.*"throughput":\([0-9.e+]*\),.*/\2 \3 \1/p' "$out/vegeta.json" |
    awk -v t="$t" '{ split(t, c, " "); print $1, $2, $3 / 1e6, c[1] + c[2] }'
}

# Warm-up of both (connections, page cache), not counted.
LOAD_WARM="$secs"; secs=1
run_wacb >/dev/null
run_vegeta >/dev/null
secs="$LOAD_WARM"

best_w="0 0 0 0"
best_v="0 0 0 0"
better() { # "A" "B": the line with the higher throughput (field 2)
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[2] > x[2] ? b : a) }'
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    w="$(run_wacb)"; v="$(run_vegeta)"
  else
    v="$(run_vegeta)"; w="$(run_wacb)"
  fi
  [ -n "$w" ] || { echo "bench load: no summary from wa-cb: $(cat "$out/wa-cb.json")" >&2; exit 1; }
  [ -n "$v" ] || { echo "bench load: no report from vegeta: $(cat "$out/vegeta.json")" >&2; exit 1; }
  best_w="$(better "$best_w" "$w")"
  best_v="$(better "$best_v" "$v")"
done

read -r wn wt wp wc <<<"$best_w"
read -r vn vt vp vc <<<"$best_v"
awk -v a="$wt" -v b="$vt" -v c="$conns" -v s="$secs" -v wn="$wn" -v vn="$vn" 'BEGIN {
  printf "send load mode throughput (%d workers, %ss, Cloud text POST, bare server; %d vs %d requests): %.0f vs %.0f req/s (vegeta) = %.2f (target >= 0.9)\n", c, s, wn, vn, a, b, a / b }'
awk -v a="$wc" -v b="$vc" -v wn="$wn" -v vn="$vn" 'BEGIN {
  printf "send load mode client CPU per request (user+sys, less sensitive to other load): %.1f vs %.1f µs (vegeta) = %.2f (target none: for reference, lower is better)\n", a / wn * 1e6, b / vn * 1e6, (a / wn) / (b / vn) }'
awk -v a="$wp" -v b="$vp" 'BEGIN {
  printf "send load mode p99 latency as each tool measured it: %.2f vs %.2f ms (vegeta) = %.2f (target none: for reference, lower is better)\n", a, b, (b > 0 ? a / b : 0) }'
