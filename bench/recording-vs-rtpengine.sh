#!/usr/bin/env bash
# Recorded calls: Switchboard's recorder fed by rtpengine, side by side with rtpengine's own relay cost.
#   1. build (skip with SKIP_BUILD=1) and compile the driver's RTP sender, bench/rtp-sender.c, to
#   bench/.build/rtp-sender (always; gcc); 2. rtpengine (ng on 127.0.0.1:2223, userspace relay, --table=-1);
#   3. a Switchboard node (SIP 127.0.0.1:5099, API 127.0.0.1:18089, recording ports 42000-47999) and an
#   API key made in its store; 4. for each step of CALLS: a pass WITHOUT recordings (rtpengine relays
#   only, like bench/yardstick/rtp-relay-load.py), then a pass WITH one recording per call (rtpengine
#   relays and forks both legs to Switchboard). Each pass: bench/recording-load.py sets up the calls and
#   recordings, then SENDERS copies of the C sender send 50 packets/s per leg of 172-byte PCMU RTP for
#   SECONDS_PER_STEP (in C because a Python loop took ~0.4 of the 2 cores at 50,000 packets/s, starving the
#   processes measured); CPU of each process over the sending window plus the time it stays busy after the
#   last send (its trailing backlog). Prints markdown tables.
# usage: bench/recording-vs-rtpengine.sh   (from anywhere; needs UDP 2223, 5099, 30000-39999, 42000-47999
#        and TCP 18089 free, or BENCH_NETNS=1)
# env:   CALLS="100 250 500"   steps (calls each); EXTEND="600 800" steps tried, in order until one is not
#                              clean, only when the last CALLS step was clean
#        SECONDS_PER_STEP=10   sending window per pass;  SENDERS=2  driver processes sending
#        DRAIN=1               the driver also reads and counts the packets rtpengine relays back to it; by
#                              default it leaves them unread (the kernel drops them at a 4 KiB socket buffer):
#                              reading them adds to the driver's CPU (with the old Python sender it doubled it,
#                              and on 2 cores the driver then fell behind the offered rate above ~250 recorded calls)
#        A step is clean when every recording started, 0 API errors, recorded = sent on every leg, and
#        the driver achieved >= 95% of the offered packet rate (else the machine, not the recorder, is full),
#        and Switchboard finished its work within MAX_LAG=2 s of the last send: a recorder that trails
#        further is living off its 2 MiB socket buffers (~40 s of one leg), which hide a backlog over a
#        10 s window but overflow in a longer one (use SECONDS_PER_STEP=60 to see it)
#        REPEAT_TOP=1          re-run the highest clean step once more (0 to skip)
#        NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"  extra flags for Switchboard's node process
#        SWITCHBOARD_RECORDING_RECEIVER=dgram  the recorder on node:dgram instead of the native batch receiver
#        SKIP_BUILD=1  BENCH_NETNS=1 (private loopback-only network namespace; needs root)
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
steps=${CALLS-100 250 500}
extend=${EXTEND-600 800}
secs=${SECONDS_PER_STEP:-10}
senders=${SENDERS:-2}
drain=()
[ "${DRAIN:-0}" = 1 ] || drain=(--no-drain)
repeat_top=${REPEAT_TOP:-1}
max_lag=${MAX_LAG:-2}
ng=127.0.0.1:2223
api_port=18089
work=$(mktemp -d)
rtp_pid=
node_pid=

