#!/usr/bin/env bash
# Section "listen": wa-cb listen --json (events to a file), and listen
# --json --record FILE, against a bare net/http server that only reads the
# body and answers 200 (scripts/internal/baseline), all on loopback port 0,
# driven in the same run by wrk (one thread, 32 keep-alive connections: a
# load generator that is not the bottleneck) POSTing a Cloud API location
# callback. The three servers take turns, round after round, in an order
# that rotates; each round gives a ratio to the bare server, and the
# median ratio counts (the machine's drift cancels out within a round).
# Prints, in the format of scripts/bench:
#   throughput of listen --json vs the bare server (target >= 0.8),
#   throughput of listen --json --record vs the bare server (target >= 0.7),
#   the CPU time each server spent per request (for reference),
#   listen's peak RSS (VmHWM) after 500k requests vs after 50k (flat:
#   target <= 1.25),
#   events written vs requests answered, and recording lines vs requests
#   answered (nothing dropped: target 1.00 each).
# The peak-RSS readings come after a given number of requests, sent by
# scripts/internal/loadgen (wrk stops at a time, not a count).
# Knobs: LISTEN_BENCH_CONNS (32), LISTEN_BENCH_SECONDS (2 per turn),
# LISTEN_BENCH_ROUNDS (9), LISTEN_BENCH_PROFILE=1 (build wa-cb with
# -tags benchprof and print the top of a CPU profile of listen --json
# taken during the rounds).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init listen
need_wrk
go build -o "$out/baseline" ./scripts/internal/baseline
go build -o "$out/loadgen" ./scripts/internal/loadgen
if [ "${LISTEN_BENCH_PROFILE:-}" = 1 ]; then
  go build -tags benchprof -o "$out/wa-cb-prof" ./cmd/wa-cb
  bin="$out/wa-cb-prof"
fi

conns="${LISTEN_BENCH_CONNS:-32}"
secs="${LISTEN_BENCH_SECONDS:-2}"
rounds="${LISTEN_BENCH_ROUNDS:-9}"

