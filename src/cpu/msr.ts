import { gp } from './cpu-fault';
import type { Cpu } from './cpu';
import { CR0_PG, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from './mmu';
import { FS, GS } from './registers';

/** Architectural MSR numbers used by the CPU itself (x86-smm-facts §3.9). */
export const Msr = {
  TSC: 0x10, APIC_BASE: 0x1b, SMI_COUNT: 0x34, FEATURE_CONTROL: 0x3a, SMBASE: 0x9e, MTRRCAP: 0xfe,
  SMRR_PHYSBASE: 0x1f2, SMRR_PHYSMASK: 0x1f3, SMM_FEATURE_CONTROL: 0x4e0,
  EFER: 0xc0000080, STAR: 0xc0000081, LSTAR: 0xc0000082, CSTAR: 0xc0000083, FMASK: 0xc0000084,
  FS_BASE: 0xc0000100, GS_BASE: 0xc0000101, KERNEL_GS_BASE: 0xc0000102, TSC_AUX: 0xc0000103,
} as const;

/**
 * MSRs that exist on the modelled processor besides the architectural ones above, with their reset values.
 * Includes every MSR named by the isolation-policy example and the Secured-core measurement lists
 * (supervisor-facts §4.8, §5.2) so policy scenarios can exercise them. Platforms add more with `define`.
 */
const DEFAULT_MSRS: readonly number[] = [
  0x8b, 0x9b, 0x17d, 0x1a0, 0x1d9, 0x200, 0x201, 0x202, 0x203, 0x250, 0x258, 0x259, 0x268, 0x277, 0x2ff, 0x4e2, 0x4e3,
  0x570, 0x600, 0x652, 0x653, 0x655, 0x656, 0x658, 0x6a0, 0x6a2, 0x6a4, 0x6a5, 0x6a6, 0x6a7, 0x6a8, 0x6e1, 0xda0, 0xe4, 0x151,
  0x700, 0x701, 0x706, 0x707, 0x710, 0x711, 0x716, 0x717, 0x720, 0x721, 0x726, 0x727, 0x730, 0x731, 0x736, 0x737,
  0x174, 0x175, 0x176, 0xc0010010, 0xc0010015, 0xc0010111, 0xc0010112, 0xc0010113, 0xc0011010, 0xc0011018, 0xc0011024,
];

const EFER_WRITABLE = EFER_SCE | EFER_LME | EFER_NXE;

/** The model-specific registers of one CPU. */
export class MsrFile {
  private readonly values = new Map<number, bigint>();
  private readonly smmOnly = new Set<number>([Msr.SMRR_PHYSBASE, Msr.SMRR_PHYSMASK, Msr.SMM_FEATURE_CONTROL, 0x4e2, 0x4e3]);
  /** MSR_SMI_COUNT (0x34): SMIs taken since reset. */
  smiCount = 0n;

  constructor(private readonly cpu: Cpu) {
    for (const m of DEFAULT_MSRS) this.values.set(m, 0n);
    this.values.set(Msr.APIC_BASE, 0xfee00800n | (cpu.index === 0 ? 0x100n : 0n));
    this.values.set(Msr.MTRRCAP, 0xd0an); // SMRR (bit 11), WC, fixed MTRRs, 10 variable ranges
    for (const m of [Msr.STAR, Msr.LSTAR, Msr.CSTAR, Msr.FMASK, Msr.KERNEL_GS_BASE, Msr.TSC_AUX, Msr.FEATURE_CONTROL,
      Msr.SMRR_PHYSBASE, Msr.SMRR_PHYSMASK, Msr.SMM_FEATURE_CONTROL]) this.values.set(m, 0n);
  }

  /** Makes an MSR exist (platform configuration) with a value. */
  define(msr: number, value: bigint, options: { smmOnly?: boolean } = {}): void {
    this.values.set(msr, BigInt.asUintN(64, value));
    if (options.smmOnly) this.smmOnly.add(msr);
  }

  has(msr: number): boolean {
    return this.values.has(msr) || msr === Msr.EFER || msr === Msr.TSC || msr === Msr.FS_BASE || msr === Msr.GS_BASE || msr === Msr.SMBASE || msr === Msr.SMI_COUNT;
  }

  /** RDMSR semantics (privilege is checked by the instruction). Unimplemented → #GP(0) (x86-smm-facts §3.8). */
  read(msr: number): bigint {
    const cpu = this.cpu;
    switch (msr) {
      case Msr.EFER: return BigInt(cpu.efer >>> 0);
      case Msr.TSC: return BigInt.asUintN(64, cpu.tscBase + BigInt(cpu.icount));
      case Msr.FS_BASE: return BigInt.asUintN(64, BigInt(cpu.segBase[FS]));
      case Msr.GS_BASE: return BigInt.asUintN(64, BigInt(cpu.segBase[GS]));
      case Msr.SMI_COUNT: return this.smiCount;
      case Msr.SMBASE:
        // IA32_SMBASE: readable in SMM only (x86-smm-facts §1.10)
        if (!cpu.inSmm) throw gp('RDMSR IA32_SMBASE outside SMM');
        return BigInt(cpu.smm.smbase >>> 0);
    }
    if (this.smmOnly.has(msr) && !cpu.inSmm) throw gp(`RDMSR 0x${msr.toString(16)} outside SMM`);
    const v = this.values.get(msr);
    if (v === undefined) throw gp(`RDMSR of unimplemented MSR 0x${msr.toString(16)}`);
    return v;
  }

  /** WRMSR semantics with the architectural checks. */
  write(msr: number, value: bigint): void {
    const cpu = this.cpu;
    const v = BigInt.asUintN(64, value);
    const canonical = (what: string): number => cpu.canonicalNumber(v, what);
    switch (msr) {
      case Msr.EFER: {
        const n = Number(v & 0xffffffffn);
        if (v >> 32n !== 0n || (n & ~(EFER_WRITABLE | EFER_LMA)) !== 0) throw gp(`WRMSR EFER reserved bits 0x${v.toString(16)}`);
        if ((cpu.cr0 & CR0_PG) !== 0 && ((n ^ cpu.efer) & EFER_LME) !== 0) throw gp('WRMSR EFER.LME while paging is enabled');
        cpu.efer = ((n & EFER_WRITABLE) | (cpu.efer & EFER_LMA)) >>> 0;
        cpu.flushTlb();
        cpu.updateMode();
        return;
      }
      case Msr.TSC: cpu.tscBase = v - BigInt(cpu.icount); return;
      case Msr.FS_BASE: cpu.segBase[FS] = canonical('FS_BASE'); return;
      case Msr.GS_BASE: cpu.segBase[GS] = canonical('GS_BASE'); return;
      case Msr.LSTAR: case Msr.CSTAR: case Msr.KERNEL_GS_BASE: canonical('MSR value'); break;
      case Msr.SMBASE: case Msr.SMI_COUNT: case Msr.MTRRCAP: throw gp(`WRMSR to read-only MSR 0x${msr.toString(16)}`);
    }
    if (this.smmOnly.has(msr) && !cpu.inSmm) throw gp(`WRMSR 0x${msr.toString(16)} outside SMM`);
    if (msr === Msr.SMM_FEATURE_CONTROL && (this.values.get(msr)! & 1n) !== 0n) throw gp('WRMSR SMM_FEATURE_CONTROL after LOCK');
    if (!this.values.has(msr)) throw gp(`WRMSR of unimplemented MSR 0x${msr.toString(16)}`);
    this.values.set(msr, v);
  }

  /** Value of an MSR without any access checks (for the host and SMM save/restore). */
  peek(msr: number): bigint {
    const v = this.values.get(msr);
    if (v !== undefined) return v;
    return this.read(msr);
  }
}
