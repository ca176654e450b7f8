import { wellKnownGuid } from '../../firmware/guid';
import { MMST } from '../../supervisor/broker/ring3-broker-image';
import { type Action, READ_LIKE } from './driver-action';
import { type AsmLine, DataPool } from './driver-program';
import { ioRoutine, type LibraryRoutine, libraryText } from './syscall-library';

/** gEfiMmCpuProtocolGuid: the broker installs EFI_MM_CPU_PROTOCOL under it (supervisor-facts §2.6, §0.4). */
const MM_CPU_PROTOCOL = wellKnownGuid('gEfiMmCpuProtocolGuid')!;
/** EFI_ALLOCATE_TYPE AllocateAnyPages (the only type SMM_ALOC_PAGE can satisfy, supervisor-facts §3.7). */
const ALLOCATE_ANY_PAGES = 0;
/** EFI_NATIVE_INTERFACE. */
const NATIVE_INTERFACE = 0;
/**
 * Stack frame of every routine: RBX saved (it carries the last read value), then 0x30 bytes so that RSP is
 * 16-byte aligned at each call with the 32-byte shadow space and a slot for a fifth argument at [RSP+0x20].
 * (Entered with RSP ≡ 8 mod 16 after the caller's CALL; supervisor-facts §3.2 demotes with that alignment.)
 */
const FRAME = 0x30;

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** What the routines of one program share: their data, the library routines used, the `asm:` blocks. */
export class CompileContext {
  readonly lib = new Set<LibraryRoutine>();
  readonly asmBlocks: AsmLine[][] = [];
  /** Label of the saved user MMST pointer (written by the entry point from RDX). */
  readonly mmst: string;
  constructor(readonly pool: DataPool = new DataPool()) {
    this.mmst = pool.slot('gMmst');
  }

  /** The shared tail of a program: `asm:` blocks, then the syscall-flavour library routines. */
  tail(): AsmLine[] {
    return [...this.asmBlocks.flat(), { text: '' }, ...libraryText(this.lib).map((text) => ({ text }))];
  }
}

/**
 * One routine with the Microsoft x64 calling convention: saves RBX, runs `setup` (entry-point work) and then
 * the actions, and returns in RAX the `return:` status, else the value of the last read-like action, else
 * EFI_SUCCESS. `setup` lines may `js <label>_return` with an EFI error status in RAX to return it at once.
 */