write_cloud_location "$out/cloud-location.json"
# wrk's request: the body is read once.
cat > "$out/post.lua" <<LUA
local f = assert(io.open("$out/cloud-location.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
rm -f "$out"/*.url "$out/record.ndjson" "$out/listen.prof"
# The profile covers the warm-up and the rounds (it must end before the
# process does to be written).
profile_secs=$(( (rounds * 3 * secs) + 4 ))
WA_CB_CPUPROFILE="$( [ "${LISTEN_BENCH_PROFILE:-}" = 1 ] && echo "$out/listen.prof" )" WA_CB_CPUPROFILE_SECONDS="$profile_secs" \
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
declare -A url=([listen]="$(cat "$out/listen.url")" [record]="$(cat "$out/record.url")" [bare]="$(cat "$out/baseline.url")")
declare -A served=([listen]=0 [record]=0 [bare]=0)

# wrk_run NAME ARGS...: one wrk run against server NAME; prints
# "requests requests-per-second" and counts the requests served.
wrk_run() {
  local name="$1"
  shift
  local rep
  rep="$(wrk -t1 -c"$conns" "$@" "${url[$name]}")"
  if grep -q 'Non-2xx\|Socket errors' <<<"$rep"; then
    echo "bench listen: errors against $name:" >&2
    echo "$rep" >&2
    exit 1
  fi
  local n rps
  n="$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$rep")"
  rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$rep")"
  served[$name]=$((served[$name] + n))
  echo "$n $rps"
}
# count NAME N: drives NAME until it has served N requests in all (with
# scripts/internal/loadgen, which stops at a count; wrk only stops at a
# time).
count() {
  local left=$(($2 - served[$1]))
  if [ "$left" -gt 0 ]; then
    "$out/loadgen" -url "${url[$1]}" -body "$out/cloud-location.json" -c "$conns" -n "$left" >/dev/null
    served[$1]=$2
  fi
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Warm-up, and the first peak-RSS reading after 50k requests.
count listen 50000
hwm50k="$(hwm_mib "$lpid")"
at50k="${served[listen]}"
wrk_run bare -d2s -s "$out/post.lua" >/dev/null
wrk_run record -d2s -s "$out/post.lua" >/dev/null

order=(bare listen record)
: >"$out/ratios"
declare -A cpu0 cpuN reqN=([listen]=0 [record]=0 [bare]=0)
declare -A pid=([listen]="$lpid" [record]="$rpid" [bare]="$bpid")
for r in $(seq 1 "$rounds"); do
  declare -A rps=()
  for i in 0 1 2; do
    name="${order[$(((i + r) % 3))]}"
    c0="$(cpu_ticks "${pid[$name]}")"
    read -r n v < <(wrk_run "$name" -d"${secs}s" -s "$out/post.lua")
    served[$name]=$((served[$name] + n)) # wrk_run ran in a subshell
    cpuN[$name]=$(( ${cpuN[$name]:-0} + $(cpu_ticks "${pid[$name]}") - c0 ))
    reqN[$name]=$((reqN[$name] + n))
    rps[$name]="$v"
  done
  echo "${rps[listen]} ${rps[record]} ${rps[bare]}" >>"$out/ratios"
  awk -v l="${rps[listen]}" -v c="${rps[record]}" -v b="${rps[bare]}" -v r="$r" 'BEGIN {
    printf "  round %d: listen --json %.0f, --record %.0f, bare %.0f req/s (%.2f, %.2f)\n", r, l, c, b, l / b, c / b }'
done

# Up to 500k requests on listen --json, then the second peak-RSS reading.
count listen 500000
hwm500k="$(hwm_mib "$lpid")"
at500k="${served[listen]}"

kill -INT "$lpid" "$rpid" "$bpid"
wait "$lpid" || true
wait "$rpid" || true
answered="$(sed -n 's/^Stopped: \([0-9]*\) request.*/\1/p' "$out/listen.err")"
ranswered="$(sed -n 's/^Stopped: \([0-9]*\) request.*/\1/p' "$out/record.err")"
lines="$(wc -l <"$out/events.ndjson" | tr -d ' ')"
rlines="$(wc -l <"$out/record.ndjson" | tr -d ' ')"
rm -f "$out"/*.ndjson # hundreds of MB, counted

med_l="$(awk '{ print $1 / $3 }' "$out/ratios" | median)"
med_r="$(awk '{ print $2 / $3 }' "$out/ratios" | median)"
rps_l="$(awk '{ print $1 }' "$out/ratios" | median)"
rps_r="$(awk '{ print $2 }' "$out/ratios" | median)"
rps_b="$(awk '{ print $3 }' "$out/ratios" | median)"
tick="$(getconf CLK_TCK)"

awk -v l="$rps_l" -v b="$rps_b" -v m="$med_l" -v c="$conns" -v n="$rounds" 'BEGIN {
  printf "listen --json throughput (wrk -t1 -c%d, Cloud location POST, median of %d rounds): %.0f vs %.0f req/s = %.2f (target >= 0.8)\n", c, n, l, b, m }'
awk -v l="$rps_r" -v b="$rps_b" -v m="$med_r" -v c="$conns" -v n="$rounds" 'BEGIN {
  printf "listen --json --record throughput (wrk -t1 -c%d, Cloud location POST, median of %d rounds): %.0f vs %.0f req/s = %.2f (target >= 0.7)\n", c, n, l, b, m }'
awk -v l="${cpuN[listen]}" -v r="${cpuN[record]}" -v b="${cpuN[bare]}" -v nl="${reqN[listen]}" -v nr="${reqN[record]}" -v nb="${reqN[bare]}" -v t="$tick" 'BEGIN {
  printf "server CPU per request, listen --json / --record vs bare server: %.1f / %.1f vs %.1f µs = %.2f / %.2f (target none: for reference, lower is better)\n", l / t / nl * 1e6, r / t / nr * 1e6, b / t / nb * 1e6, (l / nl) / (b / nb), (r / nr) / (b / nb) }'
awk -v a="$hwm500k" -v b="$hwm50k" -v na="$at500k" -v nb="$at50k" 'BEGIN {
  printf "listen --json peak RSS (VmHWM) after %dk requests vs after %dk: %.1f vs %.1f MiB = %.2f (target <= 1.25)\n", na / 1000, nb / 1000, a, b, a / b }'
awk -v a="$lines" -v b="$answered" 'BEGIN {
  printf "listen --json events written vs requests answered: %d vs %d lines = %.2f (target 1.00)\n", a, b, a / b }'
awk -v a="$rlines" -v b="$ranswered" 'BEGIN {
  printf "listen --record lines written vs requests answered: %d vs %d lines = %.2f (target 1.00)\n", a, b, a / b }'
if [ -s "$out/listen.prof" ]; then
  echo "  CPU profile of listen --json ($out/listen.prof), top by own time:"
  go tool pprof -top -nodecount=25 "$bin" "$out/listen.prof" 2>/dev/null | sed -n '/flat%/,$p' | sed 's/^/    /'
fi
