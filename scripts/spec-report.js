#!/usr/bin/env node
// The conformance report (src/report). Usage:
//   node scripts/spec-report.js --run        run `cucumber-js --profile spec` (under c8, with opcode coverage),
//                                            then write the reports; what `npm run spec` does
//   node scripts/spec-report.js [--messages F] [--out DIR] [--catalog F] [--usage F] [--opcodes DIR]
//                                            only write the reports from an existing message stream
//   node scripts/spec-report.js --compare A.json B.json   compare two digests.json files
// Exit status: 0 when no requirement failed (requirements merely not covered do not count), 1 when a
// requirement (or a scenario outside the catalog) failed or the run did not complete, 2 for bad arguments or
// unreadable inputs (one line on stderr).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = join(__dirname, '..');
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
require('ts-node/register');

function usageError(msg) {
  process.stderr.write(`spec-report: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { run: false, coverage: true };
  const valued = { '--messages': 'messagesFile', '--out': 'outDir', '--catalog': 'catalogFile', '--usage': 'usageFile', '--opcodes': 'opcodeDir' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--run') o.run = true;
    else if (a === '--no-coverage') o.coverage = false;
    else if (a === '--compare') {
      if (i + 2 >= argv.length) usageError('--compare needs two digests.json files');
      o.compare = [argv[i + 1], argv[i + 2]];
      i += 2;
    } else if (a in valued) {
      if (i + 1 >= argv.length) usageError(`${a} needs a value`);
      o[valued[a]] = argv[++i];
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(__filename, 'utf8').split('\n').slice(1, 11).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else usageError(`unknown argument ${a} (try --help)`);
  }
  return o;
}

/** Runs the spec profile; stale per-run outputs are removed first so the report never mixes two runs. */
function runCucumber(outDir, withCoverage) {
  const coverageDir = join(outDir, 'coverage');
  mkdirSync(coverageDir, { recursive: true });
  for (const n of readdirSync(coverageDir)) if (/^opcodes-\d+\.json$/.test(n)) rmSync(join(coverageDir, n));
  for (const n of ['messages.ndjson', 'usage.json']) rmSync(join(outDir, n), { force: true });
  const cucumber = join(root, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
  const args = withCoverage
    ? [join(root, 'node_modules', 'c8', 'bin', 'c8.js'), '--check-coverage=false', '--reporter=text-summary', '--reporter=html',
      `--report-dir=${join(coverageDir, 'spec')}`, process.execPath, cucumber, '--profile', 'spec']
    : [cucumber, '--profile', 'spec'];
  const r = spawnSync(process.execPath, args, {
    cwd: root, stdio: 'inherit', env: { ...process.env, MMSPEC_OPCODE_COVERAGE: coverageDir },
  });
  return r.status === null ? 1 : r.status;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const report = require('../src/report');
  if (o.compare) {
    const [a, b] = o.compare.map((f) => {
      try {
        return report.parseDigestMap(readFileSync(f, 'utf8'), f);
      } catch (e) {
        usageError(e.code === 'ENOENT' ? `${f}: no such file` : e.message);
      }
    });
    const c = report.compareDigests(a, b);
    for (const x of c.changed) process.stdout.write(`changed  ${x.id}\n         ${x.a}\n      →  ${x.b}\n`);
    for (const id of c.onlyInA) process.stdout.write(`removed  ${id}\n`);
    for (const id of c.onlyInB) process.stdout.write(`added    ${id}\n`);
    process.stdout.write(`${c.same.length} same, ${c.changed.length} changed, ${c.onlyInA.length} removed, ${c.onlyInB.length} added\n`);
    process.exit(c.identical ? 0 : 1);
  }
  const outDir = resolve(root, o.outDir ?? 'reports');
  let cucumberStatus;
  if (o.run) cucumberStatus = runCucumber(outDir, o.coverage);
  let result;
  try {
    result = report.generateReports({
      root, outDir, messagesFile: o.messagesFile, catalogFile: o.catalogFile, usageFile: o.usageFile, opcodeDir: o.opcodeDir,
    });
  } catch (e) {
    if (e && typeof e.code === 'string' && (e.code.startsWith('REPORT_') || e.code.startsWith('REQUIREMENT_CATALOG'))) {
      if (cucumberStatus) usageError(`cucumber-js exited with ${cucumberStatus} and left no usable output: ${e.message}`);
      usageError(e.message);
    }
    throw e;
  }
  const s = result.bundle.conformance.summary;
  const rel = relative(process.cwd(), outDir) || '.';
  process.stdout.write(`\nconformance: ${s.requirements} requirements — ${s.passed} passed, ${s.failed} failed, ${s.notCovered} not covered; ${s.scenarios} scenarios\n`);
  process.stdout.write(`reports: ${['conformance.html', 'conformance.md', 'conformance.json', 'digests.json'].map((f) => join(rel, f)).join(', ')}\n`);
  if (cucumberStatus !== undefined && cucumberStatus !== 0 && result.verdict.ok) {
    process.stdout.write(`(cucumber exited with ${cucumberStatus}: some scenarios are undefined, pending or skipped; no requirement failed)\n`);
  }
  if (!result.verdict.ok) {
    for (const r of result.verdict.reasons) process.stderr.write(`spec: ${r}\n`);
    process.exit(1);
  }
  if (!existsSync(join(outDir, 'conformance.html'))) process.exit(1);
}

main();
