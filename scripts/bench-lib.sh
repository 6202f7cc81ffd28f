# Shared by the sections of scripts/bench (scripts/bench.d/*.sh); sourced,
# not run. It sets up a section's output folder and wa-cb binary, stops the
# servers a section starts, and waits for their ready files.

# bench_init NAME: sets $out (the section's folder) and $bin (wa-cb, built
# unless scripts/bench already did), and stops every PID in $pids on exit.
bench_init() {
  section="$1"
  out="${WA_CB_BENCH_OUT:-$(mktemp -d)}/$section"
  mkdir -p "$out"
  bin="${WA_CB_BIN:-}"
  if [ -z "$bin" ]; then
    go build -o "$out/wa-cb" ./cmd/wa-cb
    bin="$out/wa-cb"
  fi
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}

# wait_file FILE: waits up to 10 s for a server to write its ready file.
wait_file() {
  for _ in $(seq 1 500); do
    [ -s "$1" ] && return 0
    sleep 0.02
  done
  echo "bench $section: $1 never appeared" >&2
  exit 1
}

# write_cloud_text FILE: the Cloud API text callback the load sections send.
write_cloud_text() {
  cat > "$1" <<'JSON'
{"object":"whatsapp_business_account","entry":[{"id":"5467539754836534","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1122334455667"},"contacts":[{"profile":{"name":"Test Name"},"wa_id":"972987654321"}],"messages":[{"from":"972987654321","id":"wamid.HBgMOTcyOTg3NjU0MzIxFQIAEhgUM0EwRjY0QjMyRUI3MEQ2MEVGQjEA","timestamp":"1697043223","text":{"body":"Hello, I would like to know the status of my order 4821."},"type":"text"}]},"field":"messages"}]}]}
JSON
}

# write_cloud_location FILE: the Cloud API location callback the listen
# section sends (a named location, as fixture cloud-incoming-location).
write_cloud_location() {
  cat > "$1" <<'JSON'
{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maya Patel"},"wa_id":"15551234567"}],"messages":[{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}]},"field":"messages"}]}]}
JSON
}

# need_wrk: installs wrk from the distribution's packages when missing.
need_wrk() {
  command -v wrk >/dev/null && return 0
  echo "bench $section: installing wrk (apt-get install -y wrk)" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y wrk >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y wrk >&2; }
  command -v wrk >/dev/null || { echo "bench $section: wrk is needed" >&2; exit 1; }
}

# median: the median of the numbers on stdin, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# drive URL N BODY [TYPE]: sends N POSTs of BODY (Content-Type TYPE, JSON
# when not given) to URL with scripts/internal/loadgen (built as
# $out/loadgen) over $conns connections; prints requests per second.
drive() {
  "$out/loadgen" -url "$1" -body "$3" -type "${4:-application/json}" -c "$conns" -n "$2" |
    sed -n 's/.*"per_second":\([0-9.]*\).*/\1/p'
}

# best_of_rounds WA_CB_URL BASELINE_URL BODY [TYPE]: $rounds rounds of
# $per_round requests to each, the order alternating round by round; sets
# best_l and best_b to the best rate of each and adds the requests sent to
# $total.
best_of_rounds() {
  best_l=0
  best_b=0
  local r l b
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
      l="$(drive "$1" "$per_round" "$3" "${4:-}")"
      b="$(drive "$2" "$per_round" "$3" "${4:-}")"
    else
      b="$(drive "$2" "$per_round" "$3" "${4:-}")"
      l="$(drive "$1" "$per_round" "$3" "${4:-}")"
    fi
    total=$((total + per_round))
    best_l="$(awk -v a="$best_l" -v b="$l" 'BEGIN { print (b > a ? b : a) }')"
    best_b="$(awk -v a="$best_b" -v b="$b" 'BEGIN { print (b > a ? b : a) }')"
  done
}
