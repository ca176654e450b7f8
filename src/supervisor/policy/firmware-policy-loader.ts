import { FfsFileType, FirmwareVolume } from '../../firmware/fv';
import { FormatError } from '../../firmware/binary/format-error';
import { PolicyValidation, SecurePolicy, parsePolicy, validatePolicy } from '../../firmware/policy';
import type { MemoryView } from '../../platform/memory-view';
import { EFI } from '../core/efi-codes';
import type { MmramPageAllocator } from '../core/mmram-page-allocator';
import { bytesToPages } from '../core/memory-attributes';
import { SupervisorGuids } from '../core/supervisor-guids';

/** The firmware policy in force (`InitializePolicy`, supervisor-facts §4.5). */
export interface FirmwarePolicy {
  /** Header.Size bytes copied out of the RAW section. */
  readonly blob: Uint8Array;
  /** The parsed blob; undefined when the structures do not even parse (an invalid blob still in force, §11 item 3). */
  readonly policy: SecurePolicy | undefined;
  /** `SecurityPolicyCheck` result (§4.6). */
  readonly validation: PolicyValidation;
  /** Where the copy lives in MMRAM (supervisor pages, mapped RO at §1.6 step 6), when a store was given. */
  readonly address?: bigint;
}

export type FirmwarePolicyLoad =
  | { loaded: true; firmwarePolicy: FirmwarePolicy; /** true when validation failed but the blob stays in force. */ enforcedInvalid: boolean }
  | { loaded: false; status: bigint; reason: string };

export interface FirmwarePolicyLoadOptions {
  /**
   * §4.5 step 5 / §11 item 3: a failing SecurityPolicyCheck only asserts and the blob stays in force (default true).
   * false is the deliberate deviation: an invalid blob is not loaded (the policy pointer stays NULL).
   */
  enforceInvalidPolicy?: boolean;
  /** Copies the blob into fresh supervisor MMRAM pages through the SMM view (§4.5 step 3). */
  store?: { allocator: MmramPageAllocator; smm: MemoryView };
}

/**
 * `InitializePolicy` (supervisor-facts §4.5; §12 items 72–73): in the FV that contains the core (§1.10), the first
 * FREEFORM file named 81FF0793-…, its first RAW section; Header.Size > section size → EFI_BAD_BUFFER_SIZE (no
 * policy); copy Size bytes; run SecurityPolicyCheck. No such file/section → EFI_NOT_FOUND (policy stays NULL).
 */
export function loadFirmwarePolicy(coreFv: FirmwareVolume, options: FirmwarePolicyLoadOptions = {}): FirmwarePolicyLoad {
  const file = coreFv.files.find((f) => f.type === FfsFileType.FREEFORM && f.name === SupervisorGuids.policyFile);
  if (file === undefined) return { loaded: false, status: EFI.NOT_FOUND, reason: 'no FREEFORM file 81FF0793-… in the core FV' };
  if (!('sections' in file.content)) return { loaded: false, status: EFI.NOT_FOUND, reason: 'policy file has no section stream' };
  const raw = file.content.sections.find((s) => s.kind === 'raw');
  if (raw === undefined || raw.kind !== 'raw') return { loaded: false, status: EFI.NOT_FOUND, reason: 'policy file has no RAW section' };
  const section = raw.data;
  // Header.Size is the u32 at offset 4 (§4.1); a section too short to hold it cannot satisfy the size check.
  if (section.length < 8) return { loaded: false, status: EFI.BAD_BUFFER_SIZE, reason: `RAW section of ${section.length} bytes holds no policy header` };
  const size = new DataView(section.buffer, section.byteOffset, section.byteLength).getUint32(4, true);
  if (size > section.length) {
    return { loaded: false, status: EFI.BAD_BUFFER_SIZE, reason: `policy Size 0x${size.toString(16)} exceeds its RAW section (0x${section.length.toString(16)} bytes)` };
  }
  const blob = section.slice(0, size);
  const validation = validatePolicy(blob);
  const enforce = options.enforceInvalidPolicy ?? true;
  if (!validation.ok && !enforce) {
    return { loaded: false, status: validation.statusValue, reason: `policy rejected (enforceInvalidPolicy false): ${validation.violations[0]?.message ?? ''}` };
  }
  let policy: SecurePolicy | undefined;
  try {
    policy = parsePolicy(blob, 'firmware policy');
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
  }
  let address: bigint | undefined;
  if (options.store) {
    const a = options.store.allocator.allocatePages(bytesToPages(BigInt(Math.max(size, 1))), 'supervisor', 'firmware policy');
    if (typeof a !== 'bigint') return { loaded: false, status: a.error, reason: 'no MMRAM for the policy copy' };
    options.store.smm.write(Number(a), blob);
    address = a;
  }
  return { loaded: true, firmwarePolicy: { blob, policy, validation, address }, enforcedInvalid: !validation.ok };
}
