import { AsmError } from './asm-error';
import { Expr, parseExpression, TokenCursor } from './expression';
import { LineContext, Token, tokenize } from './lexer';
import { RegInfo, registerByName } from './registers';

/** Memory size keywords → bytes (`tbyte` is accepted for `tword`). */
export const SIZE_KEYWORDS: Readonly<Record<string, number>> = {
  byte: 1, word: 2, dword: 4, fword: 6, qword: 8, tword: 10, tbyte: 10, oword: 16, xmmword: 16,
};

export type Operand =
  | { readonly kind: 'reg'; readonly info: RegInfo; readonly token: Token }
  | {
      readonly kind: 'mem'; readonly base?: RegInfo; readonly index?: RegInfo; readonly scale: number; readonly disp?: Expr;
      /** Total bytes addressed (explicit keyword), e.g. 10 for `far qword`/`tword`. */
      readonly size?: number; readonly far: boolean; readonly seg?: RegInfo; readonly addressing: 'default' | 'rel' | 'abs'; readonly token: Token;
    }
  | { readonly kind: 'imm'; readonly expr: Expr; readonly branch?: 'short' | 'near' | 'far'; readonly token: Token }
  | { readonly kind: 'farptr'; readonly selector: Expr; readonly offset: Expr; readonly token: Token }
  /** A lone `far` (as in `ret far`). */
  | { readonly kind: 'farkw'; readonly token: Token };

export interface InstructionStmt {
  readonly kind: 'instr';
  readonly mnemonic: string;
  readonly mnemonicToken: Token;
  readonly prefixes: readonly Token[];
  readonly operands: readonly Operand[];
}
export type DataItem = { readonly kind: 'expr'; readonly expr: Expr } | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly token: Token };
export interface DataStmt { readonly kind: 'data'; readonly width: 1 | 2 | 4 | 8; readonly items: readonly DataItem[]; readonly token: Token }
export interface AlignStmt { readonly kind: 'align'; readonly boundary: Expr; readonly fill?: Expr; readonly token: Token }
export interface TimesStmt { readonly kind: 'times'; readonly count: Expr; readonly body: InstructionStmt | DataStmt; readonly token: Token }
export interface EquStmt { readonly kind: 'equ'; readonly name: string; readonly value: Expr; readonly token: Token }
export type Statement = InstructionStmt | DataStmt | AlignStmt | TimesStmt | EquStmt;

export interface ParsedLine {
  readonly line: number;
  readonly text: string;
  readonly labels: readonly Token[];
  readonly stmt?: Statement;
}

export const PREFIX_WORDS: ReadonlySet<string> = new Set([
  'lock', 'rep', 'repe', 'repz', 'repne', 'repnz',
  'o16', 'o32', 'o64', 'data16', 'data32', 'data64', 'a16', 'a32', 'a64', 'addr16', 'addr32', 'addr64',
]);
const DATA_WIDTH: Readonly<Record<string, 1 | 2 | 4 | 8>> = { db: 1, dw: 2, dd: 4, dq: 8 };

/** Parses one source line: `[label:]… [prefix…] mnemonic operands` or a directive. */
export function parseLine(text: string, ctx: LineContext): ParsedLine {
  const tokens = tokenize(text, ctx);
  const cur = new TokenCursor(tokens, ctx, text.length + 1);
  const labels: Token[] = [];
  while (cur.peek()?.kind === 'ident' && cur.isPunct(':', 1)) {
    labels.push(cur.next()!);
    cur.next();
  }
  if (cur.atEnd()) return { line: ctx.line, text, labels };
  if (cur.peek()!.kind === 'ident' && cur.isWord('equ', 1)) {
    const name = cur.next()!;
    cur.next();
    const value = parseExpression(cur);
    expectEnd(cur);
    return { line: ctx.line, text, labels, stmt: { kind: 'equ', name: name.text, value, token: name } };
  }
  return { line: ctx.line, text, labels, stmt: parseStatement(cur) };
}

function expectEnd(cur: TokenCursor): void {
  if (!cur.atEnd()) throw cur.error('ASM_SYNTAX', `unexpected '${cur.peek()!.text}'`);
}

