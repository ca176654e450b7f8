import { join } from 'node:path';
import { DEFAULT_FV_ATTRIBUTES, FfsFileType, FFS_STATE_COMMITTED, type FfsFile, blockMapFor, fvRequiredSize, writeFirmwareVolume } from '../../../src/firmware/fv';
import { compileDepex } from '../../../src/firmware/depex/depex-compiler';
import { wellKnownGuid } from '../../../src/firmware/guid/guid-registry';
import { writePeImage } from '../../../src/firmware/pe';
import { PlatformBoot } from '../../../src/platform/boot/platform-boot';
import { createPlatformMachine, withCpus } from '../../../src/platform/config/machine-from-config';
import type { PlatformConfig } from '../../../src/platform/config/platform-config';
import { loadPlatformConfig } from '../../../src/platform/config/platform-config-loader';
import type { Machine } from '../../../src/platform/machine';
import { installTestDoubleCore, type DoubleOptions, type DoubleState } from './test-double-core';

export const Q35_YAML = join(__dirname, '..', '..', '..', 'fixtures', 'platforms', 'q35.yaml');

/** An MM FV as the platform carries it: the core (MM_CORE_STANDALONE) and MM_STANDALONE drivers with depex TRUE. */
export function mmFv(cfg: PlatformConfig): Uint8Array {
  const code = Uint8Array.of(0x31, 0xc0, 0xc3); // xor eax, eax ; ret
  const files: FfsFile[] = cfg.firmware.mm.map((name, i) => ({
    name: wellKnownGuid(name)!,
    type: i === 0 ? FfsFileType.MM_CORE_STANDALONE : FfsFileType.MM_STANDALONE,
    attributes: 0,
    state: FFS_STATE_COMMITTED,
    content: {
      sections: [
        {
          kind: 'pe32' as const,
          data: writePeImage({
            code, subsystemVersion: { major: cfg.supervisor.version >>> 16, minor: cfg.supervisor.version & 0xffff },
            imageVersion: { major: cfg.supervisor.patchLevel >>> 16, minor: cfg.supervisor.patchLevel & 0xffff },
          }),
        },
        ...(i === 0 ? [] : [{ kind: 'mmDepex' as const, data: compileDepex('TRUE') }]),
        { kind: 'ui' as const, name },
      ],
    },
  }));
  const volume = { fileSystemGuid: wellKnownGuid('gEfiFirmwareFileSystem2Guid')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: blockMapFor(0x1000), files };
  volume.blockMap = blockMapFor(fvRequiredSize(volume));
  return writeFirmwareVolume(volume);
}

export interface Fixture {
  cfg: PlatformConfig;
  machine: Machine;
  boot: PlatformBoot;
  core: DoubleState;
}

/** The q35 platform with the test-double core. */
export function q35Fixture(o: { cpus?: number; double?: DoubleOptions; config?: (c: PlatformConfig) => PlatformConfig } = {}): Fixture {
  let cfg = loadPlatformConfig(Q35_YAML);
  if (o.cpus) cfg = withCpus(cfg, o.cpus);
  if (o.config) cfg = o.config(cfg);
  const machine = createPlatformMachine(cfg);
  const core = installTestDoubleCore(machine, o.double);
  const boot = new PlatformBoot(machine, cfg, { mmFv: mmFv(cfg) });
  return { cfg, machine, boot, core };
}

/** The MMIs the firmware sent (events with a sender; the supervisor's own `mmi` events have none), as (name or GUID, channel, milestone, request). */
export function sentMmis(m: Machine): { guid: string; name: string | null; channel: string; milestone: string; request?: string }[] {
  return m.trace.ofType('mmi').filter((e) => e.data.sender !== undefined).map((e) => ({
    guid: e.data.guid as string, name: e.data.name as string | null, channel: e.data.channel as string, milestone: e.data.milestone as string,
    ...(e.data.request ? { request: e.data.request as string } : {}),
  }));
}

/** The MMIs a full q35 boot sends, as (name, channel, milestone, request): supervisor-facts §1.3 and §1.7. */
export const BOOT_MMI_SEQUENCE: readonly (readonly [string, string, string, string | null])[] = [
  ['gMmSupervisorRequestHandlerGuid', 'supervisor', 'PEI', 'VERSION_INFO'],
  ['gMmSupervisorDriverDispatchGuid', 'supervisor', 'PEI', null],
  ['gEfiMmEndOfPeiProtocol', 'user', 'end of PEI', null],
  ['gMmSupervisorRequestHandlerGuid', 'supervisor', 'DXE', 'VERSION_INFO'],
  ['gMmSupervisorRequestHandlerGuid', 'supervisor', 'DXE', 'COMM_UPDATE'],
  ['gMmSupervisorRequestHandlerGuid', 'supervisor', 'DXE', 'VERSION_INFO'],
  ['gEfiDxeMmReadyToLockProtocolGuid', 'supervisor', 'ready to lock', null],
  ['gEfiEventExitBootServicesGuid', 'supervisor', 'exit boot services', null],
];
