#!/usr/bin/env bash
# Packs every publishable package into one folder of tarballs (default ./tarballs): how to use TradeCore outside
# this repository before its packages are on the npm registry (docs/getting-started.md), and what
# `pnpm test:consumer` installs from. Builds first unless --no-build.
#   pnpm pack:local                      # build, then tarballs/*.tgz
#   bash scripts/pack-local.sh --no-build /tmp/x/tarballs
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
dest="$(mkdir -p "${1:-tarballs}" && cd "${1:-tarballs}" && pwd)"

if [ "$build" = 1 ]; then pnpm build >/dev/null; fi
rm -f "$dest"/*.tgz
pnpm -r --filter "./packages/**" pack --pack-destination "$dest" >/dev/null
ls -1 "$dest"

create="$(ls "$dest"/create-tradecore-*.tgz)"
cat <<NEXT

Packed into $dest. Then, in the folder that should hold your project:
  npx --yes --package $create create-tradecore my-research
  cd my-research
  npm install $dest/tradecore-*.tgz
NEXT
