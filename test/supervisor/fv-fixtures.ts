/** Firmware volumes and policy blobs for supervisor tests (src/firmware writers). */
import { DEFAULT_FV_ATTRIBUTES, FFS_STATE_COMMITTED, FfsFile, FirmwareVolume, Section, blockMapFor, fvRequiredSize, writeFirmwareVolume } from '../../src/firmware/fv';
import { wellKnownGuid } from '../../src/firmware/guid';
import { AccessAttr, PolicyAttr, layoutPolicy, specRoot, writePolicy } from '../../src/firmware/policy';

export function ffs(name: string, type: number, sections: Section[]): FfsFile {
  return { name, type, attributes: 0, state: FFS_STATE_COMMITTED, content: { sections } };
}

export function volume(files: FfsFile[], fvName?: string): FirmwareVolume {
  const v: FirmwareVolume = {
    fileSystemGuid: wellKnownGuid('gEfiFirmwareFileSystem2Guid')!, attributes: DEFAULT_FV_ATTRIBUTES, blockMap: [{ numBlocks: 1, length: 0x1000 }],
    extHeader: fvName ? { fvName, entries: [] } : undefined, files,
  };
  v.blockMap = blockMapFor(fvRequiredSize(v) + 0x100);
  return v;
}

export function fvBytes(files: FfsFile[], fvName?: string): Uint8Array {
  return writeFirmwareVolume(volume(files, fvName));
}

/** A small valid v1.0 policy: IO DENY {0xCF8,4,W|STRICT}, MSR DENY {0xC0000080,1,RWX}, + MEM placeholder. */
export function samplePolicy(): Uint8Array {
  return writePolicy(layoutPolicy({
    roots: [
      specRoot('io', AccessAttr.DENY, [{ ioAddress: 0xcf8, lengthOrWidth: 4, attributes: PolicyAttr.WRITE | PolicyAttr.STRICT_WIDTH, reserved: 0 }]),
      specRoot('msr', AccessAttr.DENY, [{ msrAddress: 0xc0000080, length: 1, attributes: 7 }]),
    ],
  }));
}
