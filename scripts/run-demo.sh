#!/usr/bin/env bash
# Starts the Wicket demo in the background: demo MCP server + `wicket serve` + a standalone nginx on
# 127.0.0.1:8080, all under ./run (logs in ./run/logs). Idempotent: stops a previous demo first and
# initializes ./run/wicket only once. Called by `make run` after the build; `make stop` stops it.
#
# Environment: WICKET_BIN (default .build/debug/wicket), PYTHON (default .venv/bin/python),
# WICKET_RUN_DIR (default ./run), WICKET_LISTEN (default 127.0.0.1:8080), DEMO_PORT (default 8931),
# WICKET_GEOIP (default geo/wicket-city-test.mmdb when present), ALERT_PORT (default 8932: the local
# alert receiver that the release-window rule's @alert("oncall") pages).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${WICKET_RUN_DIR:-$ROOT/run}
WICKET=${WICKET_BIN:-$ROOT/.build/debug/wicket}
PY=${PYTHON:-$ROOT/.venv/bin/python}
LISTEN=${WICKET_LISTEN:-127.0.0.1:8080}
DEMO_PORT=${DEMO_PORT:-8931}
ALERT_PORT=${ALERT_PORT:-8932}
SERVER=database
TENANT=acme
MEMBER=alex@company.com
AGENT=maintenance-agent
UPSTREAM=http://127.0.0.1:$DEMO_PORT/mcp
CONF=$RUN/wicket/wicket.toml
NGX=$RUN/nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# The test GeoIP database (203.0.113.0/24 -> Ashburn, VA) unless WICKET_GEOIP names a real one.
GEOIP=${WICKET_GEOIP:-}
[ -z "$GEOIP" ] && [ -f "$ROOT/geo/wicket-city-test.mmdb" ] && GEOIP=$ROOT/geo/wicket-city-test.mmdb

fail() { echo "run-demo: $*" >&2; exit 1; }
[ -x "$WICKET" ] || fail "no wicket binary at \`$WICKET\`: run \`make build\` first"
[ -x "$PY" ] || fail "no Python venv at \`$PY\`: run \`make venv\` first"
[ -x "$NGINX" ] || fail "nginx is not installed: run \`make deps\` (apt-get install nginx-light)"

"$ROOT/scripts/stop-demo.sh" >/dev/null 2>&1 || true
mkdir -p "$RUN/logs" "$NGX/logs" "$NGX/temp"
chmod 755 "$RUN" "$NGX" "$NGX/logs" "$NGX/temp"

