import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../../src/asm';
import type { Cpu } from '../../../src/cpu/cpu';
import { Msr } from '../../../src/cpu/msr';
import { CS, SS } from '../../../src/cpu/registers';
import { Machine } from '../../../src/platform/machine';
import { MachineStop } from '../../../src/platform/machine-stop';
import { q35Spec } from '../../../src/platform/q35-spec';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import { Demotion } from '../../../src/supervisor/privilege/demotion';
import { SmmCpuManager, type ExceptionFrame } from '../../../src/supervisor/relocate/smm-cpu-manager';

/** A supervisor CPU layer on a q35 machine, with `code` loaded as a CPL3 routine (user RX page). */
function setup(code: string) {
  const m = new Machine(q35Spec({ cpus: 1 }));
  const reserved = m.cpus.map((c) => ({ base: c.smm.smbase + 0x8000, size: 0x8000 }));
  const alloc = new MmramAllocator([{ base: m.chipset.tsegBase, size: m.chipset.tsegSize }], reserved);
  const ptm = new PageTableManager(m.smm, alloc, () => m.cpus.forEach((c) => c.flushTlb()));
  const syscalls: { index: bigint; args: bigint[]; cpl: number; cs: number }[] = [];
  const faults: ExceptionFrame[] = [];
  const mgr = new SmmCpuManager(m, alloc, ptm, {
    onSmi: () => undefined,
    onException: (_cpu: Cpu, f: ExceptionFrame) => {
      faults.push(f);
      m.stop('warm-reset', `exception ${f.vector}`);
    },
    onSyscall: (cpu: Cpu) => {
      syscalls.push({ index: cpu.getReg64(0), args: [cpu.getReg64(2), cpu.getReg64(8), cpu.getReg64(9)], cpl: cpu.cpl, cs: cpu.segSel[CS] });
      return cpu.getReg64(2) + 1n;
    },
  });
  for (const x of mgr.mappings()) ptm.setAttributes(x.base, x.size, x.attributes);
  const routine = alloc.allocatePages(1, 'user', 'code', 'test driver');
  m.smm.write(routine, assemble(code, { origin: BigInt(routine) }).bytes);
  ptm.setAttributes(routine, 0x1000, { present: true, writable: false, user: true, executable: true });
  const cpu = m.cpus[0];
  cpu.smm.inSmm = true;
  mgr.enterLongMode(cpu);
  const demotion = new Demotion(m, mgr);
  return { m, cpu, mgr, demotion, routine: BigInt(routine), syscalls, faults };
}

describe('supervisor privilege: demotion to CPL3 and back (§3.2)', () => {
  it('runs a routine at CPL3 with CS 0x5B / SS 0x53, passes RCX/RDX/R8/R9 and the 5th argument on the stack, returns RAX', () => {
    const { cpu, demotion, routine } = setup(`
      mov rax, rcx
      add rax, rdx
      add rax, r8
      add rax, r9
      add rax, [rsp + 0x28]
      mov r10, cs
      mov r11, ss
      shl r10, 16
      or r10, r11
      cmp r10, 0x5b0053
      je ok
      xor eax, eax
    ok:
      ret`);
    const rsp = cpu.getReg64(4), rip = cpu.rip;
    const r = demotion.invokeDemoted(cpu, routine, [1n, 2n, 3n, 4n, 100n]);
    expect(r).to.equal(110n);
    expect(cpu.cpl).to.equal(0);
    expect(cpu.getReg64(4)).to.equal(rsp);
    expect(cpu.rip).to.equal(rip);
  });

  it('while the routine runs, STAR/LSTAR/EFER.SCE are programmed; afterwards they hold their previous values (items 35–36)', () => {
    const { cpu, demotion, routine, syscalls, mgr } = setup(`
      mov eax, 0x1001b
      mov edx, 41
      syscall
      ret`);
    cpu.msr.write(Msr.STAR, 0x1234n);
    const before = { star: cpu.msr.peek(Msr.STAR), lstar: cpu.msr.peek(Msr.LSTAR), efer: cpu.efer };
    let during: bigint[] = [];
    const orig = mgr['hooks'].onSyscall;
    mgr['hooks'].onSyscall = (c: Cpu) => {
      during = [c.msr.peek(Msr.STAR), c.msr.peek(Msr.LSTAR), BigInt(c.efer & 1)];
      return orig(c);
    };
    const r = demotion.invokeDemoted(cpu, routine, []);
    expect(r).to.equal(42n);
    expect(syscalls).to.deep.equal([{ index: 0x1001bn, args: [41n, 0n, 0n], cpl: 0, cs: 0x38 }]);
    expect(during).to.deep.equal([(0x4bn << 48n) | (0x38n << 32n) | 0x1234n, BigInt(mgr.stubs.syscallEntry), 1n]);
    expect({ star: cpu.msr.peek(Msr.STAR), lstar: cpu.msr.peek(Msr.LSTAR), efer: cpu.efer }).to.deep.equal(before);
    expect(cpu.segSel[SS]).to.equal(0x40);
  });

  it('a privileged instruction at CPL3 reaches the supervisor IDT handler as #GP(0) with the faulting RIP', () => {
    const { cpu, demotion, routine, faults, m } = setup(`
      nop
      rdmsr
      ret`);
    expect(() => demotion.invokeDemoted(cpu, routine, [])).to.throw(MachineStop);
    expect(faults).to.have.length(1);
    expect(faults[0]).to.deep.include({ vector: 13, errorCode: 0, rip: routine + 1n, cs: 0x5b, ss: 0x53 });
    expect(m.state.kind).to.equal('warm-reset');
  });

  it('a CPL3 write to a supervisor page is a page fault with U/S and W set', () => {
    const { cpu, demotion, routine, faults, mgr } = setup(`
      mov rax, [rsp]
      mov [rcx], rax
      ret`);
    expect(() => demotion.invokeDemoted(cpu, routine, [BigInt(mgr.idt)])).to.throw(MachineStop);
    expect(faults[0]).to.deep.include({ vector: 14, errorCode: 0x7 });
    expect(cpu.cr2).to.equal(mgr.idt);
  });

  it('a runaway CPL3 routine ends as a hang, never a hung process', () => {
    const { cpu, demotion, routine, m } = setup('l: jmp l');
    (demotion as unknown as { budget: number }).budget = 10_000;
    expect(() => demotion.invokeDemoted(cpu, routine, [])).to.throw(MachineStop);
    expect(m.state.kind).to.equal('hang');
  });
});
