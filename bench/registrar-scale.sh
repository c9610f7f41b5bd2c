#!/usr/bin/env bash
# Registrar at operator scale, Switchboard beside Kamailio (the yardstick) in the same run:
# USERS subscribers (default 100,000) each register once at RATE registrations/s, on a freshly
# started registrar per rate. For each registrar and rate it reports failures, CPU µs per
# registration (whole process tree) and PSS (sum of Pss in /proc/PID/smaps_rollup over the process
# tree) before the load, its peak (sampled every second), at its end, 2 s and 40 s after it, and the
# growth per registered contact; for Switchboard also the PSS by kind of mapping (smaps-summary.mjs).
# With HEAP_SNAPSHOT=DIR it writes a V8 heap snapshot of Switchboard after the last settle time into
# DIR and prints where the heap goes (bench/heap-summary.mjs).
# usage: BENCH_NETNS=1 bench/registrar-scale.sh      (root; private loopback-only network namespace)
# env:   USERS=100000 RATES="1000 2000" REGISTRARS="kamailio switchboard" SKIP_BUILD=1
#        KAMAILIO_SHM_MB=512 (Kamailio needs -m 512 for 100,000 contacts) SETTLE="2 40"
#        SWITCHBOARD_ARGS="..." extra flags for `switchboard start`; NODE_FLAGS="..." flags for node
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
yard=$repo/bench/yardstick
users=${USERS:-100000}
rates=${RATES:-1000 2000}
settle=${SETTLE:-2 40}
registrars=${REGISTRARS:-kamailio switchboard}
kamailio_bin=$(command -v kamailio || echo /usr/sbin/kamailio)
userdir=/tmp/sb-kamreg # where make-registrar-users.sh writes and kamailio-registrar.cfg reads
work=$(mktemp -d)
pid=
trap 'stop_registrar 2>/dev/null; rm -rf "$work"' EXIT

. "$repo/bench/lib.sh"
command -v sipp >/dev/null || die "sipp not installed (Debian package sip-tester)"
[ -x "$kamailio_bin" ] || die "kamailio not installed (Debian package kamailio)"
require_port_free udp 5060

echo "users: $users (make-registrar-users.sh)" >&2
bash "$yard/make-registrar-users.sh" "$users" >/dev/null || die "make-registrar-users.sh failed"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || die "build failed: $(tail -5 "$work/build.log")"
fi

start_kamailio() { kamailio_start "$yard/kamailio-registrar.cfg" "${KAMAILIO_SHM_MB:-512}"; }

start_switchboard() {
  local cli=$repo/dist/cli/main.js data=$work/switchboard-data
  rm -rf "$data"
  {
    node "$cli" domain add example.com --data-dir "$data" &&
      node "$cli" subscriber import "$userdir/users.tsv" --data-dir "$data"
  } >"$work/switchboard.log" 2>&1 || return 1
  # shellcheck disable=SC2086 # SWITCHBOARD_ARGS is a list of flags
  # shellcheck disable=SC2086 # NODE_FLAGS is a list of flags (e.g. --cpu-prof --cpu-prof-dir=DIR)
  node ${NODE_FLAGS:-} ${HEAP_SNAPSHOT:+--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=$HEAP_SNAPSHOT} "$cli" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 18080 --data-dir "$data" \
    --domain example.com --log-level warn ${SWITCHBOARD_ARGS:-} >>"$work/switchboard.log" 2>&1 &
  pid=$!
  wait_listening "$work/switchboard.log" 30
}

stop_registrar() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

