#!/usr/bin/env bash
# Experiment (issue 11): memory per idle TLS connection, one server at a time in the same run.
# usage: bench/tls-memory/run.sh CERT KEY [N]   (root: ulimit -n; runs in a private netns)
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${IN_NETNS:-}" ]; then exec unshare -n env IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"; fi
cert=$1 key=$2 n=${3:-10000}
ulimit -n $((n + 4096))
cd "$repo"
run() { # label kind port command...
  local label=$1 kind=$2 port=$3; shift 3
  "$@" >/tmp/tls-memory-server.pid &
  sleep 1.5
  echo "$label: $(node bench/idle-connections-memory.mjs "$kind" "127.0.0.1:$port" "$n" "$(cat /tmp/tls-memory-server.pid)")"
  kill "$(cat /tmp/tls-memory-server.pid)"; sleep 1
}
x=bench/tls-memory/native-tls-server.mjs
run "bare TCP" tcp 7101 node bench/bare-tcp-server.mjs 7101
run "bare Node TLS" tls 7102 node bench/bare-tls-server.mjs "$cert" "$key" 7102
run "native, release buffers" tls 7103 node $x "$cert" "$key" 7103
run "native, SSL freed after handshake" tls 7104 env FREE_AFTER_HANDSHAKE=1 node $x "$cert" "$key" 7104
run "native, SSL freed, Duplex per connection" tls 7105 env FREE_AFTER_HANDSHAKE=1 WRAP_IN_DUPLEX=1 node $x "$cert" "$key" 7105
