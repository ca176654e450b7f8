import { guidToBytes, type Guid } from '../../firmware/guid';
import { MMST } from '../../supervisor/broker/ring3-broker-image';
export { MMST_SIGNATURE } from '../../supervisor/broker/ring3-broker-image';
import type { Action } from '../driver';
import { ScenarioError } from './scenario-errors';
import type { ScenarioPlatform } from './scenario-platform';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/**
 * An `asm:` action that calls `gMmst->MmLocateProtocol(&Guid, NULL, &Interface)` (MMST+0xD0, the broker's
 * user protocol database, supervisor-facts §3.9) and makes the routine return its EFI_STATUS at once.
 * The block is entered with RSP ≡ 8 mod 16 (driver README "asm:"); the GUID and the Interface slot live in
 * its own stack frame; it leaves through the routine's epilogue (the README's frame: RBX saved, 0x30 bytes),
 * so the status becomes the entry point's or handler's return value.
 */
export function locateProtocolAction(guid: Guid): Action {
  const b = guidToBytes(guid);
  const u64 = (o: number) => b.subarray(o, o + 8).reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
  const text = [
    `  sub rsp, 0x38            ; shadow space, Guid (16 bytes) and Interface`,
    `  mov rax, ${hex(u64(0))}`, '  mov [rsp + 0x20], rax',
    `  mov rax, ${hex(u64(8))}`, '  mov [rsp + 0x28], rax',
    '  lea rcx, [rsp + 0x20]    ; &Guid',
    '  xor edx, edx             ; Registration = NULL',
    '  lea r8, [rsp + 0x30]     ; &Interface',
    '  mov rax, [rel gMmst]',
    `  call [rax + ${hex(MMST.locateProtocol)}]   ; gMmst->MmLocateProtocol`,
    '  add rsp, 0x38',
    '  add rsp, 0x38            ; this block\'s return address and the routine frame',
    '  pop rbx',
    '  ret                      ; the routine returns the status',
  ].join('\n');
  return { kind: 'asm', text };
}

/** What the dispatcher handed a driver's entry point and what it returned (the dispatch trace, §2.4). */
export interface DriverEntryRecord {
  guid: Guid;
  /** The image base the entry point ran from. */
  base: bigint;
  /** RDX of the entry point: the user MMST (or 0 before the broker registered one). */
  systemTable: bigint;
  /** RCX of the entry point: the LoadedImage handle in the supervisor database (§2.5). */
  imageHandle: bigint | undefined;
  status: string;
}

/** Every start of the driver `name` (entry-point calls), in order. */
export function driverEntries(p: ScenarioPlatform, name: string): DriverEntryRecord[] {
  const guid = p.scenarioDrivers.guidOf(name);
  const entry = p.core?.runtime?.dispatcher.entries.find((e) => e.driver.fileName === guid);
  return (p.machine?.trace.events ?? [])
    .filter((e) => e.type === 'dispatch' && e.data.action === 'entry' && e.data.driver === guid)
    .map((e) => ({
      guid, base: BigInt(e.data.base as bigint), systemTable: BigInt(e.data.systemTable as bigint), imageHandle: entry?.imageHandle, status: String(e.data.status),
    }));
}

/** The only start of `name` (throws a scenario error when it did not start). */
export function driverEntry(p: ScenarioPlatform, name: string): DriverEntryRecord {
  const all = driverEntries(p, name);
  if (all.length === 0) throw new ScenarioError('SCENARIO_DRIVER_NOT_STARTED', `the MM driver "${name}" never started (order: ${p.startedDrivers().join(' → ') || 'none'})`);
  return all[0];
}

/** True when [address, address+size) lies inside one MMRAM range the core was given (§1.4). */
export function inMmram(p: ScenarioPlatform, address: bigint, size = 1n): boolean {
  const ranges = p.core?.runtime?.inputs.mmramRanges ?? [];
  return ranges.some((r) => address >= r.physicalStart && address + size <= r.physicalStart + r.physicalSize);
}

/** The MMST fields a scenario can name (PI EFI_MM_SYSTEM_TABLE, the same layout as EFI_SMM_SYSTEM_TABLE2). */
export const MMST_FIELDS: Readonly<Record<string, number>> = {
  Signature: 0x00, MmInstallConfigurationTable: MMST.installConfigurationTable,
  'MmIo.Mem.Read': MMST.ioMemRead, 'MmIo.Mem.Write': MMST.ioMemWrite, 'MmIo.Io.Read': MMST.ioIoRead, 'MmIo.Io.Write': MMST.ioIoWrite,
  MmAllocatePool: MMST.allocatePool, MmFreePool: MMST.freePool, MmAllocatePages: MMST.allocatePages, MmFreePages: MMST.freePages,
  MmStartupThisAp: MMST.startupThisAp, CurrentlyExecutingCpu: MMST.currentlyExecutingCpu, NumberOfCpus: MMST.numberOfCpus,
  CpuSaveStateSize: MMST.cpuSaveStateSize, CpuSaveState: MMST.cpuSaveState, NumberOfTableEntries: 0x98, MmConfigurationTable: 0xa0,
  MmInstallProtocolInterface: MMST.installProtocolInterface, MmUninstallProtocolInterface: MMST.uninstallProtocolInterface,
  MmHandleProtocol: MMST.handleProtocol, MmRegisterProtocolNotify: MMST.registerProtocolNotify, MmLocateHandle: MMST.locateHandle,
  MmLocateProtocol: MMST.locateProtocol, MmiManage: MMST.mmiManage, MmiHandlerRegister: MMST.mmiHandlerRegister,
  MmiHandlerUnRegister: MMST.mmiHandlerUnRegister,
};

/** Reads a u64 field of the MM system table at `table` as MM code sees memory. */
export function readMmstField(p: ScenarioPlatform, table: bigint, field: string): bigint {
  const offset = MMST_FIELDS[field];
  if (offset === undefined) throw new ScenarioError('SCENARIO_UNKNOWN_MMST_FIELD', `unknown MM system table field "${field}" (known: ${Object.keys(MMST_FIELDS).join(', ')})`);
  return p.machine!.smm.u64(Number(table) + offset);
}
