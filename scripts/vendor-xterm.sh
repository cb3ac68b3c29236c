#!/usr/bin/env bash
# Refreshes the vendored xterm.js of the web console from the npm registry.
# The files are committed, so building tunneld needs no npm; run this only to
# change the pinned version: scripts/vendor-xterm.sh [xterm-version fit-version]
set -euo pipefail
cd "$(dirname "$0")/.."
XTERM_VERSION="${1:-6.0.0}"
FIT_VERSION="${2:-0.11.0}"
dest=internal/console/web/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm pack --silent "@xterm/xterm@$XTERM_VERSION" "@xterm/addon-fit@$FIT_VERSION" >/dev/null
  mkdir xterm fit
  tar -xzf "xterm-xterm-$XTERM_VERSION.tgz" -C xterm --strip-components=1
  tar -xzf "xterm-addon-fit-$FIT_VERSION.tgz" -C fit --strip-components=1
)
rm -rf "$dest"
mkdir -p "$dest"
cp "$work/xterm/lib/xterm.mjs" "$dest/xterm.mjs"
cp "$work/xterm/css/xterm.css" "$dest/xterm.css"
cp "$work/xterm/LICENSE" "$dest/LICENSE-xterm"
cp "$work/fit/lib/addon-fit.mjs" "$dest/addon-fit.mjs"
cp "$work/fit/LICENSE" "$dest/LICENSE-addon-fit"
# The source maps are not vendored: drop the comments that point at them.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/xterm.mjs" "$dest/addon-fit.mjs"
printf '@xterm/xterm %s\n@xterm/addon-fit %s\n' "$XTERM_VERSION" "$FIT_VERSION" >"$dest/VERSIONS"
echo "vendored @xterm/xterm $XTERM_VERSION and @xterm/addon-fit $FIT_VERSION into $dest"
