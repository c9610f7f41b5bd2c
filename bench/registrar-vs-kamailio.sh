#!/usr/bin/env bash
# Switchboard's registrar vs Kamailio's (the yardstick), same machine, same run, same 10,000 users.
#   1. make-registrar-users.sh N (user{i}/secret{i}@example.com: SIPp injection file, TSV, Kamailio SQLite);
#   2. Kamailio (bench/yardstick/kamailio-registrar.cfg) on 127.0.0.1:5060 under sip-register-load.sh
#      at RATE registrations/s x COUNT (REGISTER, 401, REGISTER with MD5 digest, 200);
#   3. Switchboard: `domain add example.com`, `subscriber import users.tsv`, then
#      `start --domain example.com` on 127.0.0.1:5060, same load;
#   4. a rate ladder for both: the highest rate with every registration done and 0 failed (it stops
#      early when SIPp achieves < 90% of the asked rate: then the generator, not the registrar, is the limit);
#   5. resident memory of each registrar before and after the load (all N users bound).
# Prints markdown tables (paste them into docs/BENCHMARKS.md).
# usage: bench/registrar-vs-kamailio.sh         (needs 127.0.0.1:5060, 5101, 6000, 8888 free; root for BENCH_NETNS)
# env:   SWITCHBOARD_YARDSTICK_DIR  dir of sip-register-load.sh, make-registrar-users.sh, kamailio-registrar.cfg
#                                   (default: <repo>/bench/yardstick)
#        USERS=10000 RATE=1000 COUNT=10000      the fixed-rate comparison
#        LADDER="1000 1500 2000 2500 3000 3500 4000"  LADDER_SECONDS=5 (registrations per step = rate x seconds)
#        REGISTRARS="kamailio switchboard"  SKIP_BUILD=1  BENCH_NETNS=1 (private loopback-only netns)
#        KAMAILIO_SHM_MB=256  Kamailio's shared memory (-m)
#        SWITCHBOARD_AUTH_ALGORITHMS  Switchboard's challenges (default: the node's, MD5 like Kamailio's;
#                                     SIPp needs MD5 first). Runs before 2026-12-02 used MD5,SHA-256.
# Note: SIPp 3.6.1 answers only MD5 Digest and dies (exit 255, "createAuthHeader: authentication must use
# MD5 or AKAv1-MD5") when the first WWW-Authenticate is SHA-256; sip-register-load.sh does not pass
# -auth_uri, so the digest uri is sip:127.0.0.1:5060, not the Request-URI sip:example.com.
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
yardstick=${SWITCHBOARD_YARDSTICK_DIR:-$repo/bench/yardstick}
load=$yardstick/sip-register-load.sh
users=${USERS:-10000}
rate=${RATE:-1000}
count=${COUNT:-10000}
ladder=${LADDER:-1000 1500 2000 2500 3000 3500 4000}
ladder_s=${LADDER_SECONDS:-5}
registrars=${REGISTRARS:-kamailio switchboard}
kamailio_bin=$(command -v kamailio || echo /usr/sbin/kamailio)
userdir=/tmp/sb-kamreg # where make-registrar-users.sh writes and kamailio-registrar.cfg reads
work=$(mktemp -d)
pid=
trap 'stop_registrar 2>/dev/null; rm -rf "$work"' EXIT

. "$repo/bench/lib.sh"
[ -r "$load" ] || die "$load not found (set SWITCHBOARD_YARDSTICK_DIR)"
command -v sipp >/dev/null || die "sipp not installed (Debian package sip-tester)"
[ -x "$kamailio_bin" ] || die "kamailio not installed (Debian package kamailio)"
[ -r /usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so ] ||
  die "Kamailio's db_sqlite module missing (Debian package kamailio-sqlite-modules)"
command -v python3 >/dev/null || die "python3 needed by make-registrar-users.sh"
require_port_free udp 5060

