#!/usr/bin/env bash
# `make profile-path`: where Wicket's time goes under load (docs/benchmarks.md, issue 11).
# Runs `make bench-path`'s setup (Benchmarks/run-path-bench.sh: the release `wicket serve` on the example
# tenant behind nginx, wrk on loopback) at one setting, samples `wicket serve` with perf while wrk
# loads it (call graphs from DWARF, kernel included), and prints the inclusive share of the frames
# issue 11 names (audit commit, Verdict, key lookup, credential reveal, FastCGI params/accept/free,
# kernel) with Benchmarks/profile_summary.py. The perf data stays in the printed folder for
# `perf report -i FOLDER/perf.data --children`.
# Environment: WICKET_BIN (.build/release/wicket), PROFILE_CONNECTIONS (32), PROFILE_AUDIT (full),
# PROFILE_SECONDS (5; perf's sampling time), PROFILE_FREQUENCY (999 Hz), PROFILE_STACK (32768: bytes of
# stack copied per sample; deeper stacks are cut), PROFILE_DIR (a new /tmp folder).
# Needs root or kernel.perf_event_paranoid <= 1, and perf (apt-get install linux-perf).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_SAMPLED=${PROFILE_SECONDS:-5}
command -v perf >/dev/null || { echo "profile-path: \`perf\` is not installed (apt-get install linux-perf)" >&2; exit 1; }
DEMANGLE=$(command -v swift-demangle || echo "$(dirname "$(readlink -f "$(command -v swift)")")/swift-demangle")
[ -x "$DEMANGLE" ] || { echo "profile-path: no swift-demangle beside \`swift\`" >&2; exit 1; }
OUT=${PROFILE_DIR:-$(mktemp -d /tmp/wicket-profile.XXXXXX)}
mkdir -p "$OUT"

# wrk runs a little longer than perf samples, so every sample falls in the loaded phase.
CONNECTION_COUNTS=${PROFILE_CONNECTIONS:-32} AUDIT_SYNCS=${PROFILE_AUDIT:-full} SKIP_PLAIN=1 FSYNC_COUNT=200 \
  DURATION="$((SECONDS_SAMPLED + 3))s" WARMUP=2s \
  WICKET_PROFILE_CMD="perf record -q -F ${PROFILE_FREQUENCY:-999} -g --call-graph dwarf,${PROFILE_STACK:-32768} -p \$WICKET_PID -o '$OUT/perf.data' -- sleep $SECONDS_SAMPLED 2>'$OUT/perf.log'" \
  "$ROOT/Benchmarks/run-path-bench.sh" | tee "$OUT/bench.log"
[ -s "$OUT/perf.data" ] || { echo "profile-path: perf recorded nothing (see $OUT/perf.log)" >&2; exit 1; }

echo
echo "profile of wicket serve at ${PROFILE_CONNECTIONS:-32} connection(s), audit ${PROFILE_AUDIT:-full}, ${SECONDS_SAMPLED} s at ${PROFILE_FREQUENCY:-999} Hz"
echo "(the CPU per request printed above includes perf's own overhead on wicket; take CPU numbers from make bench-path)"
perf script -i "$OUT/perf.data" -F tid,ip,sym,dso 2>/dev/null | "$DEMANGLE" --simplified | "$ROOT/Benchmarks/profile_summary.py" wicket
echo
echo "perf data: $OUT/perf.data (perf report -i $OUT/perf.data --children --sort symbol)"
