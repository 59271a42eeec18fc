#!/usr/bin/env bash
# Installs the two linters that validate .github/workflows (tests/integration/workflows):
#   actionlint - syntax, expressions, shellcheck of run: blocks, action inputs (Go module proxy)
#   zizmor     - security audit: unpinned uses, excessive permissions, template injection,
#                persisted credentials (PyPI, in its own venv)
# Both land under ${PIPELINE_CACHE}, so CI and developers share one pinned copy; rerunning is a no-op.
# Prints the two binary paths, one per line, as "actionlint=<path>" and "zizmor=<path>".
set -euo pipefail

ACTIONLINT_VERSION="v1.7.12" # pinned: findings must not change under us between runs
ZIZMOR_VERSION="1.32.0"      # pinned for the same reason

cache="${PIPELINE_CACHE:-/var/cache/faultmaven-pipeline}"
bin_dir="${cache}/bin"
venv="${cache}/zizmor-${ZIZMOR_VERSION}"
mkdir -p "${bin_dir}"

actionlint="${bin_dir}/actionlint-${ACTIONLINT_VERSION}"
if [[ ! -x "${actionlint}" ]]; then
  # The Go toolchain's usual home, for shells whose PATH lacks it.
  command -v go >/dev/null || PATH="${PATH}:/usr/local/go/bin"
  command -v go >/dev/null || { echo "workflow-linters: 'go' is not on PATH; install Go (1.22+) to build actionlint" >&2; exit 1; }
  build_dir="$(mktemp -d)"
  GOBIN="${build_dir}" go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" >&2
  mv "${build_dir}/actionlint" "${actionlint}"
  rmdir "${build_dir}"
fi

zizmor="${venv}/bin/zizmor"
if [[ ! -x "${zizmor}" ]]; then
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "zizmor==${ZIZMOR_VERSION}" >&2
fi

echo "actionlint=${actionlint}"
echo "zizmor=${zizmor}"
