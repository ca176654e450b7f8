import { describe, it } from 'node:test';
import { expect } from 'chai';
import { MachineStop } from '../../../src/platform/machine-stop';
import { decodeTelemetry, TELEMETRY_SIZE } from '../../../src/supervisor/telemetry/telemetry-record';
import { setupSupervisorCpu as setup } from '../support/supervisor-cpu-harness';

describe('supervisor telemetry without a registered error reporter (supervisor-facts §9.3 step 1, item 119)', () => {
  it('places no MSVT record in the user scratch page and still resets', () => {
    const t = setup('rdmsr\nret', { reboot: true });
    expect(() => t.run()).to.throw(MachineStop);
    expect(t.m.state.kind).to.equal('warm-reset');
    const rec = decodeTelemetry(t.m.smm.read(t.scratch + 8, TELEMETRY_SIZE));
    expect(rec.signature).to.equal(0);
    expect(t.m.trace.ofType('telemetry')[0].data).to.deep.include({ delivered: false, record: null });
  });
});
