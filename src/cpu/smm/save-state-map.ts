import type { PhysicalBus } from '../physical-memory';
import { PAGE_SIZE } from '../physical-memory';

/** A field of an SMRAM save-state map: offset from SMBASE + 0x8000 and size in bytes. */
export interface SaveStateField {
  offset: number;
  size: number;
}

/** Field names shared by both layouts (not every layout has every field). */
export type SaveStateFieldName =
  | 'rax' | 'rcx' | 'rdx' | 'rbx' | 'rsp' | 'rbp' | 'rsi' | 'rdi' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15'
  | 'rip' | 'rflags' | 'cr0' | 'cr3' | 'cr4' | 'efer' | 'dr6' | 'dr7'
  | 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs' | 'ldtr' | 'tr'
  | 'gdtBaseLo' | 'gdtBaseHi' | 'idtBaseLo' | 'idtBaseHi' | 'ldtBaseLo' | 'ldtBaseHi'
  | 'gdtBase' | 'gdtLimit' | 'idtBase' | 'idtLimit'
  | 'smbase' | 'revision' | 'ioRestart' | 'autoHalt' | 'ioMisc' | 'ioMemAddr' | 'ioRip'
  | `${'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs' | 'ldtr' | 'tr'}${'Attr' | 'Limit' | 'Base'}`;

const f = (offset: number, size: number): SaveStateField => ({ offset, size });

/** Intel 64 (IA-32e) map, edk2 SMRAM_SAVE_STATE_MAP64 (x86-smm-facts §1.2). Offsets relative to SMBASE+0x8000. */
export const INTEL64_MAP: Readonly<Partial<Record<SaveStateFieldName, SaveStateField>>> = {
  gdtBaseHi: f(0x7dd0, 4), ldtBaseHi: f(0x7dd4, 4), idtBaseHi: f(0x7dd8, 4), ioRip: f(0x7de8, 8), cr4: f(0x7e40, 4),
  gdtBaseLo: f(0x7e8c, 4), idtBaseLo: f(0x7e94, 4), ldtBaseLo: f(0x7e9c, 4),
  smbase: f(0x7ef8, 4), revision: f(0x7efc, 4), ioRestart: f(0x7f00, 2), autoHalt: f(0x7f02, 2),
  r15: f(0x7f1c, 8), r14: f(0x7f24, 8), r13: f(0x7f2c, 8), r12: f(0x7f34, 8), r11: f(0x7f3c, 8), r10: f(0x7f44, 8), r9: f(0x7f4c, 8), r8: f(0x7f54, 8),
  rax: f(0x7f5c, 8), rcx: f(0x7f64, 8), rdx: f(0x7f6c, 8), rbx: f(0x7f74, 8), rsp: f(0x7f7c, 8), rbp: f(0x7f84, 8), rsi: f(0x7f8c, 8), rdi: f(0x7f94, 8),
  ioMemAddr: f(0x7f9c, 8), ioMisc: f(0x7fa4, 4),
  es: f(0x7fa8, 4), cs: f(0x7fac, 4), ss: f(0x7fb0, 4), ds: f(0x7fb4, 4), fs: f(0x7fb8, 4), gs: f(0x7fbc, 4),
  ldtr: f(0x7fc0, 4), tr: f(0x7fc4, 4), dr7: f(0x7fc8, 8), dr6: f(0x7fd0, 8), rip: f(0x7fd8, 8), efer: f(0x7fe0, 8),
  rflags: f(0x7fe8, 8), cr3: f(0x7ff0, 8), cr0: f(0x7ff8, 8),
};

function segment(name: 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs' | 'ldtr' | 'tr', at: number): Partial<Record<SaveStateFieldName, SaveStateField>> {
  return { [name]: f(at, 2), [`${name}Attr`]: f(at + 2, 2), [`${name}Limit`]: f(at + 4, 4), [`${name}Base`]: f(at + 8, 8) };
}

