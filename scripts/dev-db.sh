#!/usr/bin/env bash
# Starts the developers' PostgreSQL cluster that sqlx's compile-time query checks run against, and brings its
# schema up to date. Prints the DATABASE_URL. Idempotent. (CI builds offline from .sqlx/ and never needs it.)
set -euo pipefail
DIR=${CLINICDESK_DEV_DB_DIR:-/var/tmp/clinicdesk-dev}
DB=clinicdesk_dev
BIN=${CLINICDESK_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
mkdir -p "$DIR"
chmod 755 "$DIR"
if [ ! -f "$DIR/pg/PG_VERSION" ]; then
  mkdir -p "$DIR/pg" "$DIR/run"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/pg" "$DIR/run"
  as_pg "$BIN/initdb" -D "$DIR/pg" -U clinicdesk_owner --auth-local=trust --auth-host=reject -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  printf "listen_addresses = ''\nfsync = off\n" >> "$DIR/pg/postgresql.conf"
fi
if ! as_pg "$BIN/pg_ctl" status -D "$DIR/pg" >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" start -D "$DIR/pg" -l "$DIR/pg/server.log" -w -o "-k $DIR/run" >/dev/null
fi
PSQL=(psql -h "$DIR/run" -U clinicdesk_owner -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 || "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d $DB -c "CREATE TABLE IF NOT EXISTS dev_applied (file text PRIMARY KEY)" \
  -c "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL,
      installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL,
      execution_time bigint NOT NULL)"
for f in "$(dirname "$0")"/../migrations/*.sql; do
  name=$(basename "$f")
  if ! "${PSQL[@]}" -d $DB -tc "SELECT 1 FROM dev_applied WHERE file = '$name'" | grep -q 1; then
    "${PSQL[@]}" -d $DB -1 -f "$f" -c "INSERT INTO dev_applied VALUES ('$name')" >&2
  fi
done
echo "postgres://clinicdesk_owner@localhost/$DB?host=$DIR/run"
