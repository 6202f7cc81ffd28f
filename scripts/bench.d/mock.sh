#!/usr/bin/env bash
# Section "mock": API calls per second that `wa-cb mock` answers while it
# delivers three status callbacks (sent, delivered, read) per message to a
# bare server, against the bare server answering the same load itself, in
# the same run; then whether every callback arrived exactly once.
#   - the app: scripts/internal/loadgen POSTs a Kaleyra v1 text message
#     (urlencoded, with callback_url on the callback server) over keep-alive
#     connections;
#   - the callback server: scripts/internal/baseline -log, which writes the
#     request line of every callback it gets;
#   - the reference: the same load against a bare baseline server.
# Each message makes four HTTP exchanges on the same cores (the call and
# three callbacks). Callbacks go out from a bounded worker pool; those that
# fall due while it is busy wait in the scheduler, so the API keeps its
# pace and the callbacks catch up after the load (the time it takes is
# printed). Target: at least 0.5, and every callback delivered once.
# Knobs: MOCK_BENCH_CONNS (50), MOCK_BENCH_N (5000 per round),
# MOCK_BENCH_ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."

. scripts/bench-lib.sh
bench_init mock

go build -o "$out/loadgen" ./scripts/internal/loadgen
go build -o "$out/baseline" ./scripts/internal/baseline
conns="${MOCK_BENCH_CONNS:-50}"
per_round="${MOCK_BENCH_N:-5000}"
rounds="${MOCK_BENCH_ROUNDS:-3}"

rm -f "$out"/*.url "$out/callbacks.log"
"$out/baseline" -ready "$out/bare.url" &
pids+=("$!")
"$out/baseline" -ready "$out/sink.url" -log "$out/callbacks.log" &
spid=$!
pids+=("$spid")
wait_file "$out/bare.url"
wait_file "$out/sink.url"
bare="$(cat "$out/bare.url")"
sink="$(cat "$out/sink.url")"
"$bin" mock --port 0 --ready-file "$out/mock.url" --json --delays sent=1ms,delivered=2ms,read=3ms \
  >"$out/events.ndjson" 2>"$out/mock.err" &
mpid=$!
pids+=("$mpid")
wait_file "$out/mock.url"
murl="$(cat "$out/mock.url")"
api="${murl}v1/HXAP16XXXXXX97IN/messages"
printf 'channel=whatsapp&type=text&from=918012340128&to=919812345678&body=Your+order+4821+has+shipped&ref=order-4821&callback_url=%s' \
  "$(printf '%s' "${sink}kaleyra/status?tenant=7" | sed 's/:/%3A/g; s#/#%2F#g; s/?/%3F/g; s/=/%3D/g')" >"$out/message.form"

# warm both up; the mock's warm-up messages count as sent messages too
form=application/x-www-form-urlencoded
drive "$api" 1000 "$out/message.form" "$form" >/dev/null
drive "$bare" 1000 "$out/message.form" "$form" >/dev/null
total=1000
best_of_rounds "$api" "$bare" "$out/message.form" "$form"
messages="$total"
best_m="$best_l"
awk -v m="$best_m" -v b="$best_b" -v c="$conns" 'BEGIN {
  printf "mock API calls with 3 callbacks each (%d connections, Kaleyra v1 text): %.0f vs %.0f req/s bare server = %.2f (target 0.5)\n", c, m, b, m / b }'

# every callback delivered: wait for the last ones (callbacks that fall due
# while every worker is busy wait in the scheduler, late but not lost), then
# stop the mock
want=$((messages * 3))
t0="$(date +%s.%N)"
for _ in $(seq 1 3000); do
  done_n="$(curl -s "${murl}_mock/stats" | sed -n 's/.*"callbacks_sent":\([0-9]*\).*/\1/p')"
  [ "${done_n:-0}" -ge "$want" ] && break
  sleep 0.02
done
t1="$(date +%s.%N)"
kill -INT "$mpid"
wait "$mpid" || true
kill -INT "$spid"
wait "$spid" || true
got="$(wc -l <"$out/callbacks.log" | tr -d ' ')"
once="$(sed -E 's/&timestamp=[0-9]+//' "$out/callbacks.log" | sort | uniq -c | awk '$1 == 1' | wc -l | tr -d ' ')"
awk -v g="$got" -v w="$want" -v o="$once" 'BEGIN {
  printf "callbacks received vs made (3 per message): %d vs %d = %.2f (target 1.00); %d of them exactly once\n", g, w, g / w, o }'
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  the last callbacks arrived %.1fs after the last API call\n", b - a }'
grep -E '^(Stopped|Lifecycle):' "$out/mock.err" | sed 's/^/  mock: /'
