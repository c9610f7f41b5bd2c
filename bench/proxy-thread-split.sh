#!/usr/bin/env bash
# Where the proxy's CPU goes by thread: Switchboard as in bench/proxy-vs-kamailio.sh (record-routing
# to a SIPp uas on :5080) under sip-proxy-load.sh, ROUNDS rounds of RATE x CALLS on one node, then
# each thread's user and kernel time per call (utime/stime of /proc/PID/task/*/stat over all rounds):
# the main thread, V8's worker threads (garbage collection, compiling), the relay's workers.
# usage: BENCH_NETNS=1 bench/proxy-thread-split.sh     env: RATE=300 CALLS=4500 ROUNDS=2 (build first)
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
rate=${RATE:-300}; calls=${CALLS:-4500}; rounds=${ROUNDS:-2}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
. "$repo/bench/lib.sh"
[ -r "$repo/dist/cli/main.js" ] || die "dist/cli/main.js missing (npm run build)"
cd "$work" || exit 1
node "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 \
  --default-route sip:127.0.0.1:5080 --log-level warn >"$work/node.log" 2>&1 &
pid=$!
wait_listening "$work/node.log" || die "the node did not start: $(tail -3 "$work/node.log")"
sleep 2
threads() { for t in /proc/"$pid"/task/*; do echo "${t##*/} $(tr ' ' _ <"$t/comm") $(awk '{print $14, $15}' "$t/stat")"; done | sort; }
threads >"$work/before"
for _ in $(seq "$rounds"); do "$repo/bench/yardstick/sip-proxy-load.sh" "$pid" "$rate" "$calls"; done
threads >"$work/after"
join "$work/before" "$work/after" | awk -v n=$((calls * rounds)) -v main="$pid" -v hz="$(getconf CLK_TCK)" '
  { u = $6 - $3; s = $7 - $4; tu += u; ts += s
    if (u + s > 0) printf "%-8s %-16s user %6.0f  kernel %6.0f  µs per call\n", $1, ($1 == main ? "main" : $2), u / hz * 1e6 / n, s / hz * 1e6 / n }
  END { printf "%-25s user %6.0f  kernel %6.0f  µs per call (%d calls)\n", "all threads", tu / hz * 1e6 / n, ts / hz * 1e6 / n, n }'
