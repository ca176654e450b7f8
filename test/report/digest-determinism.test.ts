/**
 * Issue 7 acceptance 3 (first half): running the same features twice gives identical evidence digests. Runs
 * Cucumber twice on two feature files (with parallel workers) and compares the digests.json the report writes.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const features = ['features/dispatch/order.feature', 'features/faults/telemetry.feature'];

function run(dir: string): Record<string, unknown> {
  const messages = join(dir, 'messages.ndjson');
  const config = 'test/steps/fixtures/cucumber.typos.js'; // empty config: only these paths
  const c = spawnSync(process.execPath, [join(root, 'node_modules/@cucumber/cucumber/bin/cucumber.js'), '--config', config,
    '--require-module', 'ts-node/register/transpile-only', '--require', 'steps/**/*.ts', '--parallel', '2', '--format', `message:${messages}`, ...features], { cwd: root, encoding: 'utf8' });
  expect(c.status, c.stdout + c.stderr).to.equal(0);
  const r = spawnSync(process.execPath, [join(root, 'scripts/spec-report.js'), '--messages', messages, '--out', dir], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).to.equal(0);
  return JSON.parse(readFileSync(join(dir, 'digests.json'), 'utf8')) as Record<string, unknown>;
}

describe('evidence digests are deterministic (issue 7 acceptance 3)', () => {
  it('two runs of the same features give the same digest for every scenario', () => {
    const a = run(mkdtempSync(join(tmpdir(), 'mmspec-digest-a-')));
    const b = run(mkdtempSync(join(tmpdir(), 'mmspec-digest-b-')));
    expect(JSON.stringify(a).length).to.be.greaterThan(100);
    expect(b).to.deep.equal(a);
  });
});
