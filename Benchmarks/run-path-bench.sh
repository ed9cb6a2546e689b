#!/usr/bin/env bash
# `make bench-path`: the request path with the real `wicket serve` (release build) on the example tenant,
# beside the plain proxy and the do-nothing responder, once per audit durability (full, normal), at 32
# connections and at one (CONNECTION_COUNTS, AUDIT_SYNCS). Before each setting it measures the disk's
# own write + fdatasync time where the audit lives (Benchmarks/fsync-latency.py); at the end it prints
# one line per setting against issue 11's targets (Benchmarks/path-targets.awk).
# The release-window rule's bounds are rewritten to `hour < 0 || hour > 23` (a condition that holds at
# no hour, evaluated as before) so the rule allows the benchmark's delete_records call whatever the
# hour; Wicket itself runs on the real clock (the binary has no clock override).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${WICKET_BIN:-$ROOT/.build/release/wicket}
[ -x "$W" ] || { echo "run-path-bench: no wicket binary at \`$W\` (swift build -c release)" >&2; exit 1; }
# Wicket's front alone beside the noop (the `front` setup, Benchmarks/front-responder), when built:
# swift build -c release --package-path Benchmarks --product front-responder (FRONT_BIN= to skip it).
FRONT_BIN=${FRONT_BIN-$ROOT/Benchmarks/.build/release/front-responder}
if [ -n "$FRONT_BIN" ] && [ -x "$FRONT_BIN" ]; then export FRONT_BIN; else unset FRONT_BIN; fi
DIR=$(mktemp -d /tmp/wicket-path-setup.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
"$W" init "$DIR/setup" --geoip "$ROOT/geo/wicket-city-test.mmdb" >/dev/null
C=$DIR/setup/wicket.toml
sed -i 's/^log_level = .*/log_level = "warning"/' "$C"
RW=$(grep -rl 'context\.time\.hour < [0-9]* || context\.time\.hour > [0-9]*' "$DIR/setup" --include='*.cedar' | head -n1)
[ -n "$RW" ] || { echo "run-path-bench: no release-window rule (\`context.time.hour < A || context.time.hour > B\`) under $DIR/setup" >&2; exit 1; }
sed -i -E 's/context\.time\.hour < [0-9]+ \|\| context\.time\.hour > [0-9]+/context.time.hour < 0 || context.time.hour > 23/' "$RW"
# WICKET_THREADS overrides `server.threads` (32) to see whether more accept threads help.
[ -n "${WICKET_THREADS:-}" ] && sed -i "s/^threads = .*/threads = $WICKET_THREADS/" "$C"
# WICKET_BATCH_SCHEDULING=true runs the loops under SCHED_BATCH (`server.batch_scheduling`, off by default).
[ -n "${WICKET_BATCH_SCHEDULING:-}" ] && sed -i "s/^batch_scheduling = .*/batch_scheduling = $WICKET_BATCH_SCHEDULING/" "$C"
KEY=$("$W" keys issue --config "$C" --tenant acme --member alex@company.com --agent bench-agent 2>/dev/null | head -n1)
printf 'bench-upstream-token' | "$W" creds set --config "$C" --tenant acme --member alex@company.com --server database >/dev/null
# The audit's folder (data_dir), for the disk's own fsync time.
DATA=$DIR/setup/data
# At 32 connections (throughput) and at one (what each agent feels on every call).
for conns in ${CONNECTION_COUNTS:-32 1}; do
  for sync in ${AUDIT_SYNCS:-full normal}; do
    sed -i "s/^audit_sync = .*/audit_sync = \"$sync\"/" "$C"
    echo "== wicket with audit_sync = $sync, $conns connection(s)"
    # The disk's write + fdatasync latency where the audit lives, just before this setting's run.
    fsync=$("$ROOT/Benchmarks/fsync-latency.py" "$DATA" "${FSYNC_COUNT:-500}") \
      || { echo "run-path-bench: cannot measure the fsync time in $DATA" >&2; exit 1; }
    head -n1 <<<"$fsync"
    echo "load average before this setting: $(cut -d" " -f1-3 /proc/loadavg)"
    read -r _ fs50 fs99 <<<"$(grep '^FSYNC' <<<"$fsync")"
    : > "$DIR/result"
    # wrk needs at least as many connections as threads.
    THREADS=$(( conns < ${THREADS:-2} ? conns : ${THREADS:-2} )) CONNECTIONS=$conns AUTHORIZATION="Bearer $KEY" \
      WICKET_CMD="'$W' serve --config '$C' --socket \"\$WICKET_SOCKET\"" RESULT_FILE="$DIR/result" \
      "$ROOT/Benchmarks/path-bench.sh"
    while read -r name rps p50 p99 cpu _; do
      [ "$name" = plain ] || echo "$conns $sync $name $rps $p50 $p99 $cpu $fs50 $fs99" >> "$DIR/summary"
    done < "$DIR/result"
  done
done
[ -f "$DIR/summary" ] && "$ROOT/Benchmarks/path-targets.awk" "$DIR/summary"
