import { assemble, AsmError, type AssembledProgram } from '../../asm';
import { type Guid, guidToBytes } from '../../firmware/guid';
import type { SourceLocation } from './driver-action';
import { DriverActionError } from './driver-errors';

/** One line of generated assembly, with where it came from when a person wrote it. */
export interface AsmLine {
  text: string;
  at?: SourceLocation;
  /** True for a line copied from an `asm:` block (its `at` is the line's first column). */
  user?: boolean;
}

/**
 * The writable data of a driver (`.data`, RW + NX once loaded, supervisor-facts §2.5): GUIDs it passes by
 * pointer, the saved MMST pointer, handles and buffers. Each item has a label the code addresses RIP-relative.
 */
export class DataPool {
  private readonly items: { label: string; bytes: Uint8Array; align: number }[] = [];
  private readonly guids = new Map<Guid, string>();
  private counter = 0;

  /** A zero-filled slot (default: one UINT64). Labels ending in `#` get a unique number appended. */
  slot(label: string, size = 8, align = 8): string {
    const name = label.endsWith('#') ? `${label.slice(0, -1)}${this.counter++}` : label;
    if (!this.items.some((i) => i.label === name)) this.items.push({ label: name, bytes: new Uint8Array(size), align });
    return name;
  }

  /** The label of a GUID's 16 in-memory bytes (one copy per GUID). */
  guid(g: Guid): string {
    let label = this.guids.get(g);
    if (label === undefined) {
      label = `gGuid${this.guids.size}`;
      this.guids.set(g, label);
      this.items.push({ label, bytes: guidToBytes(g), align: 8 });
    }
    return label;
  }

  /** Offsets of every label and the initialised bytes. */
  layout(): { bytes: Uint8Array; offsets: Map<string, number> } {
    let o = 0;
    const offsets = new Map<string, number>();
    for (const i of this.items) {
      o = Math.ceil(o / i.align) * i.align;
      offsets.set(i.label, o);
      o += i.bytes.length;
    }
    const bytes = new Uint8Array(Math.max(o, 8));
    for (const i of this.items) bytes.set(i.bytes, offsets.get(i.label)!);
    return { bytes, offsets };
  }

  /** The data as assembler lines (for a stand-alone program whose data lives after its code). */
  asDirectives(): string[] {
    const out: string[] = [];
    for (const i of this.items) {
      out.push(`align ${i.align}, 0`, `${i.label}:`);
      for (let k = 0; k < i.bytes.length; k += 16) out.push(`  db ${Array.from(i.bytes.subarray(k, k + 16), (b) => `0x${b.toString(16)}`).join(', ')}`);
    }
    return out;
  }
}

/**
 * Assembles generated lines. An AsmError on a line a person wrote (an `asm:` block) becomes a
 * DriverActionError at that place in the feature file; on a generated line it names the action it came from.
 */
export function assembleLines(prefix: string[], lines: AsmLine[], origin: bigint, source: string): AssembledProgram {
  const text = [...prefix, ...lines.map((l) => l.text)].join('\n');
  try {
    return assemble(text, { origin, source });
  } catch (e) {
    if (!(e instanceof AsmError)) throw e;
    const l = lines[e.line - 1 - prefix.length];
    if (l?.user) throw new DriverActionError('DRIVER_ACTION_ASM', l.at && { ...l.at, column: l.at.column + e.column - 1 }, 'asm', e.detail, [], { cause: e });
    throw new DriverActionError('DRIVER_ACTION_ASM', l?.at, 'asm', `${e.detail} (generated line ${e.line - prefix.length}: ${JSON.stringify(l?.text ?? '')})`, [], { cause: e });
  }
}
