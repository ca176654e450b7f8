/**
 * Issue 6 acceptance 4: a scenario with a typo in a milestone, a status word, a driver name, a GUID name, a request
 * word or a platform gets an error naming the unknown word and its close alternatives. Runs Cucumber on a fixture
 * feature outside features/.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('typos in scenarios name the unknown word and its close alternatives', () => {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@cucumber/cucumber/bin/cucumber.js'), '--config', 'test/steps/fixtures/cucumber.typos.js', '--require-module', 'ts-node/register', '--require', 'steps/**/*.ts', '--format', 'summary', 'test/steps/fixtures/typos.feature'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  const out = r.stdout + r.stderr;
  it('every scenario fails (no typo is silently accepted)', () => {
    expect(out).to.match(/\n6 scenarios \(6 failed\)\n/);
  });
  for (const [word, suggestion] of [
    ['ready-to-lock', 'ready to lock'], ['EFI_ACCES_DENIED', 'EFI_ACCESS_DENIED'], ['MmSupervisorRing3Brokr', 'MmSupervisorRing3Broker'],
    ['gEfiMmEndOfDxeProtocolGuidd', 'gEfiMmEndOfDxeProtocolGuid'], ['VERSON_INFO', 'VERSION_INFO'], ['q53', 'q35'],
  ]) {
    it(`"${word}" → suggests "${suggestion}"`, () => {
      const i = out.indexOf(word);
      expect(i, `the output names ${word}`).to.be.greaterThan(-1);
      expect(out.slice(i, i + 600)).to.include(suggestion);
    });
  }
});
