import { describe, it } from 'node:test';
import { expect } from 'chai';
import { Machine } from '../../../src/platform/machine';
import { q35Spec } from '../../../src/platform/q35-spec';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import { describeAttributes } from '../../../src/supervisor/mem/page-attributes';
import { flatMachine } from '../../../src/cpu/snippet';
import { CpuFault } from '../../../src/cpu/cpu-fault';

function setup() {
  const m = new Machine(q35Spec({ cpus: 1 }));
  const alloc = new MmramAllocator([{ base: m.chipset.tsegBase, size: m.chipset.tsegSize }]);
  const ptm = new PageTableManager(m.smm, alloc, () => m.cpus.forEach((c) => c.flushTlb()));
  return { m, alloc, ptm };
}

const RW_NX_USER = { present: true, writable: true, user: true, executable: false };
const RO_X_SUP = { present: true, writable: false, user: false, executable: true };

describe('supervisor mem: PageTableManager (real 4-level tables in MMRAM)', () => {
  it('allocates its tables from MMRAM and reports unmapped memory as not present', () => {
    const { m, ptm } = setup();
    expect(ptm.cr3).to.be.within(m.chipset.tsegBase, m.chipset.tsegEnd - 1);
    expect(describeAttributes(ptm.query(0x10000000).attributes)).to.equal('not present');
  });

  it('maps 4 KiB and 2 MiB pages with exact attributes and reads them back from the bytes', () => {
    const { ptm } = setup();
    ptm.setAttributes(0x10000000, 0x3000, RW_NX_USER);
    ptm.setAttributes(0x20000000, 0x400000, RO_X_SUP);
    expect(ptm.query(0x10001000)).to.deep.include({ size: 0x1000 });
    expect(describeAttributes(ptm.query(0x10002fff).attributes)).to.equal('user read-write no-execute');
    expect(describeAttributes(ptm.query(0x10003000).attributes)).to.equal('not present');
    expect(ptm.query(0x20100000)).to.deep.include({ base: 0x20000000, size: 0x200000 });
    expect(describeAttributes(ptm.query(0x20300000).attributes)).to.equal('supervisor read-only executable');
  });

  it('splits a 2 MiB page when part of it changes, keeping the rest', () => {
    const { ptm } = setup();
    ptm.setAttributes(0x20000000, 0x200000, RO_X_SUP);
    ptm.setAttributes(0x20005000, 0x1000, { present: false, writable: false, user: false, executable: false });
    expect(describeAttributes(ptm.query(0x20005000).attributes)).to.equal('not present');
    expect(describeAttributes(ptm.query(0x20004000).attributes)).to.equal('supervisor read-only executable');
    expect(describeAttributes(ptm.query(0x20006000).attributes)).to.equal('supervisor read-only executable');
    expect(ptm.uniformAttributes(0x20004000, 0x2000)).to.equal(null);
    expect(ptm.uniformAttributes(0x20006000, 0x10000)).to.deep.equal(RO_X_SUP);
  });

  it('lists present leaves in ascending order', () => {
    const { ptm } = setup();
    ptm.setAttributes(0x30000000, 0x1000, RW_NX_USER);
    ptm.setAttributes(0x10000000, 0x200000, RW_NX_USER);
    expect(ptm.leaves().map((l) => [l.base, l.size])).to.deep.equal([[0x10000000, 0x200000], [0x30000000, 0x1000]]);
  });

  it('a CPU walking these tables gets exactly the faults the attributes promise', () => {
    const { m, ptm } = setup();
    ptm.setAttributes(0x10000000, 0x1000, RW_NX_USER);
    ptm.setAttributes(0x10001000, 0x1000, { present: true, writable: false, user: true, executable: false });
    // run a CPU (flat machine shares nothing with m) on m's bus: borrow m's CPU in long mode with CR3 = our root
    const { cpu: template } = flatMachine(3);
    const cpu = m.cpus[0];
    cpu.cr0 = template.cr0; cpu.cr4 = template.cr4 | (1 << 20); cpu.efer = template.efer;
    cpu.segAttr.set(template.segAttr); cpu.segSel.set(template.segSel); cpu.cpl = 3; cpu.updateMode();
    cpu.cr3 = ptm.cr3; cpu.flushTlb();
    cpu.writeMem(0x10000010, 4, 0xabcd);
    expect(m.outside.u32(0x10000010)).to.equal(0xabcd);
    expect(() => cpu.writeMem(0x10001000, 4, 1)).to.throw(CpuFault).with.property('errorCode', 0x7);
    expect(() => cpu.readMem(0x10002000, 4)).to.throw(CpuFault).with.property('errorCode', 0x4);
  });
});

describe('supervisor mem: MmramAllocator', () => {
  it('allocates lowest-first, aligns, frees and coalesces, and explains each page', () => {
    const a = new MmramAllocator([{ base: 0x1000000, size: 0x10000 }], [{ base: 0x1000000, size: 0x1000 }]);
    const x = a.allocatePages(2, 'user', 'code', 'driver A');
    const y = a.allocatePages(1, 'supervisor', 'data', 'stack', 4);
    expect(x).to.equal(0x1001000);
    expect(y).to.equal(0x1004000);
    expect(a.allocationAt(0x1002fff)).to.deep.include({ owner: 'user', purpose: 'driver A' });
    expect(a.freePages(x, 1)).to.equal(undefined);
    expect(a.freePages(x, 2)).to.deep.include({ base: x });
    expect(() => a.allocatePages(100, 'user', 'data', 'too big')).to.throw(/MMRAM exhausted/);
  });
});
