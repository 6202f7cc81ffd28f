#!/usr/bin/env bash
# Section "decode": `wa-cb decode --json -` on an NDJSON log of mixed
# callbacks (Cloud texts and statuses, on-premises statuses, Kaleyra v1
# query strings; output to a file) against a plain Go program that decodes
# the same lines generically (encoding/json into map[string]any, or
# url.ParseQuery) and writes each back as a JSON line
# (scripts/internal/decodebench parse), in the same run.
# Prints, in the format of scripts/bench:
#   throughput vs the generic loop (target >= 0.5: wa-cb maps every
#   family onto the event schema, the loop only parses),
#   CPU time per callback vs the loop (for reference),
#   peak RSS for N callbacks vs N/10 (for reference: a log is read a line
#   at a time, so it stays flat).
# Knobs: DECODE_BENCH_N (200000), DECODE_BENCH_RUNS (3; the best run counts).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init decode
go build -o "$out/decodebench" ./scripts/internal/decodebench
go build -o "$out/urlbench" ./scripts/internal/urlbench
db="$out/decodebench"
ub="$out/urlbench"

n="${DECODE_BENCH_N:-200000}"
runs="${DECODE_BENCH_RUNS:-3}"
"$db" gen "$n" > "$out/callbacks.ndjson"
"$db" gen "$((n / 10))" > "$out/callbacks-small.ndjson"

best() { # best of $runs: urlbench run IN OUT CMD...; prints "SECONDS CPU_SECONDS"
  local b="" c="" t cpu
  for _ in $(seq "$runs"); do
    read -r t _ cpu < <("$ub" run "$@")
    if [ -z "$b" ] || awk -v a="$b" -v t="$t" 'BEGIN { exit !(t < a) }'; then b="$t"; fi
    if [ -z "$c" ] || awk -v a="$c" -v t="$cpu" 'BEGIN { exit !(t < a) }'; then c="$cpu"; fi
  done
  echo "$b $c"
}

read -r w wcpu < <(best "$out/callbacks.ndjson" "$out/wa-cb.ndjson" "$bin" decode --json -)
read -r p pcpu < <(best "$out/callbacks.ndjson" "$out/generic.ndjson" "$db" parse)
lines="$(wc -l < "$out/wa-cb.ndjson" | tr -d ' ')"
[ "$lines" -eq "$n" ] || { echo "bench decode: $lines events for $n callbacks" >&2; exit 1; }
errors="$(grep -c '"decode_error"' "$out/wa-cb.ndjson" || true)"
[ "$errors" -eq 0 ] || { echo "bench decode: $errors events with a decode_error" >&2; exit 1; }
awk -v w="$w" -v p="$p" -v n="$n" 'BEGIN {
  printf "decode --json throughput (%d mixed callbacks, NDJSON): %.0f vs %.0f callbacks/s (encoding/json + url.ParseQuery loop) = %.2f (target >= 0.5)\n", n, n / w, n / p, p / w }'
awk -v w="$wcpu" -v p="$pcpu" -v n="$n" 'BEGIN {
  printf "decode --json CPU per callback (user+sys, less sensitive to other load): %.2f vs %.2f µs (generic loop) = %.2f (target none: for reference, lower is better)\n", w / n * 1e6, p / n * 1e6, w / p }'

rss_big="$("$ub" run "$out/callbacks.ndjson" /dev/null "$bin" decode --json - | awk '{print $2}')"
rss_small="$("$ub" run "$out/callbacks-small.ndjson" /dev/null "$bin" decode --json - | awk '{print $2}')"
awk -v a="$rss_big" -v b="$rss_small" -v n="$n" -v m="$((n / 10))" 'BEGIN {
  printf "decode peak RSS, %d callbacks vs %d: %.1f vs %.1f MiB = %.2f (target none: for reference; a log is read a line at a time, so it stays flat)\n", n, m, a / 1024, b / 1024, a / b }'
