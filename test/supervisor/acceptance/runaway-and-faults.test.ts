/**
 * Issue 5 acceptance 4: a runaway or faulting driver never takes the process down; the run ends in the documented
 * reset or hang state, with telemetry naming the driver (supervisor-facts §9.1–§9.4).
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { parseActionList } from '../../../src/scenario/driver';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';
import { decodeTelemetry, TELEMETRY_SCRATCH_OFFSET } from '../../../src/supervisor/telemetry/telemetry-record';

function platformWith(actions: string, mode: 'reset' | 'hang' = 'reset', budget?: number) {
  const p = new ScenarioPlatform();
  p.usePlatform('q35');
  p.setFatalViolation(mode);
  if (budget) p.supervisorOptions = { userCodeBudget: budget };
  p.scenarioDrivers.runsOnEntry('Culprit', parseActionList(actions, { file: 'test', line: 0 }));
  return p;
}

describe('runaway and faulting drivers (issue 5 acceptance 4)', () => {
  it('an endless loop at CPL3 hangs the platform at the instruction budget and the trace names the driver', () => {
    const p = platformWith('- asm: |\n    spin: jmp spin\n', 'reset', 200_000);
    const r = p.bootTo('runtime');
    expect(r.stopped?.kind).to.equal('hang');
    const runaway = p.machine!.trace.ofType('runaway');
    expect(runaway).to.have.length(1);
    expect(runaway[0].data).to.include({ driver: p.scenarioDrivers.guidOf('Culprit'), name: 'Culprit' });
    expect(p.startedDrivers()).to.include('Culprit');
  });

  for (const mode of ['reset', 'hang'] as const) {
    it(`a page fault at CPL3 → MSVT telemetry naming the driver, then ${mode}`, () => {
      const p = platformWith('- read: 0x0\n', mode);
      const r = p.bootTo('runtime');
      expect(r.stopped?.kind).to.equal(mode === 'reset' ? 'warm-reset' : 'hang');
      const t = p.machine!.trace.ofType('telemetry');
      expect(t).to.have.length(1);
      expect(t[0].data).to.include({ driverId: p.scenarioDrivers.guidOf('Culprit'), exceptionType: '0xe', delivered: true });
      // the record really is in the user scratch page, in the MSVT layout
      const rec = decodeTelemetry(p.machine!.smm.read(Number(p.core!.runtime!.buffers.scratchPage) + TELEMETRY_SCRATCH_OFFSET, 0x388));
      expect(rec.driverId).to.equal(p.scenarioDrivers.guidOf('Culprit'));
      expect(rec.exceptionType).to.equal(14n);
    });
  }

  it('a privileged instruction at CPL3 (#GP) and an undefined opcode (#UD) are fatal with their vector', () => {
    for (const [asm, vector] of [['rdmsr', 13], ['ud2', 6]] as const) {
      const p = platformWith(`- asm: ${asm}\n`);
      p.bootTo('runtime');
      const t = p.machine!.trace.ofType('telemetry')[0];
      expect(Number(BigInt(t.data.exceptionType as string))).to.equal(vector);
      expect(p.machine!.state.kind).to.equal('warm-reset');
    }
  });
});
