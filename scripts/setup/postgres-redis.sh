#!/usr/bin/env bash
# Start or stop a private Postgres 15 + Redis 7 pair on loopback for the auth service's tests.
#
# Usage: scripts/setup/postgres-redis.sh start|stop|status
#
# Environment (all optional):
#   PG_PORT         Postgres port on 127.0.0.1             (default 55432)
#   REDIS_PORT      Redis port on 127.0.0.1                (default 56379)
#   PG_DB           database created for the tests         (default auth_test)
#   PG_USER         role owning that database              (default auth_test)
#   PG_PASSWORD     that role's password                   (default auth_test)
#   PIPELINE_CACHE  parent of the data dirs                (default /var/cache/faultmaven-pipeline)
#
# `start` installs the Debian packages if they are missing, is a no-op for a server already running, waits
# until both answer, and prints DATABASE_URL=... and REDIS_URL=... on their own lines (eval-able).
# `stop` stops both by the PID in their pid files. Both are idempotent.
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
PG_DB="${PG_DB:-auth_test}"
PG_USER="${PG_USER:-auth_test}"
PG_PASSWORD="${PG_PASSWORD:-auth_test}"
CACHE_DIR="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
PG_BIN=/usr/lib/postgresql/15/bin
# Directories are keyed by port so two pairs on different ports never share a data dir.
PG_DATA="$CACHE_DIR/postgres-$PG_PORT"
REDIS_DIR="$CACHE_DIR/redis-$REDIS_PORT"
REDIS_PID="$REDIS_DIR/redis.pid"
READY_TIMEOUT_SECONDS=60

die() { echo "postgres-redis.sh: $*" >&2; exit 1; }
log() { echo "postgres-redis.sh: $*" >&2; }

usage() { die "usage: $0 start|stop|status (got '${1:-}')"; }

validate_port() {
  local name="$1" value="$2"
  if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < 1024 || value > 65535)); then
    die "$name='$value' is not a port in 1024-65535; set $name to a free unprivileged port"
  fi
}

