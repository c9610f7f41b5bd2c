#!/usr/bin/env bash
# Memory under sustained load: Switchboard, on its default configuration, as a record-routing proxy
# between SIPp's uac and uas (yardstick/sip-proxy-load.sh) at RATE calls/s for MINUTES minutes.
# Samples the node's PSS (sum of Pss in /proc/PID/smaps_rollup over its process tree) every
# SAMPLE seconds and reports the growth between minute 2 and the end, with the calls' outcome.
# usage: BENCH_NETNS=1 bench/proxy-soak.sh   (root; needs 127.0.0.1:5060, 5080, 5101 free otherwise)
# env:   RATE=150 MINUTES=8 SAMPLE=30 SKIP_BUILD=1 SWITCHBOARD_ARGS="..." (extra flags for start)
#        DETAIL=1: with each sample, PSS by kind of mapping (smaps-summary.mjs) and the main thread's
#        V8 heap by space (committed/used MiB) and its full collections (count, pause time), from /metrics
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
rate=${RATE:-150}
minutes=${MINUTES:-8}
sample=${SAMPLE:-30}
calls=$((rate * minutes * 60))
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

. "$repo/bench/lib.sh"
command -v sipp >/dev/null || die "sipp not installed (Debian package sip-tester)"
for port in 5060 5080; do require_port_free udp "$port"; done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || die "build failed: $(tail -5 "$work/build.log")"
fi

# shellcheck disable=SC2086 # SWITCHBOARD_ARGS is a list of flags
node "$repo/dist/cli/main.js" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 \
  --default-route sip:127.0.0.1:5080 --data-dir "$work/data" --log-level warn ${SWITCHBOARD_ARGS:-} \
  >"$work/switchboard.log" 2>&1 &
pid=$!
wait_listening "$work/switchboard.log" || die "switchboard did not start: $(tail -5 "$work/switchboard.log")"

