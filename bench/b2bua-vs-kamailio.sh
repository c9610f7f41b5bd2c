#!/usr/bin/env bash
# Switchboard's B2BUA (b2bua.mode all, media anchored on rtpengine) beside Kamailio doing the same
# signalling and media-control work (bench/yardstick/kamailio-sbc.cfg: dialog tracking, topology
# hiding, rtpengine offer/answer/delete), same machine, same run, each with its own fresh rtpengine:
#   cpu     SIPp uac -> server on 127.0.0.1:5060 -> SIPp uas on :5080 at RATE calls/s for DURATION s,
#           each call held HOLD s: failed calls, retransmissions, CPU µs per call of the server's whole
#           processes (utime+stime from /proc/PID/stat, all threads) and of its rtpengine
#   ladder  the same at each rate of LADDER for LADDER_SECONDS s: the highest rate with every call
#           complete, 0 failed and 0 retransmissions (a retransmission means an answer came > 500 ms late)
#   memory  CONCURRENT calls held at once (ramped at HOLD_RATE calls/s, each held until HOLD_EXTRA s after
#           the last started), a fresh server per step: PSS (Pss of /proc/PID/smaps_rollup, whole
#           processes) at rest, with every call up and just before the first ends, per active call;
#           failures once they all ended
# usage: BENCH_NETNS=1 bench/b2bua-vs-kamailio.sh    (root; private loopback-only network namespace)
# env:   PARTS="cpu ladder memory"  SERVERS="kamailio switchboard"  SKIP_BUILD=1
#        RATE=100 DURATION=20 HOLD=3 WARMUP=10 (s of calls at RATE before the measured run, both servers:
#                                   V8 is still compiling the hot paths for the first ~15 s)
#        LADDER="100 150 200 250 300" LADDER_SECONDS=10
#        CONCURRENT="1000 2500 4000" HOLD_RATE=200 HOLD_EXTRA=60
#        MEDIA=rtpengine|none  none: no media anchoring on either side (Switchboard's b2bua.anchorMedia
#                              false, Kamailio's cfg without its rtpengine_* calls): signalling state alone
#        KAMAILIO_SHM_MB=512  NODE_FLAGS="..." flags for node (e.g. --cpu-prof --cpu-prof-dir=DIR)
# rtpengine binds 4 UDP sockets per anchored call (RTP+RTCP on each side): with the open-file limit at
# 20,000 here (and no CAP_SYS_RESOURCE to raise it) one rtpengine holds at most ~4,900 calls, so
# the anchored memory steps stop below 5,000; MEDIA=none measures the signalling side beyond.
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
yard=$repo/bench/yardstick
parts=${PARTS:-cpu ladder memory}
servers=${SERVERS:-kamailio switchboard}
rate=${RATE:-100}
seconds=${DURATION:-20}
warmup=${WARMUP:-10}
hold=${HOLD:-3}
ladder=${LADDER:-100 150 200 250 300}
ladder_s=${LADDER_SECONDS:-10}
concurrent=${CONCURRENT:-1000 2500 4000}
hold_rate=${HOLD_RATE:-200}
hold_extra=${HOLD_EXTRA:-60}
media=${MEDIA:-rtpengine}
kamailio_bin=$(command -v kamailio || echo /usr/sbin/kamailio)
rtpengine_bin=$(command -v rtpengine || echo /usr/bin/rtpengine)
work=$(mktemp -d)
pid=
rtp_pid=
trap 'stop_server 2>/dev/null; rm -rf "$work"' EXIT

. "$repo/bench/lib.sh"
command -v sipp >/dev/null || die "sipp not installed (Debian package sip-tester)"
[ -x "$kamailio_bin" ] || die "kamailio not installed (Debian package kamailio)"
[ "$media" = none ] || [ -x "$rtpengine_bin" ] || die "rtpengine not installed (Debian package rtpengine-daemon)"
for port in 5060 5080; do require_port_free udp "$port"; done
ulimit -n "$(ulimit -Hn)" # SIPp, rtpengine and the node hold a socket or more per call

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || die "build failed: $(tail -5 "$work/build.log")"
fi

