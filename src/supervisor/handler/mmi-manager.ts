import type { Guid } from '../../firmware/guid';
import { EFI, efiStatusName } from '../core/efi-codes';
import { EFI_MEMORY_SP, isAttributeError } from '../core/memory-attributes';
import type { CommSize } from './comm-size';
import type { MmiHandlerDatabase, MmiHandlerEntry } from './mmi-handler-database';
import type { BrokerTrampolineSource, HandlerOwner, PageAttributeSource, TraceSink, UserCodeInvoker } from './mmi-handler-interfaces';

export interface MmiManagerDeps {
  database: MmiHandlerDatabase;
  /** Page ownership of the comm buffer selects the path (§8.5 step 2). */
  attributes: PageAttributeSource;
  /** Runs user handlers demoted to CPL3 (§3.2). */
  invoker: UserCodeInvoker;
  /** The broker's MMI trampoline (SMM_REG_HDL_JMP). */
  trampolines: BrokerTrampolineSource;
  /** Index of the CPU executing the MMI (MmEntryPoint runs on the BSP); default 0. */
  executingCpu?: () => number;
  trace?: TraceSink;
}

/** What one MmiManage call did (for traces and tests). */
export interface MmiManageReport {
  handlerType: Guid | null;
  path: HandlerOwner | 'none';
  /** Handles invoked, in order, with the status each returned. */
  invoked: { handle: bigint; owner: HandlerOwner; status: bigint }[];
  result: bigint;
}

/**
 * `MmiManage` (Core/Handler/Mmi.c; supervisor-facts §8.5). Path selection by page ownership of the comm buffer,
 * per-owner filtering, status folding (§8.5.5), deferred unregistration (§8.5.6). User handlers run through the
 * broker trampoline with (DispatchHandle, Context, CommBuffer, CommBufferSize, Handler) (§3.2); supervisor handlers
 * are called directly.
 */
export class MmiManager {
  /** The report of the most recent outermost call. */
  lastReport: MmiManageReport | undefined;

  constructor(private readonly deps: MmiManagerDeps) {}

  mmiManage(handlerType: Guid | null, context: bigint, commBuffer: bigint | null, commBufferSize: CommSize | null): bigint {
    const report: MmiManageReport = { handlerType, path: 'none', invoked: [], result: EFI.NOT_FOUND };
    const done = (result: bigint): bigint => {
      report.result = result;
      if (this.deps.database.dispatchDepth === 0) this.lastReport = report;
      this.deps.trace?.record('mmi', {
        action: 'manage', handlerType: handlerType ?? 'root', path: report.path,
        invoked: report.invoked.map((i) => ({ handle: i.handle, owner: i.owner, status: efiStatusName(i.status) })),
        result: efiStatusName(result),
      });
      return result;
    };

    // §8.5 step 1: a buffer without a size pointer dispatches nothing.
    if (commBuffer !== null && commBufferSize === null) return done(EFI.NOT_FOUND);

    // §8.5 step 2: NULL buffer → user path; otherwise the pages' owner decides; lookup failure → NOT_FOUND.
    let path: HandlerOwner = 'user';
    if (commBuffer !== null && commBufferSize !== null) {
      const size = commBufferSize.read();
      // size 0 is a lookup failure (§8.5 step 2, §12 item 105)
      if (size === 0n) return done(EFI.NOT_FOUND);
      const a = this.deps.attributes.attributesOf(commBuffer, size);
      if (isAttributeError(a)) return done(EFI.NOT_FOUND);
      path = (a.attributes & EFI_MEMORY_SP) !== 0n ? 'supervisor' : 'user';
    }
    report.path = path;

    // §8.5 step 3
    const list = this.deps.database.handlersFor(handlerType);
    if (list === undefined) return done(EFI.NOT_FOUND);

    const guided = handlerType !== null;
    let result = EFI.NOT_FOUND;
    this.deps.database.enterDispatch();
    try {
      // Live walk in registration order: removals are deferred, so indexes stay valid.
      for (let i = 0; i < list.length; i++) {
        const h = list[i];
        // §8.5 step 4: only handlers of the path's owner run.
        if (h.owner !== path) continue;
        const status = this.invoke(h, context, commBuffer, commBufferSize);
        report.invoked.push({ handle: h.handle, owner: h.owner, status });
        // §8.5 step 5: status folding
        if (status === EFI.SUCCESS) {
          result = EFI.SUCCESS;
          if (guided) break;
        } else if (status === EFI.WARN_INTERRUPT_SOURCE_QUIESCED) {
          result = EFI.SUCCESS;
        } else if (status === EFI.WARN_INTERRUPT_SOURCE_PENDING) {
          if (result !== EFI.SUCCESS) result = EFI.WARN_INTERRUPT_SOURCE_PENDING;
        } else if (status === EFI.INTERRUPT_PENDING) {
          if (guided) {
            result = EFI.INTERRUPT_PENDING;
            break;
          }
          if (result !== EFI.SUCCESS) result = EFI.INTERRUPT_PENDING;
        }
        // anything else (incl. EFI_NOT_READY from a missing trampoline): the real code asserts; result unchanged.
      }
    } finally {
      this.deps.database.leaveDispatch();
    }
    return done(result);
  }

  private invoke(h: MmiHandlerEntry, context: bigint, commBuffer: bigint | null, size: CommSize | null): bigint {
    if (h.owner === 'supervisor') return BigInt.asUintN(64, h.handler(h.handle, context, commBuffer, size));
    // §3.2: without the broker's trampoline a user handler returns EFI_NOT_READY and is not invoked.
    const trampoline = this.deps.trampolines.mmiHandlerTrampoline();
    if (trampoline === undefined || trampoline === 0n) return EFI.NOT_READY;
    const cpu = this.deps.executingCpu?.() ?? 0;
    return this.deps.invoker.invokeDemoted(cpu, trampoline, [h.handle, context, commBuffer ?? 0n, size?.address ?? 0n, h.entry]);
  }
}
