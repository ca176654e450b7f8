import { Syscall } from '../../supervisor/privilege/syscall-dispatcher';

/**
 * The syscall flavours of BaseLib, IoLib and CpuLib that MM drivers link (supervisor-facts §3.5), as x86-64
 * routines with the Microsoft x64 calling convention. Each checks `NeedSysCall()` (CS.RPL == 3): at CPL3 it
 * calls `SysCall(CallIndex, Arg1, Arg2, Arg3)`, at CPL0 it executes the instruction itself. `SysCall` moves the
 * index from RCX to RAX, keeps Arg1..Arg3 in RDX/R8/R9, preserves R11 around the SYSCALL instruction and
 * returns the supervisor's RAX (§3.5); indices are the dispatcher's (§3.6).
 */
export type LibraryRoutine =
  | 'SysCall' | 'AsmReadMsr64' | 'AsmWriteMsr64' | 'IoRead8' | 'IoRead16' | 'IoRead32' | 'IoWrite8' | 'IoWrite16'
  | 'IoWrite32' | 'DisableInterrupts' | 'AsmWbinvd' | 'CpuSleep';

/** MM_IO_UINT8/16/32 (supervisor-facts §3.5) by byte width. */
const MM_IO_WIDTH: Record<1 | 2 | 4, number> = { 1: 0, 2: 1, 4: 2 };

/** `NeedSysCall()`: falls through at CPL3, jumps to `ring0` otherwise. Clobbers RAX. */
const needSysCall = (ring0: string) => ['  mov ax, cs', '  and eax, 3', '  cmp eax, 3', `  jne ${ring0}`];

function ioRead(width: 1 | 2 | 4): string[] {
  const name = `IoRead${width * 8}`;
  const [reg, ext] = width === 1 ? ['al', 'movzx eax, al'] : width === 2 ? ['ax', 'movzx eax, ax'] : ['eax', 'mov eax, eax'];
  return [
    `; UINT${width * 8} ${name}(UINTN Port): SysCall(SMM_SC_IO_READ, Port, MM_IO_UINT${width * 8}, 0)`,
    `${name}:`, ...needSysCall(`${name}_Ring0`),
    '  sub rsp, 0x28', '  mov rdx, rcx', `  mov ecx, ${Syscall.IO_READ}`, `  mov r8d, ${MM_IO_WIDTH[width]}`, '  xor r9d, r9d',
    '  call SysCall', '  add rsp, 0x28', `  ${ext}`, '  ret',
    `${name}_Ring0:`, '  mov edx, ecx', `  in ${reg}, dx`, `  ${ext}`, '  ret',
  ];
}

function ioWrite(width: 1 | 2 | 4): string[] {
  const name = `IoWrite${width * 8}`;
  const [reg, ext] = width === 1 ? ['al', 'movzx r9d, dl'] : width === 2 ? ['ax', 'movzx r9d, dx'] : ['eax', 'mov r9d, edx'];
  return [
    `; UINT${width * 8} ${name}(UINTN Port, UINT${width * 8} Value): SysCall(SMM_SC_IO_WRITE, Port, MM_IO_UINT${width * 8}, Value); returns Value`,
    `${name}:`, ...needSysCall(`${name}_Ring0`),
    '  sub rsp, 0x28', `  ${ext}`, '  mov [rsp + 0x20], r9', '  mov rdx, rcx', `  mov ecx, ${Syscall.IO_WRITE}`, `  mov r8d, ${MM_IO_WIDTH[width]}`,
    '  call SysCall', '  mov rax, [rsp + 0x20]', '  add rsp, 0x28', '  ret',
    `${name}_Ring0:`, '  mov rax, rdx', '  mov edx, ecx', `  out dx, ${reg}`, '  ret',
  ];
}

