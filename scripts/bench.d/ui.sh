#!/usr/bin/env bash
# Section "ui": wa-cb listen --json --ui with a client following the web
# inspector's event stream (scripts/internal/sseclient, standing in for a
# browser) against the bare net/http server, driven by the same load
# generator with the same load in the same run, as the listen section.
# Prints, in the format of scripts/bench:
#   throughput of listen --json --ui vs the bare server (target >= 0.7),
#   exchanges the stream delivered or said it missed vs requests answered
#   (every exchange accounted for: target 1.00).
# Knobs: UI_BENCH_CONNS (50), UI_BENCH_N (15000 per round),
# UI_BENCH_ROUNDS (5; the best round of each side counts).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init ui
go build -o "$out/loadgen" ./scripts/internal/loadgen
go build -o "$out/baseline" ./scripts/internal/baseline
go build -o "$out/sseclient" ./scripts/internal/sseclient

conns="${UI_BENCH_CONNS:-50}"
per_round="${UI_BENCH_N:-15000}"
rounds="${UI_BENCH_ROUNDS:-5}"

write_cloud_text "$out/cloud-text.json"

rm -f "$out/listen.url" "$out/ui.url" "$out/baseline.url" "$out/sse.ready"
"$bin" listen --port 0 --ready-file "$out/listen.url" --json \
  --ui --ui-addr 127.0.0.1:0 --ui-ready-file "$out/ui.url" >"$out/events.ndjson" 2>"$out/listen.err" &
lpid=$!
pids+=("$lpid")
"$out/baseline" -ready "$out/baseline.url" &
bpid=$!
pids+=("$bpid")
wait_file "$out/listen.url"
wait_file "$out/ui.url"
wait_file "$out/baseline.url"
lurl="$(cat "$out/listen.url")"
burl="$(cat "$out/baseline.url")"
"$out/sseclient" -url "$(cat "$out/ui.url")" -ready "$out/sse.ready" >"$out/sse.json" &
spid=$!
pids+=("$spid")
wait_file "$out/sse.ready"

# Warm-up, then the same load on both, interleaved; best round of each.
drive "$lurl" 10000 "$out/cloud-text.json" >/dev/null
drive "$burl" 10000 "$out/cloud-text.json" >/dev/null
total=10000
best_of_rounds "$lurl" "$burl" "$out/cloud-text.json"

# Stopping the listener ends the stream: the client then says what it got.
kill -INT "$lpid"
wait "$lpid" || true
wait "$spid" || true
kill -INT "$bpid" 2>/dev/null || true
seen="$(sed -n 's/.*"exchanges":\([0-9]*\).*/\1/p' "$out/sse.json")"
missed="$(sed -n 's/.*"missed":\([0-9]*\).*/\1/p' "$out/sse.json")"

awk -v l="$best_l" -v b="$best_b" -v c="$conns" 'BEGIN {
  printf "listen --json --ui throughput, an event-stream client following (%d connections, Cloud text POST): %.0f vs %.0f req/s = %.2f (target >= 0.7)\n", c, l, b, l / b }'
awk -v s="${seen:-0}" -v m="${missed:-0}" -v n="$total" 'BEGIN {
  printf "inspector stream: exchanges delivered + missed vs requests answered: %d + %d vs %d = %.2f (target 1.00)\n", s, m, n, (s + m) / n }'
tail -n 1 "$out/listen.err" | sed 's/^/  listen: /'
