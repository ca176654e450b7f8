import { MEMORY_TYPE_NAMES } from '../../firmware/hob/hob-types';
import { PAGE, type MmramAllocation } from '../mem/mmram-allocator';
import { describeAttributes, type PageAttributes } from '../mem/page-attributes';
import type { PageLeaf } from '../mem/page-table-manager';

/**
 * The rules the paging audit checks. The real MmPagingAuditTest (supervisor-facts §9.6) dumps the page tables and
 * the report generator checks "RW+X", "TSEG is Reserved", "Conventional Memory Mapped", "Only TSEG is executable"
 * and "Runtime Code RO"; the others check the layout LockMmCoreBeforeExit promises (§1.6, §12 items 7–13).
 */
export const PAGING_AUDIT_CHECKS = [
  /** §9.6 check 1 "RW+X": no page both writable and executable. */
  'no-write-execute',
  /** §9.6 check 4 "Only TSEG is executable"; §1.6 step 1 (non-MMRAM space is NX), item 116. */
  'execute-only-in-mmram',
  /** Item 10, §9.2 (NULL-pointer fault): the first 4 KiB is not present unless a resource HOB declares MMIO there. */
  'null-page-not-present',
  /** Item 7, §1.6 steps 2–5: outside MMRAM only MMIO/firmware-device, comm buffers, unblocked and protected ranges. */
  'outside-mmram-not-present',
  /** §0.2, §1.6 step 6, items 11–12: supervisor allocations, comm buffers and page tables are not CPL3-accessible. */
  'supervisor-not-user',
  /** §1.6 step 6: data allocations are NX. */
  'data-not-executable',
  /** §1.6 step 6 (code allocations RO; image data sections excepted, §2.5); §9.6 check 5 "Runtime Code RO". */
  'code-not-writable',
  /** §1.6 step 8: the page-table pages themselves are read-only. */
  'page-table-read-only',
  /** Item 9, §1.6 step 5: IOMMU protected regions are read-only. */
  'protected-region-read-only',
  /** §9.6 check 3 "Conventional Memory Mapped": no EfiConventionalMemory is present in MM. */
  'conventional-not-mapped',
  /** §9.6 check 2 "TSEG is Reserved": MMRAM is EfiReservedMemoryType in the DXE memory map. */
  'mmram-reserved',
  /** §9.6 "multiple owners" parse error, §1.6 step 6: a present MMRAM page belongs to some allocation. */
  'mmram-page-unowned',
] as const;
export type PagingAuditCheck = (typeof PAGING_AUDIT_CHECKS)[number];

export type PagingAuditSeverity = 'error' | 'warning';

/** One violation over a contiguous range (adjacent pages with the same attributes and owner are merged). */
export interface PagingAuditFinding {
  check: PagingAuditCheck;
  severity: PagingAuditSeverity;
  base: bigint;
  size: bigint;
  /** The attributes of the range in the MM page table (not present for `mmram-reserved`). */
  attributes: PageAttributes;
  /** What the range is (allocation purpose, comm buffer name, "outside MMRAM", …). */
  what: string;
  /** One line naming the range, its attributes and the broken rule with its source. */
  detail: string;
}

/** An address range; `what` names it in findings. */
export interface AuditRange {
  base: number | bigint;
  size: number | bigint;
  what?: string;
}

/** A DXE memory-map descriptor (structurally compatible with the platform's DxeMemoryDescriptor). */
export interface AuditMemoryDescriptor {
  base: bigint;
  pages: bigint;
  /** EFI_MEMORY_TYPE (supervisor-facts §0.2): 0 reserved, 5 runtime code, 7 conventional, … */
  type: number;
}

export interface PagingAuditInput {
  /** The live page tables (`PageTableManager`): every check reads the leaves back from the table bytes. */
  pageTables: { leaves(): PageLeaf[]; readonly tablePages?: readonly number[] };
  mmram: readonly AuditRange[];
  /** `MmramAllocator.allocations()` (plus any MMRAM region mapped outside the allocator, e.g. the core image). */
  allocations: readonly MmramAllocation[];
  /** External comm buffers and mailboxes (supervisor RW NX, item 11). */
  commBuffers?: readonly AuditRange[];
  /** Page-table pages; default `pageTables.tablePages`. */
  pageTablePages?: readonly (number | bigint)[];
  /** Unblocked ranges (PEI HOBs and UNBLOCK_MEM, §7). */
  unblocked?: readonly AuditRange[];
  /** MMIO and FIRMWARE_DEVICE resource ranges the core unblocked itself (§1.6 step 2). */
  mmio?: readonly AuditRange[];
  /** IOMMU protected-region HOB ranges (§1.6 step 5). */
  protectedRegions?: readonly AuditRange[];
  /** Writable sections of loaded images: RW NX inside code allocations by design (§2.5); see imageWritableSections. */
  imageWritableSections?: readonly AuditRange[];
  /** The DXE memory map, for the report generator's memory-type checks (§9.6 checks 2, 3, 5). */
  memoryMap?: readonly AuditMemoryDescriptor[];
}

