#!/usr/bin/env bash
# Builds the Dagger engine, its helper binaries and the rig's session-only CLI at
# $DAGGER_VERSION from the Go module proxy, into $DAGGER_BIN_DIR (skipped when
# already there). See go/go.mod for why a wrapper module and go/overlay for the
# two upstream packages replaced at build time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [[ -x "$DAGGER_BIN_DIR/dagger-engine" && -x "$DAGGER_BIN_DIR/dagger" && -x "$DAGGER_BIN_DIR/dial-stdio" \
      && -x "$DAGGER_BIN_DIR/dagger-init" && -x "$DAGGER_BIN_DIR/dnsname" ]]; then
  echo "    dagger $DAGGER_VERSION binaries cached in $DAGGER_BIN_DIR"
  exit 0
fi

export GOFLAGS=-mod=mod CGO_ENABLED=0
# The proxy's checksum-database endpoint 404s for several of dagger's pinned
# pseudo-versions; go/go.sum (seeded from dagger v0.21.8's own go.sum) pins them.
export GOSUMDB=off

work="$RIG_CACHE/build/dagger-$DAGGER_VERSION"
rm -rf "$work" && mkdir -p "$work"
cp "$RIG_DIR/go/go.mod" "$RIG_DIR/go/go.sum" "$work/"
cp -r "$RIG_DIR/go/distconsts" "$RIG_DIR/go/cmd" "$work/"

# `go build -overlay` may not touch files in the module cache, so build dagger
# from an extracted copy of the published module (unchanged; the overlay swaps files).
( cd "$work" && go mod download github.com/dagger/dagger )
src_in_cache="$(cd "$work" && go list -m -f '{{.Dir}}' github.com/dagger/dagger)"
cp -r "$src_in_cache" "$work/dagger-src"
chmod -R u+w "$work/dagger-src"
( cd "$work" && go mod edit -replace "github.com/dagger/dagger=./dagger-src" )

# Replace every non-test file of the two packages that need modules the proxy
# refuses (github.com/vito/tuist, github.com/vito/dang/v2) with an empty file,
# and add our replacement file to each package.
overlay_entries=()
add_overlay() { # package-dir empty-file replacement-file
  local pkg="$1" empty="$2" replacement="$3" f
  for f in "$work/dagger-src/$pkg"/*.go; do
    [[ "$f" == *_test.go ]] && continue
    overlay_entries+=("\"$f\": \"$RIG_DIR/go/overlay/$empty\"")
  done
  overlay_entries+=("\"$work/dagger-src/$pkg/zz_rig_$replacement\": \"$RIG_DIR/go/overlay/$replacement\"")
}
add_overlay dagql/idtui empty_idtui.go.txt idtui_engine_subset.go
add_overlay core/sdk/dang/v2 empty_dangv2.go.txt dangv2_unavailable.go
{ printf '{"Replace": {\n'; (IFS=$',\n'; printf '%s' "${overlay_entries[*]}"); printf '\n}}\n'; } > "$work/overlay.json"

ldflags="-s -w -X github.com/dagger/dagger/engine.Version=$DAGGER_VERSION -X github.com/dagger/dagger/engine.Tag=$DAGGER_VERSION"
tags="dfexcludepatterns,dfparents"
mkdir -p "$DAGGER_BIN_DIR.tmp"
cd "$work"
# nice: the machine's 2 cores are shared with other work.
build() { # output package
  nice -n 10 go build -overlay overlay.json -tags "$tags" -ldflags "$ldflags" -o "$DAGGER_BIN_DIR.tmp/$1" "$2"
}
build dagger-engine github.com/dagger/dagger/cmd/engine
build dagger-init github.com/dagger/dagger/cmd/init
build dnsname github.com/dagger/dagger/cmd/dnsname
build dial-stdio github.com/dagger/dagger/cmd/dialstdio
build dagger ./cmd/dagger
rm -rf "$DAGGER_BIN_DIR" && mv "$DAGGER_BIN_DIR.tmp" "$DAGGER_BIN_DIR"
rm -rf "$work"
echo "    built dagger $DAGGER_VERSION binaries into $DAGGER_BIN_DIR"
