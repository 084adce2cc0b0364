#!/usr/bin/env bash
# Creates the boilerplate of a workspace package. Usage: scripts/new-package.sh <dir> <name> <description> [entries...]
set -e
dir=packages/$1; name=$2; desc=$3; shift 3
mkdir -p $dir/src
entries=("$@"); [ ${#entries[@]} = 0 ] && entries=(index)
exports=""
tsupEntries=""
for e in "${entries[@]}"; do
  if [ "$e" = index ]; then key="."; else key="./$e"; fi
  exports="$exports    \"$key\": { \"types\": \"./dist/$e.d.ts\", \"@tradecore/source\": \"./src/$e.ts\", \"default\": \"./dist/$e.js\" },
"
  tsupEntries="$tsupEntries'src/$e.ts', "
done
cat > $dir/package.json <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "repository": { "type": "git", "url": "git+https://github.com/tradecore/tradecore.git", "directory": "$dir" },
  "keywords": ["tradecore", "trading", "reinforcement-learning", "crypto"],
  "engines": { "node": ">=20.19" },
  "exports": {
$exports    "./package.json": "./package.json"
  },
  "types": "./dist/index.d.ts",
  "files": ["dist", "src", "!src/**/*.test.ts"],
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc --noEmit -p tsconfig.json"
  }
}
JSON
cat > $dir/tsup.config.ts <<TS
import { defineConfig } from 'tsup';
import { tsupDefaults } from '../../tsup.shared.ts';

export default defineConfig({ ...tsupDefaults, entry: [${tsupEntries%, }] });
TS
cat > $dir/tsconfig.json <<TS
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "*.ts"]
}
TS
cat > $dir/vitest.config.ts <<TS
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineProject({ test: { name: '$name' } }));
TS
