#!/usr/bin/env bash
# Registrations over TLS, Switchboard vs Kamailio's tls module (the yardstick), same machine, same
# users; and memory per idle TLS and WSS connection with N connections held.
#   1. make-registrar-users.sh USERS (user{i}/secret{i}@example.com) and a self-signed ECDSA P-256
#      certificate both servers present (/tmp/sb-kamreg/tls.{crt,key});
#   2. Kamailio (bench/yardstick/kamailio-registrar-tls.cfg: TLS on 127.0.0.1:5061, 2 TCP workers),
#      then Switchboard (`start --sip-transports udp,tls,wss --tls-port 5061 --wss-port 5062`);
#   3. for each: RATE registrations/s x COUNT over CONNECTIONS open TLS connections
#      (bench/tls-register-load.mjs: REGISTER, 401, REGISTER with MD5 digest, 200; the registrar's
#      CPU over the run), then IDLE idle TLS connections (KAMAILIO_IDLE for Kamailio)
#      (bench/idle-connections-memory.mjs: whole-process PSS before and after, divided by the number);
#   4. Switchboard restarted: N idle WSS connections (`sip` subprotocol), same PSS measure.
# Prints markdown tables (paste them into docs/BENCHMARKS.md).
# usage: bench/tls-vs-kamailio.sh    (needs 127.0.0.1:5060-5062 free; root for ulimit -n and BENCH_NETNS)
# env:   USERS=10000 RATE=500 COUNT=5000 CONNECTIONS=50 IDLE=10000
#        REGISTRARS="kamailio switchboard"  SKIP_BUILD=1  BENCH_NETNS=1 (private loopback-only netns)
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
yardstick=$repo/bench/yardstick
users=${USERS:-10000}; rate=${RATE:-500}; count=${COUNT:-5000}; conns=${CONNECTIONS:-50}; idle=${IDLE:-10000}
# Kamailio's TLS connections live in its shared memory (-m): 10,000 of them exhaust 512 MB and it exits.
kamailio_idle=${KAMAILIO_IDLE:-2000}
registrars=${REGISTRARS:-kamailio switchboard}
kamailio_bin=$(command -v kamailio || echo /usr/sbin/kamailio)
userdir=/tmp/sb-kamreg
work=$(mktemp -d)
pid=
trap 'stop_registrar 2>/dev/null; rm -rf "$work"' EXIT
. "$repo/bench/lib.sh"
[ -x "$kamailio_bin" ] || die "kamailio not installed (Debian package kamailio)"
[ -r /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || die "Kamailio's tls module missing (Debian package kamailio-tls-modules)"
[ -r /usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so ] || die "Kamailio's db_sqlite module missing (Debian package kamailio-sqlite-modules)"
require_port_free udp 5060
# Each process holds one side of the IDLE connections (the client here, the server there), plus its own.
ulimit -n $((idle + 4096)) 2>/dev/null || die "cannot raise ulimit -n to $((idle + 4096)) (ulimit -Hn is $(ulimit -Hn))"

echo "users: $users (make-registrar-users.sh)" >&2
bash "$yardstick/make-registrar-users.sh" "$users" >/dev/null || die "make-registrar-users.sh failed"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$userdir/tls.key" -out "$userdir/tls.crt" \
  -days 30 -subj /CN=example.com -addext subjectAltName=DNS:example.com,IP:127.0.0.1 2>/dev/null || die "openssl failed"
cat >"$userdir/tls.cfg" <<CFG
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $userdir/tls.key
certificate = $userdir/tls.crt

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
CFG

start_kamailio() { kamailio_start "$yardstick/kamailio-registrar-tls.cfg" "${KAMAILIO_SHM_MB:-512}"; }

start_switchboard() {
  local cli=$repo/dist/cli/main.js data=$work/switchboard-data
  [ -r "$cli" ] || { echo "dist/cli/main.js missing" >"$work/switchboard.log"; return 1; }
  rm -rf "$data"
  {
    node "$cli" domain add example.com --data-dir "$data" &&
      node "$cli" subscriber import "$userdir/users.tsv" --data-dir "$data"
  } >"$work/switchboard.log" 2>&1 || return 1
  # Every benchmark connection comes from 127.0.0.1: lift the per-source share (default 500).
  SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE=$((idle > 500 ? idle : 500)) \
    node "$cli" start --sip-port 5060 --sip-listen 127.0.0.1 --api-port 0 --data-dir "$data" --domain example.com \
    --sip-transports udp,tls,wss --tls-port 5061 --wss-port 5062 \
    --tls-certificate "$userdir/tls.crt" --tls-key "$userdir/tls.key" --log-level warn >>"$work/switchboard.log" 2>&1 &
  pid=$!
  wait_listening "$work/switchboard.log"
}

stop_registrar() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}