# rtpengine in userspace, its own per server; no RTP flows in these calls, so its no-RTP timeout
# (60 s by default) is lifted past the longest hold, as is the B2BUA's own (b2bua.mediaTimeout).
start_rtpengine() {
  rtp_pid=
  [ "$media" = none ] && return 0
  "$rtpengine_bin" --interface=127.0.0.1 --listen-ng=127.0.0.1:2223 --table=-1 --port-min=20000 \
    --port-max=59999 --timeout=3600 --foreground --log-stderr --log-level=3 --config-file=none \
    --delete-delay=0 2>"$work/rtpengine.log" &
  rtp_pid=$!
  sleep 1
  kill -0 "$rtp_pid" 2>/dev/null
}

start_kamailio() {
  local cfg=$yard/kamailio-sbc.cfg
  if [ "$media" = none ]; then
    # rtpengine's module out, each of its calls a no-op assignment (an empty route would not parse)
    sed -E -e '/^(loadmodule "rtpengine.so"|modparam\("rtpengine")/d' \
      -e 's/rtpengine_(offer|answer|delete)\([^)]*\)/$var(media) = 0/g' "$cfg" >"$work/kamailio-sbc.cfg"
    cfg=$work/kamailio-sbc.cfg
  fi
  kamailio_start "$cfg" "${KAMAILIO_SHM_MB:-512}"
}

start_switchboard() {
  local cli=$repo/dist/cli/main.js anchor=true
  [ "$media" = none ] && anchor=false
  [ -r "$cli" ] || { echo "dist/cli/main.js missing" >"$work/switchboard.log"; return 1; }
  rm -rf "$work/data"
  # SIPp sends no RTP: the B2BUA's media timeout (b2bua.mediaTimeout) lifted as rtpengine's is
  # shellcheck disable=SC2086 # NODE_FLAGS is a list of flags
  SWITCHBOARD_B2BUA_ANCHOR_MEDIA=$anchor SWITCHBOARD_B2BUA_MEDIA_TIMEOUT=3600 node ${NODE_FLAGS:-} "$cli" start --sip-port 5060 \
    --sip-listen 127.0.0.1 --api-port 0 --data-dir "$work/data" --default-route sip:127.0.0.1:5080 \
    --b2bua-mode all --media-relay rtpengine --media-rtpengine 127.0.0.1:2223 --log-level warn \
    >"$work/switchboard.log" 2>&1 &
  pid=$!
  wait_listening "$work/switchboard.log" 30
}

stop_server() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
  fi
  if [ -n "$rtp_pid" ]; then
    kill -TERM "$rtp_pid" 2>/dev/null
    wait "$rtp_pid" 2>/dev/null
    rtp_pid=
  fi
}

cpu_ticks() {
  local t=0 p
  for p in ${1//,/ }; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  echo $t
}

# sipp_stat FILE COLUMN -> that column of the last line of a SIPp -trace_stat CSV (16 successful calls,
# 18 failed calls, 14 current calls, 58 retransmissions; cumulative counts)
sipp_stat() { tail -1 "$1" 2>/dev/null | awk -F';' -v c="$2" '{print $c + 0}'; }

start_uas() {
  sipp -sn uas -i 127.0.0.1 -p 5080 -l 100000 -nostdin -trace_stat -stf "$work/uas.csv" -fd 1 \
    >/dev/null 2>"$work/uas.err" &
  uas=$!
  sleep 1
}

# The uas writes its counts every second: let the last call's BYE reach its file, then stop it.
stop_uas() {
  sleep 1.5
  kill -TERM "$uas" 2>/dev/null
  wait "$uas" 2>/dev/null
}

# load RATE CALLS HOLD_S -> one line: rate= ok= failed= retrans= wall= achieved_cps= server_cpu=
# rtpengine_cpu= server_us_per_call= rtpengine_us_per_call= total_us_per_call=
load() {
  local r=$1 n=$2 h=$3 spids c0 r0 c1 r1 t0 t1 ok fail rt
  spids=$(pids_of "$pid")
  rm -f "$work"/uac.csv "$work"/uas.csv
  start_uas
  c0=$(cpu_ticks "$spids"); r0=$(cpu_ticks "$rtp_pid"); t0=$(date +%s.%N)
  sipp -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5101 -r "$r" -m "$n" -l 100000 -d $((h * 1000)) \
    -timeout $((n / r + h + 60)) -recv_timeout 8000 -nostdin -trace_stat -stf "$work/uac.csv" -fd 1 \
    >/dev/null 2>"$work/uac.err"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$spids"); r1=$(cpu_ticks "$rtp_pid")
  stop_uas
  ok=$(sipp_stat "$work/uac.csv" 16)
  fail=$(sipp_stat "$work/uac.csv" 18)
  rt=$(($(sipp_stat "$work/uac.csv" 58) + $(sipp_stat "$work/uas.csv" 58)))
  awk -v r="$r" -v ok="$ok" -v fail="$fail" -v rt="$rt" -v c=$((c1 - c0)) -v rc=$((r1 - r0)) \
    -v tick="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" -v h="$h" 'BEGIN{
    w = t1 - t0; per = (ok > 0 ? 1e6 / tick / ok : 0)
    printf "rate=%d ok=%d failed=%d retrans=%d wall=%.1fs achieved_cps=%.0f server_cpu=%.2fs rtpengine_cpu=%.2fs server_us_per_call=%.0f rtpengine_us_per_call=%.0f total_us_per_call=%.0f\n",
      r, ok, fail, rt, w, ok / (w > h ? w - h : w), c / tick, rc / tick, c * per, rc * per, (c + rc) * per }'
}

