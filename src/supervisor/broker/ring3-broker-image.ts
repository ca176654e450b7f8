import { assemble } from '../../asm';
import { guidToBytes, wellKnownGuid } from '../../firmware/guid';
import { writePeAtFixedPoint } from '../../firmware/pe';

/** FILE_GUID of MmSupervisorRing3Broker (supervisor-facts §0.5). */
export const RING3_BROKER_FILE_GUID = 'bb3d60c4-210b-4076-b596-3dd298afea49';

/** Offsets of the user MMST fields the broker fills (PI EFI_MM_SYSTEM_TABLE on X64, 0xF0 bytes). */
/** MM_MMST_SIGNATURE = SIGNATURE_32('S','M','S','T') (EFI_MM_SYSTEM_TABLE.Hdr.Signature). */
export const MMST_SIGNATURE = 0x54534d53;

export const MMST = {
  size: 0xf0, installConfigurationTable: 0x28, ioMemRead: 0x30, ioMemWrite: 0x38, ioIoRead: 0x40, ioIoWrite: 0x48,
  allocatePool: 0x50, freePool: 0x58, allocatePages: 0x60, freePages: 0x68, startupThisAp: 0x70,
  currentlyExecutingCpu: 0x78, numberOfCpus: 0x80, cpuSaveStateSize: 0x88, cpuSaveState: 0x90,
  installProtocolInterface: 0xa8, uninstallProtocolInterface: 0xb0, handleProtocol: 0xb8, registerProtocolNotify: 0xc0,
  locateHandle: 0xc8, locateProtocol: 0xd0, mmiManage: 0xd8, mmiHandlerRegister: 0xe0, mmiHandlerUnRegister: 0xe8,
} as const;

const MAX_PROTOCOLS = 128;
const POOL_BYTES = 0x8000;

/** Data-section layout of the broker (offsets from the start of `.data`). */
function dataLayout() {
  let o = 0;
  const take = (n: number, align = 8) => {
    o = Math.ceil(o / align) * align;
    const at = o;
    o += n;
    return at;
  };
  const guids = {
    mmCpu: take(16), ring3Ready: take(16), dxeReadyToLock: take(16), mmReadyToLock: take(16), endOfPei: take(16),
    endOfDxeEvent: take(16), mmEndOfDxe: take(16), exitBootServices: take(16), readyToBoot: take(16),
  };
  return {
    guids,
    mmst: take(MMST.size, 16),
    mmCpuProtocol: take(16),
    protoCount: take(8),
    protoTable: take(MAX_PROTOCOLS * 24),
    handleReadyToLock: take(8),
    ebsSeen: take(8),
    rtbSeen: take(8),
    poolNext: take(8),
    pool: take(POOL_BYTES, 16),
    size: o,
  };
}

/**
 * The Ring 3 broker (Drivers/MmSupervisorRing3Broker, supervisor-facts §2.6, §3.9) as real x86-64 code. Its
 * entry, in the documented order: SMM_REG_HDL_JMP (MMI and AP trampolines), SMM_SET_CPL3_TBL (its user MMST),
 * installs gEfiMmCpuProtocolGuid and gMmRing3HandlerReadyProtocol in its user protocol database (each mirrored
 * into the supervisor database with SMM_INST_PROT), then registers its user MMI handlers for DxeMmReadyToLock
 * (removed on first use), EndOfPei, EndOfDxe, ExitBootServices and ReadyToBoot, which install the matching
 * NULL-interface protocols. The MMST services route to syscalls exactly as §3.9 lists; MmiManage is NULL and
 * MmIo returns EFI_NOT_AVAILABLE_YET.
 */
