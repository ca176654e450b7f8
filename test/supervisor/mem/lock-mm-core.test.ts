import { describe, it } from 'node:test';
import { expect } from 'chai';
import { MemoryView } from '../../../src/platform/memory-view';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import { describeAttributes } from '../../../src/supervisor/mem/page-attributes';
import { MemoryMapInconsistency, lockMmCoreBeforeExit, type LockInputs } from '../../../src/supervisor/mem/lock-mm-core';

const TSEG = { base: 0x3f800000, size: 0x800000 };

function build(overrides: Partial<LockInputs> = {}) {
  const mem = new SparseMemory();
  const alloc = new MmramAllocator([TSEG]);
  const ptm = new PageTableManager(new MemoryView(mem, true), alloc, () => undefined);
  const code = alloc.allocatePages(2, 'user', 'code', 'driver image');
  const data = alloc.allocatePages(1, 'user', 'data', 'driver data');
  const sup = alloc.allocatePages(1, 'supervisor', 'data', 'core data');
  const hob = alloc.allocatePages(1, 'user', 'code', 'HOB copy');
  const policy = alloc.allocatePages(1, 'supervisor', 'data', 'firmware policy');
  const inputs: LockInputs = {
    mmram: [TSEG],
    resources: [
      { type: 0, base: 0, size: 0x40000000 },
      { type: 1, base: 0xfed00000, size: 0x1000 },
      { type: 3, base: 0xffc00000, size: 0x400000 },
    ],
    commRegions: [
      { base: 0x20000000, size: 0x10000, what: 'supervisor comm buffer' },
      { base: 0x20010000, size: 0x1000, what: 'supervisor mailbox' },
      { base: 0x20020000, size: 0x10000, what: 'user comm buffer' },
      { base: 0x20030000, size: 0x1000, what: 'user mailbox' },
    ],
    protectedRegions: [{ base: 0xfed90000, size: 0x1000 }],
    allocations: alloc.allocations(),
    overrides: [
      { base: hob, size: 0x1000, attributes: { present: true, writable: false, user: true, executable: false }, what: 'HOB copy' },
      { base: policy, size: 0x1000, attributes: { present: true, writable: false, user: false, executable: false }, what: 'policy' },
    ],
    physBits: 46,
    ...overrides,
  };
  return { ptm, inputs, code, data, sup, hob, policy };
}

const at = (ptm: PageTableManager, a: number) => describeAttributes(ptm.query(a).attributes);

describe('supervisor mem: LockMmCoreBeforeExit (§1.6)', () => {
  it('items 7, 8, 10: outside MMRAM only MMIO and firmware-device ranges are present (user RW NX); page 0 never', () => {
    const { ptm, inputs } = build();
    lockMmCoreBeforeExit(ptm, inputs);
    expect(at(ptm, 0)).to.equal('not present');
    expect(at(ptm, 0x10000000)).to.equal('not present');
    expect(at(ptm, 0xfed00000)).to.equal('user read-write no-execute');
    expect(at(ptm, 0xffc00000)).to.equal('user read-write no-execute');
    expect(at(ptm, 0xfee00000)).to.equal('not present');
  });

  it('item 11: both comm buffers and both mailboxes are supervisor RW NX', () => {
    const { ptm, inputs } = build();
    lockMmCoreBeforeExit(ptm, inputs);
    for (const c of inputs.commRegions) expect(at(ptm, c.base), c.what).to.equal('supervisor read-write no-execute');
  });

  it('item 9: IOMMU protected regions are present, read-only, NX', () => {
    const { ptm, inputs } = build();
    lockMmCoreBeforeExit(ptm, inputs);
    expect(at(ptm, 0xfed90000)).to.equal('user read-only no-execute');
  });

  it('items 12–13: policy pages supervisor RO, the HOB copy user RO NX, code RO, data NX by owner; page tables RO', () => {
    const { ptm, inputs, code, data, sup, hob, policy } = build();
    lockMmCoreBeforeExit(ptm, inputs);
    expect(at(ptm, policy)).to.equal('supervisor read-only no-execute');
    expect(at(ptm, hob)).to.equal('user read-only no-execute');
    expect(at(ptm, code)).to.equal('user read-only no-execute'); // a loaded image's code sections become RX later (§2.5)
    expect(at(ptm, data)).to.equal('user read-write no-execute');
    expect(at(ptm, sup)).to.equal('supervisor read-write no-execute');
    expect(at(ptm, ptm.cr3)).to.equal('supervisor read-only no-execute');
    expect(ptm.tablePages.every((t) => at(ptm, t) === 'supervisor read-only no-execute')).to.equal(true);
  });

  it('item 6: overlapping resource ranges, overlapping MMRAM ranges, or MMRAM outside every range are inconsistencies', () => {
    const bad1 = build({ resources: [{ type: 0, base: 0, size: 0x40000000 }, { type: 1, base: 0x3ff00000, size: 0x200000 }] });
    expect(() => lockMmCoreBeforeExit(bad1.ptm, bad1.inputs)).to.throw(MemoryMapInconsistency, /overlaps/);
    const bad2 = build({ mmram: [TSEG, { base: TSEG.base + 0x1000, size: 0x1000 }] });
    expect(() => lockMmCoreBeforeExit(bad2.ptm, bad2.inputs)).to.throw(MemoryMapInconsistency);
    const bad3 = build({ resources: [{ type: 0, base: 0, size: 0x3f000000 }] });
    expect(() => lockMmCoreBeforeExit(bad3.ptm, bad3.inputs)).to.throw(MemoryMapInconsistency, /not inside one described range/);
  });
});
