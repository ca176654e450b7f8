import { Guid, guidFromBytes } from '../guid/guid';
import { Depex, DepexExpr } from './depex-ast';
import { DepexOp, depexOpName } from './depex-opcodes';

/** One decoded opcode. */
export interface DepexInstruction {
  offset: number;
  opcode: number;
  name: string;
  guid?: Guid;
}

/** The instruction list up to END (inclusive), plus why decoding stopped early, if it did. */
export function depexInstructions(bytes: Uint8Array): { instructions: DepexInstruction[]; error?: string } {
  const instructions: DepexInstruction[] = [];
  for (let pc = 0; ; ) {
    if (pc >= bytes.length) return { instructions, error: `runs past the end at offset ${pc} without END` };
    const op = bytes[pc];
    if (op > DepexOp.SOR) return { instructions, error: `unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${pc}` };
    if (op === DepexOp.PUSH || op === DepexOp.BEFORE || op === DepexOp.AFTER) {
      if (pc + 17 > bytes.length) return { instructions, error: `${depexOpName(op)} at offset ${pc} has a truncated GUID` };
      instructions.push({ offset: pc, opcode: op, name: depexOpName(op), guid: guidFromBytes(bytes, pc + 1) });
      pc += 17;
      continue;
    }
    instructions.push({ offset: pc, opcode: op, name: depexOpName(op) });
    if (op === DepexOp.END) return { instructions };
    pc += 1;
  }
}

/** Why bytecode has no text form. */
export interface DepexDecodeResult {
  depex?: Depex;
  error?: string;
}

/**
 * Bytecode → Depex when the bytecode is a well-formed expression: BEFORE/AFTER only first and followed by END;
 * SOR only first; exactly one value on the stack at END. Bytes after END are ignored.
 */
export function decodeDepex(bytes: Uint8Array): DepexDecodeResult {
  const { instructions, error } = depexInstructions(bytes);
  if (error) return { error };
  const first = instructions[0];
  if (first.opcode === DepexOp.BEFORE || first.opcode === DepexOp.AFTER) {
    if (instructions.length !== 2) return { error: `${first.name} must be followed directly by END` };
    return { depex: { kind: first.opcode === DepexOp.BEFORE ? 'before' : 'after', guid: first.guid! } };
  }
  const stack: DepexExpr[] = [];
  let sor = false;
  for (const [k, ins] of instructions.entries()) {
    const pop = (): DepexExpr | undefined => stack.pop();
    switch (ins.opcode) {
      case DepexOp.BEFORE:
      case DepexOp.AFTER:
        return { error: `${ins.name} at offset ${ins.offset} is not the first opcode` };
      case DepexOp.SOR:
        if (k !== 0) return { error: `SOR at offset ${ins.offset} is not the first opcode` };
        sor = true;
        break;
      case DepexOp.PUSH: stack.push({ op: 'push', guid: ins.guid! }); break;
      case DepexOp.TRUE: stack.push({ op: 'true' }); break;
      case DepexOp.FALSE: stack.push({ op: 'false' }); break;
      case DepexOp.NOT: {
        const a = pop();
        if (!a) return { error: `stack underflow at NOT (offset ${ins.offset})` };
        stack.push({ op: 'not', a });
        break;
      }
      case DepexOp.AND:
      case DepexOp.OR: {
        const b = pop();
        const a = pop();
        if (!a || !b) return { error: `stack underflow at ${ins.name} (offset ${ins.offset})` };
        stack.push({ op: ins.opcode === DepexOp.AND ? 'and' : 'or', a, b });
        break;
      }
      case DepexOp.END:
        if (stack.length !== 1) return { error: `END at offset ${ins.offset} finds ${stack.length} values on the stack (expected 1)` };
        return { depex: { kind: 'expression', sor, expr: stack[0] } };
    }
  }
  return { error: 'no END' };
}

/** A GUID → display name function (e.g. GuidRegistry.describe). */
export type GuidNamer = (guid: Guid) => string;

/** Depex → text that parseDepexText reads back to the same bytecode (when names resolve back). */
export function depexToText(d: Depex, name: GuidNamer = (g) => g): string {
  if (d.kind === 'before') return `BEFORE ${name(d.guid)}`;
  if (d.kind === 'after') return `AFTER ${name(d.guid)}`;
  const render = (e: DepexExpr): string => {
    switch (e.op) {
      case 'true': return 'TRUE';
      case 'false': return 'FALSE';
      case 'push': return name(e.guid);
      case 'not': return `NOT ${e.a.op === 'and' || e.a.op === 'or' ? `(${render(e.a)})` : render(e.a)}`;
      case 'and':
      case 'or': {
        const l = e.a.op === 'and' || e.a.op === 'or' ? (e.a.op === e.op ? render(e.a) : `(${render(e.a)})`) : render(e.a);
        const r = e.b.op === 'and' || e.b.op === 'or' ? `(${render(e.b)})` : render(e.b);
        return `${l} ${e.op.toUpperCase()} ${r}`;
      }
    }
  };
  return (d.sor ? 'SOR ' : '') + render(d.expr);
}

/**
 * Bytecode → readable text. Well-formed bytecode gives DEPEX text; anything else gives the opcode listing
 * with the reason, e.g. `<malformed: stack underflow at AND (offset 1)> AND END`.
 */
export function disassembleDepex(bytes: Uint8Array, name: GuidNamer = (g) => g): { text: string; wellFormed: boolean } {
  const d = decodeDepex(bytes);
  if (d.depex) return { text: depexToText(d.depex, name), wellFormed: true };
  const { instructions } = depexInstructions(bytes);
  const listing = instructions.map((i) => (i.guid ? `${i.name} ${name(i.guid)}` : i.name)).join(' ');
  return { text: `<malformed: ${d.error}>${listing ? ' ' + listing : ''}`, wellFormed: false };
}
