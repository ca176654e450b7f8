import { appendMemoryPolicy, measurementOverlap } from './memory-policy';
import { parsePolicy, writePolicy } from './policy-binary';
import { AccessAttr, IoDescriptor, MemDescriptor, MsrDescriptor, PolicyAttr, PolicyRoot, PolicyType, SaveStateCondition, SaveStateDescriptor, SaveStateField, SecurePolicy, accessName } from './policy-types';

/*
 * Secured-core MM policy measurement levels, evaluated rule by rule as MmSupvRequestUnitTestApp's
 * "Policy security inspection" does on the policy FETCH_POLICY returns (supervisor-facts §5).
 */

/** Levels (supervisor-facts §5.1). */
export const SMM_POLICY_LEVELS = [10, 20, 30] as const;
export const MAX_SUPPORTED_LEVEL = 30;

/** MSR lists (supervisor-facts §5.2). */
export const LEVEL20_MSRS = {
  intel: [0xe4, 0x600, 0x652, 0x653, 0x655, 0x656, 0x658, 0x700, 0x701, 0x706, 0x707, 0x710, 0x711, 0x716, 0x717, 0x720, 0x721, 0x726, 0x727, 0x730, 0x731, 0x736, 0x737],
  amd: [0x1d9, 0xc0000080, 0xc0010010, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0010111, 0xda0, 0x6a0, 0x6a2, 0x6a4, 0x6a5, 0x6a6, 0x6a7, 0x6a8],
} as const;
export const LEVEL30_MSRS = { intel: [0x570], amd: [0xc0011010, 0xc0011024, 0xc0011018] } as const;
/** IO list (supervisor-facts §5.3): port and width in bytes. */
export const LEVEL20_IO = [{ port: 0xcf8, width: 4 }, { port: 0xcfc, width: 4 }] as const;
/** TXT constants (supervisor-facts §5.1). */
export const TXT = { privateBase: 0xfed20000n, publicBase: 0xfed30000n, regionSize: 0x1000n } as const;

/** A Memory Attributes Table entry (EFI_MEMORY_DESCRIPTOR). */
export interface MatEntry {
  type: number;
  physicalStart: bigint;
  numberOfPages: bigint;
  attribute: bigint;
}

/**
 * The platform facts the measurement reads besides the policy. Defaults (documented for `mmspec policy
 * check`): vendor intel, an empty Memory Attributes Table, an IOMMU ACPI table (DMAR/IVRS) with no units,
 * TXT heap base/size and DPR registers reading 0 (so those regions are skipped).
 */
export interface PlatformFacts {
  vendor: 'intel' | 'amd';
  /** MAT entries; `undefined` = no MAT installed (the test app then fails). */
  mat?: MatEntry[];
  /** IOMMU register bases (Intel DMAR DRHD RegisterBaseAddress / AMD IVRS IVHD 0x10/0x11/0x40 base), 4 KiB each; `undefined` = no ACPI table. */
  iommuBases?: bigint[];
  /** MMIO reads of the TXT heap base (0xFED30300), heap size (0xFED30308) and DPR (0xFED30330) registers. */
  txtHeapBase: bigint;
  txtHeapSize: bigint;
  txtDpr: bigint;
}

export const DEFAULT_PLATFORM_FACTS: PlatformFacts = { vendor: 'intel', mat: [], iommuBases: [], txtHeapBase: 0n, txtHeapSize: 0n, txtDpr: 0n };

export interface MeasurementOptions {
  /**
   * Evaluate the policy as FETCH_POLICY reports it (default true): a MEM root that the supervisor has not
   * filled yet (AccessAttr not ALLOW, e.g. SupervisorPolicyMaker's DENY placeholder) is filled with
   * `memoryDescriptors` (default none, which leaves the 0xDEADBEEF placeholder descriptor, §4.10).
   */
  simulateFetch?: boolean;
  memoryDescriptors?: MemDescriptor[];
}

export type MeasurementCategory = 'fetch' | 'memory' | 'io' | 'msr' | 'save-state' | 'aggregate';

export interface MeasurementRule {
  /** Stable id, e.g. `MSR-20 0x1D9`, `IO-20 0xCF8/4`, `MEM-10 W+X`. */
  id: string;
  category: MeasurementCategory;
  /** The level this rule gates (0 for informational rules). */
  level: number;
  pass: boolean;
  why: string;
  root?: number;
  entry?: number;
}

export interface MeasurementResult {
  vendor: 'intel' | 'amd';
  rules: MeasurementRule[];
  /** Per-category levels; absent when the policy has no (usable) root of that type. */
  levels: { memory?: number; io?: number; msr?: number; saveState?: number };
  /** The aggregated level (§5.6); 0 when the test app would fail before computing one. */
  level: number;
  /** Set when the test app would fail outright (a helper returns an error), with the reason. */
  aborted?: string;
}

