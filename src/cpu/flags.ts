/**
 * RFLAGS bits and the lazy arithmetic-flag machinery. The six status flags (CF PF AF ZF SF OF) are kept
 * lazily: ALU operations record the operation kind, operand size, operands and result, and a flag is computed
 * only when something reads it (Jcc/SETcc/CMOVcc/ADC/PUSHF/interrupt/SMI save). Other RFLAGS bits are stored
 * directly. Technique: x86-smm-facts §5.5 (3).
 */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11;
export const IOPL_MASK = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bits software can change through POPF/IRET/SYSRET at CPL0 (others read as fixed values). */
export const RFLAGS_WRITABLE = STATUS_FLAGS | TF | IF | DF | IOPL_MASK | NT | RF | AC | VIF | VIP | ID;
/** Bit 1 always reads as 1. */
export const RFLAGS_FIXED1 = 1 << 1;

/** Operation kinds recorded for lazy evaluation. EAGER means `eager` holds the status flags. */
export const enum FlagOp {
  EAGER = 0,
  ADD = 1, // a + b + carryIn (ADD, ADC)
  SUB = 2, // a - b - carryIn (SUB, SBB, CMP, NEG with a = 0)
  LOGIC = 3, // result only; CF = OF = 0, AF = 0
  INC = 4, // a + 1, CF preserved in carryIn
  DEC = 5, // a - 1, CF preserved in carryIn
}

/** PF = 1 when the low byte of the result has an even number of set bits. */
export const PARITY: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let b = i, n = 0;
    while (b) { n += b & 1; b >>= 1; }
    t[i] = n % 2 === 0 ? 1 : 0;
  }
  return t;
})();

/** The lazy-flag record. Values are unsigned 32-bit halves; for sizes < 8 the high halves are 0. */
export class LazyFlags {
  op: FlagOp = FlagOp.EAGER;
  size = 4;
  aLo = 0; aHi = 0;
  bLo = 0; bHi = 0;
  rLo = 0; rHi = 0;
  /** Carry-in for ADD/SUB; preserved CF for INC/DEC. */
  cin = 0;
  /** Status flags when op = EAGER. */
  eager = 0;

  set(op: FlagOp, size: number, aLo: number, aHi: number, bLo: number, bHi: number, rLo: number, rHi: number, cin: number): void {
    this.op = op; this.size = size;
    this.aLo = aLo; this.aHi = aHi; this.bLo = bLo; this.bHi = bHi; this.rLo = rLo; this.rHi = rHi; this.cin = cin;
  }

  /** Records a logic result (AND/OR/XOR/TEST): CF = OF = AF = 0. */
  logic(size: number, rLo: number, rHi: number): void {
    this.op = FlagOp.LOGIC; this.size = size; this.rLo = rLo; this.rHi = rHi;
  }

  setEager(bits: number): void {
    this.op = FlagOp.EAGER;
    this.eager = bits & STATUS_FLAGS;
  }

  private signBit(lo: number, hi: number): number {
    return this.size === 8 ? hi >>> 31 : (lo >>> (this.size * 8 - 1)) & 1;
  }

  cf(): number {
    switch (this.op) {
      case FlagOp.EAGER: return this.eager & CF;
      case FlagOp.ADD: {
        // carry out of a + b + cin  ⇔  r < a, or r == a with cin (unsigned compare of the sized values)
        const lt = this.rHi !== this.aHi ? this.rHi < this.aHi : this.rLo < this.aLo;
        const eq = this.rHi === this.aHi && this.rLo === this.aLo;
        return lt || (this.cin !== 0 && eq) ? 1 : 0;
      }
      case FlagOp.SUB: {
        // borrow of a - b - cin  ⇔  a < b, or a == b with cin
        const lt = this.aHi !== this.bHi ? this.aHi < this.bHi : this.aLo < this.bLo;
        const eq = this.aHi === this.bHi && this.aLo === this.bLo;
        return lt || (this.cin !== 0 && eq) ? 1 : 0;
      }
      case FlagOp.LOGIC: return 0;
      default: return this.cin; // INC/DEC preserve CF
    }
  }
  zf(): number {
    if (this.op === FlagOp.EAGER) return (this.eager & ZF) ? 1 : 0;
    return (this.rLo | this.rHi) === 0 ? 1 : 0;
  }
  sf(): number {
    if (this.op === FlagOp.EAGER) return (this.eager & SF) ? 1 : 0;
    return this.signBit(this.rLo, this.rHi);
  }
  pf(): number {
    if (this.op === FlagOp.EAGER) return (this.eager & PF) ? 1 : 0;
    return PARITY[this.rLo & 0xff];
  }
  af(): number {
    switch (this.op) {
      case FlagOp.EAGER: return (this.eager & AF) ? 1 : 0;
      case FlagOp.LOGIC: return 0;
      default: return ((this.aLo ^ this.bLo ^ this.rLo) >>> 4) & 1;
    }
  }
  of(): number {
    switch (this.op) {
      case FlagOp.EAGER: return (this.eager & OF) ? 1 : 0;
      case FlagOp.ADD:
      case FlagOp.INC: {
        const sa = this.signBit(this.aLo, this.aHi), sb = this.signBit(this.bLo, this.bHi), sr = this.signBit(this.rLo, this.rHi);
        return sa === sb && sr !== sa ? 1 : 0;
      }
      case FlagOp.SUB:
      case FlagOp.DEC: {
        const sa = this.signBit(this.aLo, this.aHi), sb = this.signBit(this.bLo, this.bHi), sr = this.signBit(this.rLo, this.rHi);
        return sa !== sb && sr !== sa ? 1 : 0;
      }
      default: return 0;
    }
  }

  /** All six status flags as RFLAGS bits. */
  status(): number {
    if (this.op === FlagOp.EAGER) return this.eager;
    return this.cf() | (this.pf() << 2) | (this.af() << 4) | (this.zf() << 6) | (this.sf() << 7) | (this.of() << 11);
  }

  /**
   * Condition code test, cc = the low nibble of Jcc/SETcc/CMOVcc opcodes: O NO B AE E NE BE A S NS P NP L GE LE G.
   */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.of() === 1; break;
      case 1: r = this.cf() === 1; break;
      case 2: r = this.zf() === 1; break;
      case 3: r = this.cf() === 1 || this.zf() === 1; break;
      case 4: r = this.sf() === 1; break;
      case 5: r = this.pf() === 1; break;
      case 6: r = this.sf() !== this.of(); break;
      default: r = this.zf() === 1 || this.sf() !== this.of(); break;
    }
    return (cc & 1) === 0 ? r : !r;
  }
}
