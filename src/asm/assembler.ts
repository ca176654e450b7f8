import { BlockEncoder, BlockEncoderOptions, Encoder, Instruction, OpKind } from 'iced-x86';
import { AsmError, AsmLocation } from './asm-error';
import { evaluate, Expr, symbolsOf } from './expression';
import { Token } from './lexer';
import { Encodable, InstructionPlan, selectInstruction } from './instruction-selector';
import { Binding, Bitness, buildInstruction, BuildValues, dispFits, immRanges, inRanges, isRipRelative, ripTargetIsAbsolute } from './operand-matcher';
import { DataStmt, InstructionStmt, parseLine, ParsedLine, Statement } from './parser';

export interface AssembleOptions {
  /** 16, 32 or 64 (default 64). */
  bitness?: 16 | 32 | 64;
  /** Address of the first byte (default 0n). */
  origin?: bigint;
  /** File name used in error messages (default `<asm>`). */
  source?: string;
}

export interface AssembledProgram {
  bytes: Uint8Array;
  origin: bigint;
  /** Label → absolute address. Local labels (`.loop`) appear as `global.loop`. */
  labels: Map<string, bigint>;
  /** Every line with a statement: 1-based line, offset from origin, bytes emitted, source text. */
  lines: { line: number; offset: number; length: number; text: string }[];
}

const MASK64 = (1n << 64n) - 1n;
const DATA_RANGES: Record<number, [bigint, bigint]> = {
  1: [-0x80n, 0xffn], 2: [-0x8000n, 0xffffn], 4: [-0x80000000n, 0xffffffffn], 8: [-(1n << 63n), MASK64],
};
const MAX_TIMES = 1 << 20;
const MAX_LAYOUT_PASSES = 64;

/** One statement with what layout needs. */
interface Item {
  readonly parsed: ParsedLine;
  readonly stmt: Exclude<Statement, { kind: 'equ' }>;
  readonly scope: string;
  /** For instructions (and `times` of an instruction): the chosen encoding(s). */
  readonly plan?: InstructionPlan;
  near: boolean;
  address: bigint;
  size: number;
  repeat: number;
}

/**
 * Assembles Intel-syntax source into machine code. Encodings are chosen from iced-x86's opcode tables
 * (shortest form, default operand size), laid out with branch relaxation (short jumps when they reach),
 * and emitted through iced's BlockEncoder.
 */
