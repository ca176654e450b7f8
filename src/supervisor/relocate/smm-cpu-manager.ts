import type { Cpu } from '../../cpu/cpu';
import { A_READ, A_SYS, CR0_PE, CR0_PG, CR0_WP, EFER_LMA, EFER_LME, EFER_NXE } from '../../cpu/mmu';
import { CS, DS, ES, FS, GS, SS } from '../../cpu/registers';
import { hasErrorCode } from '../../cpu/cpu-fault';
import type { Machine } from '../../platform/machine';
import { PAGE, type MmramAllocator } from '../mem/mmram-allocator';
import type { PageAttributes } from '../mem/page-attributes';
import type { PageTableManager } from '../mem/page-table-manager';
import { GDT_LIMIT, Selector, TSS_LIMIT, TSS_OFFSET, buildGdtAndTss, interruptGate } from './gdt';

/** What the CPU pushed when an exception reached a supervisor IDT handler. */
export interface ExceptionFrame {
  vector: number;
  errorCode: number | undefined;
  rip: bigint;
  cs: number;
  rflags: bigint;
  rsp: bigint;
  ss: number;
}

/** The supervisor routines the SMM CPU layer hands control to (TypeScript, reached through host traps). */
export interface SmmCpuHooks {
  /** MMI processing on the BSP once every CPU has arrived (MmEntryPoint, §8.3). */
  onSmi(cpu: Cpu): void;
  /** A CPU exception delivered through the supervisor's IDT (§9.1). Must not return normally for fatal ones. */
  onException(cpu: Cpu, frame: ExceptionFrame): void;
  /** The syscall entry (IA32_LSTAR target, §3.4): returns the value for RAX. */
  onSyscall(cpu: Cpu): bigint;
}

export interface SmmCpuOptions {
  /**
   * TSS I/O-map base. The real template leaves it 0 with a 0x68-byte TSS (§3.1, §11.20), so on hardware the
   * bitmap would be read from the TSS's own bytes. `beyond-limit` (default, the documented intent) places the
   * base past the TSS limit so every CPL3 IN/OUT raises #GP; `as-built` keeps 0 like the real template.
   */
  tssIoMapBase?: 'beyond-limit' | 'as-built';
  /** Pages of supervisor stack per CPU. */
  supervisorStackPages?: number;
  /** Pages of CPL3 stack per CPU. */
  userStackPages?: number;
}

/** Addresses inside the supervisor's stub page. Real instructions where the CPU executes, traps elsewhere. */
export interface StubAddresses {
  page: number;
  rsm: number;
  retfq: number;
  sysretq: number;
  syscallEntry: number;
  demotionReturn: number;
  bspWait: number;
  apWait: number;
  exception(vector: number): number;
}

export interface PerCpuSmm {
  index: number;
  smbase: number;
  gdt: number;
  tss: number;
  supervisorStackTop: number;
  userStackBase: number;
  userStackTop: number;
  /** MM_SUPV_SYSCALL_CACHE (§3.4): MmSupvRsp, SavedUserRsp, OsGsBasePtr, OsGsSwapBasePtr. */
  syscallCache: number;
}

/** CR4 in MM: DE, PAE, OSFXSR, OSXMMEXCPT, UMIP, SMEP (0x100E28) plus MCE; SMAP not set (§1.6, item 20). */
export const MM_CR4 = 0x100e28 | 0x40;

const STUB = { rsm: 0x00, retfq: 0x10, sysretq: 0x20, syscallEntry: 0x40, demotionReturn: 0x50, bspWait: 0x60, apWait: 0x70, exceptions: 0x100 } as const;

/**
 * SMM CPU setup (Core/Relocate, §1.5 step 7): per-CPU GDT/TSS, a shared IDT, supervisor and CPL3 stacks, the
 * stub page with the instructions the CPU really executes (RSM, RETFQ, SYSRETQ) and the host traps that hand
 * control to the TypeScript supervisor (SMI entry at SMBASE+0x8000, syscall entry, demotion return, exception
 * handlers, rendezvous waits). The SMI entry performs the long-mode switch of SmiEntry.nasm (§3.10).
 */
export class SmmCpuManager {
  readonly stubs: StubAddresses;
  readonly perCpu: PerCpuSmm[] = [];
  readonly idt: number;
  readonly userTrampoline: number;
  private readonly options: Required<SmmCpuOptions>;
  /** Rendezvous of the SMI being handled. */
  private arrived = new Set<number>();
  private released = false;
  private inFlight = 0;
  /** CPUs taking part in SMIs (those with an SMBASE the supervisor knows). */
  readonly cpuCount: number;

