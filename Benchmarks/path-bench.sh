#!/usr/bin/env bash
# Request-path benchmark (docs/benchmarks.md): in one run, on loopback, with wrk:
#   1. plain     nginx proxy to a trivial upstream (the baseline)
#   2. noop      nginx + the do-nothing C libfcgi responder + the same upstream (the floor of the shape),
#                over kept FastCGI connections (upstream keepalive + fastcgi_keep_conn), as Wicket's include
#   2b. noopclose the same responder with a connection per request (nginx's default, the old shape)
#   2c. front    nginx + Wicket's own FastCGI front alone (Benchmarks/front-responder: no decision, no
#                audit, the noop's answer) + the same upstream (only when FRONT_BIN is set), kept connections
#   3. wicket    nginx + Wicket + the same upstream (only when WICKET_CMD is set), kept connections
# and prints req/s, p50, p99 and the ratios to the plain proxy.
#
# Usage: Benchmarks/path-bench.sh
# Environment:
#   WICKET_CMD   command starting Wicket in the foreground on $WICKET_SOCKET (exported to it),
#                answering the allow shape for the request below, e.g.
#                WICKET_CMD='.build/release/wicket serve --config bench.toml --socket "$WICKET_SOCKET"'
#   WICKET_SERVER_NAME  value of the WICKET_SERVER param (default: database)
#   AUTHORIZATION       client Authorization header (default: a dummy bearer key)
#   DURATION (10s) THREADS (2) CONNECTIONS (32) WARMUP (2s)   wrk settings
#   NOOP_THREADS (32)   accept threads of the noop responder. libfcgi ties a kept connection to one
#                       thread, so the kept upstreams keep at most 16 idle connections per nginx worker
#                       (2 workers here): never more kept connections than noop threads
#   SKIP_NOOP_CLOSE=1   skip the noop with a connection per request
#   NOOP_BATCH=1        run the noop under SCHED_BATCH (`chrt -b 0`), as Wicket's loops run by default
#   FRONT_BIN           the front-responder binary (swift build -c release --package-path Benchmarks
#                       --product front-responder): adds the `front` setup, Wicket's front without the
#                       decision and the audit; FRONT_THREADS (32) its event loops, as `server.threads`
#   NGINX (nginx)       nginx binary
#   BODY_FILE           the POST body (default: the 291-byte tools/call below)
#   PROTOCOL_VERSION    the Mcp-Protocol-Version header (default: 2025-06-18; batches need 2025-03-26)
#   SESSION_ID          the Mcp-Session-Id header (default: mcp_sess_bench; empty: none)
#   KEYS_FILE           lines `SERVER KEY`: each request takes the next line's key and server (sent
#                       as the X-Bench-Server header, passed on as WICKET_SERVER) instead of
#                       AUTHORIZATION and WICKET_SERVER_NAME; spreads the load over tenants
#   SKIP_PLAIN=1        skip the plain proxy (its column then reads `-`)
#   RESULT_FILE         append one line per setup: `NAME REQ/S P50_MS P99_MS CPU_US_PER_REQ FAILED TOTAL`
#   COUNT_WAKEUPS=1     for each responder, per-request syscalls, context switches and threads woken
#                       over COUNT_SECONDS (3) of the measured run (Benchmarks/wakeup-counts.sh)
#   WICKET_PROFILE_CMD  run in the background (with WICKET_PID exported) when the measured wrk run
#                       against Wicket starts; waited for before Wicket stops (Benchmarks/profile-path.sh)
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-2s}
NOOP_THREADS=${NOOP_THREADS:-32}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
WICKET_SERVER_NAME=${WICKET_SERVER_NAME:-database}
# With KEYS_FILE, each request names its server in a header (an nginx variable, not a fixed name).
[ -n "${KEYS_FILE:-}" ] && WICKET_SERVER_NAME='$http_x_bench_server'
AUTHORIZATION=${AUTHORIZATION:-Bearer wk_bench_member_key}
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in wrk cc curl; do
  command -v "$tool" >/dev/null || { echo "path-bench: \`$tool\` is not installed (apt-get install wrk libfcgi-dev curl)" >&2; exit 1; }
done
[ -x "$NGINX" ] || { echo "path-bench: no nginx binary at \`$NGINX\`" >&2; exit 1; }