const EFI_RESERVED_MEMORY_TYPE = 0;
const EFI_RUNTIME_SERVICES_CODE = 5;
const EFI_CONVENTIONAL_MEMORY = 7;

interface Span {
  start: number;
  end: number;
  what: string;
}

interface RawFinding {
  check: PagingAuditCheck;
  start: number;
  end: number;
  attributes: PageAttributes;
  what: string;
  why: string;
}

const span = (r: AuditRange, fallback: string): Span => ({ start: Number(r.base), end: Number(r.base) + Number(r.size), what: r.what ?? fallback });
const spans = (rs: readonly AuditRange[] | undefined, fallback: string): Span[] => (rs ?? []).map((r) => span(r, fallback)).filter((s) => s.end > s.start);
const find = <T extends Span>(xs: readonly T[], a: number): T | undefined => xs.find((x) => a >= x.start && a < x.end);
const sameAttributes = (x: PageAttributes, y: PageAttributes) =>
  x.present === y.present && x.writable === y.writable && x.user === y.user && x.executable === y.executable;

/**
 * MmPagingAuditTest as a function (supervisor-facts §9.6): walks the present leaves of the live MM page table,
 * explains every page with the MMRAM allocations and the non-MMRAM ranges the core knows, and returns the
 * violations sorted by address. A clean LockMmCoreBeforeExit layout (§1.6) gives none.
 */
export function runPagingAudit(input: PagingAuditInput): PagingAuditFinding[] {
  const mmram = spans(input.mmram, 'MMRAM');
  const allocations: Span[] = [];
  const allocationOf = new Map<Span, MmramAllocation>();
  for (const a of input.allocations) {
    const s = { start: a.base, end: a.base + a.pages * PAGE, what: a.purpose };
    allocations.push(s);
    allocationOf.set(s, a);
  }
  const tablePages = (input.pageTablePages ?? input.pageTables.tablePages ?? []).map((p) => ({ start: Number(p), end: Number(p) + PAGE, what: 'page tables' }));
  const comm = spans(input.commBuffers, 'comm buffer');
  const unblocked = spans(input.unblocked, 'unblocked range');
  const mmio = spans(input.mmio, 'MMIO range');
  const protectedRegions = spans(input.protectedRegions, 'IOMMU protected region');
  const writableSections = spans(input.imageWritableSections, 'image writable section');
  const memoryMap = (input.memoryMap ?? []).map((d) => ({ start: Number(d.base), end: Number(d.base + d.pages * BigInt(PAGE)), what: memoryTypeName(d.type), type: d.type }));

  // Every boundary where the explanation of a page can change: a leaf run is split there, so each piece is uniform.
  const cuts = new Set<number>([PAGE]);
  for (const xs of [mmram, allocations, tablePages, comm, unblocked, mmio, protectedRegions, writableSections, memoryMap]) {
    for (const x of xs) {
      cuts.add(x.start);
      cuts.add(x.end);
    }
  }
  const sortedCuts = [...cuts].sort((a, b) => a - b);

  const raw: RawFinding[] = [];
  for (const run of leafRuns(input.pageTables.leaves())) {
    let s = run.start;
    for (const c of sortedCuts) {
      if (c <= s) continue;
      if (c >= run.end) break;
      audit(s, c, run.attributes);
      s = c;
    }
    audit(s, run.end, run.attributes);
  }

  function audit(start: number, end: number, a: PageAttributes): void {
    const seen = new Set<PagingAuditCheck>();
    const add = (check: PagingAuditCheck, what: string, why: string) => {
      if (seen.has(check)) return;
      seen.add(check);
      raw.push({ check, start, end, attributes: a, what, why });
    };
    const mem = find(memoryMap, start);
    if (mem?.type === EFI_CONVENTIONAL_MEMORY) add('conventional-not-mapped', mem.what, 'no EfiConventionalMemory may be mapped in MM (§9.6 check 3)');
    if (mem?.type === EFI_RUNTIME_SERVICES_CODE && a.writable) add('code-not-writable', mem.what, 'runtime code must not be writable (§9.6 check 5 "Runtime Code RO")');
    const rwx = (what: string) => {
      if (a.writable && a.executable) add('no-write-execute', what, 'no page may be both writable and executable (§9.6 check 1 "RW+X")');
    };

    if (find(mmram, start) === undefined) {
      const c = find(comm, start), u = find(unblocked, start), m = find(mmio, start), p = find(protectedRegions, start);
      const known = c ?? u ?? m ?? p;
      const what = start < PAGE && m === undefined ? 'the first 4 KiB' : (known?.what ?? 'outside MMRAM');
      rwx(what);
      if (a.executable) add('execute-only-in-mmram', what, 'only MMRAM may be executable; everything outside it is NX (§9.6 check 4, §1.6 step 1)');
      if (start < PAGE && m === undefined) add('null-page-not-present', what, 'page 0 is never mapped in MM unless a resource HOB declares MMIO there (§12 item 10, §9.2)');
      else if (known === undefined) add('outside-mmram-not-present', what, 'outside MMRAM only MMIO/firmware-device ranges, comm buffers, unblocked and protected ranges may be present (§1.6 steps 2–5, §12 item 7)');
      if (c !== undefined && a.user) add('supervisor-not-user', what, 'comm buffers and mailboxes are supervisor-only (§1.6 step 3, §12 item 11)');
      if (p !== undefined && a.writable) add('protected-region-read-only', what, 'IOMMU protected regions are read-only (§1.6 step 5, §12 item 9)');
      return;
    }

    const table = find(tablePages, start);
    const alloc = find(allocations, start);
    const owner = alloc === undefined ? undefined : allocationOf.get(alloc);
    const what = table?.what ?? (owner === undefined ? 'MMRAM outside every allocation' : `MMRAM ${owner.type} allocation "${owner.purpose}" (${owner.owner})`);
    rwx(what);
    if (owner === undefined && table === undefined) add('mmram-page-unowned', what, 'a present MMRAM page must belong to an allocation; free MMRAM is not mapped (§1.6 step 6)');
    if ((owner?.owner === 'supervisor' || table !== undefined) && a.user) add('supervisor-not-user', what, 'supervisor-owned pages must not be CPL3-accessible (EFI_MEMORY_SP, §0.2, §1.6 step 6)');
    if (owner?.type === 'data' && a.executable) add('data-not-executable', what, 'data allocations are mapped NX (§1.6 step 6)');
    if (owner?.type === 'code' && a.writable && find(writableSections, start) === undefined) add('code-not-writable', what, "code allocations are mapped read-only; only an image's writable sections are RW (§1.6 step 6, §2.5)");
    if (table !== undefined && a.writable) add('page-table-read-only', what, 'page-table pages are mapped read-only (§1.6 step 8)');
  }

  // §9.6 check 2: descriptor-based, independent of the page table.
  for (const d of memoryMap) {
    if (d.type === EFI_RESERVED_MEMORY_TYPE) continue;
    for (const m of mmram) {
      const start = Math.max(d.start, m.start), end = Math.min(d.end, m.end);
      if (end > start) raw.push({ check: 'mmram-reserved', start, end, attributes: NOT_MAPPED, what: m.what, why: `MMRAM must be EfiReservedMemoryType in the DXE memory map, not ${d.what} (§9.6 check 2 "TSEG is Reserved")` });
    }
  }

  return merge(raw).map(toFinding).sort((x, y) => (x.base < y.base ? -1 : x.base > y.base ? 1 : PAGING_AUDIT_CHECKS.indexOf(x.check) - PAGING_AUDIT_CHECKS.indexOf(y.check)));
}