const hx = (v: number | bigint) => '0x' + v.toString(16).toUpperCase();

/** Measures a policy blob or model (supervisor-facts §5). */
export function measurePolicy(input: Uint8Array | SecurePolicy, facts: Partial<PlatformFacts> = {}, options: MeasurementOptions = {}): MeasurementResult {
  const f: PlatformFacts = { ...DEFAULT_PLATFORM_FACTS, ...facts };
  const rules: MeasurementRule[] = [];
  let policy = input instanceof Uint8Array ? parsePolicy(input) : input;
  if (options.simulateFetch ?? true) {
    const mem = policy.roots.find((r) => r.type === PolicyType.MEM);
    if (mem && mem.accessAttr !== AccessAttr.ALLOW) {
      const r = appendMemoryPolicy(writePolicy(policy), options.memoryDescriptors ?? []);
      if (r.policy) {
        policy = parsePolicy(r.policy);
        rules.push({ id: 'FETCH', category: 'fetch', level: 0, pass: true, why: `MEM root is not filled yet (${accessName(mem.accessAttr)}); evaluated as FETCH_POLICY reports it: ALLOW with ${options.memoryDescriptors?.length ? options.memoryDescriptors.length + ' descriptor(s)' : 'the 0xDEADBEEF placeholder descriptor'}` });
      }
    }
  }
  const result: MeasurementResult = { vendor: f.vendor, rules, levels: {}, level: 0 };
  const abort = (why: string) => { result.aborted ??= why; };
  const done = new Set<number>();
  policy.roots.forEach((root, i) => {
    // §5.6: roots whose AccessAttr is neither ALLOW nor DENY are ignored.
    if (root.accessAttr !== AccessAttr.ALLOW && root.accessAttr !== AccessAttr.DENY) {
      rules.push({ id: `ROOT ${i}`, category: 'aggregate', level: 0, pass: true, why: `root ${i} has AccessAttr ${hx(root.accessAttr)}, neither ALLOW nor DENY: ignored`, root: i });
      return;
    }
    if (root.kind === 'unknown' || root.kind === 'instruction') return;
    if (done.has(root.type)) {
      rules.push({ id: `ROOT ${i}`, category: 'aggregate', level: 0, pass: false, why: `root ${i} repeats type ${root.kind}: EFI_ALREADY_STARTED, the test fails`, root: i });
      abort(`duplicate ${root.kind} root ${i}`);
      return;
    }
    done.add(root.type);
    switch (root.kind) {
      case 'io': result.levels.io = measureIo(root.descriptors, root, i, rules); break;
      case 'msr': result.levels.msr = measureMsr(root.descriptors, root, i, f.vendor, rules); break;
      case 'save-state': {
        const l = measureSaveState(root.descriptors, root, i, rules);
        if (l === undefined) abort('SAVE_STATE root is a DENY list: EFI_INVALID_PARAMETER'); else result.levels.saveState = l;
        break;
      }
      case 'mem': {
        const l = measureMemory(root.descriptors, root, i, f, rules);
        if (typeof l === 'string') abort(l); else result.levels.memory = l;
        break;
      }
    }
  });
  // §5.6 aggregation.
  const L = result.levels;
  let level: number;
  let why: string;
  if (L.memory === undefined) { level = 0; why = 'no MEM level: level 0'; }
  else if (L.io === undefined || L.msr === undefined) { level = Math.min(L.memory, 10); why = `no ${L.io === undefined ? 'IO' : 'MSR'} root: at most level 10`; }
  else {
    level = Math.min(L.memory, L.io, L.msr);
    if (L.saveState === undefined) { level = Math.min(level, 20); why = 'no SAVE_STATE root: at most level 20'; }
    else { level = Math.min(level, L.saveState); why = 'minimum of the memory, IO, MSR and save-state levels'; }
  }
  if (result.aborted) { level = 0; why = `the inspection fails before computing a level: ${result.aborted}`; }
  result.level = level;
  rules.push({ id: 'LEVEL', category: 'aggregate', level, pass: level > 0, why: `${why} (memory ${L.memory ?? '-'}, IO ${L.io ?? '-'}, MSR ${L.msr ?? '-'}, save state ${L.saveState ?? '-'}) → level ${level}` });
  return result;
}

