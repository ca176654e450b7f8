#!/usr/bin/env node
// Runs every bench/*.bench.ts (or those matching the arguments), each in its own process; results are JSON
// files under reports/bench/.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const filter = process.argv.slice(2);
let files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).sort();
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--require', 'ts-node/register', join('bench', f)], {
    cwd: root, stdio: 'inherit', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  if (r.status !== 0) { failed++; console.error(`bench ${f} failed`); }
}
process.exit(failed === 0 ? 0 : 1);
