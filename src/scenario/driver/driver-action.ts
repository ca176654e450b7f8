import type { Guid } from '../../firmware/guid';

/** A place in a feature file or fixture: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Byte widths of the IoLib accessors (MM_IO_UINT8 = 0, UINT16 = 1, UINT32 = 2; supervisor-facts §3.5). */
export type IoWidth = 1 | 2 | 4;
/** Byte widths of a plain memory access. */
export type MemoryWidth = 1 | 2 | 4 | 8;
/** The privileged instructions the syscall flavours of BaseLib/CpuLib route through syscalls (§3.5). */
export type InstructionName = 'cli' | 'wbinvd' | 'hlt';

interface Located {
  /** Where the action was written (absent for actions built in code). */
  at?: SourceLocation;
}

/**
 * One step of the driver action language (DESIGN.md "Driver action language"). Every 64-bit quantity is a
 * bigint. `compileActions` turns a list into x86-64 code; nothing here is interpreted by TypeScript at run time.
 */
export type Action =
  | ({ kind: 'rdmsr'; msr: bigint } & Located)
  | ({ kind: 'wrmsr'; msr: bigint; value: bigint } & Located)
  | ({ kind: 'io_read'; port: number; width: IoWidth } & Located)
  | ({ kind: 'io_write'; port: number; width: IoWidth; value: bigint } & Located)
  | ({ kind: 'instruction'; instruction: InstructionName } & Located)
  | ({ kind: 'read'; address: bigint; width: MemoryWidth } & Located)
  | ({ kind: 'write'; address: bigint; value: bigint; width: MemoryWidth } & Located)
  | ({ kind: 'execute'; address: bigint } & Located)
  | ({ kind: 'install_protocol'; guid: Guid } & Located)
  | ({ kind: 'save_state_read'; register: number; cpu: number | 'current'; width: number } & Located)
  | ({ kind: 'allocate_pages'; pages: bigint; memoryType: number } & Located)
  | ({ kind: 'return'; status: bigint } & Located)
  /** Raw Intel-syntax instructions; `lines[i]` is where line i+1 of `text` was written (when known). */
  | ({ kind: 'asm'; text: string; lines?: SourceLocation[] } & Located);

export type ActionKind = Action['kind'];

/** Every action word, in the order DESIGN.md lists them. */
export const ACTION_NAMES: readonly ActionKind[] = [
  'rdmsr', 'wrmsr', 'io_read', 'io_write', 'instruction', 'read', 'write', 'execute', 'install_protocol',
  'save_state_read', 'allocate_pages', 'return', 'asm',
];

/**
 * Actions whose result becomes the routine's RAX when no `return:` follows them (the last one wins):
 * the MSR value, the port value, the memory value, and ReadSaveState's EFI_STATUS.
 */
export const READ_LIKE: ReadonlySet<ActionKind> = new Set(['rdmsr', 'io_read', 'read', 'save_state_read']);

/** A driver MMI handler: the GUID it is registered for (null = a root handler) and what it does. */
export interface HandlerSpec {
  guid: Guid | null;
  actions: Action[];
}

/** What `buildDriverImage` builds a PE32+ image from. */
export interface DriverImageSpec {
  name: string;
  /** The FFS file name (FILE_GUID). */
  guid: Guid;
  /** Actions the entry point runs after its installs and handler registrations. */
  entry?: Action[];
  handlers?: HandlerSpec[];
  /** Protocols the entry point installs (NULL interface) through MMST->MmInstallProtocolInterface. */
  installs?: Guid[];
}
