#!/usr/bin/env bash
# nginx as the local API gateway (own prefix, config, pid and temp dirs; not the system nginx).
#
# Usage: deploy/nginx/nginx.sh start|stop|reload|status
#
# Environment (defaults):
#   VAR_DIR        <repo root>/var
#   GATEWAY_PORT   8080   (listens on 127.0.0.1 only)
#   IDENTITY_PORT  8101   ROUTING_PORT 8102   DOCS_PORT 8103   NOTIFY_PORT 8104   EGOV_PORT 8105
#   GATEWAY_RATE   50     requests/s per client IP      GATEWAY_BURST 100
#   NGINX_USER     egov   worker user when run as root (created if missing)
#
# Files: $VAR_DIR/nginx/nginx.conf (rendered from deploy/nginx/nginx.conf.template),
#        $VAR_DIR/nginx/nginx.pid, $VAR_DIR/nginx/tmp/ (request-body/proxy temp files),
#        $VAR_DIR/log/nginx-access.log (JSON lines), $VAR_DIR/log/nginx-error.log
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPT_NAME=nginx.sh
SERVICE_USER="${NGINX_USER:-${SERVICE_USER:-egov}}"
# shellcheck source=deploy/lib.sh
source "$SCRIPT_DIR/../lib.sh"

TEMPLATE="$SCRIPT_DIR/nginx.conf.template"
NGINX_DIR="$VAR_DIR/nginx"
CONF="$NGINX_DIR/nginx.conf"
PID_FILE="$NGINX_DIR/nginx.pid"
ERROR_LOG="$LOG_DIR/nginx-error.log"

GATEWAY_PORT="${GATEWAY_PORT:-8080}"
IDENTITY_PORT="${IDENTITY_PORT:-8101}"
ROUTING_PORT="${ROUTING_PORT:-8102}"
DOCS_PORT="${DOCS_PORT:-8103}"
NOTIFY_PORT="${NOTIFY_PORT:-8104}"
EGOV_PORT="${EGOV_PORT:-8105}"
GATEWAY_RATE="${GATEWAY_RATE:-50}"
GATEWAY_BURST="${GATEWAY_BURST:-100}"
NGINX_USER="$SERVICE_USER"


mkdir -p "$NGINX_DIR" "$LOG_DIR"

