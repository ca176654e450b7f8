#!/usr/bin/env node
// Entry point of the `mmspec` command: loads the TypeScript sources through ts-node (transpile only;
// `npm run typecheck` is the type check) and hands over to src/cli/main.ts.
'use strict';
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
require('ts-node').register({ transpileOnly: true, project: require('node:path').join(__dirname, '..', 'tsconfig.json') });
const { main } = require('../src/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`mmspec: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
