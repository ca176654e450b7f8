import { Instruction, OpCodeOperandKind as K, OpKind, Register } from 'iced-x86';
import { Expr } from './expression';
import { InstructionForm, STRING_KINDS } from './opcode-table';
import { Operand } from './parser';
import { RegInfo, registerByName, resize } from './registers';

export type Bitness = 16 | 32 | 64;
type MemOperand = Extract<Operand, { kind: 'mem' }>;

/** How one form operand is filled in. */
export type Binding =
  | { readonly t: 'reg'; readonly reg: Register }
  | { readonly t: 'mem'; readonly op: MemOperand; readonly addrSize: 2 | 4 | 8 }
  | { readonly t: 'imm'; readonly opKind: OpKind; readonly expr?: Expr; readonly bits: number; readonly kind: K }
  | { readonly t: 'branch'; readonly opKind: OpKind; readonly expr: Expr; readonly short: boolean }
  | { readonly t: 'far'; readonly opKind: OpKind; readonly selector: Expr; readonly offset: Expr }
  | { readonly t: 'string'; readonly opKind: OpKind; readonly addrSize: 2 | 4 | 8; readonly seg?: Register; readonly xlat: boolean };

/** What the matcher needs to know about values: constant value, or undefined when it depends on a label/`$`. */
export type ConstEval = (e: Expr) => bigint | undefined;

const MASK64 = (1n << 64n) - 1n;
type Range = readonly [bigint, bigint];
const rng = (lo: bigint, hi: bigint): Range => [lo, hi];
/** Values (as written, signed or unsigned) each immediate kind accepts. */
const IMM_RANGES: Partial<Record<K, readonly Range[]>> = {
  [K.imm8]: [rng(-128n, 255n)],
  [K.imm8_const_1]: [rng(1n, 1n)],
  [K.imm8sex16]: [rng(-128n, 127n), rng(0xff80n, 0xffffn)],
  [K.imm8sex32]: [rng(-128n, 127n), rng(0xffffff80n, 0xffffffffn)],
  [K.imm8sex64]: [rng(-128n, 127n), rng(MASK64 - 127n, MASK64)],
  [K.imm16]: [rng(-0x8000n, 0xffffn)],
  [K.imm32]: [rng(-0x80000000n, 0xffffffffn)],
  [K.imm32sex64]: [rng(-0x80000000n, 0x7fffffffn), rng(MASK64 - 0x7fffffffn, MASK64)],
  [K.imm64]: [rng(-(1n << 63n), MASK64)],
};
const IMM_OPKIND: Partial<Record<K, [OpKind, number]>> = {
  [K.imm8]: [OpKind.Immediate8, 8], [K.imm8_const_1]: [OpKind.Immediate8, 8], [K.imm8sex16]: [OpKind.Immediate8to16, 8],
  [K.imm8sex32]: [OpKind.Immediate8to32, 8], [K.imm8sex64]: [OpKind.Immediate8to64, 8], [K.imm16]: [OpKind.Immediate16, 16],
  [K.imm32]: [OpKind.Immediate32, 32], [K.imm32sex64]: [OpKind.Immediate32to64, 32], [K.imm64]: [OpKind.Immediate64, 64],
};
/** Immediate kinds usable when the value is only known after layout (a label): never the narrow forms. */
const WIDE_IMM: ReadonlySet<K> = new Set([K.imm16, K.imm32, K.imm32sex64, K.imm64]);

export function inRanges(v: bigint, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => v >= lo && v <= hi);
}
export function immRanges(kind: K): readonly Range[] | undefined { return IMM_RANGES[kind]; }

