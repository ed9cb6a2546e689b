#!/usr/bin/env bash
# `make bench-store`: one node's request path (nginx + the release `wicket serve` + a trivial upstream,
# Benchmarks/path-bench.sh) with the tenant on SQLite, then on PostgreSQL (a temporary local cluster of
# Debian's postgresql 15 over its Unix socket), in the same run. Prints req/s and p50/p99 from wrk, and
# CPU per request: the CPU time of `wicket serve` and, for PostgreSQL, of the server's processes,
# divided by the requests wrk sent in the Wicket phase (warm-up included; req/s x (DURATION+WARMUP)).
# Needs root (postgres runs as the `postgres` user).
# STORES ("sqlite postgres"): which phases to run. PG_STATEMENTS=1: PostgreSQL logs every statement it
# runs (log_statement = all, parameters never logged) and the end prints statements per request by
# kind (one line = one round trip; prepares are per connection, not per request); slower, so its
# req/s and CPU are not comparable with a run without it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${WICKET_BIN:-$ROOT/.build/release/wicket}
PG=${WICKET_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$W" ] || { echo "run-store-bench: no wicket binary at \`$W\` (swift build -c release)" >&2; exit 1; }
[ -x "$PG/initdb" ] || { echo "run-store-bench: no PostgreSQL at $PG (apt-get install postgresql)" >&2; exit 1; }
export DURATION=${DURATION:-10s} WARMUP=${WARMUP:-2s}
DIR=$(mktemp -d /tmp/wicket-store-bench.XXXXXX)
chmod 755 "$DIR"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_pg "$PG/pg_ctl" -D "$DIR/pg/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# The PostgreSQL cluster and the tenant's own database and role.
mkdir -p "$DIR/pg/sock"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$DIR/pg"
as_pg "$PG/initdb" -D "$DIR/pg/data" -A peer -U postgres --no-sync -E UTF8 --locale=C >/dev/null
printf 'local all postgres peer\nlocal all all scram-sha-256\n' > "$DIR/pg/data/pg_hba.conf"
printf "listen_addresses = ''\nunix_socket_directories = '%s'\nshared_buffers = 64MB\n" "$DIR/pg/sock" >> "$DIR/pg/data/postgresql.conf"
[ "${PG_STATEMENTS:-0}" = 1 ] && printf "log_statement = 'all'\nlog_parameter_max_length = 0\nlog_min_duration_statement = -1\n" >> "$DIR/pg/data/postgresql.conf"
as_pg "$PG/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w start >/dev/null
PASS=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
as_pg "$PG/psql" -h "$DIR/pg/sock" -d postgres -qc "CREATE ROLE wicket_acme LOGIN PASSWORD '$PASS'" \
  -c "CREATE DATABASE wicket_acme OWNER wicket_acme" -c "REVOKE ALL ON DATABASE wicket_acme FROM PUBLIC" >/dev/null
printf '%s\n' "$PASS" > "$DIR/acme.pgpass"; chmod 600 "$DIR/acme.pgpass"

# One setup as run-path-bench.sh makes it; a copy of it whose tenant lives in PostgreSQL.
"$W" init "$DIR/sqlite" --geoip "$ROOT/geo/wicket-city-test.mmdb" >/dev/null
sed -i 's/^log_level = .*/log_level = "warning"/' "$DIR/sqlite/wicket.toml"
RW=$(grep -rl 'context\.time\.hour < [0-9]* || context\.time\.hour > [0-9]*' "$DIR/sqlite" --include='*.cedar' | head -n1)
sed -i -E 's/context\.time\.hour < [0-9]+ \|\| context\.time\.hour > [0-9]+/context.time.hour < 0 || context.time.hour > 23/' "$RW"
cp -a "$DIR/sqlite" "$DIR/postgres"
sed -i "0,/^name = \"acme\"/s||name = \"acme\"\nstore = \"postgres\"\npostgres = \"host=$DIR/pg/sock dbname=wicket_acme user=wicket_acme\"\npostgres_password_file = \"$DIR/acme.pgpass\"|" "$DIR/postgres/wicket.toml"

cpu_of() { # total utime+stime seconds of the given pids (gone ones count 0)
  local total=0 ticks
  ticks=$(getconf CLK_TCK)
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(awk -v t="$total" -v hz="$ticks" '{ sub(/^.*\) /, ""); print t + ($12 + $13) / hz }' "/proc/$pid/stat")
  done
  echo "$total"
}
# PostgreSQL's CPU: its live processes, plus what the postmaster reaped from backends that exited.
pg_cpu() {
  local pids master
  pids=$(pg_pids)
  master=$(head -n1 "$DIR/pg/data/postmaster.pid")
  awk -v base="$(cpu_of $pids)" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print base + ($14 + $15) / hz }' "/proc/$master/stat"
}
pg_pids() { pgrep -u postgres -f "postgres" | while read -r p; do [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$DIR/pg/data" ] && echo "$p"; done; }

declare -A RESULT
STORES=${STORES:-sqlite postgres}
for store in $STORES; do
  C=$DIR/$store/wicket.toml
  KEY=$("$W" keys issue --config "$C" --tenant acme --member alex@company.com --agent bench-agent 2>/dev/null | head -n1)
  printf 'bench-upstream-token' | "$W" creds set --config "$C" --tenant acme --member alex@company.com --server database >/dev/null
  # Sample the CPU of wicket serve until it exits, and PostgreSQL's before and after.
  pg_before=$(pg_cpu)
  ( last=0; while true; do pid=$(pgrep -f -- "serve --config $C" | head -n1 || true)
      [ -n "$pid" ] && last=$(cpu_of "$pid") && echo "$last" > "$DIR/$store.cpu"; sleep 0.3
      [ -f "$DIR/$store.done" ] && break; done ) &
  sampler=$!
  echo "== wicket with store = $store"
  AUTHORIZATION="Bearer $KEY" WICKET_CMD="'$W' serve --config '$C' --socket \"\$WICKET_SOCKET\"" \
    "$ROOT/Benchmarks/path-bench.sh" | tee "$DIR/$store.out"
  touch "$DIR/$store.done"; wait "$sampler" || true
  pg_after=$(pg_cpu)
  rps=$(awk '$1 == "wicket" && $2 ~ /^[0-9]+$/ { print $2 }' "$DIR/$store.out")
  RESULT[$store]="$rps $(cat "$DIR/$store.cpu" 2>/dev/null || echo 0) $(awk -v a="$pg_after" -v b="$pg_before" 'BEGIN { print a - b }')"
done

secs() { awk -v d="$1" 'BEGIN { sub(/s$/, "", d); print d }'; }
span=$(awk -v a="$(secs "$DURATION")" -v b="$(secs "$WARMUP")" 'BEGIN { print a + b }')
echo
echo "store comparison, same run ($(nproc) cores): CPU per request = (wicket [+ postgres] CPU) / (req/s x ${span}s)"
printf '%-9s %9s %16s %18s %14s\n' store "req/s" "wicket µs CPU/req" "postgres µs CPU/req" "total µs/req"
for store in $STORES; do
  read -r rps wcpu pcpu <<<"${RESULT[$store]}"
  [ "$store" = sqlite ] && pcpu=0
  awk -v s="$store" -v r="$rps" -v w="$wcpu" -v p="$pcpu" -v t="$span" 'BEGIN {
    n = r * t; if (n <= 0) n = 1
    printf "%-9s %9s %16.0f %18.0f %14.0f\n", s, r, w / n * 1e6, p / n * 1e6, (w + p) / n * 1e6 }'
done

if [ "${PG_STATEMENTS:-0}" = 1 ] && [[ " $STORES " == *" postgres "* ]]; then
  records=$(as_pg "$PG/psql" -h "$DIR/pg/sock" -d wicket_acme -Atqc "SELECT count(*) FROM audit")
  echo
  echo "postgres statements per request ($records audit records; one statement = one round trip):"
  # LOG:  statement: BEGIN (simple protocol) / LOG:  execute wicket_3: SELECT … (extended, by name or unnamed)
  grep -E 'LOG:  (statement|execute [^:]*):' "$DIR/pg/log" \
    | sed -E 's/^.*LOG:  (statement|execute ([^:]*)): *//; s/^(INSERT INTO [a-z_]+|UPDATE [a-z_]+|DELETE FROM [a-z_]+|SELECT [^ ]+ ?[^ ]*|[A-Z]+).*/\1/' \
    | sort | uniq -c | sort -rn | awk -v n="$records" '{ c = $1; $1 = ""; t += c; printf "  %8.3f %s\n", c / n, $0 } END { printf "  %8.3f in all\n", t / n }'
  printf '  prepared by name: %s statements\n' "$(grep -cE 'LOG:  execute wicket_' "$DIR/pg/log" || true)"
fi
