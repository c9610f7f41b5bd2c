# Shell helpers the benchmark scripts share: `. "$repo/bench/lib.sh"`.

# die MESSAGE... -> "error: MESSAGE" on stderr, and exit 1.
die() { echo "error: $*" >&2; exit 1; }

# wait_listening LOG [SECONDS] -> 0 once LOG says "listening" (a node is up), 1 after SECONDS (20).
wait_listening() {
  for _ in $(seq $((${2:-20} * 5))); do grep -q listening "$1" && return 0; sleep 0.2; done
  grep -q listening "$1" || return 1
}

# port_in_use udp|tcp PORT -> whether something listens on PORT.
port_in_use() {
  local opt=-Hlnu
  [ "$1" = tcp ] && opt=-Hlnt
  [ -n "$(ss "$opt" "sport = :$2")" ]
}

# require_port_free udp|tcp PORT [HINT]: if PORT is taken, dies "UDP port PORT is in use[; HINT]".
require_port_free() { ! port_in_use "$1" "$2" || die "${1^^} port $2 is in use${3:+; $3}"; }

# pids_of PID -> "PID,CHILD,..." : a server and its direct children (Kamailio's workers, or the
# node a `switchboard start --heap-limit` launcher runs).
pids_of() { local kids; kids=$(pgrep -d, -P "$1"); echo "$1${kids:+,$kids}"; }

# pss_kb PIDS -> the sum of their proportional set sizes (Pss in /proc/PID/smaps_rollup), in kB:
# what the processes cost the machine, shared pages divided among their sharers.
pss_kb() {
  local t=0 p v
  for p in ${1//,/ }; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    t=$((t + ${v:-0}))
  done
  echo $t
}

# kamailio_start CFG SHM_MB: Kamailio in the foreground of a background job, logs and pid file in
# $work, its pid in $pid; returns once it has bound 5060 and forked its workers.
kamailio_start() {
  "$kamailio_bin" -f "$1" -m "$2" -DD -E -w "$work" -P "$work/kamailio.pid" >"$work/kamailio.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do port_in_use udp 5060 && break; sleep 0.2; done
  sleep 1 # the workers fork after the socket is bound
}
