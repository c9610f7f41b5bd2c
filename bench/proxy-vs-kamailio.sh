#!/usr/bin/env bash
# Switchboard as a record-routing proxy vs Kamailio (the yardstick), same machine, same run.
#   1. build; 2. Kamailio (bench/yardstick/kamailio-proxy.cfg) on 127.0.0.1:5060 under
#   sip-proxy-load.sh at RATE cps x CALLS calls; 3. Switchboard on 127.0.0.1:5060 with
#   --default-route sip:127.0.0.1:5080, same load; 4. a rate ladder for both: the highest rate with
#   every call complete and 0 failed. Prints markdown tables (paste them into docs/BENCHMARKS.md).
# usage: bench/proxy-vs-kamailio.sh            (run from anywhere; needs 5060, 5080, 5101+, 6000, 8888 free)
# env:   SWITCHBOARD_YARDSTICK_DIR  dir of sip-proxy-load.sh + kamailio-proxy.cfg (default: <repo>/bench/yardstick)
#        RATE=300 CALLS=4500       the fixed-rate comparison
#        WARMUP_CALLS=0            calls at RATE run on each proxy after it starts and before anything is
#                                  measured (the same for both): Node compiles its hot code in the first
#                                  seconds (~1 s of CPU), which a fresh node's first 4,500 calls carry
#        LADDER="300 500 700 900 1100 1300 1500"  LADDER_SECONDS=8  (calls per step = rate x seconds)
#        PROXIES="kamailio switchboard"  SKIP_BUILD=1  BENCH_NETNS=1 (private loopback-only netns)
#        KAMAILIO_SHM_MB=256  Kamailio's shared memory (-m); its 64 MB default runs out of transactions
#                             near 500 calls/s ("out of mem" -> 500 replies), which is not a CPU limit
#        KAMAILIO_CHILDREN=N  run the yardstick cfg with N UDP workers instead of its 2 (with 2, Kamailio
#                             now and then relays a 180 after the 200, which SIPp's uac counts as a failure)
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
yardstick=${SWITCHBOARD_YARDSTICK_DIR:-$repo/bench/yardstick}
load=$yardstick/sip-proxy-load.sh
rate=${RATE:-300}
calls=${CALLS:-4500}
ladder=${LADDER:-300 500 700 900 1100 1300 1500}
ladder_s=${LADDER_SECONDS:-8}
proxies=${PROXIES:-kamailio switchboard}
kamailio_bin=$(command -v kamailio || echo /usr/sbin/kamailio)
work=$(mktemp -d)
pid=
trap 'stop_proxy 2>/dev/null; rm -rf "$work"' EXIT

. "$repo/bench/lib.sh"
[ -r "$load" ] || die "$load not found (set SWITCHBOARD_YARDSTICK_DIR)"
command -v sipp >/dev/null || die "sipp not installed (Debian package sip-tester)"
[ -x "$kamailio_bin" ] || die "kamailio not installed (Debian package kamailio)"
for port in 5060 5080; do require_port_free udp "$port"; done

start_kamailio() {
  local cfg=$yardstick/kamailio-proxy.cfg
  if [ -n "${KAMAILIO_CHILDREN:-}" ]; then
    sed "s/^children=.*/children=$KAMAILIO_CHILDREN/" "$cfg" >"$work/kamailio-proxy.cfg"
    cfg=$work/kamailio-proxy.cfg
  fi
  kamailio_start "$cfg" "${KAMAILIO_SHM_MB:-256}"
}

start_switchboard() {
  [ -r "$repo/dist/cli/main.js" ] || { echo "dist/cli/main.js missing" >"$work/switchboard.log"; return 1; }
  node "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 \
    --default-route sip:127.0.0.1:5080 --log-level warn >"$work/switchboard.log" 2>&1 &
  pid=$!
  wait_listening "$work/switchboard.log"
}

stop_proxy() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "  stopped, exit code $?" >&2
  pid=
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# run NAME RATE CALLS -> prints sip-proxy-load.sh's line, e.g. rate=300 ok=4500 failed=0 ...
run() {
  local out
  echo "  $1: $2 cps x $3 calls ..." >&2
  out=$("$load" "$(pids_of "$pid")" "$2" "$3" | tail -1)
  echo "    $out" >&2
  echo "$out"
}

fixed_rows=
ladder_rows=
for proxy in $proxies; do
  if [ "$proxy" = switchboard ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || echo "build failed: $(tail -5 "$work/build.log")" >&2
  fi
  label=$proxy
  [ "$proxy" = kamailio ] && [ -n "${KAMAILIO_CHILDREN:-}" ] && label="kamailio (children=$KAMAILIO_CHILDREN)"
  echo "$label:" >&2
  if ! "start_$proxy" || ! kill -0 "$pid" 2>/dev/null; then
    echo "  $proxy did not start: $(tail -5 "$work/$proxy.log")" >&2
    fixed_rows+="| $label | not measured (did not start) | | | | | |"$'\n'
    ladder_rows+="| $label | not measured | |"$'\n'
    stop_proxy
    continue
  fi
  if [ "${WARMUP_CALLS:-0}" -gt 0 ]; then
    echo "  warm-up (not measured):" >&2
    run "$proxy" "$rate" "$WARMUP_CALLS" >/dev/null
  fi
  line=$(run "$proxy" "$rate" "$calls")
  fixed_rows+="| $label | $(field ok "$line") | $(field failed "$line") | $(field wall "$line") | $(field achieved_cps "$line") | $(field proxy_cpu "$line") | $(field cpu_us_per_call "$line") |"$'\n'
  best=none
  steps=
  for r in $ladder; do
    n=$((r * ladder_s))
    line=$(run "$proxy" "$r" "$n")
    ok=$(field ok "$line"); failed=$(field failed "$line")
    steps+="$r: $ok/$n ok, $failed failed, $(field achieved_cps "$line") cps achieved; "
    if [ "$ok" = "$n" ] && [ "$failed" = 0 ]; then best=$r; else break; fi
  done
  ladder_rows+="| $label | $best | ${steps%; } |"$'\n'
  stop_proxy
done

cat <<EOF

Machine: $(nproc) cores, $(uname -sr); $("$kamailio_bin" -v | head -1); $(sipp -v 2>&1 | grep -o 'SIPp v[^ -]*'); node $(node -v); $(date -u +%F)

Fixed rate: $rate calls/s, $calls calls after ${WARMUP_CALLS:-0} unmeasured warm-up calls (sip-proxy-load.sh, one SIPp uac, built-in uac/uas scenarios)

| proxy | ok | failed | wall | achieved cps | proxy CPU | CPU µs per call |
| --- | --- | --- | --- | --- | --- | --- |
${fixed_rows}
Rate ladder: $ladder calls/s, $ladder_s s of calls per step, stops at the first step with a failure

| proxy | highest rate with 0 failures | steps |
| --- | --- | --- |
${ladder_rows}
EOF
