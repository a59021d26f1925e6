#!/usr/bin/env bash
# Local orchestration behind `make test`, `make up`, `make down`, `make status`.
#
#   deploy/local.sh infra-up      start PostgreSQL and Kafka unless running; remember which we started
#   deploy/local.sh infra-down    stop only what infra-up started
#   deploy/local.sh up            distributed mode: PostgreSQL, Kafka, five services (uvicorn), nginx
#   deploy/local.sh down          stop all of it
#   deploy/local.sh status        what is running
#   deploy/local.sh up-services / down-services   the five services and nginx only (infra untouched)
#   DB_PREFIX=x_ puts the services on databases x_identity, x_routing, … (the tests use their own)
set -euo pipefail

SCRIPT_NAME=local.sh
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$REPO_ROOT"
export VAR_DIR
mkdir -p "$VAR_DIR/run"
STARTED="$VAR_DIR/run/infra-started"
PG="$ROOT/deploy/postgres/pg.sh"
KAFKA="$ROOT/deploy/kafka/kafka.sh"
NGINX="$ROOT/deploy/nginx/nginx.sh"
PY="${PY:-$ROOT/.venv/bin/python}"  # the environment `make sync` built

# service short name : python package : port
SERVICES=("identity:identity_service:8101" "routing:routing_service:8102" "docs:docs_service:8103"
          "notify:notify_service:8104" "egov:egov_gateway:8105")


infra_up() {
  : > "$STARTED.new"
  if ! "$PG" status >/dev/null 2>&1; then "$PG" start; echo postgres >> "$STARTED.new"; fi
  if ! "$KAFKA" status >/dev/null 2>&1; then "$KAFKA" fetch; "$KAFKA" start; echo kafka >> "$STARTED.new"; fi
  cat "$STARTED.new" >> "$STARTED" 2>/dev/null || true
  rm -f "$STARTED.new"
}

infra_down() {
  [ -f "$STARTED" ] || return 0
  if grep -qx kafka "$STARTED"; then "$KAFKA" stop || true; fi
  if grep -qx postgres "$STARTED"; then "$PG" stop || true; fi
  rm -f "$STARTED"
}

# Tokens: identity-service issues them (issuer = the gateway's public address, audience egov) and
# every service, identity included, names the same issuer and audience and fetches the keys from
# identity directly (not through nginx).
JWKS_URL="http://127.0.0.1:8101/.well-known/jwks.json"
JWT_ISSUER="http://127.0.0.1:${GATEWAY_PORT:-8080}"
JWT_AUDIENCE=egov

service_env() {  # prefix-specific settings for one service in distributed mode
  local short=$1 port=$2 prefix
  case $short in identity) prefix=IDENTITY_;; routing) prefix=ROUTING_;; docs) prefix=DOCS_;;
    notify) prefix=NOTIFY_;; egov) prefix=EGOV_;; esac
  echo "${prefix}DATABASE_URL=$("$PG" url "${DB_PREFIX:-}$short") ${prefix}BUS=kafka ${prefix}KAFKA_BOOTSTRAP=127.0.0.1:${KAFKA_PORT:-19092} ${prefix}PORT=$port ${prefix}LOG_JSON=true ${prefix}JWKS_URL=$JWKS_URL ${prefix}JWT_ISSUER=$JWT_ISSUER ${prefix}JWT_AUDIENCE=$JWT_AUDIENCE"
}

up() {
  "$PG" start
  "$KAFKA" fetch
  "$KAFKA" start
  up_services
}

# The stand-ins for what cannot run here, as separate processes like the real parties: the national
# axis sandbox (egov's EGOV_AXIS_URL default, :8190) and the SMS provider simulator (notify's default
# providers, :8191; its receipts go to notify on :8104).
STAND_INS=("axis-sandbox:egov_gateway.sandbox:8190" "sms-simulator:notify_service.sms.simulator:8191")

