#!/usr/bin/env bash
# Consumer test: uses the packages the way a new user meets them, outside the workspace.
#   pnpm pack every package → `create-tradecore` from its tarball scaffolds an app and an indicator plugin into a
#   temp dir → npm installs the @tradecore tarballs there (no workspace links; third-party deps come from the
#   npm registry) → the app validates, trains briefly and passes its test; the plugin passes its conformance tests
#   and builds.
# Needs `pnpm build` first. KEEP=1 keeps the temp dir (it is always kept on failure); ONLY=app or ONLY=plugin
# runs one half; TRADECORE_RUN_ARGS overrides the flags of the short `tradecore run`.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

work="$(mktemp -d "${TMPDIR:-/tmp}/tradecore-consumer-XXXXXX")"
current="setup"
on_error() {
  echo "" >&2
  echo "consumer test FAILED at step: $current" >&2
  echo "work dir kept for inspection: $work" >&2
}
trap 'touch "$work/.failed"; on_error' ERR
trap '[ -n "${KEEP:-}" ] || [ -f "$work/.failed" ] || rm -rf "$work"' EXIT

step() {
  current="$1"
  echo ""
  echo "━━ $1"
}

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error
export CI=true

step "check that every package is built"
required=(packages/*/)
if [ "${ONLY:-}" = plugin ]; then required=(packages/sdk/ packages/create-tradecore/); fi
for dir in "${required[@]}"; do
  if [ ! -d "$dir/dist" ]; then
    echo "$dir has no dist/; run pnpm build first" >&2
    false
  fi
done

step "pnpm pack every package (scripts/pack-local.sh, what docs/getting-started.md uses)"
bash scripts/pack-local.sh --no-build "$work/tarballs" | sed -n '/^Packed/q;p'

# The @tradecore tarballs a project needs: its own @tradecore deps plus theirs, transitively.
tarballs_for() {
  node --input-type=module - "$work/tarballs" "$1" <<'NODE'
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
const [dir, pkgFile] = process.argv.slice(2);
const byName = new Map();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', path.join(dir, file), 'package/package.json'], { encoding: 'utf8' }));
  byName.set(manifest.name, { file: path.join(dir, file), manifest });
}
const deps = (m) => Object.keys({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies }).filter((d) => d.startsWith('@tradecore/'));
const queue = deps(JSON.parse(readFileSync(pkgFile, 'utf8')));
const seen = new Set();
while (queue.length) {
  const name = queue.shift();
  if (seen.has(name)) continue;
  const entry = byName.get(name);
  if (!entry) throw new Error(`no tarball packed for ${name}`);
  seen.add(name);
  queue.push(...deps(entry.manifest));
}
console.log([...seen].map((n) => byName.get(n).file).join('\n'));
NODE
}

create_tarball="$(ls "$work"/tarballs/create-tradecore-*.tgz)"
create() {
  (cd "$work" && npx --yes --package "$create_tarball" create-tradecore "$@")
}

if [ "${ONLY:-app}" = app ]; then
step "scaffold an app with create-tradecore (from its tarball, no terminal)"
create my-app --template app --yes | tee "$work/create.txt"
test -f "$work/my-app/.gitignore"
test -f "$work/my-app/tradecore.config.ts"

step "npm install the app with the packed @tradecore tarballs (the command docs/getting-started.md gives)"
cd "$work/my-app"
npm install "$work"/tarballs/tradecore-*.tgz
if [ -L node_modules/@tradecore/sdk ]; then echo "@tradecore/sdk is a link, not an installed package" >&2; false; fi
# The scaffolder's closing message points at the docs shipped in the SDK: they must be there.
docs="$(sed -n 's/^Docs (after install): \([^ ]*\).*/\1/p' "$work/create.txt")"
test -n "$docs" && test -f "$docs" && test -f node_modules/@tradecore/sdk/docs/getting-started.md
npx tradecore --help >/dev/null

step "app: npm run data:synth"
npm run data:synth

step "app: npm run validate (also from a subfolder: the config is found from where the command ran)"
npm run validate
mkdir -p notebooks && (cd notebooks && npm run validate)

step "app: a JSON config naming every plugin, the risk guard and the trainer included, validates"
cat > by-name.config.json <<'JSON'
{ "dataset": "synthetic-btc-usd-1m",
  "plugins": [ { "name": "vwap" }, { "name": "rsi", "options": { "period": 14 } },
               { "name": "risk-guard", "options": { "riskPct": 0.005 } }, { "name": "trainer-gpu" } ] }
JSON
npx tradecore validate --config by-name.config.json --set plugins.rsi.period=21
npx tradecore schema -o tradecore.schema.json && grep -q '"x-tradecore-plugins"' tradecore.schema.json

step "app: a short tradecore run"
# A smoke-sized budget: the point is that training, evaluation and the archive work from the published packages.
# shellcheck disable=SC2086
npx tradecore run ${TRADECORE_RUN_ARGS:---seed 1 --set trainer.totalSteps=1024 --set trainer.numEnvs=4 --set trainer.nSteps=64 --set trainer.minibatchSize=128 --set env.episodeLength=256}
report="$(ls -1d runs/*/report.html | head -n 1)"
test -s "$report"
grep -q '"status": *"complete"' "$(dirname "$report")/run.json"
echo "report: $work/my-app/$report"

step "app: npm test"
npm test

step "app: typecheck its config against the published types"
npx tsc --noEmit

fi

if [ "${ONLY:-plugin}" = plugin ]; then
step "scaffold an indicator plugin"
create my-indicator --template indicator-plugin --yes
cd "$work/my-indicator"
grep -q '"name": "tradecore-plugin-my-indicator"' package.json

step "npm install the plugin with the packed @tradecore/sdk"
mapfile -t plugin_tarballs < <(tarballs_for package.json)
printf '  %s\n' "${plugin_tarballs[@]##*/}"
# --no-save keeps package.json as scaffolded (peer and dev ranges ^x.y.z), so the plugin packs as it would publish.
npm install --no-save "${plugin_tarballs[@]}"
grep -q '"@tradecore/sdk": "^' package.json

step "plugin: npm test (unit tests + conformance kit)"
npm test

step "plugin: typecheck, build and import the built package"
npm run typecheck
npm run build
# The template must be publishable as scaffolded (publint from this repo: nothing extra to download).
"$repo/node_modules/.bin/publint" --strict
node --input-type=module -e "
  const m = await import('$work/my-indicator/dist/index.js');
  const plugin = m.default({ period: 5 });
  if (plugin.name !== 'tradecore-plugin-my-indicator' || plugin.kind !== 'indicator') throw new Error('bad plugin ' + plugin.name);
  console.log('built plugin loads:', plugin.name, plugin.version);
"

fi

if [ -z "${ONLY:-}" ]; then
step "app + plugin: the scaffolded plugin, installed from its own tarball, is found by name from a tool manifest"
cd "$work/my-indicator"
plugin_tarball="$work/$(npm pack --pack-destination "$work" --silent | tail -n 1)"
cd "$work/my-app"
npm install "$plugin_tarball"
mkdir -p configs/tools
cat > configs/tools/default.json <<'JSON'
{ "tools": [{ "name": "my-indicator", "options": { "period": 5 } }] }
JSON
npx tradecore tools ls | tee "$work/tools-ls.txt"
grep -q 'tradecore-plugin-my-indicator' "$work/tools-ls.txt"
npx tradecore validate --tools configs/tools/default.json | tee "$work/validate.txt"
grep -q 'roc_close_5' "$work/validate.txt"
fi

current="done"
echo ""
echo "consumer test passed (work dir: $work$([ -n "${KEEP:-}" ] && echo ', kept' || echo ', removed'))"
