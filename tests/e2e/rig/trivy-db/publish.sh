#!/usr/bin/env bash
# Publishes the rig's stand-in Trivy vulnerability DB (schema 2, a few REAL public
# advisories and nothing else, see advisories.go: it proves verdicts, never that a
# package is free of vulnerabilities) as aquasecurity/trivy-db:2, and the same DB
# with no advisories as aquasecurity/trivy-db:empty (the e2e suite swaps the two
# under a tag of its own to prove a changed DB is seen). Makes them reachable
# from the containers the engine runs. Idempotent; prints a timing per step.
#
#   tests/e2e/rig/trivy-db/publish.sh           build (cached), push, route, record in images.json
#   tests/e2e/rig/trivy-db/publish.sh --remove  undo the route (for `down`); keeps the cache
#
# Why a route: the registry listens on 127.0.0.1:5000 in the host's namespace.
# The engine (host network) pulls from it there, but a container it runs has its
# own 127.0.0.1. Such a container reaches the host at the engine bridge's
# gateway ($ENGINE_BRIDGE_ADDRESS, first address of the engine's CIDR), so packets
# from the bridge to $ENGINE_BRIDGE_ADDRESS:<registry port> are DNAT'ed to the
# loopback registry (route_localnet lets the kernel route them there). Only the
# engine's bridge gets this; the registry itself still listens on loopback only.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

DB_DIR="$RIG_DIR/trivy-db"
DB_REPO_PATH="aquasecurity/trivy-db:2"
EMPTY_DB_REPO_PATH="aquasecurity/trivy-db:empty"
REGISTRY_PORT="${REGISTRY_ADDR##*:}"
# Rebuilt when the program or its pinned modules change.
SOURCE_HASH=$(cd "$DB_DIR" && content_hash go.mod go.sum ./*.go)
CACHE_DIR="$RIG_CACHE/trivy-db/$SOURCE_HASH"
TOOL="$CACHE_DIR/bin/trivydb"
ARCHIVE="$CACHE_DIR/db/db.tar.gz"
EMPTY_ARCHIVE="$CACHE_DIR/db-empty/db.tar.gz"

# The DNAT rule, as iptables arguments after -t nat -<action> PREROUTING.
dnat_rule=(-i "$ENGINE_BRIDGE" -d "$ENGINE_BRIDGE_ADDRESS" -p tcp --dport "$REGISTRY_PORT"
  -m comment --comment faultmaven-rig-trivy-db -j DNAT --to-destination "$REGISTRY_ADDR")

build_tool() {
  if [[ -x "$TOOL" ]]; then echo "    cached: $TOOL"; return; fi
  (cd "$DB_DIR" && CGO_ENABLED=0 GOFLAGS=-mod=readonly nice -n 10 go build -trimpath -ldflags '-s -w' -o "$TOOL.tmp" .) \
    > "$LOG_DIR/trivy-db-build.log" 2>&1 \
    || { echo "go build of $DB_DIR failed; see $LOG_DIR/trivy-db-build.log" >&2; return 1; }
  mv "$TOOL.tmp" "$TOOL"
}

build_db() {
  if [[ -s "$ARCHIVE" && -s "$EMPTY_ARCHIVE" ]]; then echo "    cached: $ARCHIVE, $EMPTY_ARCHIVE"; return; fi
  rm -rf "$CACHE_DIR/db" "$CACHE_DIR/db-empty"
  "$TOOL" build -dir "$CACHE_DIR/db" >/dev/null
  "$TOOL" build -dir "$CACHE_DIR/db-empty" -empty >/dev/null
  echo "    $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes), $EMPTY_ARCHIVE ($(stat -c %s "$EMPTY_ARCHIVE") bytes)"
}

# Always pushed: cheap (blobs already there are skipped) and heals a wiped registry.
push_db() {
  registry_up || { echo "registry not answering on $REGISTRY_ADDR: run tests/e2e/rig/up first" >&2; return 1; }
  PUSHED=$("$TOOL" push -archive "$ARCHIVE" -ref "$REGISTRY_ADDR/$DB_REPO_PATH")
  echo "    $PUSHED"
  echo "    $("$TOOL" push -archive "$EMPTY_ARCHIVE" -ref "$REGISTRY_ADDR/$EMPTY_DB_REPO_PATH") (no advisories)"
}

route_bridge_to_registry() {
  iptables -w -t nat -C PREROUTING "${dnat_rule[@]}" 2>/dev/null \
    || iptables -w -t nat -I PREROUTING "${dnat_rule[@]}"
  # The bridge appears with the engine's first container. If the engine has not
  # made it yet, make it now (the engine's CNI bridge plugin adopts an existing
  # bridge of its name), so route_localnet can be set on it and nowhere else.
  if ! ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
    ip link add name "$ENGINE_BRIDGE" type bridge
    echo "    created $ENGINE_BRIDGE ahead of the engine"
  fi
  sysctl -qw "net.ipv4.conf.$ENGINE_BRIDGE.route_localnet=1"
  echo "    $ENGINE_BRIDGE: $ENGINE_BRIDGE_ADDRESS:$REGISTRY_PORT -> $REGISTRY_ADDR"
}

remove_route() {
  while iptables -w -t nat -C PREROUTING "${dnat_rule[@]}" 2>/dev/null; do
    iptables -w -t nat -D PREROUTING "${dnat_rule[@]}"
  done
  if ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
    sysctl -qw "net.ipv4.conf.$ENGINE_BRIDGE.route_localnet=0"
  fi
  echo "    route $ENGINE_BRIDGE_ADDRESS:$REGISTRY_PORT -> $REGISTRY_ADDR removed"
}

# Merged into images.json (other keys kept) as a tag: --trivy-db-repository
# refuses a digest, and Trivy reads the tag's manifest on each download anyway.
record_in_images_file() {
  local value="$ENGINE_BRIDGE_ADDRESS:$REGISTRY_PORT/$DB_REPO_PATH"
  # Without the pipeline images the rig is not up: a file holding only trivyDb would say otherwise.
  [[ -s "$IMAGES_FILE" ]] || { echo "$IMAGES_FILE is missing: run tests/e2e/rig/up (it publishes the pipeline images, then this)" >&2; return 1; }
  jq --arg v "$value" '. + {trivyDb: $v}' "$IMAGES_FILE" > "$IMAGES_FILE.tmp"
  mv "$IMAGES_FILE.tmp" "$IMAGES_FILE"
  echo "    trivyDb = $value (in $IMAGES_FILE)"
}

if [[ "${1:-}" == "--remove" ]]; then
  step "trivy DB route removed" remove_route
  exit 0
fi
[[ $# -eq 0 ]] || { echo "usage: $0 [--remove]" >&2; exit 2; }

mkdir -p "$CACHE_DIR/bin"
step "trivy DB tool (go build)" build_tool
step "trivy DB stand-in (real advisories; and empty), schema 2" build_db
step "trivy DB push -> $REGISTRY_ADDR" push_db
step "trivy DB route from engine bridge" route_bridge_to_registry
step "trivy DB in images.json" record_in_images_file
