import { MEMORY_TYPE_NAMES } from '../../../firmware/hob/hob-types';
import { PAGE, type PlatformConfig } from '../../config/platform-config';
import { EfiMemoryType } from '../mm-comm-layout';
import type { FirmwareMemory } from '../firmware-memory';

/** One descriptor of the DXE memory map (what GetMemoryMap would report). */
export interface DxeMemoryDescriptor {
  base: bigint;
  pages: bigint;
  type: number;
  readOnly: boolean;
  /** Why the range has this type. */
  origin: string;
}

interface Rule { base: bigint; end: bigint; type: number; readOnly: boolean; origin: string }

/**
 * The DXE memory map: DRAM is EfiConventionalMemory unless a platform typing rule (fixture `dxeMemoryMap`:
 * 0x10000000–0x1FFFFFFF EfiRuntimeServicesData, TSEG EfiReservedMemoryType — DESIGN.md "the platform q35") or a
 * firmware allocation says otherwise; later rules win. Addresses outside DRAM have no descriptor.
 */
export class DxeMemoryMap {
  private readonly rules: Rule[] = [];

  constructor(cfg: PlatformConfig, memory: FirmwareMemory) {
    for (const r of cfg.memoryMap) {
      if (r.kind === 'dram') this.rules.push({ base: r.base, end: r.base + r.size, type: EfiMemoryType.Conventional, readOnly: false, origin: r.name });
    }
    // the firmware context below 1 MiB (GDT, page tables, stacks) belongs to the boot firmware
    this.rules.push({ base: 0n, end: 0x100000n, type: EfiMemoryType.BootServicesData, readOnly: false, origin: 'boot firmware context' });
    for (const t of cfg.dxeMemoryMap) this.rules.push({ base: t.base, end: t.base + t.size, type: t.type, readOnly: t.readOnly, origin: 'platform memory map' });
    this.memory = memory;
  }

  private readonly memory: FirmwareMemory;

  private allRules(): Rule[] {
    return [...this.rules, ...this.memory.allocations.map((a) => ({ base: a.base, end: a.base + a.pages * PAGE, type: a.type, readOnly: false, origin: a.owner }))];
  }

  /** The rule in force at `addr` (undefined outside DRAM). */
  at(addr: bigint): DxeMemoryDescriptor | undefined {
    const rules = this.allRules();
    for (let i = rules.length - 1; i >= 0; i--) {
      const r = rules[i];
      if (addr >= r.base && addr < r.end) return { base: r.base, pages: (r.end - r.base) / PAGE, type: r.type, readOnly: r.readOnly, origin: r.origin };
    }
    return undefined;
  }

  /** Flattened, non-overlapping descriptors in address order. */
  descriptors(): DxeMemoryDescriptor[] {
    const rules = this.allRules();
    const points = [...new Set(rules.flatMap((r) => [r.base, r.end]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: DxeMemoryDescriptor[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      let hit: Rule | undefined;
      for (let k = rules.length - 1; k >= 0 && !hit; k--) if (a >= rules[k].base && a < rules[k].end) hit = rules[k];
      if (!hit) continue;
      const last = out[out.length - 1];
      if (last && last.base + last.pages * PAGE === a && last.type === hit.type && last.readOnly === hit.readOnly && last.origin === hit.origin) last.pages += (b - a) / PAGE;
      else out.push({ base: a, pages: (b - a) / PAGE, type: hit.type, readOnly: hit.readOnly, origin: hit.origin });
    }
    return out;
  }

  /**
   * Whether every page of [start, start + pages×4 KiB) lies in memory of type EfiReservedMemoryType,
   * EfiRuntimeServicesCode/Data without EFI_MEMORY_RO, or EfiACPIMemoryNVS (the unblock driver's check,
   * supervisor-facts §7.3).
   */
  acceptsUnblock(start: bigint, pages: bigint): boolean {
    const end = start + pages * PAGE;
    if (end > 1n << 64n) return false;
    for (const d of this.descriptors()) {
      const dEnd = d.base + d.pages * PAGE;
      if (dEnd <= start || d.base >= end) continue;
      const ok = d.type === EfiMemoryType.Reserved || d.type === EfiMemoryType.ACPIMemoryNVS
        || ((d.type === EfiMemoryType.RuntimeServicesCode || d.type === EfiMemoryType.RuntimeServicesData) && !d.readOnly);
      if (!ok) return false;
    }
    // every byte must be described: sum the covered length
    let covered = 0n;
    for (const d of this.descriptors()) {
      const a = d.base > start ? d.base : start;
      const dEnd = d.base + d.pages * PAGE;
      const b = dEnd < end ? dEnd : end;
      if (b > a) covered += b - a;
    }
    return covered === end - start;
  }

  /** A readable listing (for reports). */
  describe(): string[] {
    return this.descriptors().map((d) => `0x${d.base.toString(16)}..0x${(d.base + d.pages * PAGE - 1n).toString(16)} ${MEMORY_TYPE_NAMES[d.type] ?? d.type}${d.readOnly ? ' RO' : ''} (${d.origin})`);
  }
}