function parseStatement(cur: TokenCursor): Statement {
  const first = cur.peek()!;
  if (first.kind !== 'ident') throw cur.error('ASM_SYNTAX', `expected a mnemonic or directive but found '${first.text}'`);
  const word = first.text.toLowerCase();
  if (word === 'times') {
    cur.next();
    const count = parseExpression(cur);
    const body = parseStatement(cur);
    if (body.kind !== 'instr' && body.kind !== 'data') throw cur.error('ASM_SYNTAX', "'times' repeats an instruction or a data directive", first);
    return { kind: 'times', count, body, token: first };
  }
  if (word === 'align') {
    cur.next();
    const boundary = parseExpression(cur);
    let fill: Expr | undefined;
    if (cur.isPunct(',')) { cur.next(); fill = parseExpression(cur); }
    expectEnd(cur);
    return { kind: 'align', boundary, fill, token: first };
  }
  if (DATA_WIDTH[word]) {
    cur.next();
    const width = DATA_WIDTH[word];
    const items: DataItem[] = [];
    do {
      const t = cur.peek();
      if (!t) throw cur.error('ASM_SYNTAX', `'${word}' needs a value`);
      // A quoted string in db is a byte sequence; elsewhere (or when followed by an operator) it is a character constant.
      const nextIsOp = cur.peek(1) !== undefined && !cur.isPunct(',', 1);
      if (t.kind === 'string' && width === 1 && !nextIsOp) {
        cur.next();
        items.push({ kind: 'bytes', bytes: new Uint8Array(Buffer.from(t.text, 'latin1')), token: t });
      } else {
        items.push({ kind: 'expr', expr: parseExpression(cur) });
      }
    } while (cur.isPunct(',') && cur.next());
    expectEnd(cur);
    return { kind: 'data', width, items, token: first };
  }
  const prefixes: Token[] = [];
  while (cur.peek()?.kind === 'ident' && PREFIX_WORDS.has(cur.peek()!.text.toLowerCase())) prefixes.push(cur.next()!);
  const mn = cur.next();
  if (!mn || mn.kind !== 'ident') throw cur.error('ASM_SYNTAX', 'expected a mnemonic after the prefix', mn);
  const operands: Operand[] = [];
  if (!cur.atEnd()) {
    operands.push(parseOperand(cur));
    while (cur.isPunct(',')) { cur.next(); operands.push(parseOperand(cur)); }
    expectEnd(cur);
  }
  return { kind: 'instr', mnemonic: mn.text.toLowerCase(), mnemonicToken: mn, prefixes, operands };
}

function parseOperand(cur: TokenCursor): Operand {
  const start = cur.peek();
  if (!start) throw cur.error('ASM_SYNTAX', 'expected an operand');
  let size: number | undefined;
  let branch: 'short' | 'near' | 'far' | undefined;
  for (;;) {
    const t = cur.peek();
    if (!t || t.kind !== 'ident') break;
    const w = t.text.toLowerCase();
    if (w === 'short' || w === 'near' || w === 'far') { branch = w; cur.next(); continue; }
    if (w in SIZE_KEYWORDS && !registerByName(w)) {
      size = SIZE_KEYWORDS[w];
      cur.next();
      if (cur.isWord('ptr')) cur.next();
      continue;
    }
    if (w === 'strict') { cur.next(); continue; }
    break;
  }
  if (branch === 'far' && size === undefined && (cur.atEnd() || cur.isPunct(','))) return { kind: 'farkw', token: start };
  if (cur.atEnd() || cur.isPunct(',')) throw cur.error('ASM_SYNTAX', 'expected an operand');
  // Segment override written before the bracket: `gs:[rax]`.
  let seg: RegInfo | undefined;
  const segTok = cur.peek();
  if (segTok?.kind === 'ident' && registerByName(segTok.text)?.cls === 'seg' && cur.isPunct(':', 1) && cur.isPunct('[', 2)) {
    seg = registerByName(segTok.text);
    cur.next();
    cur.next();
  }
  if (cur.isPunct('[')) {
    const mem = parseMemory(cur, seg, start);
    let total = size;
    // Far pointers: `far fword`/`far tword` (and iced's `far dword` = m16:16) name the whole pointer;
    // `far word` means m16:16 and `far qword` means m16:64 (the offset width, as NASM writes it).
    if (branch === 'far' && size === 2) total = 4;
    if (branch === 'far' && size === 8) total = 10;
    return { ...mem, size: total, far: branch === 'far' };
  }
  if (seg) throw cur.error('ASM_SYNTAX', "a segment override needs a memory operand '[…]'", segTok);
  const t = cur.peek()!;
  const reg = t.kind === 'ident' ? registerByName(t.text) : undefined;
  if (reg && (cur.atEnd() || cur.isPunct(',', 1) || cur.peek(1) === undefined)) {
    cur.next();
    if (size !== undefined && size !== reg.size && reg.cls.startsWith('gpr')) throw cur.error('ASM_BAD_OPERAND', `size keyword does not match register '${t.text}'`, t);
    return { kind: 'reg', info: reg, token: t };
  }
  const expr = parseExpression(cur);
  if (cur.isPunct(':')) {
    cur.next();
    const offset = parseExpression(cur);
    return { kind: 'farptr', selector: expr, offset, token: start };
  }
  return { kind: 'imm', expr, branch, token: start };
}