export function emitRoutine(ctx: CompileContext, label: string, actions: readonly Action[], setup: AsmLine[] = []): AsmLine[] {
  const out: AsmLine[] = [
    { text: `${label}:` }, { text: '  push rbx' }, { text: `  sub rsp, ${hex(FRAME)}` }, { text: '  xor ebx, ebx' }, ...setup,
  ];
  let produced = false;
  actions.forEach((a, i) => {
    const at = a.at;
    const emit = (...lines: string[]) => out.push(...lines.map((text) => ({ text, at })));
    const done = `${label}_a${i}_done`;
    const mmstCall = (offset: number, what: string) => emit(`  mov rax, [rel ${ctx.mmst}]`, `  call [rax + ${hex(offset)}]        ; gMmst->${what}`);
    emit(`  ; ${a.kind}`);
    switch (a.kind) {
      case 'rdmsr':
        ctx.lib.add('AsmReadMsr64');
        emit(`  mov ecx, ${hex(a.msr)}`, '  call AsmReadMsr64');
        break;
      case 'wrmsr':
        ctx.lib.add('AsmWriteMsr64');
        emit(`  mov ecx, ${hex(a.msr)}`, `  mov rdx, ${hex(a.value)}`, '  call AsmWriteMsr64');
        break;
      case 'io_read':
        ctx.lib.add(ioRoutine(false, a.width));
        emit(`  mov ecx, ${hex(a.port)}`, `  call ${ioRoutine(false, a.width)}`);
        break;
      case 'io_write':
        ctx.lib.add(ioRoutine(true, a.width));
        emit(`  mov ecx, ${hex(a.port)}`, `  mov edx, ${hex(a.value)}`, `  call ${ioRoutine(true, a.width)}`);
        break;
      case 'instruction': {
        const r: LibraryRoutine = a.instruction === 'cli' ? 'DisableInterrupts' : a.instruction === 'wbinvd' ? 'AsmWbinvd' : 'CpuSleep';
        ctx.lib.add(r);
        emit(`  call ${r}`);
        break;
      }
      case 'read': {
        const load = { 1: 'movzx eax, byte [rax]', 2: 'movzx eax, word [rax]', 4: 'mov eax, dword [rax]', 8: 'mov rax, qword [rax]' }[a.width];
        emit(`  mov rax, ${hex(a.address)}`, `  ${load}`);
        break;
      }
      case 'write': {
        const store = { 1: 'mov byte [rax], dl', 2: 'mov word [rax], dx', 4: 'mov dword [rax], edx', 8: 'mov qword [rax], rdx' }[a.width];
        emit(`  mov rax, ${hex(a.address)}`, `  mov rdx, ${hex(a.value)}`, `  ${store}`);
        break;
      }
      case 'execute':
        emit(`  mov rax, ${hex(a.address)}`, '  call rax');
        break;
      case 'install_protocol': {
        const handle = ctx.pool.slot(`${label}_Handle#`);
        emit(`  lea rcx, [rel ${handle}]`, `  lea rdx, [rel ${ctx.pool.guid(a.guid)}]`, `  mov r8d, ${NATIVE_INTERFACE}`, '  xor r9d, r9d');
        mmstCall(MMST.installProtocolInterface, 'MmInstallProtocolInterface(&Handle, &Guid, EFI_NATIVE_INTERFACE, NULL)');
        break;
      }
      case 'allocate_pages': {
        const memory = ctx.pool.slot(`${label}_Pages#`);
        emit(`  mov ecx, ${ALLOCATE_ANY_PAGES}`, `  mov edx, ${a.memoryType}`, `  mov r8, ${hex(a.pages)}`, `  lea r9, [rel ${memory}]`);
        mmstCall(MMST.allocatePages, 'MmAllocatePages(AllocateAnyPages, MemoryType, Pages, &Memory)');
        break;
      }
      case 'save_state_read': {
        const mmCpu = ctx.pool.slot('gMmCpu');
        const buffer = ctx.pool.slot(`${label}_SaveState#`, Math.ceil(a.width / 8) * 8);
        emit(`  lea rcx, [rel ${ctx.pool.guid(MM_CPU_PROTOCOL)}]`, '  xor edx, edx', `  lea r8, [rel ${mmCpu}]`);
        mmstCall(MMST.locateProtocol, 'MmLocateProtocol(&gEfiMmCpuProtocolGuid, NULL, &gMmCpu)');
        emit('  test rax, rax', `  jnz ${done}`);
        if (a.cpu === 'current') emit(`  mov rax, [rel ${ctx.mmst}]`, `  mov r9, [rax + ${hex(MMST.currentlyExecutingCpu)}]`);
        else emit(`  mov r9d, ${a.cpu}`);
        emit(`  lea rax, [rel ${buffer}]`, '  mov [rsp + 0x20], rax', `  mov rcx, [rel ${mmCpu}]`, `  mov edx, ${a.width}`, `  mov r8d, ${a.register}`,
          '  call [rcx]        ; gMmCpu->ReadSaveState(gMmCpu, Width, Register, CpuIndex, Buffer)', `${done}:`);
        break;
      }
      case 'return':
        emit(`  mov rax, ${hex(a.status)}`, `  jmp ${label}_return`);
        break;
      case 'asm': {
        const block = `${label}_asm${i}`;
        const lines = a.text.split(/\r?\n/);
        ctx.asmBlocks.push([
          { text: `${block}:`, at },
          ...lines.map((text, k) => ({ text, at: a.lines?.[k], user: a.lines !== undefined })),
          { text: '  ret', at },
        ]);
        emit(`  call ${block}`);
        break;
      }
    }
    if (READ_LIKE.has(a.kind)) {
      emit('  mov rbx, rax');
      produced = true;
    }
  });
  out.push({ text: produced ? '  mov rax, rbx' : '  xor eax, eax        ; EFI_SUCCESS' });
  out.push({ text: `${label}_return:` }, { text: `  add rsp, ${hex(FRAME)}` }, { text: '  pop rbx' }, { text: '  ret' }, { text: '' });
  return out;
}

export interface CompileActionsOptions {
  /** Label of the routine (default `DriverActions`). */
  label?: string;
}

/**
 * Compiles an action list to a stand-alone Intel-syntax program: the routine first (so it starts at the
 * program's first byte), then its `asm:` blocks, the syscall-flavour library routines it calls, and its data
 * as `db` lines after the code. The routine follows the Microsoft x64 convention and returns its result in RAX.
 * Privileged operations use the supervisor's syscall ABI exactly as BaseLib/IoLib/CpuLib's syscall flavours
 * do (supervisor-facts §3.5–§3.6); `read`/`write`/`execute` are plain CPL3 accesses; the MMST actions call
 * through the saved user MMST pointer (`gMmst`, zero in a stand-alone program: only `buildDriverImage`'s
 * entry point saves it). Stand-alone data shares the code's pages, so actions that write data
 * (install_protocol, allocate_pages, save_state_read) need `buildDriverImage`.
 */
export function compileActions(actions: readonly Action[], options: CompileActionsOptions = {}): string {
  const ctx = new CompileContext();
  const lines = [...emitRoutine(ctx, options.label ?? 'DriverActions', actions), ...ctx.tail()];
  return [...lines.map((l) => l.text), ...ctx.pool.asDirectives(), ''].join('\n');
}
