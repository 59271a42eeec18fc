#!/usr/bin/env bash
# Start or stop a moto server (AWS API emulator) on loopback for the deploy integration tests.
# moto stands in for ECS, ECR, STS and CloudWatch Logs: no test ever talks to real AWS.
#   bash scripts/setup/moto.sh start   # idempotent: installs pinned moto into a venv, starts it, waits until it answers
#   bash scripts/setup/moto.sh stop    # stops the server this script started (by its PID file)
set -euo pipefail

MOTO_VERSION="5.2.5" # pinned: the tests rely on moto's ECS/ECR/STS behaviour of this version
CACHE_DIR="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
VENV="$CACHE_DIR/moto-venv"
PORT="${MOTO_PORT:-55000}"
PID_FILE="$CACHE_DIR/moto-$PORT.pid"
LOG_FILE="$CACHE_DIR/moto-$PORT.log"
URL="http://127.0.0.1:$PORT"

answers() { curl -fsS -o /dev/null --max-time 2 "$URL/moto-api/" 2>/dev/null; }

install_moto() {
  mkdir -p "$CACHE_DIR"
  if [[ -x "$VENV/bin/moto_server" ]] && "$VENV/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    return
  fi
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
}

start() {
  if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && answers; then
    echo "moto already running on $URL (pid $(cat "$PID_FILE"))"
    return
  fi
  install_moto
  # moto reports a service's deployment COMPLETED when this many tasks "run" (it runs no containers):
  # test services use desiredCount 2 for a settled service and 3 for one whose rollout is IN_PROGRESS.
  MOTO_ECS_SERVICE_RUNNING="${MOTO_ECS_SERVICE_RUNNING:-2}" \
    nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 60); do
    if answers; then
      echo "moto $MOTO_VERSION listening on $URL (pid $(cat "$PID_FILE"), log $LOG_FILE)"
      return
    fi
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "moto did not answer on $URL within 30 s; see $LOG_FILE" >&2
  tail -n 20 "$LOG_FILE" >&2 || true
  exit 1
}

stop() {
  if [[ -f "$PID_FILE" ]]; then
    local pid
    pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
    rm -f "$PID_FILE"
    echo "moto on port $PORT stopped"
  else
    echo "moto on port $PORT is not running (no $PID_FILE)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop  (moto server on 127.0.0.1:\${MOTO_PORT:-55000})" >&2; exit 2 ;;
esac
