#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (Node 20 has no glob support in --test).
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const filter = process.argv.slice(2);
function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
let files = collect(join(root, 'test'), []);
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) { console.error('run-unit-tests: no test files matched'); process.exit(1); }
const r = spawnSync(process.execPath, ['--require', 'ts-node/register', '--test', '--test-reporter=spec', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
});
process.exit(r.status === null ? 1 : r.status);