rss_kb() { local t=0 p; for p in ${1//,/ }; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $t; }

echo "users: $users (make-registrar-users.sh)" >&2
bash "$yardstick/make-registrar-users.sh" "$users" >/dev/null || die "make-registrar-users.sh failed"

start_kamailio() { kamailio_start "$yardstick/kamailio-registrar.cfg" "${KAMAILIO_SHM_MB:-256}"; }

start_switchboard() {
  local cli=$repo/dist/cli/main.js data=$work/switchboard-data
  [ -r "$cli" ] || { echo "dist/cli/main.js missing" >"$work/switchboard.log"; return 1; }
  rm -rf "$data"
  {
    node "$cli" domain add example.com --data-dir "$data" &&
      node "$cli" subscriber import "$userdir/users.tsv" --data-dir "$data"
  } >"$work/switchboard.log" 2>&1 || return 1
  node "$cli" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 --data-dir "$data" --domain example.com \
    --log-level warn >>"$work/switchboard.log" 2>&1 &
  pid=$!
  wait_listening "$work/switchboard.log"
}

stop_registrar() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "  stopped, exit code $?" >&2
  pid=
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# run NAME RATE COUNT -> sip-register-load.sh's line: rate= ok= failed= wall= achieved_rps= registrar_cpu= cpu_us_per_registration=
run() {
  local out
  echo "  $1: $2/s x $3 registrations ..." >&2
  out=$("$load" "$(pids_of "$pid")" "$2" "$3" "$userdir/users.csv" | tail -1)
  echo "    $out" >&2
  echo "$out"
}

fixed_rows=
ladder_rows=
memory_rows=
for registrar in $registrars; do
  if [ "$registrar" = switchboard ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || echo "build failed: $(tail -5 "$work/build.log")" >&2
  fi
  echo "$registrar:" >&2
  if ! "start_$registrar" || ! kill -0 "$pid" 2>/dev/null; then
    echo "  $registrar did not start: $(tail -5 "$work/$registrar.log")" >&2
    fixed_rows+="| $registrar | not measured (did not start) | | | | | |"$'\n'
    ladder_rows+="| $registrar | not measured | |"$'\n'
    memory_rows+="| $registrar | not measured | | |"$'\n'
    stop_registrar
    continue
  fi
  rss0=$(rss_kb "$(pids_of "$pid")")
  line=$(run "$registrar" "$rate" "$count")
  rss1=$(rss_kb "$(pids_of "$pid")")
  fixed_rows+="| $registrar | $(field ok "$line") | $(field failed "$line") | $(field wall "$line") | $(field achieved_rps "$line") | $(field registrar_cpu "$line") | $(field cpu_us_per_registration "$line") |"$'\n'
  memory_rows+="| $registrar | $((rss0 / 1024)) MiB | $((rss1 / 1024)) MiB | $(((rss1 - rss0) * 1024 / (users < count ? users : count))) B |"$'\n'
  best=none
  steps=
  for r in $ladder; do
    n=$((r * ladder_s))
    line=$(run "$registrar" "$r" "$n")
    ok=$(field ok "$line"); failed=$(field failed "$line")
    steps+="$r: $ok/$n ok, $failed failed, $(field achieved_rps "$line")/s achieved, $(field cpu_us_per_registration "$line") µs; "
    if [ "$ok" != "$n" ] || [ "$failed" != 0 ]; then break; fi
    best=$r
    # One SIPp process tops out near 3,500 registrations/s here: past that the ladder measures SIPp.
    achieved=$(field achieved_rps "$line")
    if [ "$((achieved * 10))" -lt "$((r * 9))" ]; then
      best="$r (generator-bound: $achieved/s achieved)"
      break
    fi
  done
  ladder_rows+="| $registrar | $best | ${steps%; } |"$'\n'
  stop_registrar
done

cat <<EOF

Machine: $(nproc) cores, $(uname -sr); $("$kamailio_bin" -v | head -1); $(sipp -v 2>&1 | grep -o 'SIPp v[^ -]*'); node $(node -v); $(date -u +%F)

Fixed rate: $rate registrations/s, $count registrations over $users users (sip-register-load.sh + sipp-register-digest.xml, MD5 digest)

| registrar | ok | failed | wall | achieved /s | registrar CPU | CPU µs per registration |
| --- | --- | --- | --- | --- | --- | --- |
${fixed_rows}
Rate ladder: $ladder registrations/s, $ladder_s s per step, stops at the first step with a failure

| registrar | highest rate with 0 failures | steps |
| --- | --- | --- |
${ladder_rows}
Resident memory (VmRSS, all processes) before and after the fixed-rate run, and the growth per bound user
(Kamailio's shared memory is preallocated with -m, so its RSS grows only as pages are touched)

| registrar | RSS before | RSS after | growth per binding |
| --- | --- | --- | --- |
${memory_rows}
EOF