find_nginx() {
  NGINX="$(command -v nginx 2>/dev/null || true)"
  [ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
  [ -n "$NGINX" ]
}

ensure_nginx() {
  find_nginx && return 0
  is_root || die "nginx not found (install the nginx package)"
  apt_install nginx
  find_nginx || die "nginx installed but not found"
}

ensure_user() { ensure_service_user; }

# Temp dir for request bodies (up to 50 MiB) and proxied responses: must be writable by the
# worker processes. As root the workers run as $NGINX_USER; if that user cannot reach
# $VAR_DIR/nginx/tmp (a parent of VAR_DIR not traversable, e.g. /root), use /var/tmp instead.
pick_temp_dir() {
  TEMP_DIR="$NGINX_DIR/tmp"
  mkdir -p "$TEMP_DIR"
  if is_root; then
    ensure_user
    chown "$NGINX_USER:" "$TEMP_DIR"
    chmod 700 "$TEMP_DIR"
    chmod o+x "$VAR_DIR" "$NGINX_DIR"   # only VAR_DIR itself and our own subdir
    if ! (cd / && runuser -u "$NGINX_USER" -- test -w "$TEMP_DIR" -a -x "$TEMP_DIR") 2>/dev/null; then
      TEMP_DIR="/var/tmp/egov-nginx-$(printf '%s' "$VAR_DIR" | sha256sum | cut -c1-12)"
      mkdir -p "$TEMP_DIR"
      chown "$NGINX_USER:" "$TEMP_DIR"
      chmod 700 "$TEMP_DIR"
    fi
  fi
}

render() { # -> $1
  [ -f "$TEMPLATE" ] || die "template $TEMPLATE missing"
  local port
  for port in "$GATEWAY_PORT" "$IDENTITY_PORT" "$ROUTING_PORT" "$DOCS_PORT" "$NOTIFY_PORT" "$EGOV_PORT" \
              "$GATEWAY_RATE" "$GATEWAY_BURST"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "not a number: $port"
  done
  pick_temp_dir
  local user_directive="# user: not root, workers run as the calling user"
  if is_root; then user_directive="user $NGINX_USER $(id -gn "$NGINX_USER");"; fi
  sed -e "s|{{USER_DIRECTIVE}}|$user_directive|g" \
      -e "s|{{NGINX_DIR}}|$NGINX_DIR|g" \
      -e "s|{{LOG_DIR}}|$LOG_DIR|g" \
      -e "s|{{TEMP_DIR}}|$TEMP_DIR|g" \
      -e "s|{{GATEWAY_PORT}}|$GATEWAY_PORT|g" \
      -e "s|{{IDENTITY_PORT}}|$IDENTITY_PORT|g" \
      -e "s|{{ROUTING_PORT}}|$ROUTING_PORT|g" \
      -e "s|{{DOCS_PORT}}|$DOCS_PORT|g" \
      -e "s|{{NOTIFY_PORT}}|$NOTIFY_PORT|g" \
      -e "s|{{EGOV_PORT}}|$EGOV_PORT|g" \
      -e "s|{{GATEWAY_RATE}}|$GATEWAY_RATE|g" \
      -e "s|{{GATEWAY_BURST}}|$GATEWAY_BURST|g" \
      "$TEMPLATE" >"$1"
  if grep -q '{{[A-Z_]*}}' "$1"; then die "unrendered placeholder in $1"; fi
}

nginx_cmd() { "$NGINX" -p "$NGINX_DIR/" -e "$ERROR_LOG" -c "$CONF" "$@"; }

# write the config atomically after `nginx -t` accepted it
install_conf() {
  local new="$CONF.new"
  render "$new"
  if ! "$NGINX" -p "$NGINX_DIR/" -e "$ERROR_LOG" -c "$new" -t >>"$LOG_DIR/nginx-test.log" 2>&1; then
    tail -n 5 "$LOG_DIR/nginx-test.log" >&2
    die "config test failed for $new (see $LOG_DIR/nginx-test.log)"
  fi
  if [ -f "$CONF" ] && cmp -s "$new" "$CONF"; then
    rm -f "$new"
    return 1   # unchanged
  fi
  mv -f "$new" "$CONF"
  return 0
}


is_running() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [ -n "$pid" ] && pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'nginx' || return 1
}


cmd_start() {
  ensure_nginx
  if is_running; then
    if install_conf; then
      nginx_cmd -s reload
      log "already running (pid $(cat "$PID_FILE")); config changed, reloaded"
    else
      log "already running (pid $(cat "$PID_FILE"))"
    fi
    return 0
  fi
  rm -f "$PID_FILE"
  install_conf || true
  if port_open "$GATEWAY_PORT"; then die "port $GATEWAY_PORT already in use by another process"; fi
  nginx_cmd >>"$ERROR_LOG" 2>&1 || { tail -n 5 "$ERROR_LOG" >&2; die "nginx failed to start (see $ERROR_LOG)"; }
  local i
  for ((i = 0; i < 50; i++)); do
    is_running && port_open "$GATEWAY_PORT" && break
    sleep 0.1
  done
  is_running || die "nginx did not start (see $ERROR_LOG)"
  log "gateway on http://127.0.0.1:$GATEWAY_PORT (pid $(cat "$PID_FILE"))"
}

cmd_reload() {
  ensure_nginx
  if ! is_running; then
    cmd_start
    return
  fi
  install_conf || true
  nginx_cmd -s reload
  log "reloaded (pid $(cat "$PID_FILE"))"
}

cmd_stop() {
  if ! is_running; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  local pid i
  pid="$(cat "$PID_FILE")"
  kill -QUIT "$pid" 2>/dev/null || true          # graceful: finish in-flight requests
  for ((i = 0; i < 100; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true        # fast shutdown
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  fi
  if pid_alive "$pid"; then
    local workers
    workers="$(pgrep -P "$pid" 2>/dev/null || true)"
    # shellcheck disable=SC2086
    kill -KILL "$pid" $workers 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  if is_running; then
    echo "nginx running (pid $(cat "$PID_FILE"), http://127.0.0.1:$GATEWAY_PORT)"
    return 0
  fi
  echo "nginx not running"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  reload) cmd_reload ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|reload|status" >&2; exit 2 ;;
esac