DIR=$(mktemp -d /tmp/wicket-path-bench.XXXXXX)
NOOP_PID=""
FRONT_PID=""
WICKET_PID=""
# SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$1" 2>/dev/null || true
}
cleanup() {
  # libfcgi turns SIGTERM into a flag only one blocked accept sees: the noop responder is killed.
  [ -n "$NOOP_PID" ] && kill -9 "$NOOP_PID" 2>/dev/null || true
  [ -n "$FRONT_PID" ] && stop_pid "$FRONT_PID"
  [ -n "$WICKET_PID" ] && stop_pid "$WICKET_PID"
  [ -f "$DIR/nginx.pid" ] && stop_pid "$(cat "$DIR/nginx.pid")"
  rm -rf "$DIR"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_UP=$(free_port); P_PLAIN=$(free_port); P_NOOP=$(free_port); P_NOOPCLOSE=$(free_port); P_FRONT=$(free_port); P_WICKET=$(free_port)
export WICKET_SOCKET="$DIR/wicket.sock"
NOOP_SOCKET="$DIR/noop.sock"
FRONT_SOCKET="$DIR/front.sock"

cc -O2 -o "$DIR/noop-responder" "$HERE/noop-responder/noop-responder.c" -lfcgi -lpthread
${NOOP_BATCH:+chrt -b 0} "$DIR/noop-responder" "$NOOP_SOCKET" "$NOOP_THREADS" &
NOOP_PID=$!
disown "$NOOP_PID"
if [ -n "${FRONT_BIN:-}" ]; then
  "$FRONT_BIN" "$FRONT_SOCKET" "${FRONT_THREADS:-32}" &
  FRONT_PID=$!
fi

# The Wicket-shaped locations mirror nginx/wicket-server.conf (timeouts, hide headers, the
# named location); all three setups reach the same trivial upstream the same way.
wicket_locations() { # $1 = fastcgi_pass target, $2 = "on" to keep connections (an upstream with keepalive)
  cat <<CONF
        location = /mcp {
            client_max_body_size 1m;
            error_page 502 503 504 = @wicket_unavailable;
            fastcgi_pass $1;
            fastcgi_keep_conn ${2:-off};
            include $DIR/fastcgi_params;
            fastcgi_param WICKET_SERVER $WICKET_SERVER_NAME;
            fastcgi_param WICKET_REQUEST_ID \$request_id;
            fastcgi_next_upstream off;
            fastcgi_connect_timeout 1s;
            fastcgi_read_timeout 5s;
            fastcgi_buffer_size 16k;
            fastcgi_buffers 4 16k;
            fastcgi_hide_header X-Wicket-Token;
            fastcgi_hide_header X-Wicket-Decision;
            fastcgi_hide_header X-Wicket-Rule;
        }
        location @wicket_mcp {
            set \$wicket_token \$upstream_http_x_wicket_token;
            proxy_set_header Authorization \$wicket_token;
            proxy_set_header Connection "";
            proxy_http_version 1.1;
            proxy_buffering off;
            proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset;
            proxy_next_upstream off;
            proxy_pass http://trivial;
        }
        location @wicket_unavailable {
            default_type application/json;
            return 503 '{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"unavailable"}}';
        }
CONF
}

cp /etc/nginx/fastcgi_params "$DIR/fastcgi_params" 2>/dev/null || cat > "$DIR/fastcgi_params" <<'CONF'
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param CONTENT_TYPE $content_type;
fastcgi_param CONTENT_LENGTH $content_length;
fastcgi_param REQUEST_URI $request_uri;
fastcgi_param REMOTE_ADDR $remote_addr;
CONF

cat > "$DIR/nginx.conf" <<CONF
$( [ "$(id -u)" = 0 ] && echo "user root root;" )
worker_processes auto;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $DIR/client_body_temp;
    proxy_temp_path $DIR/proxy_temp;
    fastcgi_temp_path $DIR/fastcgi_temp;
    uwsgi_temp_path $DIR/uwsgi_temp;
    scgi_temp_path $DIR/scgi_temp;
    upstream trivial {
        server 127.0.0.1:$P_UP;
        keepalive 64;
    }
    # The FastCGI responders as Wicket's include declares its socket: kept connections.
    upstream noop_fcgi {
        server unix:$NOOP_SOCKET;
        keepalive 16;
        keepalive_requests 10000;
    }
    upstream front_fcgi {
        server unix:$FRONT_SOCKET;
        keepalive 16;
        keepalive_requests 10000;
    }
    upstream wicket_fcgi {
        server unix:$WICKET_SOCKET;
        keepalive 16;
        keepalive_requests 10000;
    }
    # The trivial MCP server: nginx itself.
    server {
        listen 127.0.0.1:$P_UP;
        location / {
            default_type application/json;
            return 200 '{"jsonrpc":"2.0","id":7,"result":{"content":[]}}';
        }
    }
    # 1. The plain proxy.
    server {
        listen 127.0.0.1:$P_PLAIN;
        location = /mcp {
            proxy_set_header Connection "";
            proxy_http_version 1.1;
            proxy_buffering off;
            proxy_pass http://trivial;
        }
    }
    # 2. nginx + noop responder, kept connections.
    server {
        listen 127.0.0.1:$P_NOOP;
$(wicket_locations noop_fcgi on)
    }
    # 2b. nginx + noop responder, a connection per request.
    server {
        listen 127.0.0.1:$P_NOOPCLOSE;
$(wicket_locations "unix:$NOOP_SOCKET" off)
    }
    # 2c. nginx + Wicket's front alone, kept connections.
    server {
        listen 127.0.0.1:$P_FRONT;
$(wicket_locations front_fcgi on)
    }
    # 3. nginx + Wicket, kept connections.
    server {
        listen 127.0.0.1:$P_WICKET;
$(wicket_locations wicket_fcgi on)
        # Wicket's metrics (records per audit commit), scraped before and after the measured run.
        location = /wicket/metrics {
            fastcgi_pass wicket_fcgi;
            fastcgi_keep_conn on;
            fastcgi_pass_request_body off;
            fastcgi_pass_request_headers off;
            fastcgi_param WICKET_METRICS 1;
        }
    }
}
CONF
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"

