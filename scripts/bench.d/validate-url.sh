#!/usr/bin/env bash
# Section "validate-url": `wa-cb validate-url --json -` on one million mixed
# callback URLs (whitelisted, other domains, invalid, IDN, IP hosts; output
# to a file) against a plain Go program that reads the same lines, runs
# url.Parse on each and writes a line per URL (scripts/internal/urlbench
# parse), in the same run; then a single-URL call against the start of a
# minimal Go program, 50 runs each.
# Prints, in the format of scripts/bench:
#   throughput vs the url.Parse loop (target: wa-cb within 3x, ratio >= 0.33),
#   CPU time per URL vs the loop (for reference: wa-cb judges on every CPU,
#   the loop uses one),
#   peak RSS for 1M URLs vs 100k URLs (streaming: target <= 1.25),
#   single-URL call time vs a bare Go binary (for reference; target < 10 ms).
# Knobs: URL_BENCH_N (1000000), URL_BENCH_RUNS (3; the best run counts).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init validate-url
go build -o "$out/urlbench" ./scripts/internal/urlbench
ub="$out/urlbench"

n="${URL_BENCH_N:-1000000}"
runs="${URL_BENCH_RUNS:-3}"
"$ub" gen "$n" > "$out/urls.txt"
"$ub" gen "$((n / 10))" > "$out/urls-small.txt"
export WA_CB_WHITELIST=example.com,example.org

best() { # best run of $runs: urlbench run IN OUT CMD...; prints "SECONDS CPU_SECONDS"
  local b="" c="" t
  for _ in $(seq "$runs"); do
    read -r t _ cpu < <("$ub" run "$@")
    if [ -z "$b" ] || awk -v a="$b" -v t="$t" 'BEGIN { exit !(t < a) }'; then b="$t"; fi
    if [ -z "$c" ] || awk -v a="$c" -v t="$cpu" 'BEGIN { exit !(t < a) }'; then c="$cpu"; fi
  done
  echo "$b $c"
}

read -r w wcpu < <(best "$out/urls.txt" "$out/wa-cb.ndjson" "$bin" validate-url --json -)
read -r p pcpu < <(best "$out/urls.txt" "$out/parse.txt" "$ub" parse)
lines="$(wc -l < "$out/wa-cb.ndjson")"
[ "$lines" -eq "$n" ] || { echo "bench validate-url: $lines results for $n URLs" >&2; exit 1; }
awk -v w="$w" -v p="$p" -v n="$n" 'BEGIN {
  printf "validate-url --json throughput (%d mixed URLs): %.0f vs %.0f URLs/s (url.Parse loop) = %.2f (target >= 0.33)\n", n, n / w, n / p, p / w }'
awk -v w="$wcpu" -v p="$pcpu" -v n="$n" 'BEGIN {
  printf "validate-url --json CPU per URL (user+sys, less sensitive to other load): %.2f vs %.2f µs (url.Parse loop) = %.2f (target none: for reference, lower is better)\n", w / n * 1e6, p / n * 1e6, w / p }'

rss_big="$("$ub" run "$out/urls.txt" /dev/null "$bin" validate-url --json - | awk '{print $2}')"
rss_small="$("$ub" run "$out/urls-small.txt" /dev/null "$bin" validate-url --json - | awk '{print $2}')"
awk -v a="$rss_big" -v b="$rss_small" -v n="$n" -v m="$((n / 10))" 'BEGIN {
  printf "validate-url peak RSS, %d URLs vs %d URLs: %.1f vs %.1f MiB = %.2f (target <= 1.25)\n", n, m, a / 1024, b / 1024, a / b }'

read -r single_mean single_best < <("$ub" repeat 50 "$bin" validate-url --whitelist example.com https://hooks.example.com/wa)
read -r bare_mean bare_best < <(echo https://hooks.example.com/wa > "$out/one.txt"; "$ub" repeat 50 sh -c "\"$ub\" parse < \"$out/one.txt\"")
awk -v a="$single_mean" -v b="$bare_mean" -v ab="$single_best" 'BEGIN {
  printf "validate-url single-URL call, mean of 50 (best %.2f): %.2f vs %.2f ms (bare Go binary via sh) = %.2f (target wa-cb < 10 ms)\n", ab, a, b, a / b }'