/** The list check shared by IO and MSR (§5.2/§5.3): fail if covered by an allow list, uncovered by a deny list, or covered by a deny entry lacking the needed bits. */
function listRule(access: number, entry: number | undefined, hasBits: boolean, bitsName: string): { pass: boolean; why: string } {
  if (entry !== undefined && access === AccessAttr.ALLOW) return { pass: false, why: `allowed by entry ${entry} of an allow list` };
  if (entry === undefined && access === AccessAttr.DENY) return { pass: false, why: 'not listed in the deny list, so allowed' };
  if (entry !== undefined && !hasBits) return { pass: false, why: `deny entry ${entry} lacks ${bitsName}` };
  return entry === undefined ? { pass: true, why: 'not listed in the allow list, so denied' } : { pass: true, why: `denied by entry ${entry} (${bitsName})` };
}

function measureIo(d: IoDescriptor[], root: PolicyRoot, i: number, rules: MeasurementRule[]): number {
  let ok = true;
  for (const t of LEVEL20_IO) {
    const entry = d.findIndex((e) => (e.attributes & PolicyAttr.STRICT_WIDTH
      ? e.ioAddress === t.port && e.lengthOrWidth === t.width
      : e.ioAddress <= t.port && e.ioAddress + e.lengthOrWidth >= t.port + t.width));
    const e = entry < 0 ? undefined : entry;
    const r = listRule(root.accessAttr, e, e !== undefined && (d[e].attributes & PolicyAttr.WRITE) !== 0, 'WRITE');
    rules.push({ id: `IO-20 ${hx(t.port)}/${t.width}`, category: 'io', level: 20, pass: r.pass, why: `write to port ${hx(t.port)} width ${t.width}: ${r.why}`, root: i, ...(e !== undefined ? { entry: e } : {}) });
    ok &&= r.pass;
  }
  // §5.3: there is no separate level-30 IO list.
  return ok ? 30 : 10;
}

function measureMsr(d: MsrDescriptor[], root: PolicyRoot, i: number, vendor: 'intel' | 'amd', rules: MeasurementRule[]): number {
  const check = (list: readonly number[], level: number): boolean => {
    let ok = true;
    for (const t of list) {
      // The test app's sum MsrAddress + Length is 32-bit.
      const entry = d.findIndex((e) => e.msrAddress <= t && ((e.msrAddress + e.length) >>> 0) > t);
      const e = entry < 0 ? undefined : entry;
      const rw = PolicyAttr.READ | PolicyAttr.WRITE;
      const r = listRule(root.accessAttr, e, e !== undefined && (d[e].attributes & rw) === rw, 'READ and WRITE');
      rules.push({ id: `MSR-${level} ${hx(t)}`, category: 'msr', level, pass: r.pass, why: `MSR ${hx(t)} (${vendor}): ${r.why}`, root: i, ...(e !== undefined ? { entry: e } : {}) });
      ok &&= r.pass;
    }
    return ok;
  };
  const l20 = check(LEVEL20_MSRS[vendor], 20);
  const l30 = check(LEVEL30_MSRS[vendor], 30);
  return !l20 ? 10 : !l30 ? 20 : 30;
}

function measureSaveState(d: SaveStateDescriptor[], root: PolicyRoot, i: number, rules: MeasurementRule[]): number | undefined {
  if (root.accessAttr === AccessAttr.DENY) {
    rules.push({ id: 'SVST', category: 'save-state', level: 20, pass: false, why: 'the SAVE_STATE root is a deny list: the helper returns EFI_INVALID_PARAMETER and the test fails', root: i });
    return undefined;
  }
  let ok = true;
  d.forEach((e, j) => {
    const io = e.mapField === SaveStateField.IO_TRAP && e.attributes === PolicyAttr.READ;
    const raxR = e.mapField === SaveStateField.RAX && e.attributes === PolicyAttr.COND_READ && e.accessCondition === SaveStateCondition.IO_WRITE;
    const raxW = e.mapField === SaveStateField.RAX && e.attributes === PolicyAttr.COND_WRITE && e.accessCondition === SaveStateCondition.IO_READ;
    const pass = io || raxR || raxW;
    rules.push({
      id: `SVST-30 entry ${j}`, category: 'save-state', level: 30, pass, root: i, entry: j,
      why: pass ? (io ? 'IO_TRAP with READ' : raxR ? 'RAX with COND_READ on IO write' : 'RAX with COND_WRITE on IO read')
        : `field ${e.mapField}, attributes ${hx(e.attributes)}, condition ${e.accessCondition} is none of {IO_TRAP READ}, {RAX COND_READ IoWrite}, {RAX COND_WRITE IoRead}`,
    });
    ok &&= pass;
  });
  return ok ? 30 : 20;
}

