#!/usr/bin/env bash
# Installs what the tests need and runs every test that runs without a Dagger engine:
# type check, lint, vitest (unit + integration against moto, HTTP servers, git), the bundled
# service's own linters and pytest suites against real Postgres 15 and Redis 7, and the workflow
# linters; then it brings up the engine rig (tests/e2e/rig: a Dagger engine built from the Go module
# proxy, ~17 min the first time, seconds from its cache) and runs the e2e suite (client mode) and the
# module suite (module mode: the repository loaded by the engine's TypeScript SDK, as `dagger call` does) on it.
# RUN_E2E=0 skips the rig and both suites on it; KEEP_RIG=1 leaves the rig running afterwards.
#
# Every step runs even when an earlier one failed; the exit code is non-zero if any failed, and
# the last line counts every test executed.
set -uo pipefail
cd "$(dirname "$0")/.."

export PIPELINE_CACHE="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
export MOTO_PORT="${MOTO_PORT:-55000}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:$MOTO_PORT}"
# The AWS SDK warns on every client that Node 20 support ends; the warning is noise in test logs.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
REPORTS="$PWD/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

failures=()
step() {
  local name="$1"
  shift
  local started=$SECONDS
  echo "::: $name"
  if "$@"; then
    echo "::: $name passed in $((SECONDS - started)) s"
  else
    echo "::: $name FAILED in $((SECONDS - started)) s"
    failures+=("$name")
  fi
}

RIG_STARTED=0
stop_servers() {
  bash scripts/setup/moto.sh stop >/dev/null 2>&1 || true
  bash scripts/setup/postgres-redis.sh stop >/dev/null 2>&1 || true
  if [[ "$RIG_STARTED" == "1" && "${KEEP_RIG:-0}" != "1" ]]; then
    bash tests/e2e/rig/down >/dev/null 2>&1 || true
  fi
}
trap stop_servers EXIT

vitest() {
  local project="$1"
  shift
  npx vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="$REPORTS/vitest-$project.json" "$@"
}

step "install node dependencies" npm ci --no-audit --no-fund --loglevel=error || exit 1
start_postgres_redis() {
  local urls
  urls=$(bash scripts/setup/postgres-redis.sh start) || return 1
  # DATABASE_URL and REDIS_URL, for the service checks and the tests that run the service.
  set -a
  eval "$urls"
  set +a
}
step "start postgres and redis" start_postgres_redis
step "start moto" bash scripts/setup/moto.sh start
step "install workflow linters" bash scripts/setup/workflow-linters.sh
step "typecheck" npm run --silent typecheck
step "lint and format" npm run --silent lint
step "unit tests" vitest unit
# The service checks build the venv that the integration tests run the service (uvicorn) from.
step "auth service checks" env SERVICE_REPORTS_DIR="$REPORTS/service-checks" bash scripts/service-checks.sh examples/auth-service
step "integration tests" vitest integration
on_rig() { # vitest project on the engine rig
  eval "$(bash tests/e2e/rig/env.sh)" && vitest "$1"
}
if [[ "${RUN_E2E:-1}" == "1" ]]; then
  RIG_STARTED=1
  step "engine rig up" bash tests/e2e/rig/up
  if [[ " ${failures[*]} " != *" engine rig up "* ]]; then
    step "e2e tests" on_rig e2e
    # The repository loaded as a module by the engine, as `dagger call` does.
    step "module tests" on_rig module
  fi
fi

echo
if ((${#failures[@]} > 0)); then
  echo "failed steps: ${failures[*]}"
else
  echo "all steps passed"
fi
npx tsx scripts/count-tests.ts "$REPORTS"
((${#failures[@]} == 0))
