import type { Cpu } from '../../cpu/cpu';
import { InstructionBudgetExceeded } from '../../cpu/cpu-fault';
import { DS, ES, FS, GS, RSP, SS } from '../../cpu/registers';
import type { Machine } from '../../platform/machine';
import { Selector } from '../relocate/gdt';
import type { SmmCpuManager } from '../relocate/smm-cpu-manager';
import { programSyscallMsrs, restoreSyscallMsrs, saveSyscallMsrs } from './syscall-msrs';

const ARG_REGS = [1, 2, 8, 9]; // RCX, RDX, R8, R9

/**
 * InvokeDemotedRoutine (§3.2): runs `routine` at CPL3 with up to N arguments and returns its RAX. The
 * supervisor builds a real RETFQ frame (CS 0x5B : routine, SS 0x53 : CPL3 stack) and the CPU executes the far
 * return; the routine returns into the CPL3 trampoline (push r15; call far through the 0x63 call gate), which
 * brings the CPU back to CPL0 at the demotion-return host trap. Every syscall in between is real.
 */
export class Demotion {
  /** Nesting depth per CPU (a user handler may trigger another demotion, e.g. the error reporter). */
  private readonly depth: number[];
  /**
   * Per CPU: the privilege level the last demoted routine returned from, read from the CS the call gate pushed
   * on the supervisor stack ([RSP+8] at the return label) — evidence that the code really ran at CPL3.
   */
  readonly returnedFromCpl: (number | undefined)[];
  /** Names the image holding an address (set by the core), so a runaway routine's hang names its driver. */
  identify: ((rip: bigint) => { guid: string; name: string; base: bigint } | undefined) | undefined;
  constructor(private readonly machine: Machine, private readonly smmCpus: SmmCpuManager, readonly budget = 20_000_000) {
    this.depth = machine.cpus.map(() => 0);
    this.returnedFromCpl = machine.cpus.map(() => undefined);
    machine.ram.setHostTrap(smmCpus.stubs.demotionReturn, (cpu) => {
      this.returnedFromCpl[cpu.index] = Number(machine.smm.u64(Number(cpu.getReg64(RSP)) + 8) & 3n);
      cpu.requestStop();
    });
  }

  invokeDemoted(cpu: Cpu, routine: bigint, args: readonly bigint[]): bigint {
    const c = this.smmCpus.perCpu[cpu.index];
    const saved = { rip: cpu.rip, rsp: cpu.getReg64(RSP), msrs: saveSyscallMsrs(cpu), ss: cpu.segSel[SS], ssAttr: cpu.segAttr[SS] };
    const savedRegs = [3, 5, 6, 7, 12, 13, 14, 15].map((r) => [r, cpu.getReg64(r)] as const); // non-volatile
    programSyscallMsrs(cpu, this.smmCpus.stubs.syscallEntry, c.syscallCache);
    // TSS.RSP0 and the syscall cache's MmSupvRsp = the current supervisor stack (§3.2 step 3)
    const supRsp = (saved.rsp - 0x100n) & ~0xfn;
    this.machine.smm.setU64(c.tss + 4, supRsp);
    this.machine.smm.setU64(c.syscallCache, supRsp);
    // CPL3 stack (§3.2 step 1): room for the return address, the 0x20-byte shadow space and arguments 5+;
    // RSP ≡ 8 (mod 16) at entry as the x64 calling convention expects. Nested demotions go below.
    const depth = this.depth[cpu.index]++;
    const frame = 8 + 0x20 + Math.max(0, args.length - 4) * 8;
    const userRsp = BigInt((c.userStackTop - 0x10 - frame - depth * 0x1000) & ~0xf) - 8n;
    // arguments 5+ at [RSP+0x28…] (after the return address and the 0x20 shadow space)
    for (let k = 4; k < args.length; k++) this.machine.smm.setU64(Number(userRsp) + 0x28 + (k - 4) * 8, args[k]);
    this.machine.smm.setU64(Number(userRsp), BigInt(this.smmCpus.userTrampoline)); // routine's return address
    args.slice(0, 4).forEach((a, k) => cpu.setReg64(ARG_REGS[k], a));
    for (let k = args.length; k < 4; k++) cpu.setReg64(ARG_REGS[k], 0n);
    cpu.setReg64(15, BigInt(Selector.CALL_GATE) << 32n);
    for (const s of [DS, ES, FS, GS]) {
      cpu.segSel[s] = Selector.LONG_DS_R3;
      cpu.segAttr[s] = 0xc0f3;
    }
    // RETFQ frame on the supervisor stack: RIP, CS, RSP, SS
    let sp = supRsp;
    const push = (v: bigint) => {
      sp -= 8n;
      this.machine.smm.setU64(Number(sp), v);
    };
    push(BigInt(Selector.LONG_DS_R3));
    push(userRsp);
    push(BigInt(Selector.LONG_CS_R3));
    push(routine);
    cpu.setReg64(RSP, sp);
    cpu.rip = this.smmCpus.stubs.retfq;
    try {
      const r = cpu.run(this.budget);
      if (r !== 'stopped') this.machine.stop('hang', `CPL3 routine 0x${routine.toString(16)} on CPU ${cpu.index} ended with ${r}`);
    } catch (e) {
      if (e instanceof InstructionBudgetExceeded) {
        // The real supervisor has no watchdog: a CPL3 routine that never returns leaves the SMI unfinished and the
        // platform hung. The model ends the run at the budget and records which driver was running (not MSVT).
        const rip = cpu.ripU64;
        const image = this.identify?.(rip);
        this.machine.trace.record('runaway', { cpu: cpu.index, routine, rip, budget: this.budget, driver: image?.guid ?? null, name: image?.name ?? null, base: image?.base ?? null });
        this.machine.stop('hang', `CPL3 routine 0x${routine.toString(16)} on CPU ${cpu.index}${image ? ` (${image.name})` : ''} ran past ${this.budget} instructions: ${e.message}`);
      }
      throw e;
    } finally {
      this.depth[cpu.index]--;
    }
    const result = cpu.getReg64(0);
    this.machine.trace.record('demotion', { cpu: cpu.index, routine, returnedFromCpl: this.returnedFromCpl[cpu.index] ?? null, status: result });
    restoreSyscallMsrs(cpu, saved.msrs);
    for (const s of [DS, ES, FS, GS]) {
      cpu.segSel[s] = Selector.LONG_DS_R0;
      cpu.segAttr[s] = 0xc093;
    }
    for (const [r, v] of savedRegs) cpu.setReg64(r, v);
    cpu.segSel[SS] = saved.ss; // the call gate left a null SS (64-bit gates); the supervisor's context comes back
    cpu.segAttr[SS] = saved.ssAttr;
    cpu.setReg64(RSP, saved.rsp);
    cpu.rip = saved.rip;
    return result;
  }
}
