/**
 * EFI_MM_SAVE_STATE_REGISTER values (PI MmCpu.h; x86-smm-facts §1.9): the `register` of `save_state_read`.
 * Names are written without the EFI_MM_SAVE_STATE_REGISTER_ prefix (the prefix is accepted too).
 */
export const SAVE_STATE_REGISTERS: ReadonlyMap<string, number> = new Map<string, number>([
  ['GDTBASE', 4], ['IDTBASE', 5], ['LDTBASE', 6], ['GDTLIMIT', 7], ['IDTLIMIT', 8], ['LDTLIMIT', 9], ['LDTINFO', 10],
  ['ES', 20], ['CS', 21], ['SS', 22], ['DS', 23], ['FS', 24], ['GS', 25], ['LDTR_SEL', 26], ['TR_SEL', 27],
  ['DR7', 28], ['DR6', 29],
  ...Array.from({ length: 8 }, (_, i) => [`R${8 + i}`, 30 + i] as [string, number]),
  ['RAX', 38], ['RBX', 39], ['RCX', 40], ['RDX', 41], ['RSP', 42], ['RBP', 43], ['RSI', 44], ['RDI', 45], ['RIP', 46],
  ['RFLAGS', 51], ['CR0', 52], ['CR3', 53], ['CR4', 54],
  ['FCW', 256], ['FSW', 257], ['FTW', 258], ['OPCODE', 259], ['FP_EIP', 260], ['FP_CS', 261], ['DATAOFFSET', 262], ['FP_DS', 263],
  ...Array.from({ length: 8 }, (_, i) => [`MM${i}`, 264 + i] as [string, number]),
  ...Array.from({ length: 16 }, (_, i) => [`XMM${i}`, 272 + i] as [string, number]),
  // pseudo-registers: the IO-trap information (EFI_MM_SAVE_STATE_IO_INFO), LMA, and the processor ID
  ['IO', 512], ['LMA', 513], ['PROCESSOR_ID', 514],
]);

/** sizeof (EFI_MM_SAVE_STATE_IO_INFO): IoData u64, IoPort u16, IoWidth, IoType (supervisor-facts §4.7.4 step 3b). */
export const IO_INFO_BYTES = 24;

/** The largest width `save_state_read` accepts (bytes). */
export const MAX_SAVE_STATE_WIDTH = 64;

/** The byte count read when `width` is not given: the IO info structure, an XMM register, else a UINT64. */
export function defaultSaveStateWidth(register: number): number {
  if (register === 512) return IO_INFO_BYTES;
  if (register >= 272 && register <= 287) return 16;
  return 8;
}

/** Name → register value (any case, optional EFI_MM_SAVE_STATE_REGISTER_ prefix); undefined if unknown. */
export function saveStateRegisterFromName(name: string): number | undefined {
  const n = name.trim().toUpperCase().replace(/^EFI_MM_SAVE_STATE_REGISTER_/, '').replace(/^EFI_SMM_SAVE_STATE_REGISTER_/, '');
  return SAVE_STATE_REGISTERS.get(n);
}
