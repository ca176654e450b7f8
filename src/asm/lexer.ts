import { AsmError } from './asm-error';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token (for strings: the contents without quotes). */
  readonly text: string;
  /** 1-based column of the token's first character. */
  readonly column: number;
  /** Numeric value of a number token. */
  readonly value?: bigint;
}

/** Where the line being lexed comes from (for error messages). */
export interface LineContext {
  readonly source: string;
  readonly line: number;
}

const HEX_SUFFIX = /^[0-9][0-9a-fA-F_]*[hH](?![\w.$@?])/;
const HEX_PREFIX = /^0[xX][0-9a-fA-F](?:[0-9a-fA-F_]*)(?![\w.$@?])/;
const BIN_PREFIX = /^0[bB][01](?:[01_]*)(?![\w.$@?])/;
const DECIMAL = /^[0-9][0-9_]*(?![\w.$@?])/;
const IDENT = /^(?:\$\$|\$|[A-Za-z_.@?][\w.@?$#]*)/;
const PUNCT = /^(?:<<|>>|[,\[\]+\-*\/%:()~&|^])/;

/**
 * Splits one source line into tokens, dropping the `;` comment. Numbers are `123`, `0x7F`, `7Fh`
 * (must start with a digit, as Intel/MASM write `0FFh`), `0b101`; `_` may separate digit groups.
 */
export function tokenize(text: string, ctx: LineContext): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ';') break;
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    const rest = text.slice(i);
    const column = i + 1;
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new AsmError('ASM_SYNTAX', 'unterminated string', { ...ctx, column, token: rest });
      out.push({ kind: 'string', text: text.slice(i + 1, end), column });
      i = end + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let m: RegExpExecArray | null;
      let value: bigint | undefined;
      if ((m = HEX_PREFIX.exec(rest))) value = BigInt('0x' + m[0].slice(2).replace(/_/g, ''));
      else if ((m = BIN_PREFIX.exec(rest))) value = BigInt('0b' + m[0].slice(2).replace(/_/g, ''));
      else if ((m = HEX_SUFFIX.exec(rest))) value = BigInt('0x' + m[0].slice(0, -1).replace(/_/g, ''));
      else if ((m = DECIMAL.exec(rest))) value = BigInt(m[0].replace(/_/g, ''));
      if (!m || value === undefined) {
        const bad = /^[\w.]+/.exec(rest)?.[0] ?? c;
        throw new AsmError('ASM_SYNTAX', `malformed number '${bad}'`, { ...ctx, column, token: bad });
      }
      out.push({ kind: 'number', text: m[0], column, value });
      i += m[0].length;
      continue;
    }
    let m = IDENT.exec(rest);
    if (m) { out.push({ kind: 'ident', text: m[0], column }); i += m[0].length; continue; }
    m = PUNCT.exec(rest);
    if (m) { out.push({ kind: 'punct', text: m[0], column }); i += m[0].length; continue; }
    throw new AsmError('ASM_SYNTAX', `unexpected character '${c}'`, { ...ctx, column, token: c });
  }
  return out;
}
