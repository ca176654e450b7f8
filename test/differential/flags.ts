/**
 * RFLAGS status bits and the SDM "Flags Affected" rules the differential generator tracks.
 *
 * Every generated instruction is described by an effect: the flags it reads, the flags it writes with a
 * defined value, and the flags it leaves undefined. A block starts with all six status flags defined (the
 * harness loads them) and a flag stays undefined from the instruction that leaves it undefined until one
 * defines it again. Only flags defined at the end of the block are compared.
 */
export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const OF = 1 << 11;
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;

export const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [OF, 'OF'],
];

export function flagList(mask: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
  return names.length > 0 ? names.join(' ') : '(none)';
}

/** What one instruction does to the status flags. */
export interface FlagEffect {
  /** Flags the instruction reads (must be defined when it executes). */
  reads: number;
  /** Flags it writes with an architecturally defined value. */
  defined: number;
  /** Flags it writes with an undefined value. */
  undefined: number;
}

export const NO_FLAGS: FlagEffect = { reads: 0, defined: 0, undefined: 0 };

/** SDM ADD/ADC/SUB/SBB/CMP/NEG: OF, SF, ZF, AF, CF, PF set according to the result. */
export const ARITH: FlagEffect = { reads: 0, defined: STATUS_FLAGS, undefined: 0 };
/** SDM ADC/SBB additionally read CF. */
export const ARITH_WITH_CARRY: FlagEffect = { reads: CF, defined: STATUS_FLAGS, undefined: 0 };
/** SDM AND/OR/XOR/TEST: OF and CF cleared; SF, ZF, PF per result; AF undefined. */
export const LOGIC: FlagEffect = { reads: 0, defined: CF | OF | SF | ZF | PF, undefined: AF };
/** SDM INC/DEC: CF not affected; OF, SF, ZF, AF, PF per result. */
export const INC_DEC: FlagEffect = { reads: 0, defined: OF | SF | ZF | AF | PF, undefined: 0 };
/** SDM MUL/IMUL: OF and CF defined; SF, ZF, AF, PF undefined. */
export const MULTIPLY: FlagEffect = { reads: 0, defined: CF | OF, undefined: SF | ZF | AF | PF };
/** SDM BT/BTS/BTR/BTC: CF = selected bit; ZF unaffected; OF, SF, AF, PF undefined. */
export const BIT_TEST: FlagEffect = { reads: 0, defined: CF, undefined: OF | SF | AF | PF };
/** SDM BSF/BSR: ZF per source == 0; CF, OF, SF, AF, PF undefined. */
export const BIT_SCAN: FlagEffect = { reads: 0, defined: ZF, undefined: CF | OF | SF | AF | PF };

export type ShiftKind = 'shl' | 'shr' | 'sar' | 'rol' | 'ror' | 'rcl' | 'rcr' | 'shld' | 'shrd';

/** The count mask the CPU applies: 5 bits, or 6 bits for 64-bit operands (SDM SAL/SAR/SHL/SHR, RCL/…, SHLD). */
export function countMask(size: number): number {
  return size === 64 ? 0x3f : 0x1f;
}

/**
 * Flags of a shift or rotate given its masked count (already `count & countMask(size)`).
 * - SAL/SAR/SHL/SHR: masked count 0 → no flag affected. Otherwise CF = last bit shifted out (undefined for
 *   SHL/SHR when the count ≥ the operand size), OF defined only for a 1-bit shift, SF/ZF/PF per result,
 *   AF undefined.
 * - ROL/ROR/RCL/RCR: masked count 0 → no flag affected. Otherwise CF defined, OF defined only for a 1-bit
 *   rotate, SF/ZF/AF/PF unaffected. RCL/RCR read CF.
 * - SHLD/SHRD: masked count 0 → no flag affected. Otherwise CF = last bit shifted out, OF only for a 1-bit
 *   shift, SF/ZF/PF per result, AF undefined. A count greater than the operand size (16-bit only) leaves
 *   result and flags undefined; the generator never produces it (`shiftCountValid`).
 */
export function shiftEffect(kind: ShiftKind, size: number, masked: number): FlagEffect {
  const reads = kind === 'rcl' || kind === 'rcr' ? CF : 0;
  if (masked === 0) return { reads, defined: 0, undefined: 0 };
  const ofBit = masked === 1 ? { d: OF, u: 0 } : { d: 0, u: OF };
  switch (kind) {
    case 'rol': case 'ror': case 'rcl': case 'rcr':
      return { reads, defined: CF | ofBit.d, undefined: ofBit.u };
    case 'shl': case 'shr': {
      const cfUndefined = masked >= size;
      return {
        reads,
        defined: SF | ZF | PF | ofBit.d | (cfUndefined ? 0 : CF),
        undefined: AF | ofBit.u | (cfUndefined ? CF : 0),
      };
    }
    case 'sar': case 'shld': case 'shrd':
      return { reads, defined: CF | SF | ZF | PF | ofBit.d, undefined: AF | ofBit.u };
  }
}

/** SHLD/SHRD with a masked count above the operand size have an undefined result: never generate them. */
export function shiftCountValid(kind: ShiftKind, size: number, masked: number): boolean {
  return !((kind === 'shld' || kind === 'shrd') && masked > size);
}

/** Condition codes (tttn order) with the flags each one reads (SDM Jcc/CMOVcc/SETcc condition table). */
export const CONDITIONS: readonly (readonly [string, number])[] = [
  ['o', OF], ['no', OF], ['b', CF], ['ae', CF], ['e', ZF], ['ne', ZF], ['be', CF | ZF], ['a', CF | ZF],
  ['s', SF], ['ns', SF], ['p', PF], ['np', PF], ['l', SF | OF], ['ge', SF | OF], ['le', ZF | SF | OF], ['g', ZF | SF | OF],
];

/** Applies one instruction's effect to the mask of defined flags; `tainted` = it computed from undefined input. */
export function applyFlagEffect(definedMask: number, e: FlagEffect, tainted: boolean): number {
  const written = e.defined | e.undefined;
  return (definedMask & ~written) | (tainted ? 0 : e.defined);
}
