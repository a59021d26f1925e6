#!/usr/bin/env bash
# Local PostgreSQL server for development and tests (no system cluster, no systemd).
#
# Usage: deploy/postgres/pg.sh start|stop|status|createdb NAME|dropdb NAME|url NAME|reset
#
# Environment:
#   VAR_DIR   state root (default: <repo root>/var)
#   PG_PORT   TCP port on 127.0.0.1 (default 55432)
#   PG_BIN    directory with initdb/pg_ctl/postgres/psql (default: auto-detected)
#   PG_USER   OS user that runs the server when this script runs as root (default egov)
#
# The server refuses to run as root. As root, the script creates (once) the unprivileged system
# user $PG_USER and runs initdb/pg_ctl as that user. The data dir is $VAR_DIR/postgres/data; if
# that user cannot reach it (e.g. VAR_DIR below /root, mode 700), the data dir falls back to
# /var/tmp/egov-pg-<sha of VAR_DIR>/data. The choice is recorded in $VAR_DIR/postgres/datadir and
# reused afterwards. As non-root, everything runs as the calling user under $VAR_DIR.
#
# Server log: $VAR_DIR/log/postgres.log. DB superuser: postgres, trust auth on loopback only.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$SCRIPT_DIR/../.." && pwd))"
VAR_DIR="${VAR_DIR:-$REPO_ROOT/var}"
mkdir -p "$VAR_DIR"
VAR_DIR="$(cd "$VAR_DIR" && pwd)"

PG_PORT="${PG_PORT:-55432}"
PG_USER="${PG_USER:-egov}"
PGROOT="$VAR_DIR/postgres"
LOG_DIR="$VAR_DIR/log"
LOG_FILE="$LOG_DIR/postgres.log"
DATADIR_RECORD="$PGROOT/datadir"
DB_SUPERUSER=postgres

