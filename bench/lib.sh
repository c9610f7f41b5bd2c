# Shell helpers the benchmark scripts share: `. "$repo/bench/lib.sh"`.

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
