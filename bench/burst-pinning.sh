#!/usr/bin/env bash
# What a burst leaves pinned: the node's external memory (ArrayBuffers: receive batches and the
# bytes of messages kept) after a full GC, at rest and 4 s after a burst of TOTAL datagrams that
# reached it in large batches (burst-sender.mjs stops the node while it sends), while the burst's
# INVITEs still wait in their transactions. A kept message should keep its own bytes, not its batch.
# usage: BENCH_NETNS=1 bench/burst-pinning.sh      env: TOTAL=3000 RATIO=50 SKIP_BUILD=1 REPO=DIR
# (REPO: another checkout's built dist/, to compare commits). Needs curl; the API on 127.0.0.1:18080.
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
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
# A heap snapshot (SIGUSR2) runs a full GC first: what is left is what something still holds.
node --heapsnapshot-signal=SIGUSR2 "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 \
  --api-port 18080 --default-route sip:127.0.0.1:5080 --log-level warn >node.log 2>&1 &
pid=$!
wait_listening node.log || die "the node did not start: $(tail -3 node.log)"
sleep 2
external_kb() {
  kill -USR2 "$pid"
  sleep 4
  curl -s 127.0.0.1:18080/metrics | awk '/^(switchboard_)?nodejs_external_memory_bytes /{printf "%.0f", $2 / 1024}'
}
rest=$(external_kb)
burst=$(node "$here/burst-sender.mjs" "${TOTAL:-3000}" "${RATIO:-50}" "$pid")
after=$(external_kb)
echo "burst: $burst"
echo "external memory after a full GC: at rest $rest kB, after the burst $after kB (+$((after - rest)) kB)"
