/** One observable event of a machine run (evidence for the conformance report). */
export interface MachineEvent {
  /** Monotonic sequence number within the run. */
  seq: number;
  /** Event category, e.g. 'smi', 'smram', 'mmi', 'syscall', 'policy', 'fault', 'page-table', 'reset'. */
  type: string;
  /** Boot milestone in force when the event happened. */
  milestone: string;
  /** Structured details (plain JSON values only: bigints are written as 0x… strings). */
  data: Record<string, unknown>;
}

/** The ordered event trace of one machine. Deterministic: no timestamps, only order. */
export class MachineTrace {
  private readonly items: MachineEvent[] = [];
  milestone = 'power-on';
  /** Events beyond this count are counted but not kept (a runaway loop cannot exhaust memory). */
  constructor(readonly limit = 200_000) {}
  dropped = 0;

  record(type: string, data: Record<string, unknown>): void {
    if (this.items.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.items.push({ seq: this.items.length + this.dropped, type, milestone: this.milestone, data: plain(data) });
  }

  get events(): readonly MachineEvent[] {
    return this.items;
  }

  ofType(type: string): MachineEvent[] {
    return this.items.filter((e) => e.type === type);
  }
}

function plain(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
  return out;
}

function toPlain(x: unknown): unknown {
  if (typeof x === 'bigint') return `0x${x.toString(16)}`;
  if (Array.isArray(x)) return x.map(toPlain);
  if (x !== null && typeof x === 'object') return plain(x as Record<string, unknown>);
  return x;
}