log() { echo "pg.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }
secs() { echo "$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))s"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

mkdir -p "$PGROOT" "$LOG_DIR"

# ---------------------------------------------------------------- binaries
has_server_bins() { [ -n "$1" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/initdb" ] && [ -x "$1/postgres" ] && [ -x "$1/psql" ]; }

find_bindir() {
  local d
  if [ -n "${PG_BIN:-}" ]; then
    has_server_bins "$PG_BIN" && { echo "$PG_BIN"; return 0; }
    die "PG_BIN=$PG_BIN does not contain initdb/pg_ctl/postgres/psql"
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    has_server_bins "$d" && { echo "$d"; return 0; }
  fi
  # newest major version first
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r); do
    has_server_bins "$d" && { echo "$d"; return 0; }
  done
  return 1
}

ensure_bindir() {
  if [ -n "${PG_BIN:-}" ] && ! has_server_bins "$PG_BIN"; then
    die "PG_BIN=$PG_BIN does not contain initdb/pg_ctl/postgres/psql"
  fi
  PGBIN="$(find_bindir)" && return 0
  if is_root && command -v apt-get >/dev/null 2>&1; then
    # Debian's postgresql package also creates its own "main" cluster (5432), unused here; a
    # temporary policy-rc.d (only if none exists) keeps the postinst from starting it.
    log "PostgreSQL server binaries not found, installing Debian package postgresql"
    local policy=/usr/sbin/policy-rc.d ours=0 rc=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >>"$LOG_DIR/apt.log" 2>&1 || {
      DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >>"$LOG_DIR/apt.log" 2>&1
    } || rc=$?
    [ "$ours" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get install postgresql failed (see $LOG_DIR/apt.log)"
    PGBIN="$(find_bindir)" || die "postgresql installed but server binaries still not found"
  else
    die "PostgreSQL server binaries not found (install postgresql, or set PG_BIN)"
  fi
}

# ---------------------------------------------------------------- run as server user
ensure_user() {
  is_root || return 0
  getent passwd "$PG_USER" >/dev/null 2>&1 && return 0
  log "creating system user $PG_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "egov local services" "$PG_USER" 2>/dev/null \
    || getent passwd "$PG_USER" >/dev/null 2>&1 || die "could not create user $PG_USER"
}

# Run a command as the server user (root) or as ourselves; always from / so that an unreadable
# working directory cannot break initdb/pg_ctl.
as_pg() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u "$PG_USER" -- "$@")
    else
      (cd / && su -s /bin/sh "$PG_USER" -c "$(printf '%q ' "$@")")
    fi
  else
    (cd / && "$@")
  fi
}

# ---------------------------------------------------------------- data dir location
pick_datadir() {
  if [ -f "$DATADIR_RECORD" ]; then
    DATA="$(cat "$DATADIR_RECORD")"
    [ -d "$DATA" ] && return 0
    rm -f "$DATADIR_RECORD"   # data dir deleted by hand: choose again
  fi
  DATA="$PGROOT/data"
  if is_root; then
    ensure_user
    mkdir -p "$DATA"
    chown "$PG_USER:" "$DATA"
    chmod 700 "$DATA"
    # only VAR_DIR itself (and our own subdir) may get o+x; never its ancestors
    chmod o+x "$VAR_DIR" "$PGROOT"
    if ! as_pg test -w "$DATA" -a -x "$DATA" 2>/dev/null; then
      local h
      h="$(printf '%s' "$VAR_DIR" | sha256sum | cut -c1-12)"
      rmdir "$DATA" 2>/dev/null || true
      DATA="/var/tmp/egov-pg-$h/data"
      log "user $PG_USER cannot reach $PGROOT (a parent of $VAR_DIR is not traversable); using $DATA"
      mkdir -p "$DATA"
      chown "$PG_USER:" "$(dirname "$DATA")" "$DATA"
      chmod 700 "$(dirname "$DATA")" "$DATA"
    fi
  else
    mkdir -p "$DATA"
    chmod 700 "$DATA"
  fi
  echo "$DATA" >"$DATADIR_RECORD"
}

socket_dir() {
  # unix socket path must stay below ~107 bytes
  if [ $(( ${#DATA} + 20 )) -lt 100 ]; then echo "$DATA"; else echo /tmp; fi
}

write_conf() {
  local tmp="$PGROOT/egov.conf.tmp"
  cat >"$tmp" <<EOF
# Generated by deploy/postgres/pg.sh on every start - do not edit.
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
unix_socket_directories = '$(socket_dir)'
max_connections = 200
shared_buffers = 256MB

# durability: keep every safety on
fsync = on
synchronous_commit = on
full_page_writes = on
wal_sync_method = fdatasync

# safe speed-ups for tests
jit = off
work_mem = 8MB
maintenance_work_mem = 64MB
effective_cache_size = 1GB
random_page_cost = 1.1
checkpoint_timeout = 15min
max_wal_size = 2GB
wal_compression = on

timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
log_lock_waits = on
EOF
  if is_root; then chown "$PG_USER:" "$tmp"; fi
  chmod 600 "$tmp"
  mv -f "$tmp" "$DATA/egov.conf"
  cat >"$PGROOT/pg_hba.conf.tmp" <<'EOF'
# Generated by deploy/postgres/pg.sh - trust on local socket and loopback only.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
EOF
  if is_root; then chown "$PG_USER:" "$PGROOT/pg_hba.conf.tmp"; fi
  chmod 600 "$PGROOT/pg_hba.conf.tmp"
  mv -f "$PGROOT/pg_hba.conf.tmp" "$DATA/pg_hba.conf"
}

init_cluster() {
  if [ -f "$DATA/PG_VERSION" ]; then
    local have want
    have="$(cat "$DATA/PG_VERSION")"
    want="$("$PGBIN/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
    [ "$have" = "$want" ] || die "data dir $DATA is PostgreSQL $have but binaries are $want (run: $0 reset)"
    return 0
  fi
  local locale_args=(--no-locale)
  local locales
  locales="$(locale -a 2>/dev/null || true)"
  if grep -qix 'c\.utf-\?8' <<<"$locales"; then locale_args=(--locale=C.UTF-8); fi
  local t0
  t0=$(now_ms)
  log "initdb $DATA"
  as_pg "$PGBIN/initdb" -D "$DATA" -U "$DB_SUPERUSER" --auth=trust --encoding=UTF8 \
    "${locale_args[@]}" >>"$LOG_DIR/postgres-initdb.log" 2>&1 \
    || die "initdb failed (see $LOG_DIR/postgres-initdb.log)"
  # pull our settings in last so they override the defaults
  echo "include_if_exists = 'egov.conf'" | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
  log "initdb done in $(secs $(( $(now_ms) - t0 )))"
}

# alive = exists and not a zombie (in some sandboxes PID 1 reaps orphans late, and kill -0 /
# pg_ctl status report a zombie postmaster as running)
pid_alive() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && [ "$(sed -E 's/^.*\) ([A-Z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

postmaster_pid() { [ -n "${DATA:-}" ] && head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true; }

running() {
  [ -n "${DATA:-}" ] && [ -f "$DATA/PG_VERSION" ] || return 1
  pid_alive "$(postmaster_pid)" || return 1
  as_pg "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

psql_admin() { # extra psql args...; SQL on stdin
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$DB_SUPERUSER" -d postgres "$@"
}

# ---------------------------------------------------------------- commands
cmd_start() {
  ensure_bindir
  ensure_user
  pick_datadir
  if running; then
    log "already running ($DATA, port $PG_PORT)"
    return 0
  fi
  init_cluster
  write_conf
  # After a crash (SIGKILL) the dead postmaster can linger as a zombie until PID 1 reaps it (seen
  # here: ~2 s); postgres treats the pid in postmaster.pid as alive and refuses to start. Wait for
  # the reap, and if the zombie stays, drop the stale lock file.
  local i old
  old="$(postmaster_pid)"
  if [ -n "$old" ]; then
    for ((i = 0; i < 150; i++)); do
      [ -e "/proc/$old" ] && ! pid_alive "$old" || break
      sleep 0.1
    done
    if [ -e "/proc/$old" ] && ! pid_alive "$old"; then
      log "postmaster pid $old is a zombie; removing stale postmaster.pid"
      rm -f "$DATA/postmaster.pid"
    fi
  fi
  # The server log is opened by this shell (so it works when the server user cannot write to
  # $VAR_DIR/log); pg_ctl without -l hands its stdout/stderr to the postmaster.
  local t0
  t0=$(now_ms)
  as_pg "$PGBIN/pg_ctl" start -D "$DATA" -w -t 60 >>"$LOG_FILE" 2>&1 || {
    tail -n 30 "$LOG_FILE" >&2 || true
    die "server failed to start (see $LOG_FILE)"
  }
  "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$DB_SUPERUSER" -d postgres -t 10 || die "server started but 127.0.0.1:$PG_PORT not accepting connections"
  log "ready on 127.0.0.1:$PG_PORT in $(secs $(( $(now_ms) - t0 ))) (data $DATA)"
}

cmd_stop() {
  ensure_bindir
  if [ ! -f "$DATADIR_RECORD" ]; then log "not running"; return 0; fi
  DATA="$(cat "$DATADIR_RECORD")"
  if ! running; then log "not running"; return 0; fi
  as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >>"$LOG_FILE" 2>&1 \
    || as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 >>"$LOG_FILE" 2>&1 \
    || die "could not stop server (see $LOG_FILE)"
  log "stopped"
}

cmd_status() {
  ensure_bindir
  if [ -f "$DATADIR_RECORD" ]; then DATA="$(cat "$DATADIR_RECORD")"; fi
  if running; then
    echo "postgres running (127.0.0.1:$PG_PORT, data $DATA)"
    return 0
  fi
  echo "postgres not running"
  return 1
}

check_name() {
  [ -n "${1:-}" ] || die "database name required"
  [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_-]{0,62}$ ]] || die "invalid database name: $1"
}

cmd_createdb() {
  check_name "${1:-}"
  ensure_bindir
  local exists
  exists="$(echo "SELECT 1 FROM pg_database WHERE datname = :'n'" | psql_admin -tA -v n="$1")" \
    || die "cannot connect to 127.0.0.1:$PG_PORT (is it started?)"
  if [ "$exists" = "1" ]; then
    log "database $1 exists"
    return 0
  fi
  if ! echo 'CREATE DATABASE :"n"' | psql_admin -v n="$1" 2>>"$LOG_DIR/postgres-admin.log"; then
    # lost a race with a concurrent createdb?
    exists="$(echo "SELECT 1 FROM pg_database WHERE datname = :'n'" | psql_admin -tA -v n="$1")"
    [ "$exists" = "1" ] || die "CREATE DATABASE $1 failed (see $LOG_DIR/postgres-admin.log)"
    log "database $1 exists"
    return 0
  fi
  log "database $1 created"
}

cmd_dropdb() {
  check_name "${1:-}"
  ensure_bindir
  echo 'DROP DATABASE IF EXISTS :"n" WITH (FORCE)' | psql_admin -v n="$1" 2>>"$LOG_DIR/postgres-admin.log" \
    || die "DROP DATABASE $1 failed (see $LOG_DIR/postgres-admin.log)"
  log "database $1 dropped"
}

cmd_url() {
  check_name "${1:-}"
  echo "postgresql+asyncpg://${DB_SUPERUSER}@127.0.0.1:${PG_PORT}/$1"
}

cmd_reset() {
  cmd_stop
  if [ -f "$DATADIR_RECORD" ]; then
    DATA="$(cat "$DATADIR_RECORD")"
    rm -rf "$DATA"
    case "$DATA" in /var/tmp/egov-pg-*/data) rmdir "$(dirname "$DATA")" 2>/dev/null || true ;; esac
    rm -f "$DATADIR_RECORD"
  fi
  rm -rf "$PGROOT/data"
  log "data removed"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  createdb) cmd_createdb "${2:-}" ;;
  dropdb) cmd_dropdb "${2:-}" ;;
  url) cmd_url "${2:-}" ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 start|stop|status|createdb NAME|dropdb NAME|url NAME|reset" >&2; exit 2 ;;
esac
