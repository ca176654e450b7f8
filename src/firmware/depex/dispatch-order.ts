import { Guid, guidFromBytes } from '../guid/guid';
import { FfsFileType } from '../fv/fv-types';
import { evaluateDepex } from './depex-evaluator';
import { DepexOp } from './depex-opcodes';

/** A file as the dispatcher sees it, in FV order. */
export interface DispatchCandidate {
  /** Display name (UI section, else the GUID text). */
  name: string;
  guid: Guid;
  /** FFS type; only MM_STANDALONE files are dispatched (supervisor-facts §2.1 rule 4). Default MM_STANDALONE. */
  type?: number;
  /** MM_DEPEX bytecode; undefined = no MM_DEPEX section (never added, §2.1 rule 3). */
  depex?: Uint8Array;
}

export interface NotDispatched {
  name: string;
  guid: Guid;
  reason: string;
}

export interface DispatchPrediction {
  /** Names in dispatch order. */
  order: string[];
  /** The same, as candidates. */
  dispatched: DispatchCandidate[];
  /** Driver files (MM_STANDALONE, and SMM-style ones) that never start, with why. */
  notDispatched: NotDispatched[];
  /** Dispatcher passes that queued something. */
  passes: number;
}

export interface DispatchOptions {
  /** Protocols installed before the dispatcher first runs (e.g. by the supervisor core). */
  initiallyInstalled?: Iterable<Guid>;
}

/**
 * Predicts the MM dispatch order as a pure function (supervisor-facts §2.3–§2.4): repeat { run the scheduled
 * queue FIFO (each driver then installs `installedBy(driver)`); scan the discovered drivers in FV order and
 * queue every one whose depex is now TRUE } until a scan queues nothing. Queuing driver X first queues,
 * recursively, every still-waiting driver that is BEFORE X, then X, then those AFTER X; a BEFORE/AFTER driver
 * whose target never runs never runs. Non-MM_STANDALONE files and files without MM_DEPEX are not dispatched.
 */
export function predictDispatchOrder(
  files: readonly DispatchCandidate[],
  installedBy: (file: DispatchCandidate) => Iterable<Guid>,
  options: DispatchOptions = {},
): DispatchPrediction {
  const notDispatched: NotDispatched[] = [];
  type Entry = { file: DispatchCandidate; before?: Guid; after?: Guid; state: 'dependent' | 'scheduled' | 'initialized' };
  const discovered: Entry[] = [];
  for (const file of files) {
    const type = file.type ?? FfsFileType.MM_STANDALONE;
    if (type !== FfsFileType.MM_STANDALONE) {
      // supervisor-facts §2.1 rule 4: SMM-style files are never loaded; other types are not drivers at all.
      if (type === FfsFileType.MM || type === FfsFileType.COMBINED_MM_DXE) {
        notDispatched.push({ name: file.name, guid: file.guid, reason: `file type 0x${type.toString(16).padStart(2, '0')} (SMM) is never loaded; only MM_STANDALONE drivers are dispatched` });
      }
      continue;
    }
    if (file.depex === undefined) {
      notDispatched.push({ name: file.name, guid: file.guid, reason: 'no MM_DEPEX section' });
      continue;
    }
    const e: Entry = { file, state: 'dependent' };
    const d = file.depex;
    // MmPreProcessDepex: only the first opcode decides (supervisor-facts §2.3)
    if (d.length >= 17 && (d[0] === DepexOp.BEFORE || d[0] === DepexOp.AFTER)) {
      if (d[0] === DepexOp.BEFORE) e.before = guidFromBytes(d, 1);
      else e.after = guidFromBytes(d, 1);
    }
    discovered.push(e);
  }

  const installed = new Set<Guid>(options.initiallyInstalled ?? []);
  const queue: Entry[] = [];
  // Entries are marked scheduled before recursing, so BEFORE/AFTER cycles terminate.
  const insert = (x: Entry): void => {
    for (const d of discovered) if (d.state === 'dependent' && d.before !== undefined && d.before === x.file.guid) { d.state = 'scheduled'; insert(d); }
    queue.push(x);
    for (const d of discovered) if (d.state === 'dependent' && d.after !== undefined && d.after === x.file.guid) { d.state = 'scheduled'; insert(d); }
  };

  const dispatched: DispatchCandidate[] = [];
  let passes = 0;
  for (;;) {
    while (queue.length > 0) {
      const e = queue.shift()!;
      e.state = 'initialized';
      dispatched.push(e.file);
      for (const g of installedBy(e.file)) installed.add(g);
    }
    let queued = false;
    for (const e of discovered) {
      if (e.state !== 'dependent' || e.before !== undefined || e.after !== undefined) continue;
      if (evaluateDepex(e.file.depex, (g) => installed.has(g)).value) {
        e.state = 'scheduled';
        insert(e);
        queued = true;
      }
    }
    if (!queued) break;
    passes++;
  }

  for (const e of discovered) {
    if (e.state === 'initialized') continue;
    let reason: string;
    if (e.before !== undefined || e.after !== undefined) {
      reason = `${e.before !== undefined ? 'BEFORE' : 'AFTER'} ${e.before ?? e.after} never ran`;
    } else {
      const ev = evaluateDepex(e.file.depex, (g) => installed.has(g));
      reason = ev.outcome === 'result' ? 'depex stays FALSE' : `depex is FALSE: ${ev.detail}`;
    }
    notDispatched.push({ name: e.file.name, guid: e.file.guid, reason });
  }
  return { order: dispatched.map((f) => f.name), dispatched, notDispatched, passes };
}
