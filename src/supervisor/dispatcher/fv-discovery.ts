import { FormatError } from '../../firmware/binary/format-error';
import { FfsFileType, FirmwareVolume, parseFirmwareVolume } from '../../firmware/fv';
import type { Guid } from '../../firmware/guid';
import type { MemoryView } from '../../platform/memory-view';
import { SupervisorGuids } from '../core/supervisor-guids';

/** One MM_STANDALONE file that made it onto the discovered list (§2.1 step 3). */
export interface DiscoveredDriver {
  fileName: Guid;
  /** Base of the FV it came from. */
  fvBase: bigint;
  /** The first PE32 section (undefined: loading will fail and the driver is skipped, §2.4 step 2). */
  pe32: Uint8Array | undefined;
  /** The first MM_DEPEX section. */
  depex: Uint8Array;
  /** The USER_INTERFACE section's name, when the file has one (traces and telemetry name drivers by it). */
  uiName?: string;
}

export interface FvDiscovery {
  /** The FV containing the core file (MM_CORE_STANDALONE named 4E4C89DC-…): the policy source (§1.10). */
  standaloneBfv?: { baseAddress: bigint; length: bigint; volume: FirmwareVolume };
  /** Discovered drivers in FV order (FV HOB order, then file order). */
  drivers: DiscoveredDriver[];
  /** What was not used and why (not ingested, duplicate name, unreadable, no MM_DEPEX). */
  skipped: { fvBase: bigint; fileName?: Guid; reason: string }[];
}

/**
 * `DiscoverStandaloneMmDriversInFvHobs` / FwVol.c (supervisor-facts §1.10, §2.1): every FV HOB is read once from
 * memory; an FV whose ext-header name was already processed is skipped; the FV containing the core file becomes
 * the standalone BFV; an FV with an MM_CORE_STANDALONE file or any MM_STANDALONE file is ingested. Only
 * MM_STANDALONE (0x0E) files are drivers (SMM 0x0A never, §12 item 21), and one without an MM_DEPEX section is
 * silently left out (item 22). No apriori file is read (§2.1 step 5).
 */
export function discoverStandaloneMmDrivers(fvHobs: readonly { baseAddress: bigint; length: bigint }[], smm: MemoryView, coreFileGuid: Guid = SupervisorGuids.core): FvDiscovery {
  const out: FvDiscovery = { drivers: [], skipped: [] };
  const seenNames = new Set<Guid>();
  for (const fv of fvHobs) {
    let volume: FirmwareVolume;
    try {
      volume = parseFirmwareVolume(smm.read(Number(fv.baseAddress), Number(fv.length)), { source: `FV at 0x${fv.baseAddress.toString(16)}` }).volume;
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      out.skipped.push({ fvBase: fv.baseAddress, reason: `unreadable: ${e.message}` });
      continue;
    }
    const name = volume.extHeader?.fvName;
    if (name !== undefined) {
      if (seenNames.has(name)) {
        out.skipped.push({ fvBase: fv.baseAddress, reason: `FV name ${name} already processed` });
        continue;
      }
      seenNames.add(name);
    }
    const hasCoreType = volume.files.some((f) => f.type === FfsFileType.MM_CORE_STANDALONE);
    if (out.standaloneBfv === undefined && volume.files.some((f) => f.type === FfsFileType.MM_CORE_STANDALONE && f.name === coreFileGuid)) {
      out.standaloneBfv = { baseAddress: fv.baseAddress, length: fv.length, volume };
    }
    if (!hasCoreType && !volume.files.some((f) => f.type === FfsFileType.MM_STANDALONE)) {
      out.skipped.push({ fvBase: fv.baseAddress, reason: 'no MM_CORE_STANDALONE or MM_STANDALONE file' });
      continue;
    }
    for (const f of volume.files) {
      if (f.type !== FfsFileType.MM_STANDALONE || !('sections' in f.content)) continue;
      const pe = f.content.sections.find((s) => s.kind === 'pe32');
      const dep = f.content.sections.find((s) => s.kind === 'mmDepex');
      if (dep === undefined || dep.kind !== 'mmDepex') {
        out.skipped.push({ fvBase: fv.baseAddress, fileName: f.name, reason: 'no MM_DEPEX section' });
        continue;
      }
      const ui = f.content.sections.find((s) => s.kind === 'ui');
      out.drivers.push({
        fileName: f.name, fvBase: fv.baseAddress, pe32: pe && pe.kind === 'pe32' ? pe.data : undefined, depex: dep.data,
        ...(ui && ui.kind === 'ui' ? { uiName: ui.name } : {}),
      });
    }
  }
  return out;
}
