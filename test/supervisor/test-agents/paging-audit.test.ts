import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../../src/asm';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { writePeImage } from '../../../src/firmware/pe';
import { MemoryView } from '../../../src/platform/memory-view';
import { MmImageLoader } from '../../../src/supervisor/mem/image-loader';
import { lockMmCoreBeforeExit, type LockInputs } from '../../../src/supervisor/mem/lock-mm-core';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import type { PageAttributes } from '../../../src/supervisor/mem/page-attributes';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import {
  PAGING_AUDIT_CHECKS, formatPagingAuditFinding, imageWritableSections, runPagingAudit, type PagingAuditCheck, type PagingAuditInput,
} from '../../../src/supervisor/test-agents';

const TSEG = { base: 0x3f800000, size: 0x800000 };
const UNBLOCKED = { base: 0x10000000, size: 0x2000, what: 'PEI unblock HOB' };
const MMIO = { base: 0xfed00000, size: 0x1000, what: 'HPET MMIO' };
const FLASH = { base: 0xffc00000, size: 0x400000, what: 'flash (firmware device)' };
const IOMMU = { base: 0xfed90000, size: 0x1000, what: 'IOMMU protected region' };
const COMM = [
  { base: 0x20000000, size: 0x10000, what: 'supervisor comm buffer' },
  { base: 0x20010000, size: 0x1000, what: 'supervisor mailbox' },
  { base: 0x20020000, size: 0x10000, what: 'user comm buffer' },
  { base: 0x20030000, size: 0x1000, what: 'user mailbox' },
];

const attrs = (s: string): PageAttributes => {
  if (s === 'not present') return { present: false, writable: false, user: false, executable: false };
  const [who, rw, x] = s.split(' ');
  return { present: true, user: who === 'user', writable: rw === 'read-write', executable: x === 'executable' };
};

/**
 * A clean layout as the core builds it: LockMmCoreBeforeExit over real 4-level tables in MMRAM (§1.6), a PEI
 * unblocked range (§7), then a user driver image loaded by MmImageLoader (§2.5).
 */
function cleanLayout() {
  const view = new MemoryView(new SparseMemory(), true);
  const alloc = new MmramAllocator([TSEG]);
  const ptm = new PageTableManager(view, alloc, () => undefined);
  const smiEntry = alloc.allocatePages(1, 'supervisor', 'code', 'SMI entry and supervisor stubs');
  const idt = alloc.allocatePages(1, 'supervisor', 'data', 'IDT');
  const userStack = alloc.allocatePages(2, 'user', 'data', 'CPL3 stack of CPU 0');
  const hobCopy = alloc.allocatePages(1, 'user', 'code', 'HOB copy');
  const policy = alloc.allocatePages(1, 'supervisor', 'data', 'firmware policy');
  const lock: LockInputs = {
    mmram: [TSEG],
    resources: [
      { type: 0, base: 0, size: 0x40000000 },
      { type: 1, base: MMIO.base, size: MMIO.size },
      { type: 1, base: IOMMU.base, size: IOMMU.size },
      { type: 3, base: FLASH.base, size: FLASH.size },
    ],
    commRegions: COMM,
    protectedRegions: [IOMMU],
    allocations: alloc.allocations(),
    overrides: [
      { base: smiEntry, size: 0x1000, attributes: attrs('supervisor read-only executable'), what: 'SMI entry' },
      { base: hobCopy, size: 0x1000, attributes: attrs('user read-only no-execute'), what: 'HOB copy' },
      { base: policy, size: 0x1000, attributes: attrs('supervisor read-only no-execute'), what: 'policy' },
    ],
    physBits: 46,
  };
  lockMmCoreBeforeExit(ptm, lock);
  ptm.setAttributes(UNBLOCKED.base, UNBLOCKED.size, attrs('user read-write no-execute'));
  const spec = { code: assemble('xor eax, eax\nret').bytes, data: new Uint8Array(64) } as Parameters<typeof writePeImage>[0];
  const bytes = writePeImage(spec);
  const image = new MmImageLoader(view, alloc, ptm).load(bytes, 'TestDriver', '11111111-2222-3333-4444-555555555555', 'user');
  const input = (): PagingAuditInput => ({
    pageTables: ptm,
    mmram: [TSEG],
    allocations: alloc.allocations(),
    commBuffers: COMM,
    unblocked: [UNBLOCKED],
    mmio: [MMIO, IOMMU, FLASH],
    protectedRegions: [IOMMU],
    imageWritableSections: imageWritableSections(bytes, image.base, 'TestDriver'),
    memoryMap: [
      { base: 0n, pages: 0x100n, type: 4 }, // the boot firmware's context below 1 MiB
      { base: 0x100000n, pages: 0xff00n, type: 7 },
      { base: 0x10000000n, pages: 0x10000n, type: 6 }, // DESIGN.md: 0x10000000–0x1FFFFFFF EfiRuntimeServicesData
      { base: 0x20000000n, pages: 0x40n, type: 6 }, // comm buffers and mailboxes
      { base: 0x20040000n, pages: 0x1f7c0n, type: 7 },
      { base: BigInt(TSEG.base), pages: BigInt(TSEG.size / 0x1000), type: 0 },
    ],
  });
  return { view, alloc, ptm, smiEntry, idt, userStack, hobCopy, policy, image, bytes, input };
}

