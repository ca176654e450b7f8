#!/usr/bin/env node
// Issue 6 acceptance 2: a Cucumber dry run of every feature, then the lint of its message stream — fails on an
// undefined or ambiguous step, a scenario without a @req: tag, or a tag naming no catalogued requirement.
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
mkdirSync(join(root, 'reports'), { recursive: true });
const dry = spawnSync(process.execPath, [join(root, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), '--profile', 'dry'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
const { lintDryRun, formatFeatureProblem } = require(join(root, 'src/scenario/requirements/feature-lint.ts'));
const { loadRequirementCatalog } = require(join(root, 'src/scenario/requirements/requirement-catalog.ts'));
const problems = lintDryRun(readFileSync(join(root, 'reports', 'dry-run.ndjson'), 'utf8'), loadRequirementCatalog());
for (const p of problems) console.error(formatFeatureProblem(p));
if (dry.status !== 0 && problems.length === 0) console.error(`the cucumber dry run exited with ${dry.status}`);
console.log(`feature check: ${problems.length} problem(s)`);
process.exit(problems.length === 0 && dry.status === 0 ? 0 : 1);