const NOT_MAPPED: PageAttributes = { present: false, writable: false, user: false, executable: false };

/** Contiguous present leaves with identical attributes as one run (leaves() is ascending). */
function leafRuns(leaves: readonly PageLeaf[]): { start: number; end: number; attributes: PageAttributes }[] {
  const runs: { start: number; end: number; attributes: PageAttributes }[] = [];
  for (const l of leaves) {
    if (!l.attributes.present) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.end === l.base && sameAttributes(last.attributes, l.attributes)) last.end = l.base + l.size;
    else runs.push({ start: l.base, end: l.base + l.size, attributes: l.attributes });
  }
  return runs;
}

/** Adjacent findings of one check over the same thing with the same attributes become one. */
function merge(raw: readonly RawFinding[]): RawFinding[] {
  const out: RawFinding[] = [];
  const last = new Map<string, RawFinding>();
  for (const f of [...raw].sort((x, y) => x.start - y.start)) {
    const key = `${f.check}|${f.what}|${describeAttributes(f.attributes)}`;
    const prev = last.get(key);
    if (prev !== undefined && prev.end === f.start) {
      prev.end = f.end;
      continue;
    }
    const copy = { ...f };
    out.push(copy);
    last.set(key, copy);
  }
  return out;
}

function toFinding(f: RawFinding): PagingAuditFinding {
  const severity: PagingAuditSeverity = f.check === 'mmram-page-unowned' ? 'warning' : 'error';
  const size = f.end - f.start;
  const range = `0x${f.start.toString(16)}–0x${(f.end - 1).toString(16)} (${formatSize(size)})`;
  const state = f.check === 'mmram-reserved' ? 'mistyped in the DXE memory map' : describeAttributes(f.attributes);
  return {
    check: f.check,
    severity,
    base: BigInt(f.start),
    size: BigInt(size),
    attributes: f.attributes,
    what: f.what,
    detail: `${range} ${f.what} is ${state}: ${f.why}`,
  };
}

function memoryTypeName(type: number): string {
  return MEMORY_TYPE_NAMES[type] ?? `memory type ${type}`;
}

function formatSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** "[error] no-write-execute: 0x…–0x… (4 KiB) … " — one line per finding, for reports and assertion messages. */
export function formatPagingAuditFinding(f: PagingAuditFinding): string {
  return `[${f.severity}] ${f.check}: ${f.detail}`;
}
