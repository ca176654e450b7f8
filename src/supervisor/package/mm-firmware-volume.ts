import { MmspecError } from '../../common/errors';
import { compileDepex } from '../../firmware/depex/depex-compiler';
import { DEFAULT_FV_ATTRIBUTES, FFS_STATE_COMMITTED, FfsFileType, blockMapFor, fvRequiredSize, writeFirmwareVolume, type FfsFile } from '../../firmware/fv';
import { wellKnownGuid, type Guid } from '../../firmware/guid';
import { writePeImage } from '../../firmware/pe';
import { buildRing3BrokerImage, RING3_BROKER_FILE_GUID } from '../broker/ring3-broker-image';
import { SupervisorGuids } from '../core/supervisor-guids';
import { buildErrorReportImage, ERROR_REPORT_FILE_GUID } from './error-report-driver';

/** What goes into the platform's MM firmware volume. */
export interface MmFirmwareVolumeSpec {
  /** The platform's MM modules in FV order (the supervisor package's component names). */
  modules: readonly string[];
  /** VERSION_INFO Version of the core image (PE subsystem version word, supervisor-facts §6.3). */
  version: number;
  /** VERSION_INFO PatchLevel (PE image version word). */
  patchLevel: number;
  /** The isolation policy blob for the FREEFORM policy file; null → no policy file in the FV. */
  policyBlob: Uint8Array | null;
  /** Further FFS files (scenario drivers), after the platform's own, in this order. */
  drivers?: readonly FfsFile[];
  /** EFI_FIRMWARE_VOLUME_EXT_HEADER FvName (the single-FV rule skips a repeated name, §1.10). */
  fvName?: Guid;
}

export class UnknownMmModuleError extends MmspecError {
  constructor(name: string) {
    super('SUPV_UNKNOWN_MM_MODULE', `unknown MM module "${name}" in the platform's firmware.mm list (known: ${Object.keys(MODULES).join(', ')})`);
  }
}

const RING3_READY_DEPEX = 'gMmRing3HandlerReadyProtocol';

/** A core image that only carries the version fields: its entry is answered by the TypeScript core (host module). */
function coreImage(version: number, patchLevel: number): Uint8Array {
  // mov rax, EFI_UNSUPPORTED ; ret — what runs if no supervisor model is bound to the core's GUID.
  const code = Uint8Array.of(0x48, 0xb8, 0x03, 0, 0, 0, 0, 0, 0, 0x80, 0xc3);
  return writePeImage({
    code,
    subsystemVersion: { major: version >>> 16, minor: version & 0xffff },
    imageVersion: { major: patchLevel >>> 16, minor: patchLevel & 0xffff },
  });
}

function file(name: Guid, type: number, ui: string, pe32: Uint8Array, depex?: string): FfsFile {
  return {
    name, type, attributes: 0, state: FFS_STATE_COMMITTED,
    content: {
      sections: [
        { kind: 'pe32', data: pe32 },
        ...(depex === undefined ? [] : [{ kind: 'mmDepex' as const, data: compileDepex(depex) }]),
        { kind: 'ui', name: ui },
      ],
    },
  };
}

const MODULES: Record<string, (s: MmFirmwareVolumeSpec) => FfsFile> = {
  MmSupervisorCore: (s) => file(SupervisorGuids.core, FfsFileType.MM_CORE_STANDALONE, 'MmSupervisorCore', coreImage(s.version, s.patchLevel)),
  // §2.6: the broker's depex is TRUE; the error-report driver links the services-table library (ready protocol).
  MmSupervisorRing3Broker: () => file(RING3_BROKER_FILE_GUID, FfsFileType.MM_STANDALONE, 'MmSupervisorRing3Broker', buildRing3BrokerImage(), 'TRUE'),
  MmSupervisorErrorReport: () => file(ERROR_REPORT_FILE_GUID, FfsFileType.MM_STANDALONE, 'MmSupervisorErrorReport', buildErrorReportImage(), RING3_READY_DEPEX),
};

/** The FREEFORM policy file 81FF0793-… with the blob in a RAW section (supervisor-facts §4.5). */
export function policyFile(blob: Uint8Array): FfsFile {
  return { name: SupervisorGuids.policyFile, type: FfsFileType.FREEFORM, attributes: 0, state: FFS_STATE_COMMITTED, content: { sections: [{ kind: 'raw', data: blob }] } };
}

/** The platform's MM FV: its modules in order (the policy file right after the core), then the scenario drivers. */
export function buildMmFirmwareVolume(spec: MmFirmwareVolumeSpec): Uint8Array {
  const files: FfsFile[] = [];
  for (const name of spec.modules) {
    const build = MODULES[name];
    if (build === undefined) throw new UnknownMmModuleError(name);
    files.push(build(spec));
    if (name === 'MmSupervisorCore' && spec.policyBlob !== null) files.push(policyFile(spec.policyBlob));
  }
  files.push(...(spec.drivers ?? []));
  const volume = {
    fileSystemGuid: wellKnownGuid('gEfiFirmwareFileSystem2Guid')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: blockMapFor(0x1000), files,
    ...(spec.fvName ? { extHeader: { fvName: spec.fvName, entries: [] } } : {}),
  };
  volume.blockMap = blockMapFor(fvRequiredSize(volume));
  return writeFirmwareVolume(volume);
}