export function assemble(text: string, options: AssembleOptions = {}): AssembledProgram {
  const bitness: Bitness = options.bitness ?? 64;
  const origin = options.origin ?? 0n;
  const source = options.source ?? '<asm>';
  if (bitness !== 16 && bitness !== 32 && bitness !== 64) throw new AsmError('ASM_SYNTAX', `bitness must be 16, 32 or 64, not ${String(bitness)}`, { source, line: 1, column: 1, token: '' });
  const loc = (line: number) => (t: Token | undefined): AsmLocation => ({ source, line, column: t?.column ?? 1, token: t?.text ?? '' });

  // Pass 1: parse, collect labels and constants.
  const parsed: ParsedLine[] = text.split(/\r?\n/).map((l, i) => parseLine(l, { source, line: i + 1 }));
  const labelDefs = new Map<string, { line: number; token: Token }>();
  const equs = new Map<string, { expr: Expr; line: number; scope: string; token: Token }>();
  const scopes: string[] = [];
  let scope = '';
  const qualify = (name: string, sc: string): string => (name.startsWith('.') && !name.startsWith('..') ? sc + name : name);
  for (const p of parsed) {
    for (const l of p.labels) {
      const full = qualify(l.text, scope);
      if (!l.text.startsWith('.')) scope = l.text;
      define(full, l, p.line);
      labelDefs.set(full, { line: p.line, token: l });
    }
    scopes.push(scope);
    if (p.stmt?.kind === 'equ') {
      const full = qualify(p.stmt.name, scope);
      define(full, p.stmt.token, p.line);
      equs.set(full, { expr: p.stmt.value, line: p.line, scope, token: p.stmt.token });
    }
  }
  function define(full: string, t: Token, line: number): void {
    const prev = labelDefs.get(full) ?? equs.get(full);
    if (prev) throw new AsmError('ASM_DUPLICATE_LABEL', `'${t.text}' is already defined on line ${prev.line}`, loc(line)(t));
  }
  const isSpecial = (n: string): boolean => n === '$' || n === '$$';
  // Every symbol must be defined.
  parsed.forEach((p, i) => {
    for (const e of expressionsOf(p.stmt)) {
      for (const s of symbolsOf(e)) {
        const full = qualify(s.name, scopes[i]);
        if (!isSpecial(s.name) && !labelDefs.has(full) && !equs.has(full)) throw new AsmError('ASM_UNDEFINED_LABEL', `undefined symbol '${s.name}'`, loc(p.line)(s.token));
      }
    }
  });

  // Values. `addresses` holds the current layout estimate; constants never depend on it.
  const addresses = new Map<string, bigint>();
  const evalWith = (e: Expr, sc: string, line: number, here: bigint | undefined, depth = 0): bigint | undefined =>
    evaluate(e, (name, tok) => {
      if (name === '$$') return origin;
      if (name === '$') return here;
      const full = qualify(name, sc);
      const eq = equs.get(full);
      if (eq) {
        if (depth > 64) throw new AsmError('ASM_SYNTAX', `'${name}' is defined in terms of itself`, loc(line)(tok));
        return evalWith(eq.expr, eq.scope, eq.line, here === undefined ? undefined : addresses.get(`$line${eq.line}`) ?? here, depth + 1);
      }
      return here === undefined ? undefined : addresses.get(full) ?? origin;
    }, { source, line });
  const constOf = (sc: string, line: number) => (e: Expr): bigint | undefined => evalWith(e, sc, line, undefined);

  // Pass 2: choose encodings.
  const encoder = new Encoder(bitness);
  const items: Item[] = [];
  try {
    parsed.forEach((p, i) => {
      const st = p.stmt;
      if (!st || st.kind === 'equ') return;
      const sc = scopes[i];
      const body = st.kind === 'times' ? st.body : st;
      let plan: InstructionPlan | undefined;
      if (body.kind === 'instr') {
        const evalConst = constOf(sc, p.line);
        plan = selectInstruction(body, { bitness, evalConst, dependsOnLabels: (e) => evalConst(e) === undefined, loc: loc(p.line), encoder });
      }
      items.push({ parsed: p, stmt: st, scope: sc, plan, near: plan?.kind === 'branch' && !plan.short, address: origin, size: 0, repeat: 1 });
    });
  } finally {
    encoder.free();
  }

  // Pass 3: layout with branch relaxation (short → near only, so it converges).
  const here = (it: Item) => (e: Expr): bigint => evalWith(e, it.scope, it.parsed.line, it.address) ?? 0n;
  for (let pass = 0; ; pass++) {
    if (pass > MAX_LAYOUT_PASSES) throw new AsmError('ASM_SYNTAX', 'layout does not settle (labels keep moving)', { source, line: 1, column: 1, token: '' });
    let changed = false;
    let addr = origin;
    let k = 0;
    for (const p of parsed) {
      for (const l of p.labels) {
        const full = qualify(l.text, scopes[p.line - 1]);
        if (addresses.get(full) !== addr) { addresses.set(full, addr); changed = true; }
      }
      addresses.set(`$line${p.line}`, addr);
      if (k < items.length && items[k].parsed === p) {
        const it = items[k++];
        it.address = addr;
        it.repeat = 1;
        const body = it.stmt.kind === 'times' ? it.stmt.body : it.stmt;
        if (it.stmt.kind === 'times') {
          const n = here(it)(it.stmt.count);
          if (n < 0n || n > BigInt(MAX_TIMES)) throw new AsmError('ASM_VALUE_RANGE', `'times' count ${n} is outside 0..${MAX_TIMES}`, loc(p.line)(it.stmt.token));
          it.repeat = Number(n);
        }
        let unit: number;
        if (body.kind === 'instr') unit = chosen(it).length;
        else if (body.kind === 'data') unit = dataSize(body);
        else {
          const n = here(it)(body.boundary);
          if (n <= 0n || (n & (n - 1n)) !== 0n || n > 1n << 30n) throw new AsmError('ASM_VALUE_RANGE', `alignment must be a power of two, not ${n}`, loc(p.line)(body.token));
          unit = Number((n - ((addr - origin) % n)) % n);
        }
        it.size = unit * it.repeat;
        addr += BigInt(it.size);
      }
    }
    for (const it of items) {
      if (it.plan?.kind !== 'branch' || it.near || !it.plan.near) continue;
      const target = here(it)(it.plan.target);
      const disp = target - (it.address + BigInt(it.plan.short!.length));
      if (it.repeat > 0 && (disp < -128n || disp > 127n)) { it.near = true; changed = true; }
    }
    if (!changed) break;
  }

  // Pass 4: emit through iced's BlockEncoder (branch forms already chosen, so it must not re-fix them).
  const block = new BlockEncoder(bitness, BlockEncoderOptions.DontFixBranches);
  const check = new Encoder(bitness);
  const lines: AssembledProgram['lines'] = [];
  let total = 0;
  try {
    for (const it of items) {
      const body = it.stmt.kind === 'times' ? it.stmt.body : it.stmt;
      const at = loc(it.parsed.line);
      for (let r = 0; r < it.repeat; r++) {
        if (body.kind === 'instr') {
          const c = chosen(it);
          const ip = it.address + BigInt(r * c.length);
          emitInstruction(it, body, c, ip, at);
        } else if (body.kind === 'data') {
          emitBytes(dataBytes(body, it, at));
        } else {
          const fill = body.fill ? here(it)(body.fill) : 0x90n;
          if (fill < -128n || fill > 255n) throw new AsmError('ASM_VALUE_RANGE', 'align fill must be a byte', at(body.token));
          emitBytes(new Uint8Array(it.size).fill(Number(fill & 0xffn)));
        }
      }
      lines.push({ line: it.parsed.line, offset: Number(it.address - origin), length: it.size, text: it.parsed.text });
      total += it.size;
    }
    const bytes = total === 0 ? new Uint8Array(0) : block.encode(origin);
    if (bytes.length !== total) throw new Error(`internal: BlockEncoder produced ${bytes.length} bytes, layout expected ${total}`);
    const labels = new Map<string, bigint>();
    for (const name of labelDefs.keys()) labels.set(name, addresses.get(name)!);
    return { bytes, origin, labels, lines };
  } finally {
    block.free();
    check.free();
  }

  function chosen(it: Item): Encodable {
    const plan = it.plan!;
    if (plan.kind === 'fixed') return plan.choice;
    return it.near ? plan.near! : plan.short ?? plan.near!;
  }

  function emitBytes(data: Uint8Array): void {
    for (let o = 0; o < data.length; o += 16) {
      const ins = Instruction.createDeclareByte(data.subarray(o, Math.min(o + 16, data.length)));
      block.add(ins);
      ins.free();
    }
  }

  function emitInstruction(it: Item, body: InstructionStmt, c: Encodable, ip: bigint, at: (t: Token | undefined) => AsmLocation): void {
    const value = (e: Expr): bigint => evalWith(e, it.scope, it.parsed.line, ip) ?? 0n;
    const vals: BuildValues = { value, dependsOnLabels: (e) => evalWith(e, it.scope, it.parsed.line, undefined) === undefined };
    // Range checks for values only known now.
    c.match.bindings.forEach((b: Binding, i) => {
      const tok = body.operands.filter((o) => o.kind !== 'farkw')[i]?.token ?? body.mnemonicToken;
      if (b.t === 'imm' && b.expr) {
        const v = value(b.expr);
        if (!inRanges(v, immRanges(b.kind) ?? [])) throw new AsmError('ASM_VALUE_RANGE', `value ${fmt(v)} does not fit the ${b.bits}-bit immediate of '${body.mnemonic}'`, at(tok));
      }
      if (b.t === 'branch') {
        const disp = value(b.expr) - (ip + BigInt(c.length));
        const lim = b.short ? 128n : b.opKind === OpKind.NearBranch16 ? 1n << 15n : 1n << 31n;
        if (disp < -lim || disp >= lim) throw new AsmError('ASM_VALUE_RANGE', `branch target ${fmt(value(b.expr))} is out of range for a ${b.short ? 'short' : 'near'} '${body.mnemonic}'`, at(b.expr.token));
      }
      if (b.t === 'mem' && b.op.disp) {
        const v = value(b.op.disp);
        if (isRipRelative(b.op, bitness, vals)) {
          const rel = ripTargetIsAbsolute(b.op, vals) ? v - (ip + BigInt(c.length)) : v;
          if (rel < -(1n << 31n) || rel >= 1n << 31n) throw new AsmError('ASM_VALUE_RANGE', `RIP-relative target is more than 2 GiB away`, at(b.op.token));
        } else {
          if (!dispFits(v, b.addrSize)) throw new AsmError('ASM_VALUE_RANGE', `displacement ${fmt(v)} does not fit ${b.addrSize === 2 ? 16 : 32} bits`, at(b.op.token));
        }
      }
    });
    const ins = buildInstruction(c.match, bitness, ip, c.length, vals, it.plan!.prefixes);
    try {
      let n: number;
      try {
        n = check.encode(ins, ip);
      } finally {
        check.takeBuffer();
      }
      if (n !== c.length) throw new Error(`internal: '${it.parsed.text.trim()}' encodes to ${n} bytes, layout expected ${c.length}`);
      block.add(ins);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('internal:')) throw err;
      throw new AsmError('ASM_BAD_OPERAND', `cannot encode '${body.mnemonic}': ${err instanceof Error ? err.message : String(err)}`, at(body.mnemonicToken), { cause: err });
    } finally {
      ins.free();
    }
  }

  function dataBytes(d: DataStmt, it: Item, at: (t: Token | undefined) => AsmLocation): Uint8Array {
    const out: number[] = [];
    for (const item of d.items) {
      if (item.kind === 'bytes') { out.push(...item.bytes); continue; }
      const v = here(it)(item.expr);
      const [lo, hi] = DATA_RANGES[d.width];
      if (v < lo || v > hi) throw new AsmError('ASM_VALUE_RANGE', `value ${fmt(v)} does not fit in ${d.width * 8} bits`, at(item.expr.token));
      let u = v & ((1n << BigInt(d.width * 8)) - 1n);
      for (let b = 0; b < d.width; b++) { out.push(Number(u & 0xffn)); u >>= 8n; }
    }
    return new Uint8Array(out);
  }
}

function dataSize(d: DataStmt): number {
  return d.items.reduce((n, i) => n + (i.kind === 'bytes' ? i.bytes.length : d.width), 0);
}

function fmt(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** Every expression in a statement (to check that each symbol is defined). */
function expressionsOf(st: Statement | undefined): Expr[] {
  if (!st) return [];
  switch (st.kind) {
    case 'equ': return [st.value];
    case 'align': return st.fill ? [st.boundary, st.fill] : [st.boundary];
    case 'times': return [st.count, ...expressionsOf(st.body)];
    case 'data': return st.items.flatMap((i) => (i.kind === 'expr' ? [i.expr] : []));
    case 'instr': return st.operands.flatMap((o) => {
      switch (o.kind) {
        case 'imm': return [o.expr];
        case 'mem': return o.disp ? [o.disp] : [];
        case 'farptr': return [o.selector, o.offset];
        default: return [];
      }
    });
  }
}