function parseMemory(cur: TokenCursor, seg: RegInfo | undefined, start: Token): Extract<Operand, { kind: 'mem' }> {
  const open = cur.expectPunct('[');
  let addressing: 'default' | 'rel' | 'abs' = 'default';
  if (cur.isWord('rel') || cur.isWord('abs')) addressing = cur.next()!.text.toLowerCase() as 'rel' | 'abs';
  const segIn = cur.peek();
  if (segIn?.kind === 'ident' && registerByName(segIn.text)?.cls === 'seg' && cur.isPunct(':', 1)) {
    if (seg) throw cur.error('ASM_BAD_OPERAND', 'two segment overrides', segIn);
    seg = registerByName(segIn.text);
    cur.next();
    cur.next();
  }
  let base: RegInfo | undefined;
  let index: RegInfo | undefined;
  let scale = 1;
  let disp: Expr | undefined;
  let sign: Token | undefined;
  const addDisp = (e: Expr, negative: Token | undefined): void => {
    const term: Expr = negative ? { kind: 'unary', op: '-', arg: e, token: negative } : e;
    disp = disp ? { kind: 'binary', op: '+', left: disp, right: term, token: term.token } : term;
  };
  for (let first = true; ; first = false) {
    sign = undefined;
    if (!first || cur.isPunct('-') || cur.isPunct('+')) {
      if (cur.isPunct(']')) break;
      const op = cur.next();
      if (!op || op.kind !== 'punct' || (op.text !== '+' && op.text !== '-')) throw cur.error('ASM_SYNTAX', `expected '+', '-' or ']' in memory operand`, op);
      if (op.text === '-') sign = op;
    }
    const t = cur.peek();
    if (!t) throw cur.error('ASM_SYNTAX', "missing ']'");
    const reg = t.kind === 'ident' ? registerByName(t.text) : undefined;
    const numThenReg = t.kind === 'number' && cur.isPunct('*', 1) && cur.peek(2)?.kind === 'ident' && registerByName(cur.peek(2)!.text) !== undefined;
    if (reg || numThenReg) {
      let r: RegInfo;
      let s = 1;
      let scaled = false;
      let rt: Token;
      if (numThenReg) { s = Number(t.value!); scaled = true; cur.next(); cur.next(); rt = cur.next()!; r = registerByName(rt.text)!; }
      else {
        rt = cur.next()!;
        r = reg!;
        if (cur.isPunct('*')) {
          cur.next();
          const st = cur.next();
          if (!st || st.kind !== 'number') throw cur.error('ASM_BAD_OPERAND', 'scale must be 1, 2, 4 or 8', st);
          s = Number(st.value!);
          scaled = true;
        }
      }
      if (sign) throw cur.error('ASM_BAD_OPERAND', `register '${rt.text}' cannot be subtracted`, rt);
      if (![1, 2, 4, 8].includes(s)) throw cur.error('ASM_BAD_OPERAND', 'scale must be 1, 2, 4 or 8', rt);
      if (!(r.cls.startsWith('gpr') || r.cls === 'ip') || r.size === 1) throw cur.error('ASM_BAD_OPERAND', `'${rt.text}' cannot address memory`, rt);
      if (!scaled && !base) base = r;
      else if (!index) { index = r; scale = s; }
      else throw cur.error('ASM_BAD_OPERAND', 'too many registers in memory operand', rt);
      continue;
    }
    addDisp(parseExpression(cur, 5), sign);
  }
  cur.expectPunct(']');
  if (base?.cls === 'ip' && index) throw cur.error('ASM_BAD_OPERAND', `'${base.name}' cannot be used with an index register`, open);
  if (index?.cls === 'ip') throw cur.error('ASM_BAD_OPERAND', `'${index.name}' cannot be an index register`, open);
  if (base && index && base.size !== index.size) throw cur.error('ASM_BAD_OPERAND', 'base and index registers must have the same width', open);
  return { kind: 'mem', base, index, scale, disp, seg, far: false, addressing, token: start };
}
