import { describe, it } from 'node:test';
import { expect } from 'chai';
import { parseActionList } from '../../../src/scenario/driver';
import { addPolicyFile, entryPointReturn, handlerReturn, policyLayout, policyLoad, trappedIoAccess } from '../../../src/scenario/engine/policy-observations';
import { policyFromFile } from '../../../src/scenario/engine/policy-source';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';

const actions = (yaml: string) => parseActionList(yaml, { file: 'policy-observations.test.ts', line: 1 });

describe('scenario engine: policy observations', () => {
  it('policyLayout reads Size and the roots of the example blob (supervisor-facts §4.8 worked example)', () => {
    const { size, roots } = policyLayout(policyFromFile('MmIsolationPoliciesExample.xml').blob);
    expect(size).to.equal(0x150);
    expect(roots.map((r) => [r.type, r.offset, r.count, r.accessAttr])).to.deep.equal([[2, 0xa0, 2, 1], [3, 0xb0, 13, 1], [4, 0x118, 3, 0], [5, 0x130, 2, 0], [1, 0x150, 0, 1]]);
  });

  it('entryPointReturn is the RAX a driver entry point returned; policyLoad reports the loaded example', () => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    p.scenarioDrivers.runsOnEntry('Reader', actions('- wrmsr: { msr: 0xC0000103, value: 0x77 }\n- rdmsr: 0xC0000103'));
    p.bootTo('runtime');
    expect(entryPointReturn(p, 'Reader')).to.equal(0x77n);
    const l = policyLoad(p);
    expect(l.loaded).to.equal(true);
    expect(l.validation?.ok).to.equal(true);
    expect(l.blob?.length).to.equal(0x150);
  });

  it('addPolicyFile puts a FREEFORM policy file into the MM FV; the first RAW section is the policy', () => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    p.setPolicy(null);
    addPolicyFile(p, [policyFromFile('msr-deny-apic-base.yaml').blob, policyFromFile('MmIsolationPoliciesExample.xml').blob]);
    p.bootTo('DXE');
    const l = policyLoad(p);
    expect(l.loaded).to.equal(true);
    expect(l.blob).to.deep.equal(policyFromFile('msr-deny-apic-base.yaml').blob);
  });

  it('trappedIoAccess raises an SMI during a real OUT; a root handler reads the IO-trap info of CPU 0', () => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    p.scenarioDrivers.handlesMmi('Trap', null, actions('- save_state_read: { register: IO, cpu: 0, width: 24 }'));
    p.bootTo('runtime');
    trappedIoAccess(p, 0x1230, 4, true, 0x55n);
    expect(p.machine!.trace.events.some((e) => e.type === 'smi' && e.data.source === 'io-trap')).to.equal(true);
    expect(handlerReturn(p, 'Trap')).to.equal(0n);
  });
});
