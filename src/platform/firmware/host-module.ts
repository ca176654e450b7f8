import type { GprName } from '../../cpu/registers';
import { runOutsideMm } from '../firmware-context';
import type { Machine } from '../machine';

const ARG_REGS = ['rcx', 'rdx', 'r8', 'r9'] as const;

/**
 * Binds a loaded image's entry point to the TypeScript module registered for its FFS file GUID in
 * `machine.hostModules` (docs/execution-model.md "Host modules"): a host trap at the entry point that takes the
 * Microsoft x64 arguments (RCX, RDX, R8, R9), runs the module, puts its EFI_STATUS in RAX and returns like `ret`.
 * Returns false when no module is registered (the image's own x86 code then runs).
 */
export function bindHostModule(machine: Machine, fileGuid: string, entryPoint: bigint): boolean {
  const entry = machine.hostModules.get(fileGuid.toLowerCase());
  if (entry === undefined) return false;
  machine.ram.setHostTrap(Number(entryPoint), (cpu) => {
    const args = [cpu.getReg64(1), cpu.getReg64(2), cpu.getReg64(8), cpu.getReg64(9)];
    const rax = entry(machine, cpu, args);
    cpu.setReg64(0, BigInt.asUintN(64, rax));
    cpu.ripU64 = BigInt.asUintN(64, BigInt(cpu.popAddr()));
  });
  machine.trace.record('host-module', { guid: fileGuid, entryPoint });
  return true;
}

/**
 * Calls an entry point as firmware outside SMM does: a real `call` on CPU `cpuIndex` with up to four arguments
 * in RCX, RDX, R8, R9 and 32 bytes of shadow space; returns RAX.
 */
export function callEntryPoint(machine: Machine, cpuIndex: number, entryPoint: bigint, args: readonly bigint[] = [], budget = 50_000_000): bigint {
  if (args.length > 4) throw new RangeError('at most four register arguments');
  const regs: Partial<Record<GprName, bigint>> = { rax: entryPoint };
  args.forEach((a, i) => (regs[ARG_REGS[i]] = a));
  // sub rsp, 0x28 ; call rax ; add rsp, 0x28
  const code = [0x48, 0x83, 0xec, 0x28, 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x28];
  return runOutsideMm(machine, cpuIndex, Uint8Array.from(code), regs, budget).rax;
}
