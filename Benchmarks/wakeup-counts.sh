#!/usr/bin/env bash
# Per-request counts of one responder process under load (issue 11, round 5: the one-connection path):
# over SECONDS seconds, its syscalls by kind (perf's syscall tracepoints), its context switches
# (voluntary = it slept, involuntary = it was preempted; /proc/PID/task/*/status before and after) and
# how many of its threads woke at all. "Per request" divides by the connections it accepted in the
# window (nginx opens one per allowed request: it acts on X-Accel-Redirect and closes the connection).
# Usage: Benchmarks/wakeup-counts.sh NAME PID SECONDS   (root or kernel.perf_event_paranoid <= 1)
# Benchmarks/run-path-bench.sh runs it for each responder with COUNT_WAKEUPS=1.
set -euo pipefail
NAME=$1 PID=$2 SECONDS_COUNTED=${3:-3}
snapshot() {
  for status in /proc/"$PID"/task/*/status; do
    awk -v tid="${status%/status}" '/^Name:/ { name = $2 } /^voluntary_ctxt_switches:/ { v = $2 }
      /^nonvoluntary_ctxt_switches:/ { n = $2 } END { sub(/.*\//, "", tid); print tid, name, v, n }' "$status" 2>/dev/null || true
  done
}
before=$(snapshot)
EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl
EVENTS+=,syscalls:sys_enter_accept4,syscalls:sys_enter_accept,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom
EVENTS+=,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_close
EVENTS+=,syscalls:sys_enter_shutdown,syscalls:sys_enter_futex,syscalls:sys_enter_poll
counts=$(perf stat -x, -e "$EVENTS" -e syscalls:sys_exit_accept4 --filter 'ret >= 0' -e syscalls:sys_exit_accept --filter 'ret >= 0' \
  -p "$PID" -- sleep "$SECONDS_COUNTED" 2>&1 >/dev/null)
after=$(snapshot)
T=$(mktemp -d /tmp/wakeup.XXXXXX)
trap 'rm -rf "$T"' EXIT
printf '%s\n' "$before" > "$T/before"
printf '%s\n' "$after" > "$T/after"
printf '%s\n' "$counts" > "$T/counts"
awk -v name="$NAME" '
  FILENAME ~ /before/ { vb[$1] = $3; nb[$1] = $4; next }
  FILENAME ~ /after/ {
    dv = $3 - vb[$1]; dn = $4 - nb[$1]
    if ($1 in vb) { vol += dv; inv += dn } else { vol += $3; inv += $4 }
    if (dv + dn > 0 || !($1 in vb)) { woke++; byname[$2] += dv + dn }
    threads++; next
  }
  FILENAME ~ /counts/ {
    split($0, f, ","); event = f[3]; sub(/^(raw_)?syscalls:sys_(enter|exit)_/, "", event)
    if (f[3] ~ /sys_exit_accept/) accepted += f[1]; else if (f[3] == "raw_syscalls:sys_enter") total = f[1]; else n[event] += f[1]
  }
  END {
    if (accepted == 0) { print name ": no connection accepted in the window"; exit }
    printf "%s: %d requests (connections accepted); per request: %.2f syscalls, %.2f epoll_wait, %.2f epoll_ctl, %.2f accept, %.2f read/recv, %.2f write/send, %.2f close, %.2f shutdown, %.2f futex, %.2f poll; context switches %.2f voluntary + %.2f involuntary; threads %d, woke in the window %d\n",
      name, accepted, total / accepted, (n["epoll_wait"] + n["epoll_pwait"]) / accepted, n["epoll_ctl"] / accepted,
      (n["accept4"] + n["accept"]) / accepted, (n["read"] + n["recvfrom"]) / accepted, (n["write"] + n["writev"] + n["sendto"]) / accepted,
      n["close"] / accepted, n["shutdown"] / accepted, n["futex"] / accepted, n["poll"] / accepted, vol / accepted, inv / accepted, threads, woke
    out = ""
    for (t in byname) out = out sprintf(" %s=%.2f", t, byname[t] / accepted)
    print "  switches per request by thread name:" out
  }' "$T/before" "$T/after" "$T/counts"
