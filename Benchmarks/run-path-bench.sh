#!/usr/bin/env bash
# `make bench-path`: the request path with the real `wicket serve` (release build) on the example tenant,
# beside the plain proxy and the do-nothing responder, once per audit durability (full, normal).
# The release-window rule's bounds are rewritten to `hour < 0 || hour > 23` (a condition that holds at
# no hour, evaluated as before) so the rule allows the benchmark's delete_records call whatever the
# hour; Wicket itself runs on the real clock (the binary has no clock override).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${WICKET_BIN:-$ROOT/.build/release/wicket}
[ -x "$W" ] || { echo "run-path-bench: no wicket binary at \`$W\` (swift build -c release)" >&2; exit 1; }
DIR=$(mktemp -d /tmp/wicket-path-setup.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
"$W" init "$DIR/setup" --geoip "$ROOT/geo/wicket-city-test.mmdb" >/dev/null
C=$DIR/setup/wicket.toml
sed -i 's/^log_level = .*/log_level = "warning"/' "$C"
RW=$(grep -rl 'context\.time\.hour < [0-9]* || context\.time\.hour > [0-9]*' "$DIR/setup" --include='*.cedar' | head -n1)
[ -n "$RW" ] || { echo "run-path-bench: no release-window rule (\`context.time.hour < A || context.time.hour > B\`) under $DIR/setup" >&2; exit 1; }
sed -i -E 's/context\.time\.hour < [0-9]+ \|\| context\.time\.hour > [0-9]+/context.time.hour < 0 || context.time.hour > 23/' "$RW"
# WICKET_THREADS overrides `server.threads` (8) to see whether more accept threads help.
[ -n "${WICKET_THREADS:-}" ] && sed -i "s/^threads = .*/threads = $WICKET_THREADS/" "$C"
KEY=$("$W" keys issue --config "$C" --tenant acme --member alex@company.com --agent bench-agent 2>/dev/null | head -n1)
printf 'bench-upstream-token' | "$W" creds set --config "$C" --tenant acme --member alex@company.com --server database >/dev/null
# At 32 connections (throughput) and at one (what each agent feels on every call).
for conns in ${CONNECTION_COUNTS:-32 1}; do
  for sync in ${AUDIT_SYNCS:-full normal}; do
    sed -i "s/^audit_sync = .*/audit_sync = \"$sync\"/" "$C"
    echo "== wicket with audit_sync = $sync, $conns connection(s)"
    # wrk needs at least as many connections as threads.
    THREADS=$(( conns < ${THREADS:-2} ? conns : ${THREADS:-2} )) CONNECTIONS=$conns AUTHORIZATION="Bearer $KEY" \
      WICKET_CMD="'$W' serve --config '$C' --socket \"\$WICKET_SOCKET\"" \
      "$ROOT/Benchmarks/path-bench.sh"
  done
done