# held N -> one line: calls= up= pss_before_kb= pss_up_kb= pss_held_kb= kb_per_call= rtpengine_pss_kb= ok=
# failed= retrans= : N calls ramped at HOLD_RATE/s, each held until HOLD_EXTRA s after the last started.
# PSS twice: 5 s after every call is up (the last ~32 s of calls' INVITE transactions still wait out
# Timer L, RFC 6026), and 5 s before the first call ends (only the calls: kb_per_call is from this one).
held() {
  local n=$1 spids uac ramp h t0 up=0 p0 p1 p2 rp ok fail rt
  spids=$(pids_of "$pid")
  ramp=$(((n + hold_rate - 1) / hold_rate))
  h=$((ramp + hold_extra))
  rm -f "$work"/uac.csv "$work"/uas.csv
  start_uas
  p0=$(pss_kb "$spids")
  t0=$(date +%s)
  sipp -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5101 -r "$hold_rate" -m "$n" -l 100000 -d $((h * 1000)) \
    -timeout $((2 * h + 60)) -recv_timeout 8000 -nostdin -trace_stat -stf "$work/uac.csv" -fd 1 \
    >/dev/null 2>"$work/uac.err" &
  uac=$!
  # every call up: the uac's current calls reach N (or the hold of the first call is half over)
  for _ in $(seq $((ramp + hold_extra / 2))); do
    sleep 1
    up=$(sipp_stat "$work/uac.csv" 14)
    [ "$up" -ge "$n" ] && break
  done
  sleep 5
  p1=$(pss_kb "$spids")
  while [ $(($(date +%s) - t0)) -lt $((h - 5)) ]; do sleep 1; done
  up=$(sipp_stat "$work/uac.csv" 14)
  p2=$(pss_kb "$spids"); rp=$(pss_kb "$rtp_pid")
  wait "$uac"
  stop_uas
  ok=$(sipp_stat "$work/uac.csv" 16)
  fail=$(sipp_stat "$work/uac.csv" 18)
  rt=$(($(sipp_stat "$work/uac.csv" 58) + $(sipp_stat "$work/uas.csv" 58)))
  awk -v n="$n" -v up="$up" -v p0="$p0" -v p1="$p1" -v p2="$p2" -v rp="${rp:-0}" -v ok="$ok" -v fail="$fail" -v rt="$rt" 'BEGIN{
    printf "calls=%d up=%d pss_before_kb=%d pss_up_kb=%d pss_held_kb=%d kb_per_call=%.1f rtpengine_pss_kb=%d ok=%d failed=%d retrans=%d\n",
      n, up, p0, p1, p2, (up > 0 ? (p2 - p0) / up : 0), rp, ok, fail, rt }'
}

