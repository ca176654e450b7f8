import { DepexOp, evaluateDepex } from '../../firmware/depex';
import { Guid, guidFromBytes } from '../../firmware/guid';
import type { MemoryView } from '../../platform/memory-view';
import { EFI, efiStatusName, isEfiError } from '../core/efi-codes';
import { SupervisorGuids } from '../core/supervisor-guids';
import type { SupervisorMmiHandler, TraceSink, UserCodeInvoker } from '../handler/mmi-handler-interfaces';
import type { DiscoveredDriver } from './fv-discovery';
import type { SupervisorProtocolDatabase } from './protocol-database';

/** A driver image in user-owned MMRAM pages (code RX, data RW NX — the lead's loader, §2.5). */
export interface LoadedDriverImage {
  base: bigint;
  size: bigint;
  entryPoint: bigint;
}

/** Loads/unloads MM_STANDALONE images (§2.5, §2.4 step 6). */
export interface DriverImageLoader {
  loadImage(driver: { fileName: Guid; pe32: Uint8Array }): LoadedDriverImage | { error: bigint };
  unloadImage(image: LoadedDriverImage): void;
}

/** The user MMST registered by the broker through SMM_SET_CPL3_TBL (§2.6): undefined before registration. */
export interface UserSystemTableSource {
  userSystemTable(): bigint | undefined;
}

export interface MmDispatcherDeps {
  drivers: readonly DiscoveredDriver[];
  protocols: SupervisorProtocolDatabase;
  loader: DriverImageLoader;
  invoker: UserCodeInvoker;
  systemTable: UserSystemTableSource;
  /** For the dispatch MMI's payload write (§2.4 step 4). */
  smm?: MemoryView;
  /** CPU that runs driver entries (the BSP). */
  bspIndex?: number;
  trace?: TraceSink;
}

export type DriverState = 'dependent' | 'scheduled' | 'initialized';

/** The dispatcher's record of one driver (Dispatcher.c EFI_MM_DRIVER_ENTRY). */
export interface MmDriverEntry {
  readonly driver: DiscoveredDriver;
  /** BEFORE/AFTER as the first opcode (§2.3): never evaluated, queued around its target. */
  readonly beforeAfter?: { kind: 'before' | 'after'; target: Guid };
  dependent: boolean;
  scheduled: boolean;
  initialized: boolean;
  image?: LoadedDriverImage;
  imageHandle?: bigint;
  loadStatus?: bigint;
  entryStatus?: bigint;
}

/**
 * `MmDispatcher` (Core/Dispatcher/Dispatcher.c; supervisor-facts §2.3–§2.4): not re-entrant
 * (EFI_ALREADY_STARTED), nothing pending → EFI_NOT_FOUND; drains the scheduled queue FIFO (load if needed — a
 * load failure marks the driver initialized and skips it —, then the entry demoted to CPL3 with (ImageHandle,
 * user MMST or NULL)), then scans the discovered list in FV order queueing every dependent driver whose depex is
 * TRUE against the supervisor protocol database, with BEFORE/AFTER insertion; stops when a scan queues nothing.
 */
export class MmDispatcher {
  readonly entries: MmDriverEntry[];
  private readonly queue: MmDriverEntry[] = [];
  private running = false;
  private requestDispatch: boolean;
  /** Order in which entry points were called (file names), for traces and tests. */
  readonly started: Guid[] = [];

  constructor(private readonly deps: MmDispatcherDeps) {
    this.entries = deps.drivers.map((driver) => {
      const d = driver.depex;
      const ba = d.length >= 17 && (d[0] === DepexOp.BEFORE || d[0] === DepexOp.AFTER)
        ? { kind: d[0] === DepexOp.BEFORE ? 'before' as const : 'after' as const, target: guidFromBytes(d, 1) }
        : undefined;
      return { driver, beforeAfter: ba, dependent: true, scheduled: false, initialized: false };
    });
    this.requestDispatch = this.entries.length > 0;
  }

