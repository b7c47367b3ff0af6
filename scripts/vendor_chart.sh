#!/usr/bin/env bash
# Re-vendor Chart.js for the staff statistics page (bot/staff_web/static/vendor/), reproducibly:
# the pinned version comes from the npm registry through `npm pack` (which checks the registry's
# sha512 integrity), then the tarball and the file we keep are checked against pinned sha256 sums.
# Nothing is loaded from a CDN at run time. To move to another version, change the three pins below
# (run once with VERIFY=0 to see the new sums) and update vendor/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.6.1
TARBALL_SHA256=9345dacdf4bb4c5d40321f4b9aafab6fe676d37a534fc0bc2d17c4c4e29c4f00
FILE_SHA256=87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2  # package/dist/chart.umd.min.js
DEST=bot/staff_web/static/vendor

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null)
tarball="$work/chart.js-$VERSION.tgz"

check() {  # check <file> <expected sha256>
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  echo "$got  $1"
  if [ "${VERIFY:-1}" = 1 ] && [ "$got" != "$2" ]; then
    echo "sha256 mismatch for $1: expected $2" >&2
    exit 1
  fi
}

check "$tarball" "$TARBALL_SHA256"
tar -xzf "$tarball" -C "$work" package/dist/chart.umd.min.js package/LICENSE.md package/package.json
check "$work/package/dist/chart.umd.min.js" "$FILE_SHA256"
grep -q "\"version\": \"$VERSION\"" "$work/package/package.json"

mkdir -p "$DEST"
install -m 0644 "$work/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
install -m 0644 "$work/package/LICENSE.md" "$DEST/CHART_JS_LICENSE.md"
check "$DEST/chart.umd.min.js" "$FILE_SHA256"
echo "Chart.js $VERSION vendored into $DEST"
