import type { MemoryView } from '../../platform/memory-view';
import { IMAGE_DOS_SIGNATURE, IMAGE_NT_SIGNATURE, PE32_PLUS_MAGIC } from '../../firmware/pe';
import type { CommBufferRegistry } from '../core/comm-buffers';
import { EFI } from '../core/efi-codes';
import type { SupervisorState } from '../core/supervisor-state';
import { MAX_SUPERVISOR_REQUEST_LEVEL } from './request-layout';

/** MM_SUPERVISOR_VERSION_INFO_BUFFER (packed, 16 bytes, §6.3). */
export const VERSION_INFO_SIZE = 16n;

export interface VersionInfoDeps {
  smm: MemoryView;
  buffers: CommBufferRegistry;
  state: SupervisorState;
  /** Base of the core image in MMRAM (memory-allocation-module HOB, §1.4). */
  coreImageBase: bigint;
  /** MaxSupervisorRequestLevel to report (§6.3; default 4, configurable per platform). */
  maxSupervisorRequestLevel?: bigint;
}

/**
 * VERSION_INFO (Core/Request/VersionInfo.c; supervisor-facts §6.3, §10): denied before core init completes; the
 * buffer must lie in the supervisor internal copy; MaxSupervisorRequestLevel = 4 is written, then the core image's
 * PE headers are read from memory (DOS 'MZ', 'PE\0\0', PE32+ magic — any mismatch → EFI_COMPROMISED_DATA);
 * Version = MajorSubsystemVersion<<16 | Minor, PatchLevel = MajorImageVersion<<16 | Minor.
 */
export class VersionInfoRequest {
  constructor(private readonly deps: VersionInfoDeps) {}

  handle(buffer: bigint): bigint {
    const { smm, state, buffers } = this.deps;
    if (!state.coreInitComplete) return EFI.ACCESS_DENIED;
    if (!buffers.insideSupervisorCopy(buffer, VERSION_INFO_SIZE)) return EFI.SECURITY_VIOLATION;
    const b = Number(buffer);
    smm.setU64(b + 8, this.deps.maxSupervisorRequestLevel ?? MAX_SUPERVISOR_REQUEST_LEVEL);
    const base = Number(this.deps.coreImageBase);
    if (smm.u16(base) !== IMAGE_DOS_SIGNATURE) return EFI.COMPROMISED_DATA;
    const nt = base + smm.u32(base + 0x3c);
    if (smm.u32(nt) !== IMAGE_NT_SIGNATURE) return EFI.COMPROMISED_DATA;
    const opt = nt + 24;
    if (smm.u16(opt) !== PE32_PLUS_MAGIC) return EFI.COMPROMISED_DATA;
    // PE32+ optional header: MajorImageVersion @44, Minor @46, MajorSubsystemVersion @48, Minor @50
    const version = ((smm.u16(opt + 48) << 16) | smm.u16(opt + 50)) >>> 0;
    const patchLevel = ((smm.u16(opt + 44) << 16) | smm.u16(opt + 46)) >>> 0;
    smm.setU32(b, version);
    smm.setU32(b + 4, patchLevel);
    return EFI.SUCCESS;
  }
}
