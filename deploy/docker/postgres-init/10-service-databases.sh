#!/usr/bin/env bash
# Runs once, when the postgres container starts on an empty data directory
# (/docker-entrypoint-initdb.d). Each service gets its own role and database, as it does on a
# real cluster: a role owns only its database and cannot connect to the others'.
# Passwords come from the environment (IDENTITY_DB_PASSWORD, ROUTING_DB_PASSWORD, ...); there
# are no defaults.
set -euo pipefail

for name in identity routing docs notify egov; do
  var="${name^^}_DB_PASSWORD"
  password="${!var:?$var is not set}"
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=name="$name" --set=password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