/** A CpuLib/BaseLib routine without arguments: SysCall(index, 0, 0, 0) at CPL3, `insn` at CPL0. */
function noArgs(name: LibraryRoutine, index: number, insn: string, proto: string): string[] {
  return [
    `; ${proto}: SysCall(${index === Syscall.CLI ? 'SMM_SC_CLI' : index === Syscall.WBINVD ? 'SMM_SC_WBINVD' : 'SMM_SC_HLT'}, 0, 0, 0)`,
    `${name}:`, ...needSysCall(`${name}_Ring0`),
    `  mov ecx, ${index}`, '  xor edx, edx', '  xor r8d, r8d', '  xor r9d, r9d', '  jmp SysCall',
    `${name}_Ring0:`, `  ${insn}`, '  ret',
  ];
}

const ROUTINES: Record<LibraryRoutine, () => string[]> = {
  SysCall: () => [
    '; UINT64 SysCall(UINTN CallIndex, UINTN Arg1, UINTN Arg2, UINTN Arg3) (SysCallLib, supervisor-facts §3.5)',
    'SysCall:', '  mov rax, rcx', '  push r11', '  syscall', '  pop r11', '  ret',
  ],
  AsmReadMsr64: () => [
    '; UINT64 AsmReadMsr64(UINT32 Index): SysCall(SMM_SC_RDMSR, Index, 0, 0)',
    'AsmReadMsr64:', ...needSysCall('AsmReadMsr64_Ring0'),
    '  mov edx, ecx', `  mov ecx, ${Syscall.RDMSR}`, '  xor r8d, r8d', '  xor r9d, r9d', '  jmp SysCall',
    'AsmReadMsr64_Ring0:', '  rdmsr', '  shl rdx, 32', '  or rax, rdx', '  ret',
  ],
  AsmWriteMsr64: () => [
    '; UINT64 AsmWriteMsr64(UINT32 Index, UINT64 Value): SysCall(SMM_SC_WRMSR, Index, Value, 0); returns Value',
    'AsmWriteMsr64:', ...needSysCall('AsmWriteMsr64_Ring0'),
    '  sub rsp, 0x28', '  mov [rsp + 0x20], rdx', '  mov r8, rdx', '  mov edx, ecx', `  mov ecx, ${Syscall.WRMSR}`, '  xor r9d, r9d',
    '  call SysCall', '  mov rax, [rsp + 0x20]', '  add rsp, 0x28', '  ret',
    'AsmWriteMsr64_Ring0:', '  mov rax, rdx', '  mov r8, rdx', '  shr rdx, 32', '  wrmsr', '  mov rax, r8', '  ret',
  ],
  IoRead8: () => ioRead(1),
  IoRead16: () => ioRead(2),
  IoRead32: () => ioRead(4),
  IoWrite8: () => ioWrite(1),
  IoWrite16: () => ioWrite(2),
  IoWrite32: () => ioWrite(4),
  DisableInterrupts: () => noArgs('DisableInterrupts', Syscall.CLI, 'cli', 'VOID DisableInterrupts(VOID)'),
  AsmWbinvd: () => noArgs('AsmWbinvd', Syscall.WBINVD, 'wbinvd', 'VOID AsmWbinvd(VOID)'),
  CpuSleep: () => noArgs('CpuSleep', Syscall.HLT, 'hlt', 'VOID CpuSleep(VOID)'),
};

/** The text of the requested routines (and SysCall, which they all use), in a fixed order. */
export function libraryText(used: ReadonlySet<LibraryRoutine>): string[] {
  if (used.size === 0) return [];
  const all = new Set<LibraryRoutine>([...used, 'SysCall']);
  const order = Object.keys(ROUTINES) as LibraryRoutine[];
  return order.filter((r) => all.has(r)).flatMap((r) => [...ROUTINES[r](), '']);
}

/** The routine an I/O access of `width` bytes calls. */
export function ioRoutine(write: boolean, width: 1 | 2 | 4): LibraryRoutine {
  return `${write ? 'IoWrite' : 'IoRead'}${width * 8}` as LibraryRoutine;
}
