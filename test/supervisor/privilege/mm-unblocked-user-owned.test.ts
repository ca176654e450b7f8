import { describe, it } from 'node:test';
import { expect } from 'chai';
import { setupSupervisorCpu as setup } from '../support/supervisor-cpu-harness';

// SMM_MM_UNBLOCKED (0x10022) with the core's MmIsBufferOutsideMmValid answering TRUE for everything: the user-mode
// flavour still needs the first 16 bytes' pages to be user-owned (supervisor-facts §7.4, §12 item 60).
const query = (address: string) => `${address}\nmov r8, 16\nmov eax, 0x10022\nsyscall\nret`;

describe('SMM_MM_UNBLOCKED requires user-owned pages (supervisor-facts §7.4, item 60)', () => {
  it('answers 1 for a range in the caller\'s own user pages', () => {
    expect(setup(query('lea rdx, [rel $]'), { services: { isUnblockedBuffer: () => true } }).run()).to.equal(1n);
  });

  it('answers 0 for a range whose pages are not user-owned, even when the core check passes', () => {
    const t = setup(query('mov rdx, 0x10000000'), { services: { isUnblockedBuffer: () => true } });
    expect(t.run()).to.equal(0n);
  });
});