if [ -n "${WICKET_CMD:-}" ]; then
  bash -c "exec $WICKET_CMD" > "$DIR/wicket.log" 2>&1 &
  WICKET_PID=$!
fi

BODY='{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"prod.customer_records","where":{"customer_id":"c-0042","status":"inactive"},"reason":"quarterly retention cleanup","dry_run":false,"limit":100},"_meta":{"progressToken":"pt-0007-bench-x"}}}'
if [ -n "${BODY_FILE:-}" ]; then cp "$BODY_FILE" "$DIR/body.json"; else printf '%s' "$BODY" > "$DIR/body.json"; fi
BODY_BYTES=$(stat -c %s "$DIR/body.json")
PROTOCOL_VERSION=${PROTOCOL_VERSION:-2025-06-18}
SESSION_ID=${SESSION_ID-mcp_sess_bench}
# The first key of KEYS_FILE answers the readiness probe.
PROBE_SERVER=""
if [ -n "${KEYS_FILE:-}" ]; then
  read -r PROBE_SERVER probe_key < "$KEYS_FILE"
  AUTHORIZATION="Bearer $probe_key"
fi
cat > "$DIR/post.lua" <<LUA
wrk.method = "POST"
local f = assert(io.open("$DIR/body.json", "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Authorization"] = "$AUTHORIZATION"
if "$SESSION_ID" ~= "" then wrk.headers["Mcp-Session-Id"] = "$SESSION_ID" end
wrk.headers["Mcp-Protocol-Version"] = "$PROTOCOL_VERSION"
local keys = {}
if "${KEYS_FILE:-}" ~= "" then
  for line in io.lines("${KEYS_FILE:-}") do
    local server, key = line:match("^(%S+)%s+(%S+)$")
    if server then keys[#keys + 1] = { server, "Bearer " .. key } end
  end
end
if #keys > 0 then
  local n = 0
  request = function()
    n = n % #keys + 1
    wrk.headers["X-Bench-Server"] = keys[n][1]
    wrk.headers["Authorization"] = keys[n][2]
    return wrk.format()
  end
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad, summary.requests))
end
LUA

wait_ready() { # $1 = port, $2 = name
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$DIR/body.json" \
      -H "Authorization: $AUTHORIZATION" -H 'Content-Type: application/json' -H "Mcp-Protocol-Version: $PROTOCOL_VERSION" \
      ${SESSION_ID:+-H "Mcp-Session-Id: $SESSION_ID"} ${PROBE_SERVER:+-H "X-Bench-Server: $PROBE_SERVER"} "http://127.0.0.1:$1/mcp" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  echo "path-bench: $2 does not answer 200 (last: $code)" >&2
  tail -5 "$DIR/error.log" "$DIR/wicket.log" 2>/dev/null >&2
  return 1
}

# The sum and count of Wicket's `wicket_audit_records_per_commit` histogram (every tenant), or "0 0".
commit_sums() {
  curl -s "http://127.0.0.1:$P_WICKET/wicket/metrics" | awk '
    /^wicket_audit_records_per_commit_sum/ { s += $NF } /^wicket_audit_records_per_commit_count/ { c += $NF }
    END { printf "%d %d\n", s, c }'
}

# utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15, after the command name).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }

