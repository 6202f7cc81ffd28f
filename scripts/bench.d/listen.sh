#!/usr/bin/env bash
# Section "listen": wa-cb listen --json (output to a file) against a bare
# net/http server that only reads the body and answers 200, both on
# loopback port 0, driven by the same load generator with the same load in
# the same run (scripts/internal/loadgen, scripts/internal/baseline).
# Prints, in the format of scripts/bench:
#   throughput of listen vs the bare server (target >= 0.7), the p99
#   answer latency and the CPU time each server spent per request (less
#   sensitive to other load),
#   throughput of listen --json --record FILE vs the bare server (a second
#   listener driven in the same rounds; target >= 0.5) and its recording
#   lines vs requests answered (target 1.00),
#   listen's RSS after 100k requests vs after 10k (flat: target <= 1.25),
#   events written vs requests answered (nothing dropped: target 1.00).
# Knobs: LISTEN_BENCH_CONNS (50), LISTEN_BENCH_N (15000 per round),
# LISTEN_BENCH_ROUNDS (5; the best round of each side counts).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init listen
go build -o "$out/loadgen" ./scripts/internal/loadgen
go build -o "$out/baseline" ./scripts/internal/baseline

conns="${LISTEN_BENCH_CONNS:-50}"
per_round="${LISTEN_BENCH_N:-15000}"
rounds="${LISTEN_BENCH_ROUNDS:-5}"

write_cloud_text "$out/cloud-text.json"

rm -f "$out/listen.url" "$out/baseline.url" "$out/record.url" "$out/record.ndjson"
"$bin" listen --port 0 --ready-file "$out/listen.url" --json >"$out/events.ndjson" 2>"$out/listen.err" &
lpid=$!
pids+=("$lpid")
"$bin" listen --port 0 --ready-file "$out/record.url" --json --record "$out/record.ndjson" >"$out/events-record.ndjson" 2>"$out/record.err" &
rpid=$!
pids+=("$rpid")
"$out/baseline" -ready "$out/baseline.url" &
bpid=$!
pids+=("$bpid")
wait_file "$out/listen.url"
wait_file "$out/baseline.url"
wait_file "$out/record.url"
lurl="$(cat "$out/listen.url")"
burl="$(cat "$out/baseline.url")"
rurl="$(cat "$out/record.url")"

total=0
drive() { # URL N -> "requests-per-second p99-ms"
  "$out/loadgen" -url "$1" -body "$out/cloud-text.json" -c "$conns" -n "$2" |
    sed -n 's/.*"per_second":\([0-9.]*\).*"p99_ms":\([0-9.]*\).*/\1 \2/p'
}
cpu_ticks() { # user+system clock ticks used so far by a process
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
rss_mib() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# 10k requests (also the warm-up), then the first RSS reading.
drive "$lurl" 10000 >/dev/null
drive "$burl" 10000 >/dev/null
drive "$rurl" 10000 >/dev/null
rtotal=10000
total=10000
rss10k="$(rss_mib "$lpid")"

# Same load on both, interleaved (alternating who goes first); best round
# of each, so that noise from other processes on the machine counts least.
best_l=0
best_b=0
best_r=0
p99_l=999999
p99_b=999999
lc0="$(cpu_ticks "$lpid")"
bc0="$(cpu_ticks "$bpid")"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    l="$(drive "$lurl" "$per_round")"
    b="$(drive "$burl" "$per_round")"
  else
    b="$(drive "$burl" "$per_round")"
    l="$(drive "$lurl" "$per_round")"
  fi
  rec="$(drive "$rurl" "$per_round")"
  rtotal=$((rtotal + per_round))
  best_r="$(awk -v a="$best_r" -v b="${rec% *}" 'BEGIN { print (b > a ? b : a) }')"
  total=$((total + per_round))
  best_l="$(awk -v a="$best_l" -v b="${l% *}" 'BEGIN { print (b > a ? b : a) }')"
  best_b="$(awk -v a="$best_b" -v b="${b% *}" 'BEGIN { print (b > a ? b : a) }')"
  p99_l="$(awk -v a="$p99_l" -v b="${l#* }" 'BEGIN { print (b < a ? b : a) }')"
  p99_b="$(awk -v a="$p99_b" -v b="${b#* }" 'BEGIN { print (b < a ? b : a) }')"
done

lcpu=$(( $(cpu_ticks "$lpid") - lc0 ))
bcpu=$(( $(cpu_ticks "$bpid") - bc0 ))
tick="$(getconf CLK_TCK)"

# Up to 100k requests in all, then the second RSS reading.
if [ "$total" -lt 100000 ]; then
  drive "$lurl" $((100000 - total)) >/dev/null
  total=100000
fi
rss100k="$(rss_mib "$lpid")"

kill -INT "$lpid"
wait "$lpid" || true
kill -INT "$bpid" 2>/dev/null || true
kill -INT "$rpid"
wait "$rpid" || true
lines="$(wc -l <"$out/events.ndjson" | tr -d ' ')"
rlines="$(wc -l <"$out/record.ndjson" | tr -d ' ')"

awk -v l="$best_l" -v b="$best_b" -v c="$conns" 'BEGIN {
  printf "listen --json throughput (%d connections, Cloud text POST): %.0f vs %.0f req/s = %.2f (target >= 0.7)\n", c, l, b, l / b }'
awk -v l="$best_r" -v b="$best_b" -v c="$conns" 'BEGIN {
  printf "listen --json --record throughput (%d connections, Cloud text POST): %.0f vs %.0f req/s = %.2f (target >= 0.5)\n", c, l, b, l / b }'
awk -v l="$p99_l" -v b="$p99_b" 'BEGIN {
  printf "answer latency p99 under that load, listen --json vs bare server: %.2f vs %.2f ms = %.2f (target none: for reference, lower is better)\n", l, b, (b > 0 ? l / b : 0) }'
awk -v l="$lcpu" -v b="$bcpu" -v t="$tick" -v n="$((rounds * per_round))" 'BEGIN {
  printf "server CPU per request, listen --json vs bare server: %.1f vs %.1f µs = %.2f (target none: for reference, lower is better)\n", l / t / n * 1e6, b / t / n * 1e6, (b > 0 ? l / b : 0) }'
awk -v a="$rss100k" -v b="$rss10k" 'BEGIN {
  printf "listen RSS after 100k requests vs after 10k: %.1f vs %.1f MiB = %.2f (target <= 1.25)\n", a, b, a / b }'
awk -v a="$lines" -v b="$total" 'BEGIN {
  printf "listen events written vs requests answered: %d vs %d lines = %.2f (target 1.00)\n", a, b, a / b }'
awk -v a="$rlines" -v b="$rtotal" 'BEGIN {
  printf "listen --record lines written vs requests answered: %d vs %d lines = %.2f (target 1.00)\n", a, b, a / b }'
tail -n 1 "$out/listen.err" | sed 's/^/  listen: /'
