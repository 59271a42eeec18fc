#!/bin/bash
# The official postgres image's env contract, reimplemented for Debian's build:
# POSTGRES_USER (default postgres) is the superuser, POSTGRES_PASSWORD its
# password (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB
# (default: the user's name) is created, *.sql/*.sh in /docker-entrypoint-initdb.d
# run once, and the server listens on 0.0.0.0:5432. Run as docker-ensure-initdb.sh
# (a link to this script, as the official image ships it), it initialises an
# empty data directory the same way and exits without starting the server.
set -euo pipefail

ensure_only=false
[[ "$(basename "$0")" == "docker-ensure-initdb.sh" ]] && ensure_only=true
if ! $ensure_only; then
  if [[ "${1:-}" != "postgres" ]]; then
    exec "$@"
  fi
  shift
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
as_postgres() { runuser -u postgres -- "$@"; }

if [[ "$(id -u)" == "0" ]]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
fi

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  if [[ -z "${POSTGRES_PASSWORD:-}" && "$POSTGRES_HOST_AUTH_METHOD" != "trust" ]]; then
    echo "postgres: POSTGRES_PASSWORD is empty; set it (or POSTGRES_HOST_AUTH_METHOD=trust for tests)" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host="$POSTGRES_HOST_AUTH_METHOD" --encoding=UTF8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all $POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

  # Bootstrap on the Unix socket only, so nobody sees a half-initialised server.
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [[ "$POSTGRES_DB" != "postgres" ]]; then
    as_postgres psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) as_postgres psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: initialised database '$POSTGRES_DB' for user '$POSTGRES_USER'"
fi
$ensure_only && exit 0

exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432 "$@"
