import { Encoder, Instruction } from 'iced-x86';
import { AsmError, AsmLocation } from './asm-error';
import { Expr } from './expression';
import { Token } from './lexer';
import { FormEntry, InstructionForm, opcodeTable } from './opcode-table';
import { Binding, Bitness, buildInstruction, ConstEval, FormMatch, matchForm } from './operand-matcher';
import { InstructionStmt, Operand } from './parser';
import { suggest } from './suggest';

export interface PrefixFlags { readonly lock: boolean; readonly rep: boolean; readonly repe: boolean; readonly repne: boolean }
export interface Encodable { readonly match: FormMatch; readonly length: number }
export type InstructionPlan =
  | { readonly kind: 'fixed'; readonly choice: Encodable; readonly prefixes: PrefixFlags }
  | { readonly kind: 'branch'; readonly short?: Encodable; readonly near?: Encodable; readonly prefixes: PrefixFlags; readonly target: Expr };

const CC_ALIASES: Readonly<Record<string, string>> = {
  z: 'e', nz: 'ne', c: 'b', nae: 'b', nc: 'ae', nb: 'ae', na: 'be', nbe: 'a', pe: 'p', po: 'np', nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
};
/** Spellings iced does not use itself: name → [iced name, operand size implied]. */
const ALIASES: Readonly<Record<string, [string, number?]>> = {
  sal: ['shl'], retfq: ['retf', 64], retfd: ['retf', 32], retfw: ['retf', 16], retn: ['ret'], retq: ['ret', 64], retnq: ['ret', 64],
  iretw: ['iret'], sysretd: ['sysret'], loopz: ['loope'], loopnz: ['loopne'], pushfw: ['pushf'], popfw: ['popf'],
};

/** Canonical name (and implied operand size) for a written mnemonic. */
export function canonicalMnemonic(name: string): [string, number | undefined] {
  const alias = ALIASES[name];
  if (alias) return [alias[0], alias[1]];
  const m = /^(j|set|cmov)(.+)$/.exec(name);
  if (m && CC_ALIASES[m[2]]) return [m[1] + CC_ALIASES[m[2]], undefined];
  return [name, undefined];
}

/** Every spelling the assembler accepts (for "did you mean"). */
export function knownMnemonics(): string[] {
  return [...opcodeTable().byName.keys(), ...Object.keys(ALIASES)];
}

export interface SelectContext {
  readonly bitness: Bitness;
  readonly evalConst: ConstEval;
  readonly dependsOnLabels: (e: Expr) => boolean;
  readonly loc: (t: Token) => AsmLocation;
  readonly encoder: Encoder;
}

function defaultOperandSize(f: InstructionForm, bitness: Bitness): number {
  return bitness === 64 ? (f.defaultOpSize64 ? 64 : 32) : bitness;
}
function modeOk(f: InstructionForm, bitness: Bitness): boolean {
  return bitness === 64 ? f.mode64 : bitness === 32 ? f.mode32 : f.mode16;
}