/** AMD64 map, edk2 AMD_SMRAM_SAVE_STATE_MAP64 — also what QEMU and Bochs write (x86-smm-facts §1.3). */
export const AMD64_MAP: Readonly<Partial<Record<SaveStateFieldName, SaveStateField>>> = {
  ...segment('es', 0x7e00), ...segment('cs', 0x7e10), ...segment('ss', 0x7e20), ...segment('ds', 0x7e30),
  ...segment('fs', 0x7e40), ...segment('gs', 0x7e50),
  gdtLimit: f(0x7e64, 2), gdtBase: f(0x7e68, 8), ...segment('ldtr', 0x7e70), idtLimit: f(0x7e84, 2), idtBase: f(0x7e88, 8),
  ...segment('tr', 0x7e90),
  ioRip: f(0x7ea0, 8), ioMisc: f(0x7ec0, 4), ioRestart: f(0x7ec8, 1), autoHalt: f(0x7ec9, 1), efer: f(0x7ed0, 8),
  revision: f(0x7efc, 4), smbase: f(0x7f00, 4),
  cr4: f(0x7f48, 8), cr3: f(0x7f50, 8), cr0: f(0x7f58, 8), dr7: f(0x7f60, 8), dr6: f(0x7f68, 8), rflags: f(0x7f70, 8), rip: f(0x7f78, 8),
  r15: f(0x7f80, 8), r14: f(0x7f88, 8), r13: f(0x7f90, 8), r12: f(0x7f98, 8), r11: f(0x7fa0, 8), r10: f(0x7fa8, 8), r9: f(0x7fb0, 8), r8: f(0x7fb8, 8),
  rdi: f(0x7fc0, 8), rsi: f(0x7fc8, 8), rbp: f(0x7fd0, 8), rsp: f(0x7fd8, 8), rbx: f(0x7fe0, 8), rdx: f(0x7fe8, 8), rcx: f(0x7ff0, 8), rax: f(0x7ff8, 8),
};

/** SMM revision identifier written at 7EFC: bit 17 SMBASE relocation, bit 16 I/O restart, 0x64 = 64-bit map (§1.5). */
export const SMM_REVISION_ID = 0x00030064;

/**
 * The save-state map of one CPU in SMRAM: typed access to its fields at SMBASE + 0x8000 + offset, through the
 * physical bus as SMM code sees it (SMRAM visible).
 */
export class SmramSaveStateMap {
  readonly fields: Readonly<Partial<Record<SaveStateFieldName, SaveStateField>>>;
  constructor(private readonly bus: PhysicalBus, readonly smbase: number, readonly layout: 'intel' | 'amd') {
    this.fields = layout === 'intel' ? INTEL64_MAP : AMD64_MAP;
  }

  has(name: SaveStateFieldName): boolean {
    return this.fields[name] !== undefined;
  }

  /** Physical address of a field. */
  address(name: SaveStateFieldName): number {
    const fd = this.fields[name];
    if (fd === undefined) throw new RangeError(`the ${this.layout} save-state map has no field ${name}`);
    return this.smbase + 0x8000 + fd.offset;
  }

  read(name: SaveStateFieldName): bigint {
    const fd = this.fields[name]!;
    const a = this.address(name);
    const p = this.bus.page(Math.floor(a / PAGE_SIZE), true);
    const off = a % PAGE_SIZE;
    if (!p.mmio && off + fd.size <= PAGE_SIZE) {
      // fast path: the field lies in one RAM page (always, for a page-aligned save-state area)
      let v = 0n;
      for (let k = fd.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(p.bytes[off + k]);
      return v;
    }
    let v = 0n;
    for (let k = fd.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(this.byte(a + k));
    return v;
  }

  write(name: SaveStateFieldName, value: bigint): void {
    const fd = this.fields[name];
    if (fd === undefined) return; // a field this layout does not have is simply not saved
    const a = this.smbase + 0x8000 + fd.offset;
    let v = BigInt.asUintN(fd.size * 8, value);
    const p = this.bus.page(Math.floor(a / PAGE_SIZE), true);
    const off = a % PAGE_SIZE;
    if (!p.mmio && !p.dropWrites && off + fd.size <= PAGE_SIZE) {
      if (fd.size <= 4) {
        let n = Number(v);
        for (let k = 0; k < fd.size; k++, n >>>= 8) p.bytes[off + k] = n & 0xff;
      } else {
        let lo = Number(v & 0xffffffffn), hi = Number(v >> 32n);
        for (let k = 0; k < 4; k++, lo >>>= 8) p.bytes[off + k] = lo & 0xff;
        for (let k = 4; k < fd.size; k++, hi >>>= 8) p.bytes[off + k] = hi & 0xff;
      }
      p.invalidateCode();
      return;
    }
    for (let k = 0; k < fd.size; k++) {
      this.setByte(a + k, Number(v & 0xffn));
      v >>= 8n;
    }
  }

  private byte(addr: number): number {
    const p = this.bus.page(Math.floor(addr / PAGE_SIZE), true);
    return p.mmio ? p.mmio.read(addr, 1) & 0xff : p.bytes[addr % PAGE_SIZE];
  }

  private setByte(addr: number, v: number): void {
    const p = this.bus.page(Math.floor(addr / PAGE_SIZE), true);
    if (p.mmio) p.mmio.write(addr, 1, v);
    else if (!p.dropWrites) {
      p.bytes[addr % PAGE_SIZE] = v;
      p.invalidateCode();
    }
  }
}