const GPR_KIND: Partial<Record<K, [number, boolean]>> = {
  // kind → [register width, accepts memory]
  [K.r8_or_mem]: [1, true], [K.r16_or_mem]: [2, true], [K.r32_or_mem]: [4, true], [K.r64_or_mem]: [8, true],
  [K.r8_reg]: [1, false], [K.r8_opcode]: [1, false], [K.r16_reg]: [2, false], [K.r16_reg_mem]: [2, false], [K.r16_rm]: [2, false],
  [K.r16_opcode]: [2, false], [K.r32_reg]: [4, false], [K.r32_reg_mem]: [4, false], [K.r32_rm]: [4, false], [K.r32_opcode]: [4, false],
  [K.r64_reg]: [8, false], [K.r64_reg_mem]: [8, false], [K.r64_rm]: [8, false], [K.r64_opcode]: [8, false],
};
const FIXED_REG: Partial<Record<K, string>> = {
  [K.es]: 'es', [K.cs]: 'cs', [K.ss]: 'ss', [K.ds]: 'ds', [K.fs]: 'fs', [K.gs]: 'gs',
  [K.al]: 'al', [K.cl]: 'cl', [K.ax]: 'ax', [K.dx]: 'dx', [K.eax]: 'eax', [K.rax]: 'rax',
};
const ACCUMULATOR_KINDS: ReadonlySet<K> = new Set([K.al, K.ax, K.eax, K.rax]);
const BRANCH_KIND: Partial<Record<K, [OpKind, boolean]>> = {
  [K.br16_1]: [OpKind.NearBranch16, true], [K.br32_1]: [OpKind.NearBranch32, true], [K.br64_1]: [OpKind.NearBranch64, true],
  [K.br16_2]: [OpKind.NearBranch16, false], [K.br32_4]: [OpKind.NearBranch32, false], [K.br64_4]: [OpKind.NearBranch64, false],
};

/** Result of matching one operand: a binding, no match, or right shape but value out of range. */
type OneMatch = Binding | null | 'range';

/** Address width of a memory operand, or undefined when the registers can't address in this mode. */
export function addressSizeOf(op: MemOperand, bitness: Bitness): 2 | 4 | 8 | undefined {
  const r = op.base ?? op.index;
  const size = r ? r.size : bitness / 8;
  if (size === 8 && bitness !== 64) return undefined;
  if (size === 2 && bitness === 64) return undefined;
  return size as 2 | 4 | 8;
}

function matchOne(kind: K, op: Operand, form: InstructionForm, bitness: Bitness, evalConst: ConstEval, immIndex: number): OneMatch {
  const gpr = GPR_KIND[kind];
  if (gpr) {
    const [width, mem] = gpr;
    if (op.kind === 'reg') {
      if (op.info.cls === `gpr${width * 8}`) return { t: 'reg', reg: op.info.reg };
      // `ltr ax`, `mov ds, ax`: iced stores these r32/m16 operands as the 32-bit register but writes the 16-bit name.
      if (form.narrowRegName && width >= 4 && op.info.cls === 'gpr16') {
        const wide = resize(op.info, width);
        return wide ? { t: 'reg', reg: wide.reg } : null;
      }
      return null;
    }
    if (op.kind === 'mem' && mem) return matchMem(op, form, bitness, evalConst);
    return null;
  }
  const fixed = FIXED_REG[kind];
  if (fixed) return op.kind === 'reg' && op.info.name === fixed ? { t: 'reg', reg: op.info.reg } : null;
  switch (kind) {
    case K.seg_reg: return op.kind === 'reg' && op.info.cls === 'seg' ? { t: 'reg', reg: op.info.reg } : null;
    case K.cr_reg: return op.kind === 'reg' && op.info.cls === 'cr' ? { t: 'reg', reg: op.info.reg } : null;
    case K.dr_reg: return op.kind === 'reg' && op.info.cls === 'dr' ? { t: 'reg', reg: op.info.reg } : null;
    case K.mem: return op.kind === 'mem' ? matchMem(op, form, bitness, evalConst) : null;
    case K.farbr2_2:
    case K.farbr4_2:
      return op.kind === 'farptr' ? { t: 'far', opKind: kind === K.farbr2_2 ? OpKind.FarBranch16 : OpKind.FarBranch32, selector: op.selector, offset: op.offset } : null;
    case K.seg_rSI:
    case K.es_rDI:
    case K.seg_rBX_al:
      return op.kind === 'mem' ? matchString(kind, op, bitness) : null;
    default: break;
  }
  const br = BRANCH_KIND[kind];
  if (br) return op.kind === 'imm' && op.branch !== 'far' ? { t: 'branch', opKind: br[0], expr: op.expr, short: br[1] } : null;
  const imm = IMM_OPKIND[kind];
  if (imm) {
    if (op.kind !== 'imm') return null;
    const v = evalConst(op.expr);
    const opKind = kind === K.imm8 && immIndex > 0 ? OpKind.Immediate8_2nd : imm[0];
    if (kind === K.imm8_const_1) return v === 1n ? { t: 'imm', opKind, expr: op.expr, bits: 8, kind } : null;
    if (v === undefined) return WIDE_IMM.has(kind) ? { t: 'imm', opKind, expr: op.expr, bits: imm[1], kind } : null;
    return inRanges(v, IMM_RANGES[kind]!) ? { t: 'imm', opKind, expr: op.expr, bits: imm[1], kind } : 'range';
  }
  return null;
}