  /** True while a discovered driver is still uninitialized (§2.4 step 3). */
  get dispatchRequested(): boolean {
    return this.requestDispatch;
  }

  dispatch(): bigint {
    if (this.running) return EFI.ALREADY_STARTED;
    if (!this.requestDispatch) return EFI.NOT_FOUND;
    this.running = true;
    try {
      let readyToRun: boolean;
      do {
        while (this.queue.length > 0) this.start(this.queue.shift()!);
        readyToRun = false;
        for (const e of this.entries) {
          if (!e.dependent || e.beforeAfter !== undefined) continue; // BEFORE/AFTER: evaluator is always FALSE
          if (evaluateDepex(e.driver.depex, (g) => this.deps.protocols.isInstalled(g)).value) {
            this.insert(e);
            readyToRun = true;
          }
        }
      } while (readyToRun);
      this.requestDispatch = this.entries.some((e) => !e.initialized);
      return EFI.SUCCESS;
    } finally {
      this.running = false;
    }
  }

  /** §2.3: BEFORE-X drivers (recursively), then X, then AFTER-X drivers (recursively). */
  private insert(x: MmDriverEntry): void {
    for (const b of this.entries) {
      if (b !== x && b.dependent && b.beforeAfter?.kind === 'before' && b.beforeAfter.target === x.driver.fileName) this.insert(b);
    }
    x.dependent = false;
    x.scheduled = true;
    this.queue.push(x);
    for (const a of this.entries) {
      if (a !== x && a.dependent && a.beforeAfter?.kind === 'after' && a.beforeAfter.target === x.driver.fileName) this.insert(a);
    }
  }

  private start(e: MmDriverEntry): void {
    const { loader, protocols, trace } = this.deps;
    if (e.image === undefined) {
      const r = e.driver.pe32 === undefined ? { error: EFI.NOT_FOUND } : loader.loadImage({ fileName: e.driver.fileName, pe32: e.driver.pe32 });
      if ('error' in r) {
        e.loadStatus = r.error;
        e.initialized = true;
        trace?.record('dispatch', { driver: e.driver.fileName, action: 'load-failed', status: efiStatusName(r.error) });
        return;
      }
      e.image = r;
      // §2.5: a LoadedImage protocol instance is installed in the supervisor DB; its handle is the ImageHandle.
      e.imageHandle = protocols.installProtocolOnNewHandle(SupervisorGuids.loadedImageProtocol, r.base);
    }
    e.initialized = true;
    const st = this.deps.systemTable.userSystemTable() ?? 0n;
    this.started.push(e.driver.fileName);
    const status = this.deps.invoker.invokeDemoted(this.deps.bspIndex ?? 0, e.image.entryPoint, [e.imageHandle ?? 0n, st]);
    e.entryStatus = status;
    trace?.record('dispatch', { driver: e.driver.fileName, action: 'entry', base: e.image.base, systemTable: st, status: efiStatusName(status) });
    if (isEfiError(status)) {
      // §2.4 step 6: unloaded, pages freed, LoadedImage uninstalled; protocols it installed stay.
      loader.unloadImage(e.image);
      if (e.imageHandle !== undefined) protocols.uninstallProtocol(e.imageHandle, SupervisorGuids.loadedImageProtocol);
      e.image = undefined;
    }
  }

  /**
   * The dispatch MMI handler (2E135DA6-…, §2.4 step 4, §8.6): runs the dispatcher, writes its status as 8 bytes at
   * the start of the payload when the payload is ≥ 8 bytes, always returns EFI_SUCCESS.
   */
  readonly driverDispatchHandler: SupervisorMmiHandler = (_h, _c, buffer, size) => {
    const status = this.dispatch();
    if (buffer !== null && size !== null && size.read() >= 8n && this.deps.smm) this.deps.smm.setU64(Number(buffer), status);
    return EFI.SUCCESS;
  };
}