/** Chooses the encoding for one instruction line (the form iced/NASM would pick: shortest, default operand size). */
export function selectInstruction(stmt: InstructionStmt, ctx: SelectContext): InstructionPlan {
  const { bitness } = ctx;
  const [name, impliedSize] = canonicalMnemonic(stmt.mnemonic);
  const entries = opcodeTable().byName.get(name);
  if (!entries) {
    const s = suggest(stmt.mnemonic, knownMnemonics());
    throw new AsmError('ASM_UNKNOWN_MNEMONIC', `unknown mnemonic '${stmt.mnemonicToken.text}'${s ? ` (did you mean '${s}'?)` : ''}`, ctx.loc(stmt.mnemonicToken));
  }
  // Prefixes.
  let opSize = impliedSize;
  let addrSize: 2 | 4 | 8 | undefined;
  const flags = { lock: false, rep: false, repe: false, repne: false };
  for (const p of stmt.prefixes) {
    const w = p.text.toLowerCase();
    if (w === 'lock') flags.lock = true;
    else if (w === 'rep') flags.rep = true;
    else if (w === 'repe' || w === 'repz') flags.repe = true;
    else if (w === 'repne' || w === 'repnz') flags.repne = true;
    else if (/^(o|data)(16|32|64)$/.test(w)) opSize = Number(w.replace(/^\D+/, ''));
    else addrSize = (Number(w.replace(/^\D+/, '')) / 8) as 2 | 4 | 8;
  }
  // Operands.
  const far = stmt.operands.some((o) => o.kind === 'farkw' || (o.kind === 'mem' && o.far) || (o.kind === 'imm' && o.branch === 'far'));
  let ops: Operand[] = stmt.operands.filter((o) => o.kind !== 'farkw');
  if (far && ops.length === 2 && ops.every((o) => o.kind === 'imm') && (name === 'jmp' || name === 'call')) {
    // The iced Intel formatter's spelling `jmp far offset,selector` (NASM writes `jmp selector:offset`).
    ops = [{ kind: 'farptr', offset: (ops[0] as { expr: Expr }).expr, selector: (ops[1] as { expr: Expr }).expr, token: ops[0].token }];
  }
  if (name === 'imul' && ops.length === 2 && ops[0].kind === 'reg' && ops[1].kind === 'imm') ops = [ops[0], ops[0], ops[1]];
  const where = ops[0]?.token ?? stmt.mnemonicToken;

  const inMode = entries.filter((e) => modeOk(e.form, bitness));
  if (inMode.length === 0) throw new AsmError('ASM_INVALID_MODE', `'${stmt.mnemonic}' is not valid in ${bitness}-bit mode`, ctx.loc(stmt.mnemonicToken));
  const candidates = inMode.filter((e) => (far ? e.requiresFar || e.form.farMemory || e.form.kinds.some((k) => k === 1 || k === 2) : !e.requiresFar));
  const defaultAddr = addrSize ?? ((bitness / 8) as 2 | 4 | 8);

  let sawRange = false;
  const collect = (): FormMatch[] => {
    const out: FormMatch[] = [];
    for (const e of candidates) {
      const m = matchForm(e.form, ops, bitness, ctx.evalConst, defaultAddr);
      if (m === 'range') sawRange = true;
      else if (m) out.push(m);
    }
    return out;
  };
  let matches = collect();
  if (matches.length === 0) {
    if (sawRange) {
      const imm = ops.find((o) => o.kind === 'imm' || (o.kind === 'mem' && o.disp)) ?? ops[0];
      throw new AsmError('ASM_VALUE_RANGE', `value out of range for '${stmt.mnemonic}'`, ctx.loc(imm?.token ?? stmt.mnemonicToken));
    }
    const otherMode = entries.some((e) => !modeOk(e.form, bitness) && ([16, 32, 64] as const).some((b) => modeOk(e.form, b) && matchForm(e.form, ops, b, ctx.evalConst, (b / 8) as 2 | 4 | 8) !== null));
    if (otherMode) throw new AsmError('ASM_INVALID_MODE', `'${stmt.mnemonic}' with these operands is not valid in ${bitness}-bit mode`, ctx.loc(where));
    throw new AsmError('ASM_BAD_OPERAND', `invalid operand combination for '${stmt.mnemonic}'`, ctx.loc(where));
  }
  // Prefix restrictions.
  const restrict = (keep: (f: InstructionForm) => boolean, what: string): void => {
    const kept = matches.filter((m) => keep(m.form));
    if (kept.length === 0) throw new AsmError('ASM_BAD_OPERAND', `${what} is not valid with '${stmt.mnemonic}'`, ctx.loc(stmt.prefixes[0] ?? stmt.mnemonicToken));
    matches = kept;
  };
  if (opSize !== undefined) restrict((f) => f.operandSize === opSize, `operand size ${opSize}`);
  if (flags.lock) restrict((f) => f.canLock, "'lock'");
  if (flags.rep || flags.repe) restrict((f) => f.canRep, "'rep'");
  if (flags.repne) restrict((f) => f.canRepne, "'repne'");
  if (addrSize !== undefined && matches.some((m) => m.form.addressSize !== 0)) {
    restrict((f) => f.addressSize === 0 || f.addressSize === addrSize * 8, `address size ${addrSize * 8}`);
  }
  // An unsized memory operand must not leave the access width open (`inc [rax]`), except where the
  // architecture has a default: push/pop/call/jmp/nop use the default operand size.
  const unsized = ops.some((o) => o.kind === 'mem' && o.size === undefined);
  const memSizes = new Set(matches.map((m) => m.form.memSize).filter((s) => s > 0));
  if (unsized && memSizes.size > 1) {
    const defaultable = matches.every((m) => m.form.isStack || ['call', 'jmp', 'nop'].includes(m.form.mnemonic));
    if (!defaultable) throw new AsmError('ASM_BAD_OPERAND', `operation size not specified for '${stmt.mnemonic}' (write byte, word, dword or qword)`, ctx.loc(where));
  }
  const opSizes = new Set(matches.map((m) => m.form.operandSize));
  if (opSizes.size > 1 && opSize === undefined) {
    const preferred = matches.filter((m) => m.form.operandSize === defaultOperandSize(m.form, bitness));
    if (preferred.length > 0) matches = preferred;
  }

  const probe = (m: FormMatch): Encodable | undefined => {
    let ins: Instruction | undefined;
    try {
      ins = buildInstruction(m, bitness, 0n, 0, {
        value: (e) => (m.bindings.some((b) => b.t === 'branch' && b.expr === e) ? 0n : ctx.evalConst(e) ?? 0n),
        dependsOnLabels: ctx.dependsOnLabels,
      }, flags);
      const length = ctx.encoder.encode(ins, 0n);
      ctx.encoder.takeBuffer();
      return { match: m, length };
    } catch (err) {
      ctx.encoder.takeBuffer();
      lastError = err;
      return undefined;
    } finally {
      ins?.free();
    }
  };
  let lastError: unknown;
  const isBranch = (m: FormMatch): Binding | undefined => m.bindings.find((b) => b.t === 'branch');
  const shortest = (list: FormMatch[]): Encodable | undefined => {
    let best: Encodable | undefined;
    for (const m of list) {
      const e = probe(m);
      if (!e) continue;
      const wider = best ? widerImm(e.match, best.match, ctx) : 1;
      if (!best || wider > 0 || (wider === 0 && e.length < best.length)) best = e;
    }
    return best;
  };
  const fail = (): never => {
    throw new AsmError('ASM_BAD_OPERAND', `cannot encode '${stmt.mnemonic}': ${lastError instanceof Error ? lastError.message : String(lastError)}`, ctx.loc(where), { cause: lastError });
  };
  const branchOp = ops.find((o) => o.kind === 'imm');
  if (matches.some(isBranch) && branchOp?.kind === 'imm') {
    const want = branchOp.branch;
    const shortList = want === 'near' ? [] : matches.filter((m) => (isBranch(m) as { short?: boolean } | undefined)?.short === true);
    const nearList = want === 'short' ? [] : matches.filter((m) => (isBranch(m) as { short?: boolean } | undefined)?.short === false);
    const s = shortest(shortList);
    const n = shortest(nearList);
    if (!s && !n) fail();
    return { kind: 'branch', short: s, near: n, prefixes: flags, target: branchOp.expr };
  }
  const choice = shortest(matches) ?? fail();
  return { kind: 'fixed', choice, prefixes: flags };
}

/**
 * > 0 when `a` carries a label-dependent immediate in a wider field than `b`. Immediates whose value is
 * only known after layout take the widest form (`mov rax, label` → imm64), so layout never depends on them.
 */
function widerImm(a: FormMatch, b: FormMatch, ctx: SelectContext): number {
  const bits = (m: FormMatch): number => Math.max(0, ...m.bindings.map((x) => (x.t === 'imm' && x.expr && ctx.dependsOnLabels(x.expr) ? x.bits : 0)));
  return bits(a) - bits(b);
}
