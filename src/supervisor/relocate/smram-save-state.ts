import type { Cpu } from '../../cpu/cpu';
import { saveStateMapOf } from '../../cpu/smm/smi';
import type { SaveStateFieldName } from '../../cpu/smm/save-state-map';
import { IO_INFO_NOT_FOUND, SaveStateIoType, SaveStateRegister, isSaveStateReadAllowed, type SaveStateIoInfo } from '../../firmware/policy/policy-gates';
import type { SecurePolicy } from '../../firmware/policy/policy-types';
import type { MemoryView } from '../../platform/memory-view';
import { EFI } from '../core/efi-codes';
import type { TraceSink } from '../handler/mmi-handler-interfaces';

/** EFI_MM_SAVE_STATE_REGISTER values (PI vol. 4) of the general registers, mapped to save-state fields. */
const REGISTER_FIELDS: Readonly<Record<number, SaveStateFieldName>> = {
  30: 'r8', 31: 'r9', 32: 'r10', 33: 'r11', 34: 'r12', 35: 'r13', 36: 'r14', 37: 'r15',
  38: 'rax', 39: 'rbx', 40: 'rcx', 41: 'rdx', 42: 'rsp', 43: 'rbp', 44: 'rsi', 45: 'rdi', 46: 'rip',
  51: 'rflags', 52: 'cr0', 53: 'cr3', 54: 'cr4',
};

/** The pending SMM_SC_SVST_READ record (supervisor-facts §3.7). */
interface PendingRead {
  protocol: bigint;
  register: number;
  cpuIndex: number;
}

/** EFI_MM_SAVE_STATE_IO_WIDTH of an access size in bytes. */
function ioWidthEnum(bytes: number): number {
  return bytes === 1 ? 0 : bytes === 2 ? 1 : bytes === 4 ? 2 : 3;
}

/**
 * The save-state read protocol of Core/Relocate/SmramSaveState.c (supervisor-facts §3.7 SVST_READ / SVST_READ_2,
 * §4.7.4): SVST_READ records (protocol, register, CPU) as pending; SVST_READ_2 needs a pending record with the same
 * protocol pointer (else EFI_NOT_STARTED — the record is not consumed, so repeated READ_2 calls reuse it, §12 item
 * 63), asks the save-state gate, then copies the value out of the target CPU's real save-state map.
 */
export class MmSaveStateReader {
  private pending: PendingRead | undefined;

  constructor(
    private readonly cpus: readonly Cpu[],
    private readonly smm: MemoryView,
    private readonly policy: () => SecurePolicy | null,
    private readonly trace?: TraceSink,
  ) {}

  /** SMM_SC_SVST_READ (arguments already checked by the dispatcher). */
  read(protocol: bigint, register: number, cpuIndex: number): void {
    this.pending = { protocol, register, cpuIndex };
  }

  /** The IO pseudo-register of a CPU: the IO-trap information of the SMI it is handling. */
  ioInfo(cpuIndex: number): SaveStateIoInfo {
    const io = this.cpus[cpuIndex]?.smm.currentIo;
    if (io === null || io === undefined) return IO_INFO_NOT_FOUND;
    return { ioWidth: ioWidthEnum(io.size), ioType: io.input ? SaveStateIoType.INPUT : SaveStateIoType.OUTPUT, ioPort: io.port, ioData: BigInt(io.data >>> 0) };
  }

  /** SMM_SC_SVST_READ_2: returns the status handed back to the caller (never fatal). */
  read2(protocol: bigint, width: bigint, buffer: bigint): bigint {
    const p = this.pending;
    if (p === undefined || p.protocol !== protocol) return EFI.NOT_STARTED;
    const io = this.ioInfo(p.cpuIndex);
    const policy = this.policy();
    if (policy !== null) {
      const d = isSaveStateReadAllowed(policy, p.register, width, io);
      this.trace?.record('policy', { syscall: 'SMM_SC_SVST_READ_2', what: `save-state register ${p.register} of CPU ${p.cpuIndex}, ${width} byte(s)`, allowed: d.allowed, status: d.status, root: d.root, entry: d.entry, reason: d.reason });
      if (!d.allowed) return d.value;
    }
    const bytes = this.value(p, io);
    if (bytes === undefined) return EFI.NOT_FOUND;
    if (width > BigInt(bytes.length) || width === 0n) return EFI.INVALID_PARAMETER;
    this.smm.write(Number(buffer), bytes.subarray(0, Number(width)));
    return EFI.SUCCESS;
  }

  private value(p: PendingRead, io: SaveStateIoInfo): Uint8Array | undefined {
    const out = new Uint8Array(24);
    const dv = new DataView(out.buffer);
    if (p.register === SaveStateRegister.PROCESSOR_ID) {
      dv.setBigUint64(0, BigInt(p.cpuIndex), true); // the APIC ID: CPU i has APIC ID i on this machine
      return out.subarray(0, 8);
    }
    if (p.register === SaveStateRegister.IO) {
      if ('error' in io) return undefined;
      // EFI_MM_SAVE_STATE_IO_INFO: IoData u64 @0, IoPort u64 @8, IoWidth u32 @16, IoType u32 @20
      dv.setBigUint64(0, io.ioData ?? 0n, true);
      dv.setBigUint64(8, BigInt(io.ioPort ?? 0), true);
      dv.setUint32(16, io.ioWidth, true);
      dv.setUint32(20, io.ioType, true);
      return out;
    }
    const field = REGISTER_FIELDS[p.register];
    const cpu = this.cpus[p.cpuIndex];
    if (field === undefined || cpu === undefined) return undefined;
    const map = saveStateMapOf(cpu);
    if (!map.has(field)) return undefined;
    dv.setBigUint64(0, map.read(field), true);
    return out.subarray(0, 8);
  }
}