function matchMem(op: MemOperand, form: InstructionForm, bitness: Bitness, evalConst: ConstEval): OneMatch {
  if (op.size !== undefined && form.memSize !== 0 && op.size !== form.memSize && op.size !== form.memAltSize) return null;
  if (op.far && !form.farMemory) return null;
  if (form.farMemory && !op.far && op.size === undefined) return null;
  let addrSize = addressSizeOf(op, bitness);
  if (addrSize === undefined) return null;
  const disp = op.disp ? evalConst(op.disp) : undefined;
  // An absolute address in 2 GiB..4 GiB cannot be a sign-extended disp32: use 32-bit addressing (0x67).
  if (addrSize === 8 && !op.base && !op.index && op.addressing !== 'rel' && disp !== undefined && disp >= 1n << 31n && disp <= 0xffffffffn) addrSize = 4;
  if (disp !== undefined && op.base?.cls !== 'ip' && op.addressing !== 'rel' && !dispFits(disp, addrSize)) return 'range';
  return { t: 'mem', op, addrSize };
}

/** Whether a (non RIP-relative) displacement fits the address width: sign-extended disp32 in 64-bit addressing. */
export function dispFits(v: bigint, addrSize: 2 | 4 | 8): boolean {
  return addrSize === 8 ? inRanges(v, [[-(1n << 31n), (1n << 31n) - 1n], [MASK64 - (1n << 31n) + 1n, MASK64]])
    : addrSize === 4 ? inRanges(v, [[-(1n << 31n), 0xffffffffn]]) : inRanges(v, [[-0x8000n, 0xffffn]]);
}

const STRING_REG: Record<number, Partial<Record<K, string>>> = {
  2: { [K.seg_rSI]: 'si', [K.es_rDI]: 'di', [K.seg_rBX_al]: 'bx' },
  4: { [K.seg_rSI]: 'esi', [K.es_rDI]: 'edi', [K.seg_rBX_al]: 'ebx' },
  8: { [K.seg_rSI]: 'rsi', [K.es_rDI]: 'rdi', [K.seg_rBX_al]: 'rbx' },
};

function matchString(kind: K, op: MemOperand, bitness: Bitness): OneMatch {
  const addrSize = addressSizeOf(op, bitness);
  if (!addrSize || !op.base || op.index || op.disp || op.base.name !== STRING_REG[addrSize][kind]) return null;
  if (kind === K.es_rDI && op.seg && op.seg.name !== 'es') return null;
  return stringBinding(kind, addrSize, op.seg?.reg);
}

export function stringBinding(kind: K, addrSize: 2 | 4 | 8, seg: Register | undefined): Binding {
  const opKind = kind === K.seg_rSI ? (addrSize === 8 ? OpKind.MemorySegRSI : addrSize === 4 ? OpKind.MemorySegESI : OpKind.MemorySegSI)
    : kind === K.es_rDI ? (addrSize === 8 ? OpKind.MemoryESRDI : addrSize === 4 ? OpKind.MemoryESEDI : OpKind.MemoryESDI)
      : OpKind.Memory;
  return { t: 'string', opKind, addrSize, seg: kind === K.es_rDI ? undefined : seg, xlat: kind === K.seg_rBX_al };
}

export interface FormMatch { readonly form: InstructionForm; readonly bindings: readonly Binding[] }

/**
 * Matches the written operands against one form. String instructions may omit their implicit
 * operands (`movsb`, `stosq [rdi]`, `lodsb [rsi]`). Returns 'range' when only a value was out of range.
 */
