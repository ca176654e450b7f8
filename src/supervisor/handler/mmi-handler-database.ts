import type { Guid } from '../../firmware/guid';
import { EFI } from '../core/efi-codes';
import type { HandlerOwner, SupervisorMmiHandler } from './mmi-handler-interfaces';

/** One registered MMI handler (Core/Handler/Mmi.c MMI_HANDLER). */
export type MmiHandlerEntry = {
  /** Opaque, non-zero handle (§12 item 57). */
  readonly handle: bigint;
  /** null = root handler. */
  readonly handlerType: Guid | null;
  /** Set when an unregistration was deferred because dispatch is in progress (§8.5 step 6). */
  toRemove: boolean;
} & (
  | { readonly owner: 'supervisor'; readonly handler: SupervisorMmiHandler }
  /** A user handler: its CPL3 entry address, called through the broker trampoline. */
  | { readonly owner: 'user'; readonly entry: bigint }
);

export interface MmiHandlerDatabaseOptions {
  /**
   * Handle values: the real handles are supervisor pool addresses. By default handles are `handleBase + 0x40·n`
   * (n = 1, 2, …): deterministic, non-zero and never reused.
   */
  handleBase?: bigint;
}

/**
 * The MMI handler database (supervisor-facts §8.5): the root list and one list per handler GUID, each in
 * registration order; handlers carry their owner. Unregistration during a dispatch is deferred until the
 * outermost MmiManage returns (§8.5 step 6) — `MmiManager` drives that through `enterDispatch`/`leaveDispatch`.
 */
export class MmiHandlerDatabase {
  private readonly root: MmiHandlerEntry[] = [];
  private readonly byGuid = new Map<Guid, MmiHandlerEntry[]>();
  private readonly byHandle = new Map<bigint, MmiHandlerEntry>();
  private readonly handleBase: bigint;
  private counter = 0n;
  private depth = 0;
  private pendingRemoval = false;

  constructor(options: MmiHandlerDatabaseOptions = {}) {
    this.handleBase = options.handleBase ?? 0x4d4d_4948_0000n;
  }

  private nextHandle(): bigint {
    this.counter += 1n;
    return this.handleBase + 0x40n * this.counter;
  }

  private add(e: MmiHandlerEntry): bigint {
    if (e.handlerType === null) this.root.push(e);
    else {
      let list = this.byGuid.get(e.handlerType);
      if (list === undefined) this.byGuid.set(e.handlerType, (list = []));
      list.push(e);
    }
    this.byHandle.set(e.handle, e);
    return e.handle;
  }

  /** Registers a supervisor (CPL0, TypeScript) handler; returns its handle. */
  registerSupervisor(handler: SupervisorMmiHandler, handlerType: Guid | null): bigint {
    return this.add({ handle: this.nextHandle(), handlerType, toRemove: false, owner: 'supervisor', handler });
  }

  /** Registers a user (CPL3) handler at `entry` (syscall SMM_REG_HNDL, §3.7); returns the opaque handle. */
  registerUser(entry: bigint, handlerType: Guid | null): bigint {
    return this.add({ handle: this.nextHandle(), handlerType, toRemove: false, owner: 'user', entry });
  }

  /**
   * Unregisters `handle` on behalf of `requester`. An unknown handle, or a handle of the other owner, →
   * EFI_INVALID_PARAMETER (§8.5 step 7; fatal when it came through SMM_UNREG_HNDL). During dispatch the entry is
   * only marked and removed when the outermost MmiManage returns (§8.5 step 6).
   */
  unregister(handle: bigint, requester: HandlerOwner): bigint {
    const e = this.byHandle.get(handle);
    if (e === undefined || e.owner !== requester || e.toRemove) return EFI.INVALID_PARAMETER;
    if (this.depth > 0) {
      e.toRemove = true;
      this.pendingRemoval = true;
      return EFI.SUCCESS;
    }
    this.remove(e);
    return EFI.SUCCESS;
  }

  private remove(e: MmiHandlerEntry): void {
    this.byHandle.delete(e.handle);
    const list = e.handlerType === null ? this.root : this.byGuid.get(e.handlerType);
    if (list === undefined) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (e.handlerType !== null && list.length === 0) this.byGuid.delete(e.handlerType);
  }

  /** The handlers for `handlerType` (null = root) in registration order, or undefined when no list exists (§8.5 step 3). */
  handlersFor(handlerType: Guid | null): readonly MmiHandlerEntry[] | undefined {
    return handlerType === null ? this.root : this.byGuid.get(handlerType);
  }

  lookup(handle: bigint): MmiHandlerEntry | undefined {
    return this.byHandle.get(handle);
  }

  /** Every registered handler (root first, then per GUID in first-registration order). */
  entries(): MmiHandlerEntry[] {
    return [...this.root, ...[...this.byGuid.values()].flat()];
  }

  get dispatchDepth(): number {
    return this.depth;
  }

  enterDispatch(): void {
    this.depth++;
  }

  /** Leaves one dispatch level; at the outermost level the deferred removals take effect. */
  leaveDispatch(): void {
    this.depth--;
    if (this.depth === 0 && this.pendingRemoval) {
      this.pendingRemoval = false;
      for (const e of this.entries()) if (e.toRemove) this.remove(e);
    }
  }
}
