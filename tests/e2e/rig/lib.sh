# Shared settings and helpers for the engine rig scripts (sourced, not run).
# Every version that goes into a cached artifact is pinned here; cache paths are
# keyed by these versions so bumping one rebuilds only what depends on it.

shopt -s inherit_errexit

RIG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RIG_CACHE="${RIG_CACHE:-/var/cache/faultmaven-rig}"

# The npm SDK (@dagger.io/dagger) and dagger.json pin this engine version.
DAGGER_VERSION="v0.21.8"
# CNI plugins: the version Dagger v0.21.8's engine image ships (Debian's 1.1.1
# lacks the nftables masquerade the kernel here needs).
CNI_VERSION="v1.9.0"
# Trivy: a recent version the Go module proxy serves.
TRIVY_VERSION="v0.74.0"
# Debian release of every image's base.
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="http://deb.debian.org/debian"

REGISTRY_ADDR="127.0.0.1:5000"
ENGINE_CONTAINER="faultmaven-dagger-engine"
# The engine's own bridge for the containers it runs (in the host's network
# namespace, since the engine uses host networking): <name>0 with this range.
ENGINE_NETWORK_NAME="fmrig"
ENGINE_NETWORK_CIDR="10.89.0.0/16"
ENGINE_BRIDGE="${ENGINE_NETWORK_NAME}0"
# The host's address on it: the engine puts its bridge on the first address of its CIDR (dagger's
# network.BridgeFromCIDR).
ENGINE_BRIDGE_ADDRESS="${ENGINE_NETWORK_CIDR%.*/*}.1"
# ECR's registry host for moto's account (123456789012) in the environments' region: it resolves to the host's
# bridge address, for the engine (an /etc/hosts entry) and for the containers it runs (whose DNS, the engine's
# dnsmasq, serves that file), and is spoken to in plain HTTP. The e2e and module suites run an ECR stand-in there
# (tests/support/ecr-registry.ts) in front of the local registry, so `publish` and `deploy` push the way they push
# to real ECR, and release's copy (skopeo, in a container) reads from it.
ECR_STANDIN_HOST="123456789012.dkr.ecr.us-east-1.amazonaws.com"
# Where the suites run a Docker Hub registry stand-in (basic auth, in front of the local registry) that release
# pushes to: the bridge address, reachable from the engine and its containers alike, in plain HTTP.
DOCKER_HUB_STANDIN_REGISTRY="$ENGINE_BRIDGE_ADDRESS:5001"
# TLS for the suites' HTTPS stand-ins (Codecov, GitHub, ... on the bridge, where the pipeline refuses plain
# HTTP): a CA made once for this rig, which the engine trusts and so every container it runs, and a certificate
# it signed for the bridge address and loopback.
STANDIN_TLS_DIR="$RIG_CACHE/standin-tls"

DOCKER_PID_FILE="$RIG_CACHE/run/dockerd.pid"
REGISTRY_PID_FILE="$RIG_CACHE/run/registry.pid"
DAGGER_BIN_DIR="$RIG_CACHE/dagger-$DAGGER_VERSION/bin"
CNI_BIN_DIR="$RIG_CACHE/cni-$CNI_VERSION"
TRIVY_BIN_DIR="$RIG_CACHE/trivy-$TRIVY_VERSION"
IMAGES_FILE="$RIG_CACHE/images.json"
# Builtin SDK content for the engine (module mode), built by sdk-content.sh.
SDK_CONTENT_DIR="$RIG_CACHE/sdk-content-$DAGGER_VERSION"
LOG_DIR="$RIG_CACHE/logs"

BASE_IMAGE="faultmaven-rig/$DEBIAN_SUITE-base:minbase"
ENGINE_IMAGE="faultmaven-rig/dagger-engine:$DAGGER_VERSION"

mkdir -p "$RIG_CACHE/run" "$LOG_DIR"

# Go lives in /usr/local/go on this kind of machine; CI's PATH may not name it.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  PATH="$PATH:/usr/local/go/bin"
fi

# step NAME CMD...: runs CMD with errexit in force and prints how long it took.
# (Not `if CMD`: bash ignores errexit inside a tested command.) A failure is
# reported by the EXIT trap with the step's name.
RIG_CURRENT_STEP=""
step() {
  RIG_CURRENT_STEP="$1"; shift
  local start
  start=$(date +%s.%N)
  printf '==> %s\n' "$RIG_CURRENT_STEP"
  "$@"
  awk -v n="$RIG_CURRENT_STEP" -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "    %-38s %6.1fs\n", n, e - s }'
  RIG_CURRENT_STEP=""
}
report_failed_step() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$RIG_CURRENT_STEP" ]]; then
    printf 'FAILED at step "%s" (exit %s); logs are in %s\n' "$RIG_CURRENT_STEP" "$rc" "$LOG_DIR" >&2
  fi
}
trap report_failed_step EXIT

# pid_alive FILE: true when FILE names a running process.
pid_alive() {
  [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

docker_up() {
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

registry_up() {
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1
}

engine_up() {
  [[ "$(docker inspect -f '{{.State.Running}}' "$ENGINE_CONTAINER" 2>/dev/null)" == "true" ]]
}

# content_hash FILE...: short hash of files, used to tag images so a changed
# recipe rebuilds and an unchanged one is reused.
content_hash() {
  cat "$@" | sha256sum | cut -c1-12
}

# forward_rule ACTION ARGS: -C/-I/-D a rule in docker's DOCKER-USER chain.
forward_rule() {
  local action="$1"; shift
  iptables -w "$action" DOCKER-USER "$@" 2>/dev/null
}