. "$repo/bench/lib.sh"
cleanup() {
  for p in $node_pid $rtp_pid; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  if [ -n "${KEEP_LOGS:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rtpengine_bin=$(command -v rtpengine || echo /usr/bin/rtpengine)
[ -x "$rtpengine_bin" ] || die "rtpengine not installed (Debian package rtpengine-daemon)"
command -v python3 >/dev/null || die "python3 not found"
command -v node >/dev/null || die "node not found"
command -v gcc >/dev/null || die "gcc not found: it builds the driver's RTP sender, bench/rtp-sender.c (Debian package gcc)"
cd "$repo" || die "cannot cd to $repo"
# the driver's sending loop, in C so that it leaves the cores to the processes measured (see recording-load.py)
mkdir -p bench/.build && gcc -O2 -Wall -o bench/.build/rtp-sender bench/rtp-sender.c ||
  die "could not compile bench/rtp-sender.c"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building (npx tsc -p tsconfig.build.json) ..." >&2
  npx tsc -p tsconfig.build.json >"$work/build.log" 2>&1 || echo "  tsc reported errors (see below); using what it emitted" >&2
  grep -m5 'error TS' "$work/build.log" >&2
fi
[ -r "$repo/dist/cli/main.js" ] && [ -r "$repo/dist/store/index.js" ] ||
  die "dist/ missing: run npx tsc -p tsconfig.build.json"
require_port_free udp 2223 "another rtpengine? try BENCH_NETNS=1"
require_port_free tcp "$api_port" "try BENCH_NETNS=1"

# --- rtpengine ---
"$rtpengine_bin" --interface=127.0.0.1 --listen-ng=$ng --table=-1 --port-min=30000 --port-max=39999 \
  --foreground --log-stderr --config-file=none --delete-delay=0 --log-level=3 >"$work/rtpengine.log" 2>&1 &
rtp_pid=$!
for _ in $(seq 50); do port_in_use udp 2223 && break; sleep 0.2; done
port_in_use udp 2223 || { cat "$work/rtpengine.log" >&2; die "rtpengine did not bind $ng"; }
rtp_version=$("$rtpengine_bin" --version 2>&1 | head -1)

# --- Switchboard, and an API key in its store ---
data=$work/data
key=$(cd "$repo" && node --input-type=module -e "
  import { openStore } from '$repo/dist/store/index.js';
  const s = await openStore({ dataDir: '$data' });
  const k = await s.apiKeys.createApiKey('bench');
  console.log(k.key);
  await s.close();" 2>"$work/key.log") || { cat "$work/key.log" >&2; die "could not create an API key"; }
[ -n "$key" ] || die "empty API key"
SWITCHBOARD_RECORDING_PORT_MIN=42000 SWITCHBOARD_RECORDING_PORT_MAX=47999 \
  SWITCHBOARD_RECORDING_MEDIA_TIMEOUT=600 \
  node ${NODE_ARGS:-} "$repo/dist/cli/main.js" start --data-dir "$data" --sip-port 5099 --sip-listen 127.0.0.1 \
  --api-port $api_port --recording-address 127.0.0.1 --log-level warn >"$work/switchboard.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do
  port_in_use tcp "$api_port" && grep -q listening "$work/switchboard.log" && break
  kill -0 "$node_pid" 2>/dev/null || break
  sleep 0.2
done
port_in_use tcp "$api_port" || { cat "$work/switchboard.log" >&2; die "Switchboard's API did not come up"; }

# pass CALLS record|relay -> one JSON line
pass() {
  local mode=()
  [ "$2" = record ] && mode=(--record --api "http://127.0.0.1:$api_port" --key "$key")
  echo "  $1 calls, $2, ${secs} s ..." >&2
  python3 "$repo/bench/recording-load.py" --calls "$1" --seconds "$secs" --ng $ng --senders "$senders" \
    --node-pid "$node_pid" --rtpengine-pid "$rtp_pid" --tag "$2-$1-$RANDOM" "${mode[@]}" "${drain[@]}"
}

results=$work/results.jsonl
: >"$results"
run_step() {
  local relay rec
  relay=$(pass "$1" relay) || return 1
  rec=$(pass "$1" record) || return 1
  echo "$relay" >>"$results"
  echo "$rec" >>"$results"
  echo "$rec" | python3 -c 'import json,sys; d=json.load(sys.stdin); ok=d.get("lost",1)==0 and d.get("api_errors",1)==0 and d.get("recordings_started")==d["calls"] and d["pps_achieved"]>=0.95*d["pps_offered"] and d["node_trail_s"] is not None and d["node_trail_s"]<=float(sys.argv[1]); sys.exit(0 if ok else 1)' "$max_lag"
}

top=
for n in $steps; do
  if run_step "$n"; then top=$n; else echo "  $n calls: not clean" >&2; fi
done
if [ "$top" = "$(echo $steps | awk '{print $NF}')" ]; then
  for n in $extend; do
    if run_step "$n"; then top=$n; else echo "  $n calls: not clean, ladder stops" >&2; break; fi
  done
fi
if [ -n "$top" ] && [ "$repeat_top" = 1 ]; then
  echo "  re-running the highest clean step ($top calls) ..." >&2
  run_step "$top" || echo "  $top calls: not clean on the re-run" >&2
fi

# --- tables ---
echo
receiver=${SWITCHBOARD_RECORDING_RECEIVER:-auto}
[ "$receiver" = auto ] && { [ -r "$repo/build/Release/batch_receiver.node" ] && receiver='auto (batch)' || receiver='auto (dgram: native module not built)'; }
echo "rtpengine: $rtp_version; node $(node --version); recording.receiver $receiver; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def f(x, d=0): return f'{x:,.{d}f}'
def us(cpu, n): return cpu * 1e6 / n if n else 0.0
def secs(x): return '> 15 s' if x is None else f'{x:.2f} s'
def trail(r):
    return (f"{secs(r.get('node_trail_s'))} ({r.get('node_cpu_trailing_s', 0):.2f} s), "
            f"{secs(r.get('rtpengine_trail_s'))} ({r.get('rtpengine_cpu_trailing_s', 0):.2f} s)")
print()
print('| calls | legs | pps offered | pps achieved | recorded / sent | lost | Switchboard CPU | Switchboard µs per recorded packet '
      '| rtpengine CPU | rtpengine µs per relayed packet | rtpengine µs per (relayed + forked) packet '
      '| rtpengine, same calls without recording: CPU, µs per relayed packet | rtpengine with / without recording |')
print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
relay = None
for r in rows:
    if not r['record']: relay = r; continue
    sent, rec, lost = r['expected'], r['recorded'], r['lost']
    with_us = us(r['rtpengine_cpu_s'], r['sent'])
    base = f"{relay['rtpengine_cpu_s']:.2f} s, {us(relay['rtpengine_cpu_s'], relay['sent']):.2f} µs ({f(relay['pps_achieved'])} pps achieved)" if relay else '—'
    ratio = f"{with_us / us(relay['rtpengine_cpu_s'], relay['sent']):.2f}×" if relay and relay['rtpengine_cpu_s'] else '—'
    print(f"| {f(r['calls'])} | {f(r['legs'])} | {f(r['pps_offered'])} | {f(r['pps_achieved'])} | {f(rec)} / {f(sent)} "
          f"| {f(lost)} ({100 * lost / max(sent, 1):.3f}%) | {r['node_cpu_s']:.2f} s | {us(r['node_cpu_s'], rec):.2f} "
          f"| {r['rtpengine_cpu_s']:.2f} s | {with_us:.2f} | {us(r['rtpengine_cpu_s'], r['sent'] + rec):.2f} | {base} | {ratio} |")
print()
print('| calls | pass | sent | relayed back to the driver | driver processes | pps achieved | worst tick lateness | busy after the last send: Switchboard, rtpengine (CPU then) | driver CPU '
      '| recordings started | API errors | legs short | seq-gap lost | dropped (source / malformed) | statuses |')
print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for r in rows:
    rec = r['record']
    drained = f(r['relayed']) if r.get('drain', True) else 'not read'
    dropped = f"{r.get('dropped_source')} / {r.get('dropped_malformed')}" if rec else '—'
    print(f"| {f(r['calls'])} | {'record' if rec else 'relay only'} | {f(r['sent'])} | {drained} | {r['senders']} | {f(r['pps_achieved'])} "
          f"| {r['worst_late_ms']} ms | {trail(r)} | {r['driver_cpu_s']:.2f} s | {r['recordings_started'] if rec else '—'} | {r['api_errors']} "
          f"| {r.get('legs_short', '—')} | {r.get('seq_lost', '—')} | {dropped} | {r.get('statuses', '—')} |")
EOF
echo
echo "Highest clean step (every packet recorded, offered rate achieved, Switchboard done within ${max_lag} s of the last send): ${top:-none} calls, ${secs} s per pass"
echo "Switchboard log: $(grep -c . "$work/switchboard.log") lines, $(grep -c '"level":50' "$work/switchboard.log") errors, $(grep -c '"level":40' "$work/switchboard.log") warnings" >&2
grep -E '"level":(40|50|60)' "$work/switchboard.log" | cut -c1-400 | sort | uniq -c | sort -rn | head -10 >&2
grep -viE 'listening' "$work/switchboard.log" | grep -v '"level"' | head -5 >&2
echo "rtpengine log: $(grep -c . "$work/rtpengine.log") lines" >&2
grep -iE 'err|crit|warn' "$work/rtpengine.log" | cut -c1-300 | head -10 >&2
