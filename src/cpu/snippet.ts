import { CpuFault } from './cpu-fault';
import { Cpu } from './cpu';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from './mmu';
import { SparseMemory } from './physical-memory';
import type { CpuTracer } from './trace';
import { CS, DS, ES, FS, GPR_NAMES, GS, GprName, SS } from './registers';

export type { GprName };

export interface SnippetInit {
  regs?: Partial<Record<GprName | 'rflags', bigint>>;
  /** Privilege level the snippet runs at (0 or 3). */
  cpl?: 0 | 3;
  /** Instruction budget (default 1,000,000). */
  budget?: number;
  /** Address the code is placed at (default 0x400000). */
  origin?: bigint;
  /** Receives executed instructions and events. */
  tracer?: CpuTracer;
}

export type SnippetOutcome =
  | { kind: 'completed'; regs: Record<GprName, bigint>; rip: bigint; rflags: bigint }
  | { kind: 'exception'; vector: number; errorCode: number; rip: bigint; reason: string };

/** Physical layout of the flat snippet machine. */
export const SNIPPET_LAYOUT = {
  pml4: 0x1000, pdpt: 0x2000,
  /** Default code address and stack top. */
  code: 0x400000n, stackTop: 0x800000n,
  /** Identity-mapped span: the low 512 GiB through 1 GiB pages. */
  mappedBytes: 512 * 2 ** 30,
} as const;

/**
 * A fresh CPU in flat, identity-mapped 64-bit mode: 1 GiB pages (present, writable, user) covering the low
 * 512 GiB, paging with NXE and WP on, CS/SS flat 64-bit descriptors for the requested CPL (no GDT reads are
 * needed), and sparse RAM everywhere. Used by `mmspec x86 run` and the differential test.
 */
export function flatMachine(cpl: 0 | 3 = 0): { cpu: Cpu; memory: SparseMemory } {
  const memory = new SparseMemory();
  const { pml4, pdpt } = SNIPPET_LAYOUT;
  memory.writeU64(pml4, BigInt(pdpt | 0x7));
  for (let g = 0; g < 512; g++) memory.writeU64(pdpt + g * 8, (BigInt(g) << 30n) | 0x87n);
  const cpu = new Cpu(memory);
  cpu.cr3 = pml4;
  cpu.cr4 = CR4_PAE;
  cpu.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
  cpu.cr0 = (CR0_PE | CR0_PG | CR0_WP | 0x10 | 0x20) >>> 0;
  cpu.segSel[CS] = cpl === 3 ? 0x33 : 0x08;
  cpu.segAttr[CS] = cpl === 3 ? 0xa0fb : 0xa09b;
  for (const s of [ES, SS, DS, FS, GS]) {
    cpu.segSel[s] = cpl === 3 ? 0x2b : 0x10;
    cpu.segAttr[s] = cpl === 3 ? 0xc0f3 : 0xc093;
    cpu.segBase[s] = 0;
  }
  cpu.cpl = cpl;
  cpu.updateMode();
  cpu.flushTlb();
  return { cpu, memory };
}

/**
 * Runs `code` in flat identity-mapped 64-bit mode until RIP reaches the end of the bytes. RSP defaults to a
 * valid writable stack. The first exception ends the run and is reported.
 */
export function runSnippet(code: Uint8Array, init: SnippetInit = {}): SnippetOutcome {
  const { cpu, memory } = flatMachine(init.cpl ?? 0);
  const origin = init.origin ?? SNIPPET_LAYOUT.code;
  const originNum = Number(origin);
  memory.write(originNum, code);
  const end = origin + BigInt(code.length);
  // A host trap where the code ends stops the run cleanly (no sentinel instruction is needed).
  memory.setHostTrap(Number(end), (c) => c.requestStop());
  const regs = init.regs ?? {};
  GPR_NAMES.forEach((n, r) => cpu.setReg64(r, regs[n] ?? (n === 'rsp' ? SNIPPET_LAYOUT.stackTop : 0n)));
  cpu.setRflags(Number(regs.rflags ?? 0x202n) >>> 0);
  cpu.ripU64 = origin;
  if (init.tracer) cpu.tracer = init.tracer;
  let fault: { f: CpuFault; rip: number } | null = null;
  cpu.exceptionHook = (c, f, rip) => {
    fault = { f, rip };
    c.requestStop();
    return true;
  };
  cpu.run(init.budget ?? 1_000_000);
  if (fault !== null) {
    const { f, rip } = fault as { f: CpuFault; rip: number };
    return { kind: 'exception', vector: f.vector, errorCode: f.errorCode ?? 0, rip: BigInt.asUintN(64, BigInt(rip)), reason: f.reason };
  }
  const out = {} as Record<GprName, bigint>;
  GPR_NAMES.forEach((n, r) => (out[n] = cpu.getReg64(r)));
  return { kind: 'completed', regs: out, rip: cpu.ripU64, rflags: BigInt(cpu.getRflags()) };
}