export function buildRing3BrokerSource(dataRva: number): string {
  const L = dataLayout();
  const d = (off: number) => `0x${(dataRva + off).toString(16)}`;
  const g = L.guids;
  const SC = { REG_HDL_JMP: 0x10000, SET_CPL3_TBL: 0x10019, INST_PROT: 0x1001a, REG_HNDL: 0x10007, UNREG_HNDL: 0x10018, ALOC_PAGE: 0x10004, FREE_PAGE: 0x10005, START_AP_PROC: 0x10006, INST_CONF_T: 0x10001, SVST_READ: 0x7, SVST_READ_2: 0x10021 };
  const fill = (field: number, label: string) => `  lea rax, [rel ${label}]\n  mov [rel ${d(L.mmst + field)}], rax`;
  // A lifecycle handler that installs its NULL-interface protocol the first time only (§2.6).
  const installOnce = (label: string, seen: number, guidOff: number) => `${label}:
  sub rsp, 0x28
  cmp qword [rel ${d(seen)}], 0
  jne .seen
  mov qword [rel ${d(seen)}], 1
  lea rcx, [rel ${d(guidOff)}]
  xor edx, edx
  call install_protocol
.seen:
  xor eax, eax
  add rsp, 0x28
  ret`;
  const reg = (handler: string, guidOff: number, store?: number) => [
    `  lea rdx, [rel ${handler}]`, `  lea r8, [rel ${d(guidOff)}]`, `  mov eax, ${SC.REG_HNDL}`, '  syscall',
    ...(store !== undefined ? [`  mov [rel ${d(store)}], rax`] : []),
  ].join('\n');
  return `
; ---- entry point: (ImageHandle, SystemTable) ----
entry:
  push rbx
  sub rsp, 0x20
  lea rdx, [rel mmi_trampoline]
  lea r8, [rel ap_trampoline]
  mov eax, ${SC.REG_HDL_JMP}
  syscall
${fill(MMST.installConfigurationTable, 'svc_install_configuration_table')}
${fill(MMST.ioMemRead, 'svc_not_available')}
${fill(MMST.ioMemWrite, 'svc_not_available')}
${fill(MMST.ioIoRead, 'svc_not_available')}
${fill(MMST.ioIoWrite, 'svc_not_available')}
${fill(MMST.allocatePool, 'svc_allocate_pool')}
${fill(MMST.freePool, 'svc_free_pool')}
${fill(MMST.allocatePages, 'svc_allocate_pages')}
${fill(MMST.freePages, 'svc_free_pages')}
${fill(MMST.startupThisAp, 'svc_startup_this_ap')}
${fill(MMST.installProtocolInterface, 'svc_install_protocol_interface')}
${fill(MMST.locateProtocol, 'svc_locate_protocol')}
${fill(MMST.handleProtocol, 'svc_handle_protocol')}
${fill(MMST.mmiHandlerRegister, 'svc_mmi_handler_register')}
${fill(MMST.mmiHandlerUnRegister, 'svc_mmi_handler_unregister')}
  lea rax, [rel ${d(L.pool)}]
  mov [rel ${d(L.poolNext)}], rax
  lea rax, [rel svc_read_save_state]
  mov [rel ${d(L.mmCpuProtocol)}], rax
  lea rdx, [rel ${d(L.mmst)}]
  mov eax, ${SC.SET_CPL3_TBL}
  syscall
  lea rcx, [rel ${d(g.mmCpu)}]
  lea rdx, [rel ${d(L.mmCpuProtocol)}]
  call install_protocol
  lea rcx, [rel ${d(g.ring3Ready)}]
  xor edx, edx
  call install_protocol
${reg('on_dxe_ready_to_lock', g.dxeReadyToLock, L.handleReadyToLock)}
${reg('on_end_of_pei', g.endOfPei)}
${reg('on_end_of_dxe', g.endOfDxeEvent)}
${reg('on_exit_boot_services', g.exitBootServices)}
${reg('on_ready_to_boot', g.readyToBoot)}
  xor eax, eax
  add rsp, 0x20
  pop rbx
  ret

; ---- CentralRing3JumpPointer(DispatchHandle, Context, CommBuffer, CommBufferSize, Handler) ----
mmi_trampoline:
  mov rax, [rsp + 0x28]
  jmp rax

; ---- ApRing3JumpPointer(Procedure, Argument) ----
ap_trampoline:
  mov rax, rcx
  mov rcx, rdx
  jmp rax

; ---- install_protocol(rcx = GUID*, rdx = interface): user database + SMM_INST_PROT mirror ----
install_protocol:
  mov rax, [rel ${d(L.protoCount)}]
  cmp rax, ${MAX_PROTOCOLS}
  jae .full
  lea r10, [rax + rax*2]
  lea r11, [rel ${d(L.protoTable)}]
  mov r9, [rcx]
  mov [r11 + r10*8], r9
  mov r9, [rcx + 8]
  mov [r11 + r10*8 + 8], r9
  mov [r11 + r10*8 + 16], rdx
  inc rax
  mov [rel ${d(L.protoCount)}], rax
  mov rdx, rcx
  mov eax, ${SC.INST_PROT}
  syscall
  xor eax, eax
  ret
.full:
  mov rax, 0x8000000000000009
  ret

; ---- find_protocol(rcx = GUID*) → rax = entry address or 0 ----
find_protocol:
  mov r8, [rcx]
  mov r9, [rcx + 8]
  lea r11, [rel ${d(L.protoTable)}]
  mov r10, [rel ${d(L.protoCount)}]
.next:
  test r10, r10
  jz .none
  cmp [r11], r8
  jne .skip
  cmp [r11 + 8], r9
  jne .skip
  mov rax, r11
  ret
.skip:
  add r11, 24
  dec r10
  jmp .next
.none:
  xor eax, eax
  ret

; MmInstallProtocolInterface(Handle*, Protocol*, InterfaceType, Interface)
svc_install_protocol_interface:
  push rbx
  mov rbx, rcx
  mov rcx, rdx
  mov rdx, r9
  call install_protocol
  test rbx, rbx
  jz .done
  lea rcx, [rel ${d(L.protoTable)}]
  mov [rbx], rcx
.done:
  pop rbx
  ret

; MmLocateProtocol(Protocol*, Registration, Interface**)
svc_locate_protocol:
  push rbx
  mov rbx, r8
  call find_protocol
  test rax, rax
  jz .notfound
  mov rax, [rax + 16]
  mov [rbx], rax
  xor eax, eax
  pop rbx
  ret
.notfound:
  mov rax, 0x800000000000000e
  pop rbx
  ret

; MmHandleProtocol(Handle, Protocol*, Interface**)
svc_handle_protocol:
  mov rcx, rdx
  push rbx
  mov rbx, r8
  call find_protocol
  test rax, rax
  jz .unsupported
  mov rax, [rax + 16]
  mov [rbx], rax
  xor eax, eax
  pop rbx
  ret
.unsupported:
  mov rax, 0x8000000000000003
  pop rbx
  ret

; MmiHandlerRegister(Handler, HandlerType*, DispatchHandle*)
svc_mmi_handler_register:
  push rbx
  mov rbx, r8
  mov r8, rdx
  mov rdx, rcx
  mov eax, ${SC.REG_HNDL}
  syscall
  test rbx, rbx
  jz .r
  mov [rbx], rax
.r:
  xor eax, eax
  pop rbx
  ret

; MmiHandlerUnRegister(DispatchHandle)
svc_mmi_handler_unregister:
  mov rdx, rcx
  mov eax, ${SC.UNREG_HNDL}
  syscall
  xor eax, eax
  ret

; MmAllocatePages(Type, MemoryType, Pages, Memory*)
svc_allocate_pages:
  push rbx
  mov rbx, r9
  mov r9, r8
  mov r8, rdx
  mov rdx, rcx
  mov eax, ${SC.ALOC_PAGE}
  syscall
  test rax, rax
  jz .oom
  mov [rbx], rax
  xor eax, eax
  pop rbx
  ret
.oom:
  mov rax, 0x8000000000000009
  pop rbx
  ret

; MmFreePages(Memory, Pages)
svc_free_pages:
  mov r8, rdx
  mov rdx, rcx
  mov eax, ${SC.FREE_PAGE}
  syscall
  xor eax, eax
  ret

; MmStartupThisAp(Procedure, CpuNumber, ProcArguments)
svc_startup_this_ap:
  mov r9, r8
  mov r8, rdx
  mov rdx, rcx
  mov eax, ${SC.START_AP_PROC}
  syscall
  xor eax, eax
  ret

; MmInstallConfigurationTable(SystemTable, Guid*, Table, TableSize): Guid/Table/Size already sit in
; RDX/R8/R9 where SMM_INST_CONF_T takes them; always reports success (§3.9)
svc_install_configuration_table:
  mov eax, ${SC.INST_CONF_T}
  syscall
  xor eax, eax
  ret

; MmIo accessors: not available to user code (§3.9)
svc_not_available:
  mov rax, 0xa000000000000002
  ret

; MmAllocatePool(PoolType, Size, Buffer**): bump allocator in the broker's own data (user pool)
svc_allocate_pool:
  mov rax, [rel ${d(L.poolNext)}]
  add rdx, 15
  and rdx, -16
  lea r9, [rax + rdx]
  lea r10, [rel ${d(L.pool + POOL_BYTES)}]
  cmp r9, r10
  ja .oom
  mov [rel ${d(L.poolNext)}], r9
  mov [r8], rax
  xor eax, eax
  ret
.oom:
  mov rax, 0x8000000000000009
  ret

; MmFreePool(Buffer): the bump pool never reuses memory
svc_free_pool:
  xor eax, eax
  ret

; EFI_MM_CPU_PROTOCOL.ReadSaveState(This, Width, Register, CpuIndex, Buffer): SVST_READ then SVST_READ_2
svc_read_save_state:
  push rbx
  push rsi
  mov rbx, rcx
  mov rsi, rdx
  mov rdx, rcx
  ; SVST_READ(This, Register, CpuIndex): Register and CpuIndex are already in R8/R9
  mov eax, ${SC.SVST_READ}
  syscall
  ; SVST_READ_2(This, Width, Buffer): Buffer is the 5th argument at [rsp + 0x28 + 16]
  mov rdx, rbx
  mov r8, rsi
  mov r9, [rsp + 0x38]
  mov eax, ${SC.SVST_READ_2}
  syscall
  pop rsi
  pop rbx
  ret

; ---- user MMI handlers (DispatchHandle, Context, CommBuffer, CommBufferSize*) ----
on_dxe_ready_to_lock:
  sub rsp, 0x28
  lea rcx, [rel ${d(g.mmReadyToLock)}]
  xor edx, edx
  call install_protocol
  mov rdx, [rel ${d(L.handleReadyToLock)}]
  mov eax, ${SC.UNREG_HNDL}
  syscall
  xor eax, eax
  add rsp, 0x28
  ret

on_end_of_pei:
  sub rsp, 0x28
  lea rcx, [rel ${d(g.endOfPei)}]
  xor edx, edx
  call install_protocol
  xor eax, eax
  add rsp, 0x28
  ret

on_end_of_dxe:
  sub rsp, 0x28
  lea rcx, [rel ${d(g.mmEndOfDxe)}]
  xor edx, edx
  call install_protocol
  xor eax, eax
  add rsp, 0x28
  ret

${installOnce('on_exit_boot_services', L.ebsSeen, g.exitBootServices)}
${installOnce('on_ready_to_boot', L.rtbSeen, g.readyToBoot)}
`;
}

