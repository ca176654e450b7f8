/**
 * Issue 5 acceptance 2: a supervisor change that breaks a rule is caught. Each mutation below breaks one rule the
 * way a real regression would — one page-table attribute, one policy bit, one dispatcher rule, one syscall check —
 * and the same detectors (scenario-level checks on a booted q35 running real driver code) that all pass on the
 * unmutated model must report at least one failure under it.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { parseActionList } from '../../../src/scenario/driver';
import { policyFromFile } from '../../../src/scenario/engine/policy-source';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';
import { MmDispatcher } from '../../../src/supervisor/dispatcher/mm-dispatcher';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import type { PageAttributes } from '../../../src/supervisor/mem/page-attributes';
import { SyscallDispatcher } from '../../../src/supervisor/privilege/syscall-dispatcher';

const EFER = 0xc0000080;
const actions = (text: string) => parseActionList(text, { file: 'mutations', line: 0 });

/** The example policy, optionally with one bit changed in its bytes. */
let policyBitFlip: ((blob: Uint8Array) => void) | undefined;

function platform(): ScenarioPlatform {
  const p = new ScenarioPlatform();
  p.usePlatform('q35');
  const policy = policyFromFile('MmIsolationPoliciesExample.xml');
  if (policyBitFlip) policyBitFlip(policy.blob);
  p.setPolicy(policy);
  return p;
}

/** Each detector returns null when the rule holds, else what went wrong. */
const detectors: Record<string, () => string | null> = {
  'the paging audit finds nothing and the HOB copy is user read-only NX': () => {
    const p = platform();
    p.bootTo('runtime');
    const findings = p.pagingAudit();
    if (findings.length > 0) return `${findings.length} paging-audit finding(s): ${findings[0].check}`;
    const hob = p.pageAttributes(p.core!.runtime!.hobListCopy);
    return hob.writable || !hob.user || hob.executable ? `HOB copy is ${JSON.stringify(hob)}` : null;
  },
  'a WRMSR to EFER (denied by the example policy) stops the system': () => {
    const p = platform();
    p.scenarioDrivers.runsOnEntry('EferWriter', actions(`- wrmsr: { msr: ${EFER}, value: 0 }\n`));
    p.bootTo('runtime');
    const decision = p.machine!.trace.ofType('policy').find((e) => e.data.syscall === 'SMM_SC_WRMSR');
    if (decision?.data.allowed !== false) return `the WRMSR gate said ${JSON.stringify(decision?.data ?? 'nothing')}`;
    return p.machine!.trace.ofType('syscall-fatal').length === 1 ? null : 'no fatal syscall followed the denial';
  },
  'BEFORE puts a driver ahead of its target': () => {
    const p = platform();
    p.scenarioDrivers.declare({ name: 'Target', depex: 'TRUE' });
    p.scenarioDrivers.declare({ name: 'Early', depex: 'BEFORE Target' });
    p.bootTo('runtime');
    const s = p.startedDrivers();
    return s.indexOf('Early') >= 0 && s.indexOf('Early') < s.indexOf('Target') ? null : `order ${s.join(',')}`;
  },
  'registering an MMI handler at a supervisor address is fatal': () => {
    const p = platform();
    p.scenarioDrivers.runsOnEntry('BadRegistrar', actions('- asm: |\n    mov eax, 0x10007\n    mov rdx, 0x3F800000\n    xor r8d, r8d\n    syscall\n'));
    p.bootTo('runtime');
    return p.machine!.trace.ofType('syscall-fatal').length > 0 ? null : 'the registration was accepted';
  },
};

function failures(): string[] {
  return Object.entries(detectors).flatMap(([name, d]) => {
    const why = d();
    return why === null ? [] : [`${name}: ${why}`];
  });
}

function withPatch<T extends object, K extends keyof T>(target: T, key: K, replacement: T[K], run: () => void): void {
  const original = target[key];
  target[key] = replacement;
  try {
    run();
  } finally {
    target[key] = original;
  }
}

describe('mutation testing of the supervisor model (issue 5 acceptance 2)', () => {
  it('every detector passes on the unmutated model', () => {
    expect(failures()).to.deep.equal([]);
  });

  it('page-table attribute: read-only user data mapped writable is caught', () => {
    const proto = PageTableManager.prototype as unknown as { setAttributes(b: number, s: number, a: PageAttributes): void };
    const original = proto.setAttributes;
    withPatch(proto, 'setAttributes', function (this: PageTableManager, b: number, s: number, a: PageAttributes) {
      const flipped = a.present && a.user && !a.writable && !a.executable ? { ...a, writable: true } : a;
      original.call(this, b, s, flipped);
    }, () => expect(failures()).to.not.deep.equal([]));
  });

  it('policy bit: clearing the WRITE attribute of the EFER entry in the blob is caught', () => {
    policyBitFlip = (blob) => {
      const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      for (let o = 0; o + 8 <= blob.length; o += 2) {
        if (dv.getUint32(o, true) === EFER && dv.getUint16(o + 4, true) === 1) {
          dv.setUint16(o + 6, dv.getUint16(o + 6, true) & ~0x2, true);
          return;
        }
      }
      throw new Error('EFER entry not found in the example policy blob');
    };
    try {
      expect(failures()).to.not.deep.equal([]);
    } finally {
      policyBitFlip = undefined;
    }
  });

  it('dispatcher rule: ignoring BEFORE is caught', () => {
    const proto = MmDispatcher.prototype as unknown as { insert(x: { dependent: boolean; scheduled: boolean }): void; queue: unknown[] };
    withPatch(proto, 'insert', function (this: { queue: unknown[] }, x: { dependent: boolean; scheduled: boolean }) {
      x.dependent = false;
      x.scheduled = true;
      this.queue.push(x);
    }, () => expect(failures()).to.not.deep.equal([]));
  });

  it('syscall check: accepting any range as user-owned is caught', () => {
    withPatch(SyscallDispatcher.prototype, 'isUserRange', () => true, () => expect(failures()).to.not.deep.equal([]));
  });
});