# start SERVER: its rtpengine and the server, or a message and false
start() {
  if ! start_rtpengine || ! "start_$1" || ! kill -0 "$pid" 2>/dev/null; then
    echo "  did not start: $(tail -5 "$work/$1.log" "$work/rtpengine.log" 2>/dev/null)" >&2
    stop_server
    return 1
  fi
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg) # other work on the machine shows here
cpu_rows=
ladder_rows=
memory_rows=
for server in $servers; do
  echo "$server (media: $media):" >&2
  if ! start "$server"; then
    cpu_rows+="| $server | did not start | | | | | | |"$'\n'
    continue
  fi
  for part in $parts; do
    case $part in
      cpu)
        if [ "$warmup" -gt 0 ]; then echo "  warm-up: $(load "$rate" $((rate * warmup)) "$hold")" >&2; fi
        line=$(load "$rate" $((rate * seconds)) "$hold")
        echo "  cpu: $line" >&2
        cpu_rows+="| $server | $(field ok "$line")/$((rate * seconds)) | $(field failed "$line") | $(field retrans "$line") | $(field achieved_cps "$line") | $(field server_us_per_call "$line") | $(field rtpengine_us_per_call "$line") | $(field total_us_per_call "$line") |"$'\n'
        ;;
      ladder)
        best=none
        steps=
        for r in $ladder; do
          n=$((r * ladder_s))
          line=$(load "$r" "$n" "$hold")
          echo "  ladder: $line" >&2
          ok=$(field ok "$line"); failed=$(field failed "$line"); rt=$(field retrans "$line")
          steps+="$r: $ok/$n ok, $failed failed, $rt retrans, $(field total_us_per_call "$line") µs/call; "
          if [ "$ok" = "$n" ] && [ "$failed" = 0 ] && [ "$rt" = 0 ]; then best=$r; else break; fi
        done
        ladder_rows+="| $server | $best | ${steps%; } |"$'\n'
        ;;
      memory)
        first=1
        for n in $concurrent; do
          # a fresh server and rtpengine per step: memory a step took is not handed back (Kamailio's
          # shared memory, V8's heap), so "before" is always the server at rest after its start
          if [ "$first" = 0 ]; then stop_server; start "$server" || break; fi
          first=0
          sleep 3
          line=$(held "$n")
          echo "  memory: $line" >&2
          memory_rows+="| $server | $n | $(field up "$line") | $(field ok "$line") | $(field failed "$line") | $(field retrans "$line") | $(($(field pss_before_kb "$line") / 1024)) | $(($(field pss_up_kb "$line") / 1024)) | $(($(field pss_held_kb "$line") / 1024)) | $(field kb_per_call "$line") | $(($(field rtpengine_pss_kb "$line") / 1024)) |"$'\n'
          [ "$(field failed "$line")" = 0 ] || break
        done
        ;;
    esac
  done
  stop_server
done

cat <<EOF

Machine: $(nproc) cores, $(uname -sr); $("$kamailio_bin" -v | head -1); $("$rtpengine_bin" --version 2>&1 | head -1); $(sipp -v 2>&1 | grep -o 'SIPp v[^ -]*'); node $(node -v); $(date -u +%F); load average at the start: $load_start
Media: $media
EOF
[ -n "$cpu_rows" ] && cat <<EOF

CPU per call: $rate calls/s for $seconds s after $warmup s of the same load, each call held $hold s (SIPp built-in uac -> server -> uas)

| server | calls ok | failed | retrans | achieved cps | server µs/call | rtpengine µs/call | total µs/call |
| --- | --- | --- | --- | --- | --- | --- | --- |
${cpu_rows}
EOF
[ -n "$ladder_rows" ] && cat <<EOF

Rate ladder: $ladder calls/s, $ladder_s s of calls per step, calls held $hold s; stops at the first step with a failed call or a retransmission

| server | highest clean rate | steps |
| --- | --- | --- |
${ladder_rows}
EOF
[ -n "$memory_rows" ] && cat <<EOF

Concurrent calls: ramped at $hold_rate calls/s, held until $hold_extra s after the last started; PSS of the server's processes
at rest, 5 s after every call is up (recent INVITE transactions still live), 5 s before the first call ends (held);
kB per call = (held - at rest) / calls up

| server | calls | up at once | ok | failed | retrans | PSS at rest MB | PSS all up MB | PSS held MB | kB per call | rtpengine PSS MB |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${memory_rows}
EOF

# The tables above are optional; the run itself succeeded (a false `[ -n ]` must not be its status).
exit 0
