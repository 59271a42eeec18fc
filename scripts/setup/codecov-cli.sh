#!/usr/bin/env bash
# Installs Codecov's uploader, codecov-cli from PyPI, at the version the module pins
# (CODECOV_CLI_VERSION in src/core/codecov/cli.ts, passed as $1), into its own venv under
# ${PIPELINE_CACHE}. tests/integration/release/codecov.test.ts runs it against a local Codecov
# stand-in. Rerunning is a no-op. Prints "codecovcli=<path>".
set -euo pipefail

version="${1:?usage: codecov-cli.sh VERSION}"
cache="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
venv="${cache}/codecov-cli-${version}"
if [[ ! -x "${venv}/bin/codecovcli" ]]; then
  mkdir -p "${cache}"
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "codecov-cli==${version}" >&2
fi
echo "codecovcli=${venv}/bin/codecovcli"
