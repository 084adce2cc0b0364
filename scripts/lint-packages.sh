#!/usr/bin/env bash
# Publishing hygiene for every publishable package: publint (package.json ↔ packed files) and
# "Are the types wrong?" (types resolve for ESM consumers). Needs `pnpm build` first. Usage:
#   pnpm lint:packages            # every package under packages/
#   pnpm lint:packages sdk cli    # only these folders
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/node_modules/.bin"

if [ "$#" -gt 0 ]; then dirs=("${@/#/packages/}"); else dirs=(packages/*); fi

failed=()
for dir in "${dirs[@]}"; do
  dir="${dir%/}"
  [ -f "$dir/package.json" ] || { echo "lint:packages: $dir has no package.json" >&2; exit 2; }
  if [ "$(node -p "require('./$dir/package.json').private === true")" = true ]; then continue; fi
  name="$(node -p "require('./$dir/package.json').name")"
  echo "── $name ($dir)"
  if [ ! -d "$dir/dist" ]; then
    echo "   no dist/: run pnpm build first"
    failed+=("$name (not built)")
    continue
  fi
  # --strict turns publint warnings into errors; the tarball is made with pnpm so workspace: ranges are rewritten.
  if ! (cd "$dir" && "$bin/publint" --strict --pack pnpm); then failed+=("$name (publint)"); fi
  # ESM-only packages: the CJS `require` and node10 resolutions are out of scope by design.
  if ! (cd "$dir" && "$bin/attw" --pack . --profile esm-only --format table-flipped --no-emoji --no-color); then
    failed+=("$name (attw)")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'lint:packages failed:\n' >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "lint:packages: all packages clean"
