import type { Cpu } from '../../cpu/cpu';
import { EFER_SCE } from '../../cpu/mmu';
import { Msr } from '../../cpu/msr';
import { GS } from '../../cpu/registers';

/** The MSRs the supervisor saves, reprograms for a demotion and restores afterwards (§3.4). */
export interface SavedSyscallMsrs {
  star: bigint;
  lstar: bigint;
  efer: number;
  gsBase: number;
  kernelGsBase: bigint;
}

export function saveSyscallMsrs(cpu: Cpu): SavedSyscallMsrs {
  return { star: cpu.msr.peek(Msr.STAR), lstar: cpu.msr.peek(Msr.LSTAR), efer: cpu.efer, gsBase: cpu.segBase[GS], kernelGsBase: cpu.msr.peek(Msr.KERNEL_GS_BASE) };
}

/**
 * SetupCpl0MsrStar (§3.4): STAR[47:32] = 0x38, STAR[63:48] = 0x4B (low 32 bits kept), LSTAR = the syscall
 * entry, EFER.SCE set, GS_BASE = 0, KERNEL_GS_BASE = the per-CPU syscall cache. IA32_FMASK is deliberately
 * not touched: the real supervisor never programs it (§3.4, §11.15).
 */
export function programSyscallMsrs(cpu: Cpu, syscallEntry: number, syscallCache: number): void {
  const star = cpu.msr.peek(Msr.STAR);
  cpu.msr.write(Msr.STAR, (star & 0xffffffffn) | (0x38n << 32n) | (0x4bn << 48n));
  cpu.msr.write(Msr.LSTAR, BigInt(syscallEntry));
  cpu.efer = (cpu.efer | EFER_SCE) >>> 0;
  cpu.segBase[GS] = 0;
  cpu.msr.write(Msr.KERNEL_GS_BASE, BigInt(syscallCache));
}

export function restoreSyscallMsrs(cpu: Cpu, s: SavedSyscallMsrs): void {
  cpu.msr.write(Msr.STAR, s.star);
  cpu.msr.write(Msr.LSTAR, s.lstar);
  cpu.efer = s.efer >>> 0;
  cpu.segBase[GS] = s.gsBase;
  cpu.msr.write(Msr.KERNEL_GS_BASE, s.kernelGsBase);
}