  constructor(
    private readonly machine: Machine,
    allocator: MmramAllocator,
    private readonly ptm: PageTableManager,
    private readonly hooks: SmmCpuHooks,
    options: SmmCpuOptions = {},
  ) {
    this.options = { tssIoMapBase: options.tssIoMapBase ?? 'beyond-limit', supervisorStackPages: options.supervisorStackPages ?? 8, userStackPages: options.userStackPages ?? 8 };
    this.cpuCount = machine.cpus.length;
    const page = allocator.allocatePages(1, 'supervisor', 'code', 'SMI entry and supervisor stubs');
    this.stubs = {
      page, rsm: page + STUB.rsm, retfq: page + STUB.retfq, sysretq: page + STUB.sysretq, syscallEntry: page + STUB.syscallEntry,
      demotionReturn: page + STUB.demotionReturn, bspWait: page + STUB.bspWait, apWait: page + STUB.apWait,
      exception: (v: number) => page + STUB.exceptions + v * 8,
    };
    this.idt = allocator.allocatePages(1, 'supervisor', 'data', 'IDT');
    this.userTrampoline = allocator.allocatePages(1, 'user', 'code', 'CPL3 return trampoline');
    for (const cpu of machine.cpus) {
      const gdt = allocator.allocatePages(1, 'supervisor', 'data', `GDT and TSS of CPU ${cpu.index}`);
      const sstack = allocator.allocatePages(this.options.supervisorStackPages, 'supervisor', 'data', `supervisor stack of CPU ${cpu.index}`);
      const ustack = allocator.allocatePages(this.options.userStackPages, 'user', 'data', `CPL3 stack of CPU ${cpu.index}`);
      const cache = allocator.allocatePages(1, 'supervisor', 'data', `syscall cache of CPU ${cpu.index}`);
      this.perCpu.push({
        index: cpu.index, smbase: cpu.smm.smbase, gdt, tss: gdt + TSS_OFFSET,
        supervisorStackTop: sstack + this.options.supervisorStackPages * PAGE,
        userStackBase: ustack, userStackTop: ustack + this.options.userStackPages * PAGE, syscallCache: cache,
      });
    }
    this.writeStructures();
    this.registerTraps();
  }

  private get ram() {
    return this.machine.ram;
  }

  private writeStructures(): void {
    const smm = this.machine.smm;
    const s = this.stubs;
    // The instructions the CPU executes itself.
    smm.write(s.rsm, Uint8Array.of(0x0f, 0xaa)); // rsm
    smm.write(s.retfq, Uint8Array.of(0x48, 0xcb)); // retfq
    smm.write(s.sysretq, Uint8Array.of(0x48, 0x0f, 0x07)); // o64 sysret
    // CPL3 side of the return: push r15 (= 0x63 << 32), call far dword [rsp] through the call gate (§3.2 step 6).
    smm.write(this.userTrampoline, Uint8Array.of(0x41, 0x57, 0xff, 0x1c, 0x24));
    const idt = new Uint8Array(32 * 16);
    const dv = new DataView(idt.buffer);
    for (let v = 0; v < 32; v++) {
      const [lo, hi] = interruptGate(BigInt(s.exception(v)));
      dv.setBigUint64(v * 16, lo, true);
      dv.setBigUint64(v * 16 + 8, hi, true);
    }
    smm.write(this.idt, idt);
    const ioMapBase = this.options.tssIoMapBase === 'as-built' ? 0 : 0xffff;
    for (const c of this.perCpu) {
      smm.write(c.gdt, buildGdtAndTss(BigInt(c.gdt), BigInt(s.demotionReturn), BigInt(c.supervisorStackTop), ioMapBase));
    }
  }

  private registerTraps(): void {
    const s = this.stubs;
    for (const c of this.perCpu) this.ram.setHostTrap(c.smbase + 0x8000, (cpu) => this.smiEntry(cpu));
    this.ram.setHostTrap(s.bspWait, (cpu) => this.bspWait(cpu));
    this.ram.setHostTrap(s.apWait, (cpu) => this.apWait(cpu));
    this.ram.setHostTrap(s.syscallEntry, (cpu) => {
      const rax = this.hooks.onSyscall(cpu);
      cpu.setReg64(0, rax);
      cpu.rip = s.sysretq;
    });
    for (let v = 0; v < 32; v++) this.ram.setHostTrap(s.exception(v), (cpu) => this.hooks.onException(cpu, this.readFrame(cpu, v)));
  }

  /** Reads the frame the CPU pushed for `vector` (error code first when the vector has one). */
  private readFrame(cpu: Cpu, vector: number): ExceptionFrame {
    let sp = cpu.rsp;
    const read = (): bigint => {
      const v = cpu.readU64(sp, A_READ | A_SYS);
      sp += 8;
      return v;
    };
    const errorCode = hasErrorCode(vector) ? Number(read() & 0xffffffffn) : undefined;
    const rip = read(), cs = Number(read() & 0xffffn), rflags = read(), rsp = read(), ss = Number(read() & 0xffffn);
    return { vector, errorCode, rip, cs, rflags, rsp, ss };
  }