validate_identifier() {
  local name="$1" value="$2"
  [[ "$value" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
    die "$name='$value' must be a lowercase SQL identifier ([a-z_][a-z0-9_]*)"
}

# Servers refuse to run as root, so as root they run as their Debian system users; otherwise as the caller.
as_user() {
  local user="$1"; shift
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

ensure_packages() {
  local missing=()
  [[ -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql-15)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  log "installing ${missing[*]} with apt-get"
  # Debian's packages start their own system-wide servers; this policy stops them from doing so.
  # An existing policy is kept aside and put back afterwards.
  local policy=/usr/sbin/policy-rc.d had_policy=0
  [[ -e "$policy" ]] && had_policy=1 && cp -p "$policy" "$policy.postgres-redis-saved"
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }; } || rc=$?
  if ((had_policy)); then mv -f "$policy.postgres-redis-saved" "$policy"; else rm -f "$policy"; fi
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc); see the apt output above"
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# Empty output when there is no pid file (never started, or stopped cleanly).
postgres_pid() { if [[ -f "$PG_DATA/postmaster.pid" ]]; then head -n1 "$PG_DATA/postmaster.pid"; fi; }
redis_pid() { if [[ -f "$REDIS_PID" ]]; then cat "$REDIS_PID"; fi; }

pg_user_name() { if [[ "$(id -u)" == 0 ]]; then echo postgres; else id -un; fi; }

start_postgres() {
  local owner; owner="$(pg_user_name)"
  if pid_alive "$(postgres_pid)"; then log "postgres already running on 127.0.0.1:$PG_PORT"; return 0; fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    mkdir -p "$PG_DATA" && chown "$owner" "$PG_DATA" && chmod 700 "$PG_DATA"
    log "initialising a Postgres cluster in $PG_DATA"
    # trust only on the private socket inside the data dir; TCP needs the password (scram).
    as_user "$owner" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >&2
  fi
  as_user "$owner" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t "$READY_TIMEOUT_SECONDS" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='$PG_DATA' -c fsync=off" start >&2 9>&- ||
    die "postgres did not start on 127.0.0.1:$PG_PORT; see $PG_DATA/server.log (is the port in use? set PG_PORT)"
}

psql_admin() { as_user "$(pg_user_name)" "$PG_BIN/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

ensure_database() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until as_user "$(pg_user_name)" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
    ((SECONDS < deadline)) || die "postgres on 127.0.0.1:$PG_PORT not ready after ${READY_TIMEOUT_SECONDS}s; see $PG_DATA/server.log"
    sleep 0.5
  done
  local escaped_password="${PG_PASSWORD//\'/\'\'}"
  if [[ "$(psql_admin -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]]; then
    psql_admin -d postgres -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$escaped_password'" >/dev/null
  else
    psql_admin -d postgres -c "ALTER ROLE $PG_USER LOGIN PASSWORD '$escaped_password'" >/dev/null
  fi
  if [[ "$(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
    psql_admin -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >/dev/null
  fi
}

start_redis() {
  local owner=redis
  [[ "$(id -u)" == 0 ]] || owner="$(id -un)"
  if pid_alive "$(redis_pid)"; then log "redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  mkdir -p "$REDIS_DIR" && chown "$owner" "$REDIS_DIR" && chmod 700 "$REDIS_DIR"
  # A throwaway test store: no persistence, loopback only.
  as_user "$owner" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --daemonize yes \
    --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" --save '' --appendonly no --protected-mode yes 9>&- ||
    die "redis did not start on 127.0.0.1:$REDIS_PORT; see $REDIS_DIR/redis.log (is the port in use? set REDIS_PORT)"
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; do
    ((SECONDS < deadline)) || die "redis on 127.0.0.1:$REDIS_PORT not ready after ${READY_TIMEOUT_SECONDS}s; see $REDIS_DIR/redis.log"
    sleep 0.2
  done
}

stop_by_pid() {
  local name="$1" pid="$2"
  if ! pid_alive "$pid"; then log "$name not running"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do pid_alive "$pid" || { log "$name stopped (pid $pid)"; return 0; }; sleep 0.1; done
  die "$name (pid $pid) did not stop within 10s; stop it with: kill -KILL $pid"
}

print_urls() {
  echo "DATABASE_URL=postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

with_lock() {
  mkdir -p "$CACHE_DIR"
  # The servers run as their own users and must be able to reach their data dirs below this one.
  chmod a+x "$CACHE_DIR" 2>/dev/null || true
  # The lock fd is closed for the servers (9>&-) so that a daemon never keeps holding it.
  # Concurrent callers (parallel jobs) must not initialise the same data dir twice.
  exec 9>"$CACHE_DIR/postgres-redis-$PG_PORT-$REDIS_PORT.lock"
  flock -w 120 9 || die "another postgres-redis.sh holds $CACHE_DIR/postgres-redis-$PG_PORT-$REDIS_PORT.lock"
}

main() {
  local action="${1:-}"
  [[ $# -eq 1 ]] || usage "$*"
  validate_port PG_PORT "$PG_PORT"
  validate_port REDIS_PORT "$REDIS_PORT"
  validate_identifier PG_DB "$PG_DB"
  validate_identifier PG_USER "$PG_USER"
  [[ -n "$PG_PASSWORD" && "$PG_PASSWORD" != *[@:/?#%\ ]* ]] ||
    die "PG_PASSWORD must be non-empty and free of URL delimiters (@ : / ? # % space)"
  case "$action" in
    start)
      with_lock
      ensure_packages
      start_postgres
      ensure_database
      start_redis
      print_urls
      ;;
    stop)
      with_lock
      stop_by_pid redis "$(redis_pid)"
      stop_by_pid postgres "$(postgres_pid)"
      ;;
    status)
      local rc=0
      if pid_alive "$(postgres_pid)"; then log "postgres running (pid $(postgres_pid))"; else log "postgres stopped"; rc=1; fi
      if pid_alive "$(redis_pid)"; then log "redis running (pid $(redis_pid))"; else log "redis stopped"; rc=1; fi
      ((rc == 0)) && print_urls
      return "$rc"
      ;;
    *) usage "$action" ;;
  esac
}

main "$@"