export function matchForm(form: InstructionForm, ops: readonly Operand[], bitness: Bitness, evalConst: ConstEval, defaultAddrSize: 2 | 4 | 8): FormMatch | 'range' | null {
  const variants: (readonly (K | 'implicit')[])[] = [form.kinds];
  if (form.isStringOp) {
    variants.push(form.kinds.map((k) => (ACCUMULATOR_KINDS.has(k) ? 'implicit' : k)));
    variants.push(form.kinds.map(() => 'implicit'));
  }
  let sawRange = false;
  for (const variant of variants) {
    const visible = variant.filter((k) => k !== 'implicit');
    if (visible.length !== ops.length) continue;
    const bindings: Binding[] = [];
    let ok = true;
    let oi = 0;
    let immIndex = 0;
    let strAddr: 2 | 4 | 8 | undefined;
    for (let i = 0; i < variant.length && ok; i++) {
      const k = variant[i];
      if (k === 'implicit') continue;
      const m = matchOne(k, ops[oi++], form, bitness, evalConst, immIndex);
      if (m === 'range') sawRange = true;
      if (m === null || m === 'range') { ok = false; break; }
      if (m.t === 'imm') immIndex++;
      if (m.t === 'string') {
        if (strAddr !== undefined && strAddr !== m.addrSize) { ok = false; break; }
        strAddr = m.addrSize;
      }
      bindings[i] = m;
    }
    if (!ok) continue;
    // Fill in implicit operands.
    const addr = strAddr ?? defaultAddrSize;
    for (let i = 0; i < variant.length; i++) {
      if (variant[i] !== 'implicit') continue;
      const k = form.kinds[i];
      if (STRING_KINDS.has(k)) bindings[i] = stringBinding(k, addr, undefined);
      else bindings[i] = { t: 'reg', reg: registerByName(FIXED_REG[k]!)!.reg };
    }
    if (strAddr === undefined && variant.some((k) => k === 'implicit') && bindings.some((b) => b.t === 'string' && b.addrSize !== addr)) continue;
    // `xchg eax, eax` must not become 0x90 (NOP, which does not zero-extend in 64-bit mode).
    if (bitness === 64 && form.mnemonic === 'xchg' && form.kinds.length === 2 && form.kinds[1] === K.eax
      && (bindings[0] as { reg: Register }).reg === (bindings[1] as { reg: Register }).reg) continue;
    return { form, bindings };
  }
  return sawRange ? 'range' : null;
}

/** Values at encoding time: the expression's value (labels resolved) and the instruction's address. */
export interface BuildValues {
  readonly value: (e: Expr) => bigint;
  /** Whether an expression refers to labels / `$` (so is not a plain constant). */
  readonly dependsOnLabels: (e: Expr) => boolean;
}

/** Builds the iced Instruction for a matched form. `length` is only needed for numeric `[rip + n]`. */
export function buildInstruction(m: FormMatch, bitness: Bitness, ip: bigint, length: number, vals: BuildValues, prefixes: { lock: boolean; rep: boolean; repe: boolean; repne: boolean }): Instruction {
  const ins = new Instruction();
  ins.code = m.form.code;
  ins.ip = ip;
  m.bindings.forEach((b, i) => {
    switch (b.t) {
      case 'reg': ins.setOpKind(i, OpKind.Register); ins.setOpRegister(i, b.reg); break;
      case 'imm': {
        ins.setOpKind(i, b.opKind);
        const v = b.expr ? vals.value(b.expr) : 1n;
        setImmediate(ins, b.opKind, v);
        break;
      }
      case 'branch': {
        ins.setOpKind(i, b.opKind);
        const t = vals.value(b.expr) & MASK64;
        if (b.opKind === OpKind.NearBranch64) ins.nearBranch64 = t;
        else if (b.opKind === OpKind.NearBranch32) ins.nearBranch32 = Number(t & 0xffffffffn);
        else ins.nearBranch16 = Number(t & 0xffffn);
        break;
      }
      case 'far': {
        ins.setOpKind(i, b.opKind);
        ins.farBranchSelector = Number(vals.value(b.selector) & 0xffffn);
        const off = vals.value(b.offset);
        if (b.opKind === OpKind.FarBranch16) ins.farBranch16 = Number(off & 0xffffn);
        else ins.farBranch32 = Number(off & 0xffffffffn);
        break;
      }
      case 'string':
        ins.setOpKind(i, b.opKind);
        if (b.xlat) {
          ins.memoryBase = registerByName(STRING_REG[b.addrSize][K.seg_rBX_al]!)!.reg;
          ins.memoryIndex = Register.AL;
          ins.memoryIndexScale = 1;
        }
        if (b.seg !== undefined) ins.segmentPrefix = b.seg;
        break;
      case 'mem':
        ins.setOpKind(i, OpKind.Memory);
        setMemory(ins, b, bitness, ip, length, vals);
        break;
    }
  });
  // REP and REPE are the same F3 byte: only ever set flags, never clear one after another.
  if (prefixes.lock) ins.hasLockPrefix = true;
  if (prefixes.rep) ins.hasRepPrefix = true;
  if (prefixes.repe) ins.hasRepePrefix = true;
  if (prefixes.repne) ins.hasRepnePrefix = true;
  return ins;
}

