import { AsmError } from './asm-error';
import { LineContext, Token } from './lexer';

/** A parsed constant expression. Symbols are labels, `equ` constants, `$` (this line) or `$$` (origin). */
export type Expr =
  | { readonly kind: 'num'; readonly value: bigint; readonly token: Token }
  | { readonly kind: 'sym'; readonly name: string; readonly token: Token }
  | { readonly kind: 'unary'; readonly op: string; readonly arg: Expr; readonly token: Token }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly token: Token };

/** Reads tokens left to right; shared by the operand and directive parsers. */
export class TokenCursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[], readonly ctx: LineContext, readonly endColumn: number) {}
  peek(offset = 0): Token | undefined { return this.tokens[this.pos + offset]; }
  next(): Token | undefined { return this.tokens[this.pos++]; }
  atEnd(): boolean { return this.pos >= this.tokens.length; }
  isPunct(text: string, offset = 0): boolean { const t = this.peek(offset); return t !== undefined && t.kind === 'punct' && t.text === text; }
  isWord(word: string, offset = 0): boolean { const t = this.peek(offset); return t !== undefined && t.kind === 'ident' && t.text.toLowerCase() === word; }
  /** An error located at the current token (or at the end of the line). */
  error(code: 'ASM_SYNTAX' | 'ASM_BAD_OPERAND', detail: string, at?: Token): AsmError {
    const t = at ?? this.peek();
    return new AsmError(code, detail, { ...this.ctx, column: t ? t.column : this.endColumn, token: t ? t.text : '' });
  }
  expectPunct(text: string): Token {
    const t = this.peek();
    if (!t || t.kind !== 'punct' || t.text !== text) throw this.error('ASM_SYNTAX', `expected '${text}'${t ? ` but found '${t.text}'` : ' at end of line'}`);
    this.pos++;
    return t;
  }
}

const BINARY_LEVELS: readonly (readonly string[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

/** Parses an expression with C-like precedence: | ^ & << >> + - * / % and unary - ~ +, parentheses. */
export function parseExpression(cur: TokenCursor, level = 0): Expr {
  if (level >= BINARY_LEVELS.length) return parseUnary(cur);
  let left = parseExpression(cur, level + 1);
  for (;;) {
    const t = cur.peek();
    if (!t || t.kind !== 'punct' || !BINARY_LEVELS[level].includes(t.text)) return left;
    cur.next();
    const right = parseExpression(cur, level + 1);
    left = { kind: 'binary', op: t.text, left, right, token: t };
  }
}

function parseUnary(cur: TokenCursor): Expr {
  const t = cur.peek();
  if (!t) throw cur.error('ASM_SYNTAX', 'expected a value at end of line');
  if (t.kind === 'punct' && (t.text === '-' || t.text === '~' || t.text === '+')) {
    cur.next();
    return { kind: 'unary', op: t.text, arg: parseUnary(cur), token: t };
  }
  if (t.kind === 'punct' && t.text === '(') {
    cur.next();
    const e = parseExpression(cur);
    cur.expectPunct(')');
    return e;
  }
  if (t.kind === 'number') { cur.next(); return { kind: 'num', value: t.value!, token: t }; }
  if (t.kind === 'string') {
    // A character constant: up to 8 characters, first character in the lowest byte (NASM convention).
    const bytes = Buffer.from(t.text, 'latin1');
    if (bytes.length === 0 || bytes.length > 8) throw cur.error('ASM_SYNTAX', `character constant '${t.text}' must hold 1 to 8 characters`, t);
    let v = 0n;
    for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]);
    cur.next();
    return { kind: 'num', value: v, token: t };
  }
  if (t.kind === 'ident') { cur.next(); return { kind: 'sym', name: t.text, token: t }; }
  throw cur.error('ASM_SYNTAX', `expected a value but found '${t.text}'`, t);
}

/** Every symbol an expression refers to. */
export function symbolsOf(e: Expr, out: Extract<Expr, { kind: 'sym' }>[] = []): Extract<Expr, { kind: 'sym' }>[] {
  switch (e.kind) {
    case 'sym': out.push(e); break;
    case 'unary': symbolsOf(e.arg, out); break;
    case 'binary': symbolsOf(e.left, out); symbolsOf(e.right, out); break;
    default: break;
  }
  return out;
}

/**
 * Evaluates with exact (unbounded, signed) bigint arithmetic. `lookup` returns a symbol's value or
 * undefined when it is unknown, in which case the result is undefined.
 */
export function evaluate(e: Expr, lookup: (name: string, token: Token) => bigint | undefined, ctx: LineContext): bigint | undefined {
  switch (e.kind) {
    case 'num': return e.value;
    case 'sym': return lookup(e.name, e.token);
    case 'unary': {
      const a = evaluate(e.arg, lookup, ctx);
      if (a === undefined) return undefined;
      return e.op === '-' ? -a : e.op === '~' ? ~a : a;
    }
    case 'binary': {
      const a = evaluate(e.left, lookup, ctx);
      const b = evaluate(e.right, lookup, ctx);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/':
        case '%':
          if (b === 0n) throw new AsmError('ASM_VALUE_RANGE', 'division by zero', { ...ctx, column: e.token.column, token: e.token.text });
          return e.op === '/' ? a / b : a % b;
        case '<<': return a << b;
        case '>>': return a >> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        default: throw new AsmError('ASM_SYNTAX', `unknown operator '${e.op}'`, { ...ctx, column: e.token.column, token: e.token.text });
      }
    }
  }
}
