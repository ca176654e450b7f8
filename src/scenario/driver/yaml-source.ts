import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { closeWords } from './close-words';
import type { SourceLocation } from './driver-action';
import { DriverActionError, type DriverErrorCode } from './driver-errors';

/** Where a YAML text sits in its file: the file line just before its first line, and the column of its margin. */
export interface YamlPlacement {
  file: string;
  /** File line number of the line *before* the YAML's first line (a doc string's `"""` line; 0 for a file). */
  lineBefore: number;
  /** File column of the YAML's column 1 (Gherkin removes the doc string's indentation; 1 for a file). */
  column: number;
}

/**
 * A parsed YAML text with positions: every error names file:line:column. Integers are read as bigint, so
 * 64-bit values are exact.
 */
export class YamlSource {
  readonly root: YamlNode | null;
  private readonly lines = new LineCounter();

  constructor(readonly text: string, readonly place: YamlPlacement, readonly errorCode: DriverErrorCode) {
    const doc = parseDocument(text, { intAsBigInt: true, lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      throw new DriverActionError('DRIVER_ACTION_SYNTAX', this.at(e.pos[0]), '(document)', `not valid YAML: ${e.message.split('\n')[0]}`);
    }
    this.root = (doc.contents as YamlNode | null) ?? null;
  }

  /** The file location of a character offset in the YAML text. */
  at(offset: number): SourceLocation {
    const p = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.place.file, line: this.place.lineBefore + p.line, column: this.place.column + p.col - 1 };
  }

  /** Where a node starts (the start of the document when there is none). */
  where(node: YamlNode | Pair | null | undefined): SourceLocation {
    const range = node && 'range' in node ? node.range : undefined;
    if (range) return this.at(range[0]);
    const key = node && 'key' in node ? (node.key as YamlNode | null) : null;
    return key?.range ? this.at(key.range[0]) : this.at(0);
  }

  fail(node: YamlNode | Pair | null | undefined, field: string, expected: string, suggestions: readonly string[] = [], code: DriverErrorCode = this.errorCode): never {
    throw new DriverActionError(code, this.where(node), field, expected, suggestions);
  }

  /** The pairs of a mapping; keys other than `allowed` are errors with "did you mean". */
  mapping(node: YamlNode | null | undefined, field: string, allowed: readonly string[], what: string): Map<string, { pair: Pair; value: YamlNode | null }> {
    if (!node || !isMap(node)) return this.fail(node, field, `expected ${what}, got ${describe(node)}`);
    const out = new Map<string, { pair: Pair; value: YamlNode | null }>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key as YamlNode | null;
      const name = isScalar(key) ? String(key.value) : undefined;
      if (name === undefined) this.fail(key, field, 'expected plain keys');
      if (!allowed.includes(name!)) {
        this.fail(key, field ? `${field}.${name}` : name!, `unknown field (expected one of ${allowed.join(', ')})`, closeWords(name!, allowed));
      }
      out.set(name!, { pair, value: (pair.value as YamlNode | null) ?? null });
    }
    return out;
  }

  /** The items of a sequence. */
  sequence(node: YamlNode | null | undefined, field: string, what: string): YamlNode[] {
    if (!node || !isSeq(node)) return this.fail(node, field, `expected ${what}, got ${describe(node)}`);
    return node.items as YamlNode[];
  }

  /** A non-negative integer up to `max` (bigint from YAML, a decimal/0x string, or a safe integer number). */
  integer(node: YamlNode | null | undefined, field: string, max: bigint, what = 'an integer (0x… or decimal)'): bigint {
    const v = isScalar(node) ? node.value : undefined;
    let n: bigint | undefined;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
    else if (typeof v === 'string' && /^\s*(0x[0-9a-f]+(_[0-9a-f]+)*|[0-9]+)\s*$/i.test(v)) n = BigInt(v.trim().replace(/_/g, ''));
    if (n === undefined) return this.fail(node, field, `expected ${what}, got ${describe(node)}`);
    if (n < 0n || n > max) return this.fail(node, field, `expected ${what} from 0 to 0x${max.toString(16)}, got ${n < 0n ? '-' : ''}0x${(n < 0n ? -n : n).toString(16)}`);
    return n;
  }

  /** A string scalar (plain or quoted); numbers and booleans are refused unless `coerce`. */
  string(node: YamlNode | null | undefined, field: string, what: string, coerce = false): string {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v === 'string') return v;
    if (coerce && isScalar(node) && (typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number')) return String((node as { source?: string }).source ?? v);
    return this.fail(node, field, `expected ${what}, got ${describe(node)}`);
  }
}

/** A short description of what a node is, for "expected X, got Y". */
export function describe(node: YamlNode | null | undefined): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'bigint') return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  }
  return 'an alias';
}
