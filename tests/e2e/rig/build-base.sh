#!/usr/bin/env bash
# Builds the Debian base image every rig image starts FROM: debootstrap (minbase)
# from the Debian mirror apt uses, imported into docker as $BASE_IMAGE. The
# rootfs tarball is cached, so a later run only re-imports it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "    $BASE_IMAGE present"
  exit 0
fi

tarball="$RIG_CACHE/base/$DEBIAN_SUITE-minbase.tar"
if [[ ! -s "$tarball" ]]; then
  mkdir -p "$RIG_CACHE/base"
  rootfs="$RIG_CACHE/base/rootfs-tmp"
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" \
    > "$LOG_DIR/debootstrap.log" 2>&1
  # Same package sources as a stock image; no apt lists or caches in the layer.
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
    "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$DEBIAN_SUITE" > "$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
fi
docker import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$tarball" "$BASE_IMAGE" >/dev/null
echo "    imported $BASE_IMAGE"