declare -A RPS P50 P99 CPU
run() { # $1 = name, $2 = port, $3 = the responder's pid (CPU per request), if any
  wait_ready "$2" "$1" || return 1
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$DIR/post.lua" "http://127.0.0.1:$2/mcp" >/dev/null
  local line before=0 profiler=""
  [ -n "${3:-}" ] && before=$(cpu_seconds "$3")
  local commits_before="0 0"
  [ "$1" = wicket ] && commits_before=$(commit_sums)
  if [ "$1" = wicket ] && [ -n "${WICKET_PROFILE_CMD:-}" ]; then
    WICKET_PID=$3 bash -c "$WICKET_PROFILE_CMD" &
    profiler=$!
  fi
  local counter=""
  if [ "${COUNT_WAKEUPS:-0}" = 1 ] && [ -n "${3:-}" ]; then
    (sleep 1; "$HERE/wakeup-counts.sh" "$1" "$3" "${COUNT_SECONDS:-3}" > "$DIR/counts.$1") &
    counter=$!
  fi
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$DIR/post.lua" "http://127.0.0.1:$2/mcp" | grep '^RESULT')
  [ -z "$profiler" ] || wait "$profiler" || echo "path-bench: the profile command failed" >&2
  if [ -n "$counter" ]; then wait "$counter" || echo "path-bench: counting $1's wake-ups failed" >&2; cat "$DIR/counts.$1"; fi
  read -r _ rps p50 p99 bad total <<<"$line"
  if [ "$1" = wicket ]; then
    # The measured run's audit records per commit (the group commit's batch size).
    read -r sum0 count0 <<<"$commits_before"
    read -r sum1 count1 <<<"$(commit_sums)"
    awk -v r=$((sum1 - sum0)) -v c=$((count1 - count0)) \
      'BEGIN { printf "wicket audit: %d records in %d commits, %.2f records per commit\n", r, c, (c > 0 ? r / c : 0) }'
  fi
  [ "$bad" = 0 ] || echo "path-bench: $1 had $bad failed or non-2xx responses of $total" >&2
  RPS[$1]=$rps; P50[$1]=$p50; P99[$1]=$p99; CPU[$1]=-
  if [ -n "${3:-}" ]; then
    CPU[$1]=$(awk -v a="$(cpu_seconds "$3")" -v b="$before" -v n="$total" 'BEGIN { printf "%.1f", (a - b) / (n > 0 ? n : 1) * 1e6 }')
  fi
  [ -z "${RESULT_FILE:-}" ] || echo "$1 $rps $p50 $p99 ${CPU[$1]} $bad $total" >> "$RESULT_FILE"
}

SETUPS=(noop)
if [ "${SKIP_PLAIN:-0}" != 1 ]; then
  run plain "$P_PLAIN"
  SETUPS=(plain noop)
fi
run noop "$P_NOOP" "$NOOP_PID"
if [ "${SKIP_NOOP_CLOSE:-0}" != 1 ]; then
  run noopclose "$P_NOOPCLOSE" "$NOOP_PID" && SETUPS+=(noopclose)
fi
if [ -n "$FRONT_PID" ]; then
  run front "$P_FRONT" "$FRONT_PID" && SETUPS+=(front)
fi
if [ -n "${WICKET_CMD:-}" ]; then
  run wicket "$P_WICKET" "$WICKET_PID" && SETUPS+=(wicket)
fi

echo
echo "request path, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, POST of $BODY_BYTES bytes (protocol $PROTOCOL_VERSION), $(nproc) cores"
printf '%-9s %10s %10s %10s %12s %16s\n' setup "req/s" "p50 ms" "p99 ms" "vs plain" "µs CPU/req"
for name in "${SETUPS[@]}"; do
  ratio=-
  [ -n "${RPS[plain]:-}" ] && ratio=$(awk -v a="${RPS[$name]}" -v b="${RPS[plain]}" 'BEGIN { printf "%.2fx", a / b }')
  printf '%-9s %10s %10s %10s %12s %16s\n' "$name" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}" "$ratio" "${CPU[$name]}"
done
if [ -n "${RPS[wicket]:-}" ]; then
  awk -v a="${RPS[wicket]}" -v b="${RPS[noop]}" -v ca="${CPU[wicket]}" -v cb="${CPU[noop]}" \
    'BEGIN { printf "wicket vs noop: %.2fx throughput, %.1fx CPU per request (responder process only)\n", a / b, ca / cb }'
fi
if [ -n "${RPS[front]:-}" ]; then
  awk -v a="${RPS[front]}" -v b="${RPS[noop]}" -v ca="${CPU[front]}" -v cb="${CPU[noop]}" \
    'BEGIN { printf "front vs noop: %.2fx throughput, %.1fx CPU per request (responder process only)\n", a / b, ca / cb }'
fi
