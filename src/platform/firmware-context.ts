import type { Cpu } from '../cpu/cpu';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE } from '../cpu/mmu';
import { CS, DS, ES, FS, GPR_NAMES, GS, SS, type GprName } from '../cpu/registers';
import type { Machine } from './machine';

/**
 * Where the non-SMM firmware world lives in low DRAM: a flat 64-bit GDT, identity page tables (1 GiB pages
 * over 512 GiB), an idle loop (`hlt; jmp $-1`) where CPUs park between firmware actions, per-CPU stacks, and
 * per-CPU scratch pages for code that firmware runs on a CPU (an `out 0xB2`, a read of MMRAM).
 */
export const FIRMWARE_LAYOUT = {
  gdt: 0x1000, pml4: 0x2000, pdpt: 0x3000, idle: 0x4000,
  scratch: 0x10000, // + index * 0x1000
  stackTop: 0x80000, // - index * 0x2000
  reservedEnd: 0x90000,
} as const;

const IDLE_LOOP = Uint8Array.of(0xf4, 0xeb, 0xfd); // hlt ; jmp short to the hlt

/** Writes the non-SMM firmware structures (GDT, page tables, idle loop) into DRAM. */
export function installFirmwareContext(machine: Machine): void {
  const mem = machine.ram;
  const L = FIRMWARE_LAYOUT;
  // GDT: null, 0x08 64-bit code DPL0, 0x10 data DPL0
  mem.writeU64(L.gdt, 0n);
  mem.writeU64(L.gdt + 8, 0x00af9b000000ffffn);
  mem.writeU64(L.gdt + 16, 0x00cf93000000ffffn);
  mem.writeU64(L.pml4, BigInt(L.pdpt | 0x3));
  const pdpt = new Uint8Array(4096);
  const dv = new DataView(pdpt.buffer);
  for (let g = 0; g < 512; g++) dv.setBigUint64(g * 8, (BigInt(g) << 30n) | 0x83n, true);
  mem.write(L.pdpt, pdpt);
  mem.write(L.idle, IDLE_LOOP);
}

/** Puts a CPU in the firmware's 64-bit context outside SMM, halted in the idle loop. */
export function parkCpu(cpu: Cpu): void {
  const L = FIRMWARE_LAYOUT;
  cpu.cr3 = L.pml4;
  cpu.cr4 = CR4_PAE;
  cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
  cpu.cr0 = (CR0_PE | CR0_PG | CR0_WP | 0x31) >>> 0; // + MP, ET, NE
  cpu.gdtrBase = L.gdt;
  cpu.gdtrLimit = 0x17;
  cpu.segSel[CS] = 0x08;
  cpu.segAttr[CS] = 0xa09b;
  for (const s of [ES, SS, DS, FS, GS]) {
    cpu.segSel[s] = 0x10;
    cpu.segAttr[s] = 0xc093;
    cpu.segBase[s] = 0;
  }
  cpu.cpl = 0;
  cpu.setRflags(0x2);
  cpu.setReg64(4, BigInt(L.stackTop - cpu.index * 0x2000));
  cpu.flushTlb();
  cpu.updateMode();
  cpu.ripU64 = BigInt(L.idle);
  cpu.halted = true;
}

/**
 * Runs x86 code on a CPU in the firmware context outside SMM (e.g. `mov al, 0x42; out 0xb2, al`), settling
 * any SMI the code raises, and returns the final registers. The CPU is parked again afterwards.
 */
export function runOutsideMm(machine: Machine, cpuIndex: number, code: Uint8Array, regs: Partial<Record<GprName, bigint>> = {}, budget = 10_000_000): Record<GprName, bigint> {
  machine.assertRunning();
  const cpu = machine.cpus[cpuIndex];
  const at = FIRMWARE_LAYOUT.scratch + cpuIndex * 0x1000;
  if (code.length > 0xfff) throw new RangeError('firmware snippet larger than its scratch page');
  // unchanged code is not rewritten, so its decoded instructions stay cached (MM Control triggers repeat)
  const current = machine.ram.read(at, code.length);
  if (current.some((b, i) => b !== code[i])) machine.ram.write(at, code);
  const end = at + code.length;
  let done = false;
  machine.ram.setHostTrap(end, (c) => {
    done = true;
    c.requestStop();
  });
  try {
    GPR_NAMES.forEach((n, r) => {
      if (regs[n] !== undefined) cpu.setReg64(r, regs[n]!);
    });
    cpu.halted = false;
    cpu.ripU64 = BigInt(at);
    let left = budget;
    while (!done) {
      machine.assertRunning();
      const before = cpu.icount;
      cpu.run(left);
      left -= cpu.icount - before + 1;
      if (machine.smiInProgress) machine.settleSmi();
      if (!done && cpu.halted && !machine.smiInProgress) throw new Error('firmware snippet halted');
    }
    const out = {} as Record<GprName, bigint>;
    GPR_NAMES.forEach((n, r) => (out[n] = cpu.getReg64(r)));
    return out;
  } finally {
    machine.ram.removeHostTrap(end);
    if (machine.state.kind === 'running' && !cpu.inSmm) parkCpu(cpu);
  }
}