field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

load_rows=
memory_rows=
for registrar in $registrars; do
  if [ "$registrar" = switchboard ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && npm run build --silent) >"$work/build.log" 2>&1 || echo "build failed: $(tail -5 "$work/build.log")" >&2
  fi
  echo "$registrar:" >&2
  if ! "start_$registrar" || ! kill -0 "$pid" 2>/dev/null; then
    echo "  $registrar did not start: $(tail -5 "$work/$registrar.log")" >&2
    stop_registrar
    continue
  fi
  echo "  $rate/s x $count registrations over $conns TLS connections ..." >&2
  line=$(node "$repo/bench/tls-register-load.mjs" 127.0.0.1:5061 "$(pids_of "$pid")" "$rate" "$count" "$conns" "$userdir/users.tsv" | tail -1)
  echo "    $line" >&2
  load_rows+="| $registrar | $(field ok "$line") | $(field failed "$line") | $(field wall "$line") | $(field achieved_rps "$line") | $(field registrar_cpu "$line") | $(field cpu_us_per_registration "$line") |"$'\n'
  sleep 3 # let the server see the load's connections close
  n=$idle; [ "$registrar" = kamailio ] && [ "$idle" -gt 0 ] && n=$kamailio_idle
  [ "$n" -gt 0 ] || { stop_registrar; continue; } # IDLE=0: registrations only
  echo "  $n idle TLS connections ..." >&2
  mem=$(node "$repo/bench/idle-connections-memory.mjs" tls 127.0.0.1:5061 "$n" "$(pids_of "$pid")" | tail -1)
  echo "    $mem" >&2
  memory_rows+="| $registrar | TLS | $(field open "$mem")/$n | $(($(field pss_before_kb "$mem") / 1024)) MiB | $(($(field pss_after_kb "$mem") / 1024)) MiB | $(field per_connection_bytes "$mem") B | $(field open_s "$mem") s |"$'\n'
  stop_registrar
  if [ "$registrar" = switchboard ]; then
    start_switchboard || { echo "  switchboard did not restart" >&2; continue; }
    echo "  $idle idle WSS connections ..." >&2
    mem=$(node "$repo/bench/idle-connections-memory.mjs" wss 127.0.0.1:5062 "$idle" "$(pids_of "$pid")" | tail -1)
    echo "    $mem" >&2
    memory_rows+="| $registrar | WSS | $(field open "$mem")/$idle | $(($(field pss_before_kb "$mem") / 1024)) MiB | $(($(field pss_after_kb "$mem") / 1024)) MiB | $(field per_connection_bytes "$mem") B | $(field open_s "$mem") s |"$'\n'
    stop_registrar
  fi
done

cat <<OUT

Machine: $(nproc) cores (shared), $(uname -sr); $("$kamailio_bin" -v | head -1); node $(node -v); $(date -u +%F)

Registrations over TLS: $rate/s x $count over $conns open connections, $users users (tls-register-load.mjs, MD5 digest)

| registrar | ok | failed | wall | achieved /s | registrar CPU | CPU µs per registration |
| --- | --- | --- | --- | --- | --- | --- |
${load_rows}
Idle connections: whole-process PSS before and after the connections were opened and left idle (idle-connections-memory.mjs)

| server | transport | open | PSS before | PSS after | per connection | time to open |
| --- | --- | --- | --- | --- | --- | --- |
${memory_rows}
OUT
