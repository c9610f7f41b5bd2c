#!/usr/bin/env bash
# A node at rest: PSS (sum of Pss in /proc/PID/smaps_rollup over its process tree) WAIT seconds
# after it says it listens, by kind of mapping (smaps-summary.mjs), with V8's heap figures from
# /metrics. Default configuration, an empty store; extra arguments go to `switchboard start`.
# usage: BENCH_NETNS=1 bench/node-at-rest.sh [start flags...]   (root; private network namespace)
# env:   RUNS=3 WAIT=5 SKIP_BUILD=1 REPO=DIR (another checkout's built dist/, e.g. an older commit)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
repo=${REPO:-$(cd "$here/.." && pwd)}
. "$here/lib.sh"
require_port_free udp 5060
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && npm run build --silent) >/dev/null 2>&1 || die "build failed (npm run build in $repo)"
fi
for run in $(seq "${RUNS:-3}"); do
  data=$(mktemp -d)
  node "$repo/dist/cli/main.js" domain add example.com --data-dir "$data" >/dev/null 2>&1
  node "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 18080 \
    --data-dir "$data" --domain example.com --log-level warn "$@" >"$data/log" 2>&1 &
  pid=$!
  wait_listening "$data/log" 50 # and measure either way
  sleep "${WAIT:-5}"
  pids=$(pids_of "$pid")
  echo "run $run: PSS $(pss_kb "$pids") kB, $(ls "/proc/$pid/task" | wc -l) threads"
  node "$here/smaps-summary.mjs" "$pids" | sed 's/^/  /'
  curl -s "http://127.0.0.1:18080/metrics" | awk '
    /^switchboard_nodejs_(heap_size_(used|total)|external_memory)_bytes / { printf "  %s %.1f MiB\n", $1, $2 / 1048576 }'
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  rm -rf "$data"
done