function measureMemory(d: MemDescriptor[], root: PolicyRoot, i: number, f: PlatformFacts, rules: MeasurementRule[]): number | string {
  const push = (r: Omit<MeasurementRule, 'category' | 'root'>) => rules.push({ ...r, category: 'memory', root: i });
  if (root.accessAttr === AccessAttr.DENY) {
    push({ id: 'MEM', level: 10, pass: false, why: 'the MEM root is a deny list: the helper returns EFI_INVALID_PARAMETER and the test fails' });
    return 'MEM root is a DENY list: EFI_INVALID_PARAMETER';
  }
  if (f.mat === undefined) {
    push({ id: 'MEM-10 MAT', level: 10, pass: false, why: 'no Memory Attributes Table: the helper returns the lookup error and the test fails' });
    return 'no Memory Attributes Table';
  }
  // Level 10 (a): no mapping of conventional memory or runtime code unless the MAT entry is XP.
  let l10 = true;
  for (const m of f.mat) {
    if (m.type !== 7 && m.type !== 5) continue;
    const region = { base: m.physicalStart, size: m.numberOfPages * 0x1000n };
    const j = d.findIndex((e) => measurementOverlap(region, e));
    if (j >= 0 && (m.attribute & 0x4000n) === 0n) {
      push({ id: `MEM-10 MAT ${hx(m.physicalStart)}`, level: 10, pass: false, entry: j, why: `entry ${j} maps ${m.type === 7 ? 'EfiConventionalMemory' : 'EfiRuntimeServicesCode'} at ${hx(m.physicalStart)} (MAT entry without XP)` });
      l10 = false;
    }
  }
  if (l10) push({ id: 'MEM-10 MAT', level: 10, pass: true, why: `no entry maps conventional memory or runtime code without XP (${f.mat.length} MAT entries)` });
  // Level 10 (b): no entry both writable and executable.
  const wx = d.findIndex((e) => (e.memAttributes & (PolicyAttr.WRITE | PolicyAttr.EXECUTE)) === (PolicyAttr.WRITE | PolicyAttr.EXECUTE));
  push({ id: 'MEM-10 W+X', level: 10, pass: wx < 0, ...(wx >= 0 ? { entry: wx } : {}), why: wx < 0 ? 'no entry is both writable and executable' : `entry ${wx} is writable and executable` });
  if (!l10 || wx >= 0) return 0;
  const guarded = (id: string, level: number, regions: { name: string; base: bigint; size: bigint }[]): boolean => {
    let ok = true;
    for (const r of regions) {
      const j = d.findIndex((e) => (e.memAttributes & ~PolicyAttr.READ) !== 0 && measurementOverlap(r, e));
      push({ id: `${id} ${r.name}`, level, pass: j < 0, ...(j >= 0 ? { entry: j } : {}), why: j < 0 ? `no entry other than read-only touches ${r.name} (${hx(r.base)}, ${hx(r.size)} bytes)` : `entry ${j} (attributes ${hx(d[j].memAttributes)}) touches ${r.name} at ${hx(r.base)}` });
      ok &&= j < 0;
    }
    return ok;
  };
  // Level 20: IOMMU register pages.
  if (f.iommuBases === undefined) {
    push({ id: 'MEM-20 IOMMU', level: 20, pass: false, why: `no ${f.vendor === 'amd' ? 'IVRS' : 'DMAR'} ACPI table: treated as an error, memory level 10` });
    return 10;
  }
  if (f.iommuBases.length === 0) push({ id: 'MEM-20 IOMMU', level: 20, pass: true, why: 'the IOMMU table lists no units' });
  if (!guarded('MEM-20', 20, f.iommuBases.map((b) => ({ name: `IOMMU ${hx(b)}`, base: b, size: 0x1000n })))) return 10;
  // Level 30: TXT regions on Intel; AMD skips them.
  if (f.vendor === 'amd') {
    push({ id: 'MEM-30 TXT', level: 30, pass: true, why: 'AMD: no TXT regions to check' });
    return 30;
  }
  const dprSize = (f.txtDpr & 0xff0n) << 16n;
  const dprBase = ((f.txtDpr & 0xfff00000n) - dprSize) & 0xffffffffffffffffn; // UINT64 arithmetic
  const txt = [
    { name: 'TXT private space', base: TXT.privateBase, size: TXT.regionSize },
    { name: 'TXT heap', base: f.txtHeapBase, size: f.txtHeapSize },
    { name: 'TXT DPR', base: dprBase, size: dprSize },
    { name: 'TXT public space', base: TXT.publicBase, size: TXT.regionSize },
  ].filter((r) => r.base > 0n);
  return guarded('MEM-30', 30, txt) ? 30 : 20;
}
