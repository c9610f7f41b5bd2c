#!/usr/bin/env bash
# Memory per idle TLS and WSS connection on a started Switchboard node, for each TLS engine in
# the same run (tls.engine native: OpenSSL's handshake then our TLS 1.3 record layer; node:
# node:tls): bench/idle-connections-memory.mjs opens N connections (Node's TLS 1.3 client; for WSS
# the ws client's upgrade with the sip subprotocol on top), leaves them idle and divides the
# whole-process PSS growth by N.
# usage: bench/tls-engine-memory.sh    (root for ulimit -n; BENCH_NETNS=1: private loopback-only netns)
# env:   N=10000  ENGINES="native node"  KINDS="tls wss"  SKIP_BUILD=1  TLS_PORT=5061  WSS_PORT=8089
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${BENCH_IN_NETNS:-}" ]; then
  exec unshare -n env BENCH_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
n=${N:-10000}; engines=${ENGINES:-native node}; kinds=${KINDS:-tls wss}
tls_port=${TLS_PORT:-5061}; wss_port=${WSS_PORT:-8089}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
. "$repo/bench/lib.sh"
ulimit -n $((n + 4096)) 2>/dev/null || die "cannot raise ulimit -n to $((n + 4096)) (ulimit -Hn is $(ulimit -Hn))"
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$repo" && npm run build >/dev/null) || die "npm run build failed"
[ -r "$repo/build/Release/tls_session.node" ] || echo "warning: build/Release/tls_session.node missing: native falls back to node:tls" >&2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" \
  -days 30 -subj /CN=example.com -addext subjectAltName=DNS:example.com,IP:127.0.0.1 2>/dev/null || die "openssl failed"

echo "| transport | tls.engine | connections held | PSS before → after | per connection |"
echo "| --- | --- | --- | --- | --- |"
for kind in $kinds; do
  if [ "$kind" = wss ]; then port=$wss_port; listen=(--sip-transports udp,wss --wss-port "$port")
  else port=$tls_port; listen=(--sip-transports udp,tls --tls-port "$port"); fi
  for engine in $engines; do
    data=$work/data-$kind-$engine; log=$work/$kind-$engine.log
    SWITCHBOARD_TLS_ENGINE=$engine SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE=$((n > 500 ? n : 500)) \
      node "$repo/dist/cli/main.js" start --sip-listen 127.0.0.1 --sip-port 5060 --api-port 0 --data-dir "$data" \
      --domain example.com "${listen[@]}" \
      --tls-certificate "$work/tls.crt" --tls-key "$work/tls.key" --log-level warn >"$log" 2>&1 &
    pid=$!
    wait_listening "$log" || die "node ($kind, $engine) did not start: $(tail -3 "$log")"
    grep -q 'tls.engine' "$log" && echo "note: $(grep -o 'tls.engine[^"]*' "$log" | head -1)" >&2
    mem=$(node "$repo/bench/idle-connections-memory.mjs" "$kind" "127.0.0.1:$port" "$n" "$pid" | tail -1)
    field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$mem"; }
    echo "| $kind | $engine | $(field open)/$n | $(($(field pss_before_kb) / 1024)) → $(($(field pss_after_kb) / 1024)) MiB | $(field per_connection_bytes) B |"
    kill "$pid"; wait "$pid" 2>/dev/null; pid=
    sleep 1
  done
done
