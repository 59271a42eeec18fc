#!/usr/bin/env bash
# Run the auth service's own checks natively (no Docker, no Dagger): the five linters exactly as the
# pipeline document's "Running CI Locally" lists them, then the unit (coverage-gated), integration
# and security pytest suites against a private Postgres + Redis.
#
# Usage: scripts/service-checks.sh [service-dir]        (default: examples/auth-service)
#
# Environment (all optional):
#   PIPELINE_CACHE        cache root for the venv and the database data dirs (default /var/cache/faultmaven-pipeline)
#   SERVICE_REPORTS_DIR   where JUnit XML and coverage.xml go              (default <repo>/reports/service-checks)
#   DATABASE_URL, REDIS_URL  use these servers instead of starting scripts/setup/postgres-redis.sh's pair
#   PYTHON                the interpreter for the venv                    (default python3.11)
#
# Every step runs even after a failure; the exit code is non-zero if any failed, and the last line is
# `service checks: N passed, N failed`.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICE_DIR="${1:-$REPO_ROOT/examples/auth-service}"
CACHE_DIR="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
REPORTS_DIR="${SERVICE_REPORTS_DIR:-$REPO_ROOT/reports/service-checks}"
PYTHON="${PYTHON:-python3.11}"

die() { echo "service-checks.sh: $*" >&2; exit 2; }

(($# <= 1)) || die "usage: $0 [service-dir] (got $# arguments)"
[[ -d "$SERVICE_DIR" ]] || die "service dir '$SERVICE_DIR' does not exist; pass the directory holding requirements-dev.txt"
SERVICE_DIR="$(cd "$SERVICE_DIR" && pwd)"
for required in requirements.txt requirements-dev.txt pyproject.toml; do
  [[ -f "$SERVICE_DIR/$required" ]] || die "$SERVICE_DIR/$required is missing; is '$SERVICE_DIR' the service dir?"
done
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.11 or set PYTHON=/path/to/python3.11"

# The package the coverage gate measures comes from the service's [tool.faultmaven-pipeline] table.
read -r PACKAGE COVERAGE_THRESHOLD < <("$PYTHON" - "$SERVICE_DIR/pyproject.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    table = tomllib.load(f).get("tool", {}).get("faultmaven-pipeline", {})
print(table.get("package", "enterprise"), table.get("coverage-threshold", 70))
PY
) || die "cannot read [tool.faultmaven-pipeline] from $SERVICE_DIR/pyproject.toml"

declare -a PASSED=() FAILED=()
STARTED_AT=$SECONDS

# run_step NAME COMMAND...: runs in the service dir, records the outcome and the time it took.
run_step() {
  local name="$1"; shift
  local started=$SECONDS rc=0
  echo
  echo "==> [$name] $*"
  (cd "$SERVICE_DIR" && "$@") || rc=$?
  if ((rc == 0)); then
    PASSED+=("$name")
    echo "<== [$name] passed in $((SECONDS - started))s"
  else
    FAILED+=("$name (exit $rc)")
    echo "<== [$name] FAILED (exit $rc) in $((SECONDS - started))s"
  fi
  return 0
}

# skip_step NAME REASON: a step that could not run counts as failed, never as passed.
skip_step() {
  FAILED+=("$1 (not run: $2)")
  echo "<== [$1] FAILED (not run: $2)"
}

# The venv is keyed by the interpreter and both requirement files, so a change to either rebuilds it;
# the .complete stamp means a half-installed venv (interrupted pip) is never reused.
venv_path() {
  local key
  key="$({ "$PYTHON" -c 'import sys; print(sys.version)'; cat "$SERVICE_DIR/requirements.txt" "$SERVICE_DIR/requirements-dev.txt"; } |
    sha256sum | cut -c1-16)"
  echo "$CACHE_DIR/venvs/auth-service-$key"
}

ensure_venv() {
  if [[ -f "$VENV/.complete" ]]; then
    echo "reusing $VENV"
    return 0
  fi
  rm -rf "$VENV" && mkdir -p "$CACHE_DIR/venvs" &&
    "$PYTHON" -m venv "$VENV" &&
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$SERVICE_DIR/requirements-dev.txt" &&
    touch "$VENV/.complete"
}

ensure_services() {
  if [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" ]]; then
    echo "using DATABASE_URL and REDIS_URL from the environment"
    return 0
  fi
  local urls
  urls="$(bash "$REPO_ROOT/scripts/setup/postgres-redis.sh" start)" || return 1
  DATABASE_URL="$(sed -n 's/^DATABASE_URL=//p' <<<"$urls")"
  REDIS_URL="$(sed -n 's/^REDIS_URL=//p' <<<"$urls")"
  [[ -n "$DATABASE_URL" && -n "$REDIS_URL" ]] || { echo "postgres-redis.sh printed no URLs" >&2; return 1; }
  export DATABASE_URL REDIS_URL
  echo "started Postgres and Redis on loopback (DATABASE_URL and REDIS_URL exported; password not shown)"
}

mkdir -p "$REPORTS_DIR" || die "cannot create reports dir $REPORTS_DIR; set SERVICE_REPORTS_DIR"
# Coverage data goes with the reports, not into the source tree.
export COVERAGE_FILE="$REPORTS_DIR/.coverage"

VENV="$(venv_path)"
run_step venv ensure_venv
# ensure_services exports into this shell, so it runs here rather than in run_step's subshell.
echo
echo "==> [services] Postgres + Redis"
services_started=$SECONDS
if ensure_services; then
  PASSED+=(services); echo "<== [services] passed in $((SECONDS - services_started))s"
else
  FAILED+=("services (could not start Postgres/Redis)"); echo "<== [services] FAILED"
fi

LINTERS=(
  "black:black --check enterprise/ tests/"
  "isort:isort --check-only enterprise/ tests/"
  "flake8:flake8 enterprise/ tests/ --max-line-length=100"
  "mypy:mypy enterprise/ --ignore-missing-imports"
  "bandit:bandit -r enterprise/ -ll"
)
# The pipeline document's commands name the package `enterprise`; another package name is substituted.
for entry in "${LINTERS[@]}"; do
  name="${entry%%:*}"
  read -r -a argv <<<"${entry#*:}"
  argv=("${argv[@]//enterprise\//$PACKAGE/}")
  if [[ -f "$VENV/.complete" ]]; then
    run_step "$name" "$VENV/bin/${argv[0]}" "${argv[@]:1}"
  else
    skip_step "$name" "venv failed"
  fi
done

pytest_suite() {
  local marker="$1"; shift
  if [[ ! -f "$VENV/.complete" ]]; then skip_step "pytest-$marker" "venv failed"; return; fi
  run_step "pytest-$marker" "$VENV/bin/python" -m pytest -v -p no:cacheprovider -m "$marker" \
    --junitxml="$REPORTS_DIR/junit-$marker.xml" "$@"
}

pytest_suite unit --cov="$PACKAGE" --cov-fail-under="$COVERAGE_THRESHOLD" \
  --cov-report=term --cov-report="xml:$REPORTS_DIR/coverage.xml"
for marker in integration security; do
  if [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" ]]; then
    pytest_suite "$marker"
  else
    skip_step "pytest-$marker" "no Postgres/Redis"
  fi
done

echo
echo "reports: $REPORTS_DIR; total time $((SECONDS - STARTED_AT))s"
if ((${#FAILED[@]} > 0)); then
  echo "failed steps:"
  printf '  - %s\n' "${FAILED[@]}"
fi
echo "service checks: ${#PASSED[@]} passed, ${#FAILED[@]} failed"
((${#FAILED[@]} == 0))
