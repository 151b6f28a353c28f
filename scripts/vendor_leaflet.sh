#!/usr/bin/env bash
# Reproduce src/narvaro/maps/static/leaflet/ (the Leaflet files inlined into self-contained maps)
# from the npm registry. Needs npm and network access to registry.npmjs.org.
# Usage: bash scripts/vendor_leaflet.sh [VERSION]   (default: the version in VERSION below)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:-1.9.4}
DEST=src/narvaro/maps/static/leaflet
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent "leaflet@${VERSION}" >/dev/null)
tar -xzf "$TMP/leaflet-${VERSION}.tgz" -C "$TMP"
PKG="$TMP/package"

rm -rf "$DEST"
mkdir -p "$DEST/images"
cp "$PKG/dist/leaflet.js" "$PKG/dist/leaflet.css" "$DEST/"
cp "$PKG"/dist/images/*.png "$DEST/images/"
cp "$PKG/LICENSE" "$DEST/LICENSE"
{
  echo "leaflet ${VERSION}"
  echo "source: npm registry, leaflet-${VERSION}.tgz (npm pack leaflet@${VERSION})"
  echo "tarball sha256: $(sha256sum "$TMP/leaflet-${VERSION}.tgz" | cut -d' ' -f1)"
  echo "license: BSD-2-Clause (see LICENSE)"
  echo "files (sha256):"
  (cd "$DEST" && find . -type f ! -name VERSION ! -name LICENSE | sort | xargs sha256sum)
} > "$DEST/VERSION"
echo "vendored leaflet ${VERSION} into ${DEST}"