[ -z "${HEAP_SNAPSHOT:-}" ] || mkdir -p "$HEAP_SNAPSHOT"
rows=
for rate in $rates; do
  for registrar in $registrars; do
    echo "$registrar at $rate/s:" >&2
    if ! "start_$registrar" || ! kill -0 "$pid" 2>/dev/null; then
      echo "  did not start: $(tail -5 "$work/$registrar.log")" >&2
      rows+="| $registrar | $rate | did not start | | | | | | | |"$'\n'
      stop_registrar
      continue
    fi
    sleep 5 # start-up done: the PSS before the load is the process at rest
    pids=$(pids_of "$pid")
    pss0=$(pss_kb "$pids")
    [ "$registrar" != switchboard ] || node "$repo/bench/smaps-summary.mjs" "$pids" | sed 's/^/    before: /' >&2
    # The peak: PSS sampled every second while the load runs.
    (while :; do pss_kb "$(pids_of "$pid")"; sleep 1; done) >"$work/pss-samples" 2>/dev/null &
    sampler=$!
    line=$(bash "$yard/sip-register-load.sh" "$pids" "$rate" "$users" "$userdir/users.csv" | tail -1)
    kill "$sampler" 2>/dev/null
    wait "$sampler" 2>/dev/null
    pss_end=$(pss_kb "$(pids_of "$pid")")
    pss_peak=$( (cat "$work/pss-samples"; echo "$pss_end") | sort -n | tail -1)
    echo "  $line; PSS ${pss0} kB before, ${pss_peak} kB at the peak, ${pss_end} kB at the end" >&2
    ok=$(field ok "$line")
    cells=
    elapsed=0
    for s in $settle; do
      sleep $((s - elapsed))
      elapsed=$s
      p=$(pss_kb "$(pids_of "$pid")")
      per=$([ "${ok:-0}" -gt 0 ] && echo $(((p - pss0) * 1024 / ok)) || echo -)
      cells+="$((p / 1024)) MiB, $per B | "
      echo "  +${s}s: PSS $p kB, $per B per contact" >&2
      if [ "$registrar" = switchboard ]; then
        # Where the process's memory is: V8's heap (used and committed, by space), Buffers, live state.
        curl -s "http://127.0.0.1:18080/metrics" | awk '
          /^switchboard_nodejs_heap_size_(used|total)_bytes / || /^switchboard_nodejs_external_memory_bytes / ||
          /^switchboard_nodejs_heap_space_size_total_bytes\{space="(new|old)_space"\}/ ||
          /^switchboard_(registrations|sip_completed_server_transactions|credential_cache_entries|memory_idle_collections) / {
            v = $2; if ($1 ~ /bytes/) v = sprintf("%.0f MiB", $2 / 1048576); printf "    %s %s\n", $1, v }' >&2
        # The same PSS by kind of mapping: V8's heap pages, malloc's arenas, code.
        node "$repo/bench/smaps-summary.mjs" "$(pids_of "$pid")" | sed 's/^/    /' >&2
      fi
    done
    if [ "$registrar" = switchboard ] && [ -n "${HEAP_SNAPSHOT:-}" ]; then
      before=$(ls "$HEAP_SNAPSHOT" | wc -l)
      kill -USR2 "$pid"
      for _ in $(seq 120); do [ "$(ls "$HEAP_SNAPSHOT"/*.heapsnapshot 2>/dev/null | wc -l)" -gt "$before" ] && break; sleep 1; done
      snap=$(ls -t "$HEAP_SNAPSHOT"/*.heapsnapshot | head -1)
      # The node writes the file as it walks the heap: it is complete when its JSON is closed.
      for _ in $(seq 300); do [ "$(tail -c 2 "$snap")" = "]}" ] && break; sleep 1; done
      echo "  heap snapshot $snap:" >&2
      node "$repo/bench/heap-summary.mjs" "$snap" 25 --per "${ok:-1}" >&2
    fi
    rows+="| $registrar | $rate | $(field ok "$line") | $(field failed "$line") | $(field achieved_rps "$line") | $(field cpu_us_per_registration "$line") | $((pss0 / 1024)) MiB | $((pss_peak / 1024)) MiB | $((pss_end / 1024)) MiB | ${cells}"$'\n'
    stop_registrar
  done
done

header="| registrar | rate /s | ok | failed | achieved /s | CPU µs per registration | PSS before | PSS peak | PSS at end |"
sep="| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for s in $settle; do header+=" PSS +${s}s, per contact |"; sep+=" --- |"; done
cat <<EOF

Machine: $(nproc) cores, $(uname -sr); $("$kamailio_bin" -v | head -1); $(sipp -v 2>&1 | grep -o 'SIPp v[^ -]*'); node $(node -v); $(date -u +%F)
$users subscribers, each registering once (sip-register-load.sh + sipp-register-digest.xml, MD5 digest), fresh registrar per rate

$header
$sep
${rows}
EOF