function toSigned(v: bigint, bits: number): bigint { return BigInt.asIntN(bits, v); }

function setImmediate(ins: Instruction, kind: OpKind, v: bigint): void {
  switch (kind) {
    case OpKind.Immediate8: ins.immediate8 = Number(v & 0xffn); break;
    case OpKind.Immediate8_2nd: ins.immediate8_2nd = Number(v & 0xffn); break;
    case OpKind.Immediate16: ins.immediate16 = Number(v & 0xffffn); break;
    case OpKind.Immediate32: ins.immediate32 = Number(v & 0xffffffffn); break;
    case OpKind.Immediate64: ins.immediate64 = v & MASK64; break;
    case OpKind.Immediate8to16: ins.immediate8to16 = Number(toSigned(v, 8)); break;
    case OpKind.Immediate8to32: ins.immediate8to32 = Number(toSigned(v, 8)); break;
    case OpKind.Immediate8to64: ins.immediate8to64 = toSigned(v, 8); break;
    case OpKind.Immediate32to64: ins.immediate32to64 = toSigned(v, 32); break;
    default: throw new Error(`not an immediate kind: ${kind}`);
  }
}

/** True when this memory operand is encoded RIP-relative. */
export function isRipRelative(op: MemOperand, bitness: Bitness, vals: Pick<BuildValues, 'dependsOnLabels'>): boolean {
  if (op.base?.cls === 'ip') return true;
  if (bitness !== 64 || op.base || op.index || op.addressing === 'abs') return false;
  return op.addressing === 'rel' || (op.disp !== undefined && vals.dependsOnLabels(op.disp));
}

/**
 * `[label]`, `[rel n]` and `[rip + label]` name the target address; only `[rip + n]` with a plain number
 * is a raw displacement from the next instruction (as the Intel formatter prints it).
 */
export function ripTargetIsAbsolute(op: MemOperand, vals: Pick<BuildValues, 'dependsOnLabels'>): boolean {
  return op.base?.cls !== 'ip' || (op.disp !== undefined && vals.dependsOnLabels(op.disp));
}

function setMemory(ins: Instruction, b: Extract<Binding, { t: 'mem' }>, bitness: Bitness, ip: bigint, length: number, vals: BuildValues): void {
  const op = b.op;
  if (op.seg) ins.segmentPrefix = op.seg.reg;
  const disp = op.disp ? vals.value(op.disp) : 0n;
  if (isRipRelative(op, bitness, vals)) {
    const rip = op.base?.name === 'eip' ? Register.EIP : Register.RIP;
    ins.memoryBase = rip;
    // `[rip + label]` / `[label]` address the label; `[rip + 16]` is a raw displacement from the next instruction.
    const target = ripTargetIsAbsolute(op, vals) ? disp : ip + BigInt(length) + disp;
    ins.memoryDisplacementU64 = rip === Register.EIP ? target & 0xffffffffn : target & MASK64;
    ins.memoryDisplSize = rip === Register.EIP ? 4 : 8;
    return;
  }
  ins.memoryBase = op.base?.reg ?? Register.None;
  ins.memoryIndex = op.index?.reg ?? Register.None;
  ins.memoryIndexScale = op.index ? op.scale : 1;
  ins.memoryDisplacementU64 = disp & MASK64;
  const full = !op.base && !op.index;
  const labelled = op.disp !== undefined && vals.dependsOnLabels(op.disp);
  ins.memoryDisplSize = full || labelled ? b.addrSize : op.disp === undefined || disp === 0n ? 0 : 1;
}
