import { MmspecError } from '../../common/errors';
import { ByteWriter } from '../binary/byte-writer';
import { Guid, isGuidText, parseGuid, writeGuid } from '../guid/guid';
import { GuidRegistry } from '../guid/guid-registry';
import { Depex, DepexExpr } from './depex-ast';
import { DepexOp } from './depex-opcodes';

/** DEPEX text that does not parse; names the column. */
export class DepexSyntaxError extends MmspecError {
  constructor(readonly text: string, readonly column: number, readonly problem: string) {
    super('DEPEX_SYNTAX', `DEPEX ${JSON.stringify(text)} at column ${column + 1}: ${problem}`);
  }
}

/** Maps a symbolic name to a GUID. */
export type GuidResolver = (name: string) => Guid;

interface Token { text: string; at: number }

const TOKEN_RE = /\s*(?:([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})|([A-Za-z_][A-Za-z0-9_.]*)|([()]))/y;
const KEYWORDS = new Set(['TRUE', 'FALSE', 'AND', 'OR', 'NOT', 'BEFORE', 'AFTER', 'SOR', 'END']);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(text);
    if (!m) {
      const at = pos + (text.slice(pos).length - text.slice(pos).trimStart().length);
      throw new DepexSyntaxError(text, at, `unexpected character ${JSON.stringify(text[at])}`);
    }
    const t = m[1] ?? m[2] ?? m[3];
    out.push({ text: t, at: m.index + m[0].length - t.length });
    pos = TOKEN_RE.lastIndex;
  }
  return out;
}

/**
 * Parses DEPEX text: `TRUE`, `FALSE`, names and registry-format GUIDs, `NOT`, `AND`, `OR`, parentheses,
 * `BEFORE Name`, `AFTER Name`, `SOR expr`. AND and OR are left-associative; mixing AND and OR at one
 * level needs parentheses (edk2 tools and C intuition disagree on their precedence, so mmspec refuses to
 * guess). Names go through `resolve` (default: the well-known registry, else the name-derived GUID).
 */
export function parseDepexText(text: string, resolve: GuidResolver = defaultResolver()): Depex {
  const toks = tokenize(text);
  let i = 0;
  const end = text.length;
  const peek = () => toks[i];
  const fail = (at: number, problem: string): never => {
    throw new DepexSyntaxError(text, at, problem);
  };
  const guidRef = (): Guid => {
    const t = toks[i];
    if (!t) return fail(end, 'expected a GUID name or a registry-format GUID');
    if (t.text === '(' || t.text === ')' || KEYWORDS.has(t.text)) fail(t.at, `expected a GUID name, found ${t.text}`);
    i++;
    return isGuidText(t.text) ? parseGuid(t.text) : resolve(t.text);
  };
  const primary = (): DepexExpr => {
    const t = peek();
    if (!t) return fail(end, 'expected an operand');
    if (t.text === 'TRUE') { i++; return { op: 'true' }; }
    if (t.text === 'FALSE') { i++; return { op: 'false' }; }
    if (t.text === 'NOT') { i++; return { op: 'not', a: primary() }; }
    if (t.text === '(') {
      i++;
      const e = expr();
      const c = peek();
      if (!c || c.text !== ')') fail(c ? c.at : end, "expected ')'");
      i++;
      return e;
    }
    if (t.text === 'BEFORE' || t.text === 'AFTER' || t.text === 'SOR') fail(t.at, `${t.text} may only start the expression`);
    return { op: 'push', guid: guidRef() };
  };
  const expr = (): DepexExpr => {
    let left = primary();
    let kind: 'and' | 'or' | undefined;
    for (;;) {
      const t = peek();
      if (!t || (t.text !== 'AND' && t.text !== 'OR')) return left;
      const k = t.text === 'AND' ? 'and' : 'or';
      if (kind && kind !== k) fail(t.at, 'mixing AND and OR needs parentheses');
      kind = k;
      i++;
      left = { op: k, a: left, b: primary() };
    }
  };
  const first = peek();
  if (!first) return fail(0, 'empty DEPEX (write TRUE for "no dependencies")');
  let result: Depex;
  if (first.text === 'BEFORE' || first.text === 'AFTER') {
    i++;
    result = { kind: first.text === 'BEFORE' ? 'before' : 'after', guid: guidRef() };
  } else if (first.text === 'SOR') {
    i++;
    result = { kind: 'expression', sor: true, expr: expr() };
  } else {
    result = { kind: 'expression', sor: false, expr: expr() };
  }
  if (i < toks.length) fail(toks[i].at, `unexpected ${toks[i].text}`);
  return result;
}

/** Depex → bytecode (x86-smm-facts §4.6): postfix, terminated by END. */
export function encodeDepex(d: Depex): Uint8Array {
  const w = new ByteWriter();
  if (d.kind === 'before' || d.kind === 'after') {
    w.u8(d.kind === 'before' ? DepexOp.BEFORE : DepexOp.AFTER);
    writeGuid(w, d.guid);
  } else {
    if (d.sor) w.u8(DepexOp.SOR);
    const emit = (e: DepexExpr): void => {
      switch (e.op) {
        case 'true': w.u8(DepexOp.TRUE); break;
        case 'false': w.u8(DepexOp.FALSE); break;
        case 'push': w.u8(DepexOp.PUSH); writeGuid(w, e.guid); break;
        case 'not': emit(e.a); w.u8(DepexOp.NOT); break;
        case 'and': emit(e.a); emit(e.b); w.u8(DepexOp.AND); break;
        case 'or': emit(e.a); emit(e.b); w.u8(DepexOp.OR); break;
      }
    };
    emit(d.expr);
  }
  w.u8(DepexOp.END);
  return w.finish();
}

/** DEPEX text → bytecode. */
export function compileDepex(text: string, resolve?: GuidResolver): Uint8Array {
  return encodeDepex(parseDepexText(text, resolve));
}

function defaultResolver(): GuidResolver {
  const reg = new GuidRegistry();
  return (n) => reg.resolve(n);
}