up_stand_ins() {
  for entry in "${STAND_INS[@]}"; do
    IFS=: read -r name module port <<<"$entry"
    pidfile="$VAR_DIR/run/$name.pid"
    if [ -f "$pidfile" ] && pid_alive "$(cat "$pidfile")"; then log "$name already running"; continue; fi
    nohup "$PY" -m "$module" --port "$port" >>"$VAR_DIR/log/$name.log" 2>&1 &
    echo $! > "$pidfile"
    log "$name started on 127.0.0.1:$port (pid $!, log var/log/$name.log)"
  done
}

# egov-gateway reads and stores file contents in docs-service as identity's service client
# egov-gateway; its secret is generated once per install and kept in var/ (never in git).
egov_client_secret() {
  local file="$VAR_DIR/secrets/egov-client-secret"
  if [ ! -s "$file" ]; then
    mkdir -p "$VAR_DIR/secrets"
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$file")
  fi
  cat "$file"
}

ensure_egov_client() {  # identity is migrated by now (it comes first); idempotent
  EGOV_CLIENT_SECRET="$(egov_client_secret)"
  export EGOV_CLIENT_SECRET  # in the environment, never on a command line
  # shellcheck disable=SC2046
  env $(service_env identity 8101) "$PY" -m identity_service clients ensure egov-gateway \
    --scope exchange.files --name egov-gateway --secret-env EGOV_CLIENT_SECRET
}

up_services() {
  up_stand_ins
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r short pkg port <<<"$entry"
    "$PG" createdb "${DB_PREFIX:-}$short" >/dev/null
    # shellcheck disable=SC2046
    env $(service_env "$short" "$port") "$PY" -m "$pkg" migrate
    if [ "$short" = egov ]; then ensure_egov_client; fi
    pidfile="$VAR_DIR/run/$short.pid"
    if [ -f "$pidfile" ] && pid_alive "$(cat "$pidfile")"; then log "$short already running"; continue; fi
    # shellcheck disable=SC2046
    env $(service_env "$short" "$port") nohup "$PY" -m "$pkg" serve \
      >>"$VAR_DIR/log/$short.log" 2>&1 &
    echo $! > "$pidfile"
    log "$short started on 127.0.0.1:$port (pid $!, log var/log/$short.log)"
  done
  "$NGINX" start
  local gateway="http://127.0.0.1:${GATEWAY_PORT:-8080}"
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r short _ _ <<<"$entry"
    for _ in $(seq 1 120); do
      if curl -fsS "$gateway/$short/readyz" >/dev/null 2>&1; then break; fi
      sleep 0.5
    done
    curl -fsS "$gateway/$short/readyz" >/dev/null || { log "$short is not ready; see var/log/$short.log"; exit 1; }
  done
  echo "Distributed mode is up behind nginx at $gateway (e.g. $gateway/api/v1/orgs, $gateway/routing/readyz)"
}

down() {
  down_services
  "$KAFKA" stop || true
  "$PG" stop || true
  rm -f "$STARTED"
}

down_services() {
  "$NGINX" stop || true
  for entry in "${SERVICES[@]}" "${STAND_INS[@]}"; do
    IFS=: read -r short _ _ <<<"$entry"
    pidfile="$VAR_DIR/run/$short.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

status() {
  local rc=0
  "$PG" status >/dev/null 2>&1 && echo "postgres: running" || { echo "postgres: stopped"; rc=1; }
  "$KAFKA" status >/dev/null 2>&1 && echo "kafka:    running" || { echo "kafka:    stopped"; rc=1; }
  "$NGINX" status >/dev/null 2>&1 && echo "nginx:    running" || { echo "nginx:    stopped"; rc=1; }
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r short _ port <<<"$entry"
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then echo "$short: ready (:$port)";
    else echo "$short: not ready (:$port)"; rc=1; fi
  done
  return $rc
}

case "${1:-}" in
  infra-up) infra_up ;;
  infra-down) infra_down ;;
  up) up ;;
  down) down ;;
  up-services) up_services ;;
  down-services) down_services ;;
  status) status ;;
  *) echo "usage: $0 infra-up|infra-down|up|down|status" >&2; exit 2 ;;
esac
