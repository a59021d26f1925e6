# Shared by deploy/kafka/kafka.sh, deploy/postgres/pg.sh, deploy/nginx/nginx.sh and deploy/local.sh.
# Source it after setting SCRIPT_NAME; it sets REPO_ROOT, VAR_DIR (absolute) and LOG_DIR.
# shellcheck shell=bash

_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(git -C "$_LIB_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$_LIB_DIR/.." && pwd))"
VAR_DIR="${VAR_DIR:-$REPO_ROOT/var}"
mkdir -p "$VAR_DIR"
VAR_DIR="$(cd "$VAR_DIR" && pwd)"
LOG_DIR="$VAR_DIR/log"
mkdir -p "$LOG_DIR"
# The unprivileged user the servers run as when these scripts run as root (PostgreSQL refuses root).
SERVICE_USER="${SERVICE_USER:-egov}"

log() { echo "${SCRIPT_NAME:-deploy}: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
now_ms() { date +%s%3N; }
secs() { echo "$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))s"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Exists and is not a zombie: in some sandboxes PID 1 reaps orphans only after ~2 s, and until then
# `kill -0` and pg_ctl still see a SIGKILLed process as alive.
pid_alive() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && [ "$(sed -E 's/^.*\) ([A-Z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

wait_gone() { # pid seconds
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

# Install Debian packages when root; otherwise say what is missing. A temporary policy-rc.d (only
# if none exists) keeps a package's postinst from starting its system service on a standard port.
apt_install() {
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    die "missing $*; install it (not root, so not installing automatically)"
  fi
  log "installing $* (apt-get)"
  local policy=/usr/sbin/policy-rc.d ours=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$LOG_DIR/apt.log" 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$LOG_DIR/apt.log" 2>&1
  } || rc=$?
  [ "$ours" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install $* failed (see $LOG_DIR/apt.log)"
}

ensure_service_user() {
  is_root || return 0
  getent passwd "$SERVICE_USER" >/dev/null 2>&1 && return 0
  log "creating system user $SERVICE_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "egov local services" "$SERVICE_USER" 2>/dev/null \
    || getent passwd "$SERVICE_USER" >/dev/null 2>&1 || die "could not create user $SERVICE_USER"
}