/** The broker's initialised data: the GUIDs it installs and listens for; everything else starts zero. */
function brokerData(): Uint8Array {
  const L = dataLayout();
  const out = new Uint8Array(L.size);
  const put = (off: number, name: string) => out.set(guidToBytes(wellKnownGuid(name)!), off);
  // §3.9: the user MMST starts with the standard table header: Signature MM_MMST_SIGNATURE ('SMST', the value
  // gSmst carries too) and HeaderSize = sizeof (EFI_MM_SYSTEM_TABLE).
  const header = new DataView(out.buffer, L.mmst, 16);
  header.setUint32(0, MMST_SIGNATURE, true);
  header.setUint32(12, MMST.size, true);
  put(L.guids.mmCpu, 'gEfiMmCpuProtocolGuid');
  put(L.guids.ring3Ready, 'gMmRing3HandlerReadyProtocol');
  put(L.guids.dxeReadyToLock, 'gEfiDxeMmReadyToLockProtocolGuid');
  put(L.guids.mmReadyToLock, 'gEfiMmReadyToLockProtocolGuid');
  put(L.guids.endOfPei, 'gEfiMmEndOfPeiProtocol');
  put(L.guids.endOfDxeEvent, 'gEfiEndOfDxeEventGroupGuid');
  put(L.guids.mmEndOfDxe, 'gEfiMmEndOfDxeProtocolGuid');
  put(L.guids.exitBootServices, 'gEfiEventExitBootServicesGuid');
  put(L.guids.readyToBoot, 'gEfiEventReadyToBootGuid');
  return out;
}

/** Builds the broker's PE32+ image (position independent: no base relocations are needed). */
export function buildRing3BrokerImage(): Uint8Array {
  const data = brokerData();
  return writePeAtFixedPoint((dataRva, textRvaOf) => {
    const textRva = textRvaOf(data);
    const code = assemble(buildRing3BrokerSource(dataRva), { origin: BigInt(textRva), source: 'Ring3Broker.asm' });
    return { code: code.bytes, data, entryOffset: Number(code.labels.get('entry')! - BigInt(textRva)) };
  }, 'the Ring 3 broker');
}
