import type { MmiHandlerDatabase } from '../handler/mmi-handler-database';
import type { SupervisorMmiHandler, TraceSink } from '../handler/mmi-handler-interfaces';
import type { MemoryPolicySnapshot } from '../policy/memory-policy-snapshot';
import type { MemoryPolicyGenerator } from '../request/request-interfaces';
import { EFI, efiStatusName } from './efi-codes';
import type { SupervisorState } from './supervisor-state';

/** Frees the cached FFS copies of the drivers (§1.8 step 2; the dispatcher owns them). */
export interface CachedImageReleaser {
  releaseCachedImages(): void;
}

export interface ReadyToLockDeps {
  state: SupervisorState;
  database: MmiHandlerDatabase;
  generator: MemoryPolicyGenerator;
  snapshot: MemoryPolicySnapshot;
  cachedImages?: CachedImageReleaser;
  trace?: TraceSink;
}

/**
 * `MmReadyToLockHandler` (Core/MmSupervisorCore.c; supervisor-facts §1.8): unregisters the dispatch and ready-to-lock
 * supervisor handlers, frees the cached FFS copies, takes the memory-policy snapshot from the live page table and
 * sets the locked flag — even when the snapshot failed, whose status it then returns. Reached through the
 * ready-to-lock MMI on the supervisor channel or implicitly by the first FETCH_POLICY (`runReadyToLock`).
 */
export class MmReadyToLockHandler {
  private handles: bigint[] = [];

  constructor(private readonly deps: ReadyToLockDeps) {}

  /** The handles of the dispatch and ready-to-lock handlers to remove at lock (§1.8 step 1). */
  attach(handles: { dispatch?: bigint; readyToLock?: bigint }): void {
    this.handles = [handles.dispatch, handles.readyToLock].filter((h): h is bigint => h !== undefined);
  }

  readonly handler: SupervisorMmiHandler = () => this.runReadyToLock();

  runReadyToLock(): bigint {
    const { state, database } = this.deps;
    for (const h of this.handles) database.unregister(h, 'supervisor');
    this.handles = [];
    this.deps.cachedImages?.releaseCachedImages();
    const generated = this.deps.generator.generateMemoryPolicy();
    const status = Array.isArray(generated) ? this.deps.snapshot.take(generated) : generated.error;
    state.markLocked();
    this.deps.trace?.record('policy', { action: 'ready-to-lock', snapshot: efiStatusName(status) });
    return status;
  }
}

/** `MmExitBootServicesHandler` (§1.9): sets the runtime flag (idempotent); always SUCCESS. */
export class MmExitBootServicesHandler {
  constructor(private readonly state: SupervisorState, private readonly trace?: TraceSink) {}

  readonly handler: SupervisorMmiHandler = () => {
    const repeat = this.state.markRuntime();
    this.trace?.record('mmi', { action: 'exit-boot-services', repeat });
    return EFI.SUCCESS;
  };
}
