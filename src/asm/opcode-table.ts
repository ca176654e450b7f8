import { Code, CodeExt, EncodingKind, Formatter, FormatterSyntax, Instruction, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind as K, OpKind, Register } from 'iced-x86';

/** One encodable form of an instruction, read from iced's OpCodeInfo (no hand-written opcode table). */
export interface InstructionForm {
  readonly code: Code;
  /** iced mnemonic name, lower case (e.g. `retf`, `cmovne`). */
  readonly mnemonic: string;
  readonly kinds: readonly K[];
  /** Bytes of the memory operand (0 when unknown/irrelevant, e.g. `lea`, `invlpg`). */
  readonly memSize: number;
  /** Another size keyword iced writes for this memory operand (`fword` for the 10-byte m16&64 of lgdt/sgdt), else 0. */
  readonly memAltSize: number;
  /** Memory operand is a far pointer (m16:16, m16:32, m16:64). */
  readonly farMemory: boolean;
  readonly operandSize: number;
  readonly addressSize: number;
  readonly mode16: boolean;
  readonly mode32: boolean;
  readonly mode64: boolean;
  readonly defaultOpSize64: boolean;
  readonly canLock: boolean;
  readonly canRep: boolean;
  readonly canRepne: boolean;
  readonly isStringOp: boolean;
  readonly isStack: boolean;
  /** The Intel formatter writes this form's r32/r64 register operand by its 16-bit name (`ltr ax`, `mov ds,ax`). */
  readonly narrowRegName: boolean;
}

/** A name → form link; `requiresFar` when the name only means this form with the `far` keyword (`ret far`). */
export interface FormEntry { readonly form: InstructionForm; readonly requiresFar: boolean }

/** Operand kinds the assembler can express (legacy integer and system instructions). */
const SUPPORTED_KINDS: ReadonlySet<K> = new Set([
  K.farbr2_2, K.farbr4_2, K.mem,
  K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r64_or_mem,
  K.r8_reg, K.r8_opcode, K.r16_reg, K.r16_reg_mem, K.r16_rm, K.r16_opcode,
  K.r32_reg, K.r32_reg_mem, K.r32_rm, K.r32_opcode, K.r64_reg, K.r64_reg_mem, K.r64_rm, K.r64_opcode,
  K.seg_reg, K.cr_reg, K.dr_reg, K.es, K.cs, K.ss, K.ds, K.fs, K.gs, K.al, K.cl, K.ax, K.dx, K.eax, K.rax,
  K.imm8, K.imm8_const_1, K.imm8sex16, K.imm8sex32, K.imm8sex64, K.imm16, K.imm32, K.imm32sex64, K.imm64,
  K.seg_rSI, K.es_rDI, K.seg_rBX_al, K.br16_1, K.br32_1, K.br64_1, K.br16_2, K.br32_4, K.br64_4,
]);
export const STRING_KINDS: ReadonlySet<K> = new Set([K.seg_rSI, K.es_rDI, K.seg_rBX_al]);
const FAR_MEMORY: ReadonlySet<MemorySize> = new Set([MemorySize.SegPtr16, MemorySize.SegPtr32, MemorySize.SegPtr64]);

export interface OpcodeTable {
  /** Forms by lower-case name, in iced Code order. */
  readonly byName: ReadonlyMap<string, readonly FormEntry[]>;
}

function build(): OpcodeTable {
  const byName = new Map<string, FormEntry[]>();
  const formatter = new Formatter(FormatterSyntax.Intel);
  const codeCount = Object.keys(Code).filter((k) => !Number.isNaN(Number(k))).length;
  try {
    for (let code = 1; code < codeCount; code++) {
      const oc = CodeExt.opCode(code);
      try {
        if (oc.encoding !== EncodingKind.Legacy || !oc.isInstruction || oc.decoderOption !== 0) continue;
        if (oc.mnemonic === Mnemonic.Sal) continue; // the undocumented /6 alias; `sal` means `shl` (Intel SDM)
        const kinds: K[] = [];
        for (let i = 0; i < oc.opCount; i++) kinds.push(oc.opKind(i));
        if (!kinds.every((k) => SUPPORTED_KINDS.has(k))) continue;
        const mnemonic = Mnemonic[oc.mnemonic].toLowerCase();
        const memSize = MemorySizeExt.size(oc.memorySize);
        const form: InstructionForm = Object.freeze({
          code, mnemonic, kinds: Object.freeze(kinds), memSize, memAltSize: oc.memorySize === MemorySize.Fword10 ? 6 : 0, farMemory: FAR_MEMORY.has(oc.memorySize),
          operandSize: oc.operandSize, addressSize: oc.addressSize, mode16: oc.mode16, mode32: oc.mode32, mode64: oc.mode64,
          defaultOpSize64: oc.defaultOpSize64 || oc.forceOpSize64, canLock: oc.canUseLockPrefix, canRep: oc.canUseRepPrefix,
          canRepne: oc.canUseRepnePrefix, isStringOp: kinds.some((k) => STRING_KINDS.has(k)), isStack: oc.isStackInstruction,
          narrowRegName: memSize === 2 && writesNarrowName(formatter, code, kinds),
        });
        const add = (name: string, requiresFar: boolean): void => {
          const list = byName.get(name) ?? [];
          if (!list.some((e) => e.form.code === code)) list.push({ form, requiresFar });
          byName.set(name, list);
        };
        add(mnemonic, false);
        // The Intel formatter's spelling (`xlat`, `fwait`, `ret far`) is accepted too, so disassembly reassembles.
        const instr = Instruction.create(code);
        const shown = formatter.formatMnemonic(instr).replace(/^(?:data16|data32|data64) /, '');
        instr.free();
        const far = / far$/.test(shown);
        const word = shown.replace(/ far$/, '');
        if (word !== mnemonic && /^[a-z0-9]+$/.test(word)) add(word, far);
      } finally {
        oc.free();
      }
    }
  } finally {
    formatter.free();
  }
  for (const [k, v] of byName) byName.set(k, Object.freeze(v) as FormEntry[]);
  return { byName };
}

const WIDE_GPR_KINDS: ReadonlySet<K> = new Set([K.r32_or_mem, K.r64_or_mem, K.r32_reg, K.r32_rm, K.r32_reg_mem, K.r64_reg, K.r64_rm, K.r64_reg_mem]);

function writesNarrowName(formatter: Formatter, code: Code, kinds: readonly K[]): boolean {
  const i = kinds.findIndex((k) => WIDE_GPR_KINDS.has(k));
  if (i < 0) return false;
  const ins = Instruction.create(code);
  try {
    kinds.forEach((k, j) => { if (k === kinds[i] || k === K.seg_reg) { ins.setOpKind(j, OpKind.Register); ins.setOpRegister(j, k === K.seg_reg ? Register.DS : Register.EAX); } });
    return formatter.formatOperand(ins, formatter.getFormatterOperand(ins, i) ?? i) === 'ax';
  } catch {
    return false;
  } finally {
    ins.free();
  }
}

/** Every distinct form in the index (for tests and tools). */
export function allForms(): InstructionForm[] {
  const seen = new Map<Code, InstructionForm>();
  for (const list of opcodeTable().byName.values()) for (const e of list) seen.set(e.form.code, e.form);
  return [...seen.values()].sort((a, b) => a.code - b.code);
}

let table: OpcodeTable | undefined;
/**
 * The form index, built on first use (~20 ms) from iced's own tables. It is immutable constant data
 * derived only from the iced-x86 package, so sharing it between machines is safe.
 */
export function opcodeTable(): OpcodeTable {
  table ??= build();
  return table;
}
