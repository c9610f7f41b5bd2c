#!/usr/bin/env bash
# The built-in media relay beside rtpengine's userspace relay, in the same run and driven the same way:
#   rtpengine (ng 127.0.0.1:2223, ports 30000-34999, --table=-1: no kernel forwarding) and the built-in relay
#   behind bench/builtin-relay-ng.mjs (ng 127.0.0.1:2224, ports 35000-39999, media.workers WORKERS); for each
#   step of CALLS, bench/relay-load.py sets up that many G.711 calls on each relay in turn and sends 50
#   packets/s per leg both ways (172-byte PCMU RTP from bench/rtp-sender.c, compiled here with gcc: SENDERS
#   processes, SOCKETS sockets per call side each, streams spread over PHASES sub-ticks of the 20 ms) for
#   SECONDS_PER_STEP, reading back and counting per stream what the relay forwards. Prints a markdown table:
#   offered, sent and received packets/s, lost, late (back after LATE_MS), p99 delay through the relay, the
#   relay process's CPU (all threads) per relayed packet and in cores, the generator's cores, the kernel's
#   receive-buffer drops at the relay's sockets, and the load average at the step's start.
# usage: BENCH_NETNS=1 bench/media-relay-vs-rtpengine.sh
# env:   CALLS="250 500 750 1000"  SECONDS_PER_STEP=10  WORKERS=0 (0: one per core)  SENDERS=1  SOCKETS=4
#        PHASES=20  LATE_MS=60  SKIP_BUILD=1  JSON=file (append each step's full JSON line to it)
#        NICE=-19: run both relays and the generator in a session of their own whose scheduler autogroup, and
#        each process, get that niceness (negative needs root; with kernel.sched_autogroup_enabled, a process's
#        nice only counts inside its session), so that on a shared machine other sessions' builds do not take
#        the cores mid-step. Both relays get the same; say so beside any figure measured that way.
#        SENDER_RT=10: the generator as a SCHED_FIFO task of that priority (root): it sleeps between its 1 ms
#        sub-ticks, and then sends and reads back on time; but its bursts take one core at a time, and a relay
#        thread left on that core falls behind (docs/BENCHMARKS.md), so leave it off for relay comparisons.
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
if [ -n "${NICE:-}" ] && [ -z "${BENCH_IN_SESSION:-}" ]; then
  exec setsid -w env BENCH_IN_SESSION=1 "$0" "$@"
fi
if [ -n "${NICE:-}" ] && [ -w /proc/self/autogroup ]; then
  echo "$NICE" >/proc/self/autogroup 2>/dev/null || echo "warning: could not set the autogroup's nice to $NICE" >&2
fi
steps=${CALLS-250 500 750 1000}
secs=${SECONDS_PER_STEP:-10}
workers=${WORKERS:-0}
senders=${SENDERS:-1}
sockets=${SOCKETS:-4}
phases=${PHASES:-20}
late_ms=${LATE_MS:-60}
sender_rt=${SENDER_RT:-0}
run=(nice -n "${NICE:-0}")
json=${JSON:-}
work=$(mktemp -d)
rtp_pid=
relay_pid=
. "$repo/bench/lib.sh"
cleanup() {
  for p in $relay_pid $rtp_pid; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rtpengine_bin=$(command -v rtpengine || echo /usr/bin/rtpengine)
[ -x "$rtpengine_bin" ] || die "rtpengine not installed (Debian package rtpengine-daemon)"
command -v gcc >/dev/null || die "gcc not found: it builds bench/rtp-sender.c"
cd "$repo" || die "cannot cd to $repo"
mkdir -p bench/.build && gcc -O2 -Wall -o bench/.build/rtp-sender bench/rtp-sender.c || die "could not compile bench/rtp-sender.c"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  npx tsc -p tsconfig.build.json >"$work/build.log" 2>&1 || { grep -m5 'error TS' "$work/build.log" >&2; die "build failed"; }
fi
ulimit -n 65536 2>/dev/null || true
"${run[@]}" "$rtpengine_bin" --interface=127.0.0.1 --listen-ng=127.0.0.1:2223 --table=-1 --port-min=30000 --port-max=34999 \
  --foreground --log-stderr --log-level=3 --config-file=none --delete-delay=0 2>"$work/rtpengine.log" &
rtp_pid=$!
"${run[@]}" node bench/builtin-relay-ng.mjs 2224 35000 39999 "$workers" 2>"$work/builtin.log" &
relay_pid=$!
sleep 2
kill -0 "$rtp_pid" 2>/dev/null || { cat "$work/rtpengine.log" >&2; die "rtpengine did not start"; }
kill -0 "$relay_pid" 2>/dev/null || { cat "$work/builtin.log" >&2; die "the built-in relay did not start"; }
echo "| relay | calls | load avg | pps offered | pps sent | pps received | lost | loss % | late | p99 delay ms | relay CPU µs / packet | relay cores | generator cores | relay socket drops |"
echo "| ----- | ----: | -------: | ----------: | -------: | -----------: | ---: | -----: | ---: | -----------: | --------------------: | ----------: | --------------: | -----------------: |"
for calls in $steps; do
  for relay in rtpengine builtin; do
    if [ "$relay" = rtpengine ]; then ng=127.0.0.1:2223; pid=$rtp_pid; else ng=127.0.0.1:2224; pid=$relay_pid; fi
    out=$("${run[@]}" python3 bench/relay-load.py --calls "$calls" --seconds "$secs" --ng "$ng" --relay-pid "$pid" \
      --senders "$senders" --sockets "$sockets" --phases "$phases" --late-ms "$late_ms" --sender-rt "$sender_rt") ||
      { echo "| $relay | $calls | driver failed |"; continue; }
    [ -n "$json" ] && echo "{\"relay\": \"$relay\", \"result\": $out}" >>"$json"
    python3 -c '
import json, sys
r = json.loads(sys.argv[2])
cells = [sys.argv[1], r["calls"], r["load_avg"][0], r["pps_offered"], r["pps_achieved"], r["pps_received"], r["lost"],
         r["loss_pct"], r["late"], r["delay_p99_ms"], r["cpu_us_per_packet"], r["relay_cores"], r["driver_cores"],
         r["relay_socket_drops"]]
print("| " + " | ".join(str(c) for c in cells) + " |")
' "$relay" "$out"
    sleep 1
  done
done