  /** The long-mode switch of SmiEntry.nasm (§3.10): CR0/CR3/CR4/EFER, GDT, IDT, TR, flat selectors, stack. */
  enterLongMode(cpu: Cpu): void {
    const c = this.perCpu[cpu.index];
    cpu.gdtrBase = c.gdt;
    cpu.gdtrLimit = GDT_LIMIT;
    cpu.idtrBase = this.idt;
    cpu.idtrLimit = 32 * 16 - 1;
    cpu.cr3 = this.ptm.cr3;
    cpu.cr4 = MM_CR4;
    cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
    cpu.cr0 = (((cpu.cr0 & 0x9ffafff3) | 0x23) | CR0_PG | CR0_WP | CR0_PE) >>> 0;
    cpu.trSel = Selector.TSS;
    cpu.trBase = c.tss;
    cpu.trLimit = TSS_LIMIT;
    cpu.trAttr = 0x8b;
    cpu.segSel[CS] = Selector.LONG_CS_R0;
    cpu.segBase[CS] = 0;
    cpu.segLimit[CS] = 0xffffffff;
    cpu.segAttr[CS] = 0xa09b;
    for (const sgm of [SS, DS, ES, FS, GS]) {
      cpu.segSel[sgm] = Selector.LONG_DS_R0;
      cpu.segBase[sgm] = 0;
      cpu.segLimit[sgm] = 0xffffffff;
      cpu.segAttr[sgm] = 0xc093;
    }
    cpu.cpl = 0;
    cpu.setRflags(0x2);
    cpu.setReg64(4, BigInt(c.supervisorStackTop));
    cpu.flushTlb();
    cpu.updateMode();
  }

  /** SMI entry host trap at SMBASE+0x8000 of every CPU. */
  private smiEntry(cpu: Cpu): void {
    if (this.inFlight === 0 && this.released) {
      this.released = false;
      this.arrived.clear();
    }
    this.enterLongMode(cpu);
    this.arrived.add(cpu.index);
    this.inFlight++;
    cpu.rip = cpu.index === 0 ? this.stubs.bspWait : this.stubs.apWait;
  }

  /** The BSP waits for every CPU, runs the MMI, then releases the APs and leaves SMM with a real RSM. */
  private bspWait(cpu: Cpu): void {
    if (this.arrived.size < this.cpuCount) {
      cpu.requestStop(); // yield: the machine's scheduler runs the other CPUs into SMM
      return;
    }
    this.hooks.onSmi(cpu);
    this.released = true;
    this.leave(cpu);
  }

  private apWait(cpu: Cpu): void {
    if (!this.released) {
      cpu.requestStop();
      return;
    }
    this.leave(cpu);
  }

  private leave(cpu: Cpu): void {
    this.inFlight--;
    if (this.inFlight === 0) this.arrived.clear();
    cpu.rip = this.stubs.rsm;
  }

  /** How the supervisor's CPU structures are to be mapped (§1.6 step 6). */
  mappings(): { base: number; size: number; attributes: PageAttributes; what: string }[] {
    const sup = (writable: boolean, executable: boolean): PageAttributes => ({ present: true, writable, user: false, executable });
    const out = [
      { base: this.stubs.page, size: PAGE, attributes: sup(false, true), what: 'SMI entry and stubs' },
      { base: this.idt, size: PAGE, attributes: sup(false, false), what: 'IDT' },
      { base: this.userTrampoline, size: PAGE, attributes: { present: true, writable: false, user: true, executable: true }, what: 'CPL3 return trampoline' },
    ];
    for (const c of this.perCpu) {
      out.push({ base: c.gdt, size: PAGE, attributes: sup(false, false), what: `GDT/TSS CPU ${c.index}` });
      out.push({ base: c.supervisorStackTop - this.options.supervisorStackPages * PAGE, size: this.options.supervisorStackPages * PAGE, attributes: sup(true, false), what: `supervisor stack CPU ${c.index}` });
      out.push({ base: c.userStackBase, size: this.options.userStackPages * PAGE, attributes: { present: true, writable: true, user: true, executable: false }, what: `CPL3 stack CPU ${c.index}` });
      out.push({ base: c.syscallCache, size: PAGE, attributes: sup(true, false), what: `syscall cache CPU ${c.index}` });
      // save-state map (SMBASE+0xFC00) RW NX supervisor; the entry point page is a host trap (never fetched as code)
      out.push({ base: Math.floor((c.smbase + 0xfc00) / PAGE) * PAGE, size: PAGE, attributes: sup(true, false), what: `save state CPU ${c.index}` });
    }
    return out;
  }
}