const checks = (input: PagingAuditInput) => runPagingAudit(input).map((f) => f.check);

describe('supervisor test-agents: paging audit (MmPagingAuditTest, supervisor-facts §9.6)', () => {
  it('a clean LockMmCoreBeforeExit layout with a loaded driver gives zero findings', () => {
    const { ptm, input } = cleanLayout();
    expect(ptm.leaves().length).to.be.greaterThan(20);
    const findings = runPagingAudit(input());
    expect(findings.map(formatPagingAuditFinding)).to.deep.equal([]);
  });

  // One injected violation per check; each must produce exactly that finding, naming the range.
  const cases: { check: PagingAuditCheck; inject: (l: ReturnType<typeof cleanLayout>) => { base: number; size: number; input?: PagingAuditInput }; detail: RegExp }[] = [
    {
      check: 'no-write-execute',
      inject: (l) => {
        const [data] = imageWritableSections(l.bytes, l.image.base, 'TestDriver');
        l.ptm.setAttributes(Number(data.base), 0x1000, attrs('user read-write executable'));
        return { base: Number(data.base), size: 0x1000 };
      },
      detail: /user read-write executable: .*RW\+X/,
    },
    {
      check: 'execute-only-in-mmram',
      inject: (l) => {
        l.ptm.setAttributes(MMIO.base, MMIO.size, attrs('user read-only executable'));
        return { base: MMIO.base, size: MMIO.size };
      },
      detail: /HPET MMIO is user read-only executable: only MMRAM may be executable/,
    },
    {
      check: 'null-page-not-present',
      inject: (l) => {
        l.ptm.setAttributes(0, 0x1000, attrs('supervisor read-write no-execute'));
        return { base: 0, size: 0x1000 };
      },
      detail: /^0x0–0xfff \(4 KiB\) the first 4 KiB is supervisor read-write no-execute: page 0/,
    },
    {
      check: 'outside-mmram-not-present',
      inject: (l) => {
        l.ptm.setAttributes(0x18000000, 0x1000, attrs('user read-write no-execute'));
        return { base: 0x18000000, size: 0x1000 };
      },
      detail: /0x18000000–0x18000fff \(4 KiB\) outside MMRAM is user read-write no-execute/,
    },
    {
      check: 'supervisor-not-user',
      inject: (l) => {
        l.ptm.setAttributes(l.idt, 0x1000, attrs('user read-write no-execute'));
        return { base: l.idt, size: 0x1000 };
      },
      detail: /MMRAM data allocation "IDT" \(supervisor\) is user read-write no-execute: supervisor-owned pages/,
    },
    {
      check: 'data-not-executable',
      inject: (l) => {
        l.ptm.setAttributes(l.userStack, 0x2000, attrs('user read-only executable'));
        return { base: l.userStack, size: 0x2000 };
      },
      detail: /\(8 KiB\) MMRAM data allocation "CPL3 stack of CPU 0" \(user\) is user read-only executable: data allocations are mapped NX/,
    },
    {
      check: 'code-not-writable',
      inject: (l) => {
        l.ptm.setAttributes(l.hobCopy, 0x1000, attrs('user read-write no-execute'));
        return { base: l.hobCopy, size: 0x1000 };
      },
      detail: /"HOB copy" \(user\) is user read-write no-execute: code allocations are mapped read-only/,
    },
    {
      check: 'page-table-read-only',
      inject: (l) => {
        l.ptm.setAttributes(l.ptm.cr3, 0x1000, attrs('supervisor read-write no-execute'));
        return { base: l.ptm.cr3, size: 0x1000 };
      },
      detail: /page tables is supervisor read-write no-execute: page-table pages are mapped read-only/,
    },
    {
      check: 'protected-region-read-only',
      inject: (l) => {
        l.ptm.setAttributes(IOMMU.base, IOMMU.size, attrs('user read-write no-execute'));
        return { base: IOMMU.base, size: IOMMU.size };
      },
      detail: /IOMMU protected region is user read-write no-execute/,
    },
    {
      check: 'conventional-not-mapped',
      inject: (l) => {
        const input = l.input();
        input.memoryMap = [...input.memoryMap!.filter((d) => d.base !== 0x10000000n), { base: 0x10000000n, pages: 0x10000n, type: 7 }];
        return { base: UNBLOCKED.base, size: UNBLOCKED.size, input };
      },
      detail: /EfiConventionalMemory is user read-write no-execute: no EfiConventionalMemory may be mapped/,
    },
    {
      check: 'mmram-reserved',
      inject: (l) => {
        const input = l.input();
        input.memoryMap = [...input.memoryMap!.filter((d) => d.type !== 0), { base: BigInt(TSEG.base), pages: 0x800n, type: 4 }];
        return { base: TSEG.base, size: TSEG.size, input };
      },
      detail: /\(8 MiB\) MMRAM is mistyped in the DXE memory map: .*not EfiBootServicesData/,
    },
    {
      check: 'mmram-page-unowned',
      inject: (l) => {
        const free = l.alloc.freeRanges()[0].base;
        l.ptm.setAttributes(free, 0x1000, attrs('supervisor read-write no-execute'));
        return { base: free, size: 0x1000 };
      },
      detail: /MMRAM outside every allocation is supervisor read-write no-execute/,
    },
  ];

  it('the cases cover every check', () => {
    expect(cases.map((c) => c.check)).to.have.members([...PAGING_AUDIT_CHECKS]);
  });

  for (const c of cases) {
    it(`${c.check}: an injected violation gives exactly that finding over the injected range`, () => {
      const l = cleanLayout();
      const r = c.inject(l);
      const findings = runPagingAudit(r.input ?? l.input());
      expect(findings.map(formatPagingAuditFinding)).to.have.length(1);
      const [f] = findings;
      expect(f.check).to.equal(c.check);
      expect(f.severity).to.equal(c.check === 'mmram-page-unowned' ? 'warning' : 'error');
      expect([f.base, f.size]).to.deep.equal([BigInt(r.base), BigInt(r.size)]);
      expect(f.detail).to.match(c.detail);
    });
  }

  it('code-not-writable also covers EfiRuntimeServicesCode that is writable in MM (§9.6 check 5)', () => {
    const l = cleanLayout();
    const input = l.input();
    input.memoryMap = [...input.memoryMap!.filter((d) => d.base !== 0x10000000n), { base: 0x10000000n, pages: 0x10000n, type: 5 }];
    const [f, ...rest] = runPagingAudit(input);
    expect(rest).to.deep.equal([]);
    expect(f).to.deep.include({ check: 'code-not-writable', base: 0x10000000n, size: 0x2000n, what: 'EfiRuntimeServicesCode' });
  });

  it('page 0 may be present when a resource HOB declares MMIO there (item 10)', () => {
    const l = cleanLayout();
    l.ptm.setAttributes(0, 0x1000, attrs('user read-write no-execute'));
    const input = l.input();
    expect(checks(input)).to.deep.equal(['null-page-not-present']);
    input.mmio = [...input.mmio!, { base: 0, size: 0x1000, what: 'legacy MMIO' }];
    expect(checks(input)).to.deep.equal([]);
  });

  it('adjacent leaves with identical attributes merge (a 2 MiB leaf and 4 KiB leaves); different attributes do not', () => {
    const l = cleanLayout();
    l.ptm.setAttributes(0x18200000, 0x203000, attrs('user read-write no-execute'));
    l.ptm.setAttributes(0x18403000, 0x1000, attrs('user read-only no-execute'));
    expect(l.ptm.query(0x18200000).size).to.equal(0x200000);
    const findings = runPagingAudit(l.input());
    expect(findings.map((f) => [f.check, f.base, f.size])).to.deep.equal([
      ['outside-mmram-not-present', 0x18200000n, 0x203000n],
      ['outside-mmram-not-present', 0x18403000n, 0x1000n],
    ]);
    expect(findings[0].detail).to.match(/^0x18200000–0x18402fff \(2060 KiB\) outside MMRAM is user read-write no-execute/);
  });

  it('one range breaking several rules gives one finding per rule, sorted by address then check', () => {
    const l = cleanLayout();
    l.ptm.setAttributes(l.idt, 0x1000, attrs('user read-write executable'));
    l.ptm.setAttributes(0x18000000, 0x1000, attrs('user read-write executable'));
    expect(runPagingAudit(l.input()).map((f) => [f.check, f.base])).to.deep.equal([
      ['no-write-execute', 0x18000000n],
      ['execute-only-in-mmram', 0x18000000n],
      ['outside-mmram-not-present', 0x18000000n],
      ['no-write-execute', BigInt(l.idt)],
      ['supervisor-not-user', BigInt(l.idt)],
      ['data-not-executable', BigInt(l.idt)],
    ]);
  });

  it('an image\'s writable section is exempt from code-not-writable only when declared', () => {
    const l = cleanLayout();
    const input = l.input();
    const [data] = input.imageWritableSections!;
    input.imageWritableSections = [];
    const findings = runPagingAudit(input);
    expect(findings.map((f) => [f.check, f.base])).to.deep.equal([['code-not-writable', BigInt(data.base)]]);
    expect(findings[0].what).to.equal('MMRAM code allocation "image TestDriver" (user)');
  });

  it('an explicit page-table page list overrides the manager\'s own', () => {
    const l = cleanLayout();
    l.ptm.setAttributes(l.ptm.cr3, 0x1000, attrs('supervisor read-write no-execute'));
    expect(checks({ ...l.input(), pageTablePages: [] })).to.deep.equal([]);
    expect(checks({ ...l.input(), pageTablePages: [BigInt(l.ptm.cr3)] })).to.deep.equal(['page-table-read-only']);
  });
});
