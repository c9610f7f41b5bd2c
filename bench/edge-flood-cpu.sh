#!/usr/bin/env bash
# Whole-process CPU per packet from a banned source (issue 11: under 5 µs a packet): a Switchboard
# node on its default configuration, a flood of SIP OPTIONS from one address (127.0.0.4) that the
# edge bans at its 17th request (16 in 2 s), then RATE packets/s for SECONDS seconds. The node's CPU
# (utime + stime of its process tree, all threads: the receive system calls included) over the
# flood, minus its CPU at rest over as long just before, divided by the packets sent.
# usage: BENCH_NETNS=1 bench/edge-flood-cpu.sh   (root; otherwise needs 127.0.0.1:5060 free)
# env:   RATE=20000 SECONDS_FLOOD=10 SKIP_BUILD=1
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
rate=${RATE:-20000}
seconds=${SECONDS_FLOOD:-10}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$repo/bench/lib.sh"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || die "build failed: $(tail -5 "$work/build.log")"
fi

node "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 \
  --data-dir "$work/data" --log-level warn >"$work/switchboard.log" 2>&1 &
pid=$!
wait_listening "$work/switchboard.log" 30 || die "switchboard did not start: $(tail -5 "$work/switchboard.log")"
sleep 3
cpu() { local t=0 p; for p in ${1//,/ }; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
tick=$(getconf CLK_TCK)

r0=$(cpu "$(pids_of "$pid")")
sleep "$seconds"
r1=$(cpu "$(pids_of "$pid")")

# The flood: one socket on 127.0.0.4, the same OPTIONS every time, paced in 1 ms slices.
cat >"$work/flood.mjs" <<'JS'
import { createSocket } from 'node:dgram';
const [rate, seconds] = process.argv.slice(2).map(Number);
const request = Buffer.from(
  'OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.4:5099;branch=z9hG4bKflood\r\n' +
    'Max-Forwards: 70\r\nTo: <sip:127.0.0.1>\r\nFrom: <sip:flood@127.0.0.4>;tag=f\r\nCall-ID: flood\r\n' +
    'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
);
const socket = createSocket('udp4');
socket.bind(5099, '127.0.0.4', () => {
  // The ban first: 20 requests, then a pause for it to take.
  for (let i = 0; i < 20; i++) socket.send(request, 5060, '127.0.0.1');
  setTimeout(() => {
    const start = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.min(rate * seconds, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) socket.send(request, 5060, '127.0.0.1');
      if (sent >= rate * seconds) {
        clearInterval(timer);
        setTimeout(() => { console.log(sent); socket.close(); }, 200);
      }
    }, 1);
  }, 500);
});
JS
node "$work/flood.mjs" 0 0 >/dev/null 2>&1 || true
f0=$(cpu "$(pids_of "$pid")")
sent=$(node "$work/flood.mjs" "$rate" "$seconds")
f1=$(cpu "$(pids_of "$pid")")
awk -v rest=$((r1 - r0)) -v flood=$((f1 - f0)) -v tick="$tick" -v sent="$sent" -v rate="$rate" -v s="$seconds" 'BEGIN {
  printf "| rate /s | packets sent | node CPU at rest | node CPU during the flood | µs per banned packet |\n| --- | --- | --- | --- | --- |\n"
  printf "| %d | %d | %.2f s | %.2f s | %.2f |\n", rate, sent, rest / tick, flood / tick, (flood - rest) / tick * 1e6 / sent
}'
grep -i "ban" "$work/switchboard.log" | head -3 >&2
