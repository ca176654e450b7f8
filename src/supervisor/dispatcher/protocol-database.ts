import type { Guid } from '../../firmware/guid';
import { EFI } from '../core/efi-codes';

/**
 * The supervisor protocol database (handles with GUID → interface): what DEPEX PUSH consults (supervisor-facts
 * §2.2 rule 2) and where syscall SMM_INST_PROT installs a user protocol's GUID with a NULL interface on a new
 * handle (§3.7). Handles are deterministic opaque values.
 */
export class SupervisorProtocolDatabase {
  private readonly handles = new Map<bigint, Map<Guid, bigint>>();
  private counter = 0n;

  constructor(private readonly handleBase: bigint = 0x4d4d_5048_0000n) {}

  /** Creates a handle carrying `guid` → `iface` (NULL = 0); returns the handle. */
  installProtocolOnNewHandle(guid: Guid, iface = 0n): bigint {
    this.counter += 1n;
    const h = this.handleBase + 0x20n * this.counter;
    this.handles.set(h, new Map([[guid, iface]]));
    return h;
  }

  /** Adds `guid` to an existing handle; unknown handle or already present → EFI_INVALID_PARAMETER. */
  installProtocol(handle: bigint, guid: Guid, iface = 0n): bigint {
    const m = this.handles.get(handle);
    if (m === undefined || m.has(guid)) return EFI.INVALID_PARAMETER;
    m.set(guid, iface);
    return EFI.SUCCESS;
  }

  /** Removes `guid` from `handle` (the handle disappears with its last protocol); not there → EFI_NOT_FOUND. */
  uninstallProtocol(handle: bigint, guid: Guid): bigint {
    const m = this.handles.get(handle);
    if (m === undefined || !m.delete(guid)) return EFI.NOT_FOUND;
    if (m.size === 0) this.handles.delete(handle);
    return EFI.SUCCESS;
  }

  /** True when some handle carries `guid` (DEPEX PUSH). */
  isInstalled(guid: Guid): boolean {
    for (const m of this.handles.values()) if (m.has(guid)) return true;
    return false;
  }

  /** The interface of the first handle carrying `guid`. */
  locateProtocol(guid: Guid): bigint | undefined {
    for (const m of this.handles.values()) if (m.has(guid)) return m.get(guid);
    return undefined;
  }

  handlesFor(guid: Guid): bigint[] {
    return [...this.handles].filter(([, m]) => m.has(guid)).map(([h]) => h);
  }
}