echo "soak: $rate calls/s x $minutes min = $calls calls through Switchboard" >&2
# SIPp as in yardstick/sip-proxy-load.sh (built-in uac -> proxy -> built-in uas), without its 120 s cap.
cpu() { local t=0 p; for p in ${1//,/ }; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
sipp -sn uas -i 127.0.0.1 -p 5080 -nostdin >/dev/null 2>&1 &
uas=$!
sleep 1
c0=$(cpu "$(pids_of "$pid")")
sipp -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5101 -r "$rate" -m "$calls" -l 100000 -d 0 \
  -timeout $((minutes * 60 + 120)) -recv_timeout 8000 -nostdin -trace_stat -stf "$work/uac.csv" -fd 1 \
  >/dev/null 2>&1 &
load=$!
start=$(date +%s)
api=$(sed -n 's/^API on //p' "$work/switchboard.log")
detail() {
  echo "    $(node "$repo/bench/smaps-summary.mjs" --line "$(pids_of "$pid")")"
  curl -s "$api/metrics" | awk '
    /^switchboard_nodejs_heap_space_size_total_bytes/ { match($0, /space="[a-z_]+"/); s = substr($0, RSTART + 7, RLENGTH - 8); total[s] = $2; order[++n] = s }
    /^switchboard_nodejs_heap_space_size_used_bytes/ { match($0, /space="[a-z_]+"/); used[substr($0, RSTART + 7, RLENGTH - 8)] = $2 }
    /^switchboard_nodejs_gc_duration_seconds_(count|sum)\{kind="major"\}/ { if ($1 ~ /count/) majors = $2; else major_s = $2 }
    END { line = "    V8 main thread (committed/used MiB):"; for (i = 1; i <= n; i++) if (total[order[i]] >= 524288) line = line sprintf(" %s %.1f/%.1f", order[i], total[order[i]] / 1048576, used[order[i]] / 1048576)
      printf "%s; %d full collections so far, %.2f s\n", line, majors, major_s }'
}
# Pss_File in smaps_rollup: the part of PSS in file mappings (node's own code above all), which is
# shared with every other node process on the machine and so moves as they start and stop.
pss_file_kb() { local t=0 p v; for p in ${1//,/ }; do v=$(awk '/^Pss_File:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null); t=$((t + ${v:-0})); done; echo $t; }
samples=
while kill -0 "$load" 2>/dev/null; do
  sleep "$sample"
  kill -0 "$load" 2>/dev/null || break
  t=$(($(date +%s) - start))
  p=$(pss_kb "$(pids_of "$pid")")
  f=$(pss_file_kb "$(pids_of "$pid")")
  echo "  ${t}s: PSS $((p / 1024)) MiB (files $((f / 1024)))" >&2
  [ "${DETAIL:-0}" = 1 ] && detail >&2
  samples+="$t $p $f"$'\n'
done
wait "$load"
c1=$(cpu "$(pids_of "$pid")")
kill "$uas" 2>/dev/null
wait "$uas" 2>/dev/null
result=" $(tail -1 "$work/uac.csv" | awk -F';' -v c=$((c1 - c0)) -v tick="$(getconf CLK_TCK)" \
  '{ printf "ok=%d failed=%d cpu_us_per_call=%.0f\n", $16, $18, ($16 > 0 ? c / tick * 1e6 / $16 : 0) }')"
echo "  $result" >&2
# Why calls failed, from SIPp's cumulative counters (the Failed...(C) columns that are not zero).
awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i } END { for (i = 1; i <= NF; i++)
  if (name[i] ~ /^Failed.*\(C\)$/ && $i > 0) printf "  %s %d\n", name[i], $i }' "$work/uac.csv" >&2

# PSS at the first sample at or after minute 2, and at the last sample, and the range between.
# The same for PSS without the file mappings, and the file mappings' range.
summary=$(awk 'NF == 3 && $1 >= 120 { if (!first) first = $2; last = $2; if ($2 > max) max = $2; if (!min || $2 < min) min = $2
    a = $2 - $3; if (!afirst) afirst = a; alast = a; if (a > amax) amax = a; if (!amin || a < amin) amin = a
    if ($3 > fmax) fmax = $3; if (!fmin || $3 < fmin) fmin = $3 }
  END { printf "minute2=%d end=%d growth=%d min=%d max=%d\n", first / 1024, last / 1024, (last - first) / 1024, min / 1024, max / 1024
    printf "Without file mappings: %d MiB at minute 2, %d at the end (growth %d), %d-%d after minute 2; file mappings %d-%d MiB.\n", afirst / 1024, alast / 1024, (alast - afirst) / 1024, amin / 1024, amax / 1024, fmin / 1024, fmax / 1024 }' <<<"$samples")
cat <<EOF

Machine: $(nproc) cores, $(uname -sr); $(sipp -v 2>&1 | grep -o 'SIPp v[^ -]*'); node $(node -v); $(date -u +%F)
Soak: $rate calls/s for $minutes min through Switchboard (default configuration${SWITCHBOARD_ARGS:+, $SWITCHBOARD_ARGS}), PSS every ${sample} s

| calls | failed | PSS at minute 2 | PSS at the end | growth | PSS range after minute 2 | CPU µs per call |
| --- | --- | --- | --- | --- | --- | --- |
| $(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$result") | $(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$result") | $(sed -n 's/.*minute2=\([0-9-]*\).*/\1/p' <<<"$summary") MiB | $(sed -n 's/.* end=\([0-9-]*\).*/\1/p' <<<"$summary") MiB | $(sed -n 's/.*growth=\([0-9-]*\).*/\1/p' <<<"$summary") MiB | $(sed -n 's/.* min=\([0-9-]*\).*/\1/p' <<<"$summary")–$(sed -n 's/.* max=\([0-9-]*\).*/\1/p' <<<"$summary") MiB | $(sed -n 's/.*cpu_us_per_call=\([0-9]*\).*/\1/p' <<<"$result") |

$(sed -n 's/^Without/Without/p' <<<"$summary")
EOF