port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what (logs: $RUN/logs)"
    sleep 0.1
  done
}
start_bg() { # start_bg NAME COMMAND... : own session (process group), pid in run/NAME.pid
  local name=$1; shift
  setsid "$@" >"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

port_busy "127.0.0.1:$DEMO_PORT" && fail "port $DEMO_PORT is in use: set DEMO_PORT to a free port"
port_busy "127.0.0.1:$ALERT_PORT" && fail "port $ALERT_PORT is in use: set ALERT_PORT to a free port"
port_busy "$LISTEN" && fail "$LISTEN is in use: stop what listens there or set WICKET_LISTEN"

if [ ! -f "$CONF" ]; then
  "$WICKET" init "$RUN/wicket" --upstream "$UPSTREAM" --server "$SERVER" ${GEOIP:+--geoip "$GEOIP"} >"$RUN/logs/init.log" 2>&1 \
    || { cat "$RUN/logs/init.log" >&2; fail "wicket init failed"; }
fi
chmod 755 "$RUN/wicket" 2>/dev/null || true

# On-call alerts: the example release-window rule carries @alert("oncall"); send it to a local
# receiver (signed JSON webhook and a Slack-style body) that prints each arrival.
SECRET=$RUN/wicket/alert-webhook.secret
if ! grep -q '^\[alerts\]' "$CONF"; then
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET")
  cat >>"$CONF" <<TOML

# Added by scripts/run-demo.sh: the local alert receiver (e2e/alert_receiver.py).
[alerts]
retry_initial_ms = 500
retry_max_ms = 10000

[[alerts.sink]]
alert = "oncall"
kind = "webhook"
url = "http://127.0.0.1:$ALERT_PORT/webhook"
secret_file = "alert-webhook.secret"

[[alerts.sink]]
alert = "oncall"
kind = "slack"
url = "http://127.0.0.1:$ALERT_PORT/slack"
TOML
fi
start_bg alert-receiver "$PY" "$ROOT/e2e/alert_receiver.py" --port "$ALERT_PORT" --secret-file "$SECRET"
wait_for 15 "the alert receiver on port $ALERT_PORT" port_busy "127.0.0.1:$ALERT_PORT"

start_bg demo "$PY" "$ROOT/e2e/demo_server.py" --port "$DEMO_PORT"
wait_for 20 "the demo MCP server on port $DEMO_PORT" port_busy "127.0.0.1:$DEMO_PORT"

SOCK=$RUN/wicket/run/wicket.sock
rm -f "$SOCK"
start_bg wicket "$WICKET" serve --config "$CONF"
wait_for 30 "wicket serve's socket $SOCK" test -S "$SOCK"

"$WICKET" nginx --config "$CONF" --listen "$LISTEN" --upstream "$UPSTREAM" --server "$SERVER" --standalone \
  >"$NGX/nginx.conf" || fail "wicket nginx failed"
G=""
grep -Eq '^\s*daemon\s' "$NGX/nginx.conf" || G="$G daemon off;"
grep -Eq '^\s*pid\s' "$NGX/nginx.conf" || G="$G pid $NGX/logs/nginx.pid;"
if [ "$(id -u)" = 0 ] && ! grep -Eq '^\s*user\s' "$NGX/nginx.conf"; then
  # As root without a `user` directive nginx workers run as nobody, who may not reach the socket.
  G="$G user root;"
fi
NGINX_ARGS=(-p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log")
[ -n "$G" ] && NGINX_ARGS+=(-g "${G# }")
"$NGINX" -t "${NGINX_ARGS[@]}" >"$RUN/logs/nginx-test.log" 2>&1 || { cat "$RUN/logs/nginx-test.log" >&2; fail "nginx -t failed"; }
start_bg nginx "$NGINX" "${NGINX_ARGS[@]}"
wait_for 15 "nginx on $LISTEN" port_busy "$LISTEN"

KEY=$("$WICKET" keys issue --config "$CONF" --tenant "$TENANT" --member "$MEMBER" --agent "$AGENT" | head -n1)
[ -n "$KEY" ] || fail "wicket keys issue printed no key"
umask 077
printf '%s\n' "$KEY" >"$RUN/demo.key"
printf 'demo-upstream-credential-%s' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  | "$WICKET" creds set --config "$CONF" --tenant "$TENANT" --member "$MEMBER" --server "$SERVER"

"$WICKET" alerts test oncall --config "$CONF" >"$RUN/logs/alerts-test.log" 2>&1 \
  || { cat "$RUN/logs/alerts-test.log" >&2; fail "wicket alerts test oncall failed"; }
wait_for 10 "the sample alert at the receiver" grep -q 'alert webhook' "$RUN/logs/alert-receiver.log"

rel() { case $1 in "$ROOT"/*) echo "${1#"$ROOT"/}";; *) echo "$1";; esac; }
PYR=$(rel "$PY"); WR=$(rel "$WICKET"); CR=$(rel "$CONF")
cat <<MSG

Wicket demo running: nginx on http://$LISTEN/mcp -> wicket serve -> demo MCP server on port $DEMO_PORT
Logs in $(rel "$RUN/logs"); member key for $MEMBER via $AGENT in $(rel "$RUN/demo.key").

Call a tool through Wicket (from $ROOT):
  $PYR e2e/mcp_call.py --url http://$LISTEN/mcp --key $KEY call query '{"sql": "select 1"}'

The release-window rule denies this one outside 09-17 in the tenant's time zone:
  $PYR e2e/mcp_call.py --url http://$LISTEN/mcp --key $KEY call delete_records '{"table": "prod.customer_records"}'

Outside the window that denial pages on-call within a second; the local receiver prints each alert
(the sample \`wicket alerts test oncall\` sent is already there):
  tail -f $(rel "$RUN/logs/alert-receiver.log")
$(sed 's/^/  /' "$RUN/logs/alert-receiver.log" | tail -n +2)

Metrics (Prometheus text, loopback only):  curl -s http://$LISTEN/wicket/metrics
See the decisions:  $WR audit --config $CR --tenant $TENANT
Stop everything:    make stop
MSG
