import { Register } from 'iced-x86';

/** Register families the assembler understands. */
export type RegClass = 'gpr8' | 'gpr16' | 'gpr32' | 'gpr64' | 'seg' | 'cr' | 'dr' | 'ip';

export interface RegInfo {
  readonly name: string;
  readonly reg: Register;
  readonly cls: RegClass;
  /** Width in bytes. */
  readonly size: number;
}

const LEGACY8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh', 'spl', 'bpl', 'sil', 'dil'];
const LEGACY16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];

function buildRegisterTable(): ReadonlyMap<string, RegInfo> {
  const m = new Map<string, RegInfo>();
  const add = (name: string, icedName: string, cls: RegClass, size: number): void => {
    const reg = (Register as unknown as Record<string, number>)[icedName];
    if (typeof reg !== 'number') throw new Error(`iced-x86 has no register ${icedName}`);
    m.set(name, { name, reg, cls, size });
  };
  for (const r of LEGACY8) add(r, r.toUpperCase(), 'gpr8', 1);
  for (const r of LEGACY16) {
    add(r, r.toUpperCase(), 'gpr16', 2);
    add('e' + r, 'E' + r.toUpperCase(), 'gpr32', 4);
    add('r' + r, 'R' + r.toUpperCase(), 'gpr64', 8);
  }
  for (let n = 8; n <= 15; n++) {
    // iced names the low byte R8L..R15L; NASM/Intel write r8b (r8l is accepted too).
    add(`r${n}b`, `R${n}L`, 'gpr8', 1);
    add(`r${n}l`, `R${n}L`, 'gpr8', 1);
    add(`r${n}w`, `R${n}W`, 'gpr16', 2);
    add(`r${n}d`, `R${n}D`, 'gpr32', 4);
    add(`r${n}`, `R${n}`, 'gpr64', 8);
  }
  for (const s of ['es', 'cs', 'ss', 'ds', 'fs', 'gs']) add(s, s.toUpperCase(), 'seg', 2);
  for (let n = 0; n <= 15; n++) add(`cr${n}`, `CR${n}`, 'cr', 8);
  for (let n = 0; n <= 15; n++) add(`dr${n}`, `DR${n}`, 'dr', 8);
  add('rip', 'RIP', 'ip', 8);
  add('eip', 'EIP', 'ip', 4);
  return m;
}

/** Immutable lookup table built once at module load (pure data, shared safely between machines). */
const REGISTERS: ReadonlyMap<string, RegInfo> = buildRegisterTable();
const BY_REG: ReadonlyMap<Register, RegInfo> = new Map([...REGISTERS.values()].filter((r) => !/^r\d+l$/.test(r.name)).map((r) => [r.reg, r]));

/** Looks a register up by its (case-insensitive) name. */
export function registerByName(name: string): RegInfo | undefined {
  return REGISTERS.get(name.toLowerCase());
}

/** Looks a register up by its iced value. */
export function registerInfo(reg: Register): RegInfo | undefined {
  return BY_REG.get(reg);
}

/** The same general-purpose register at another width (e.g. ax → eax), or undefined. */
export function resize(reg: RegInfo, size: number): RegInfo | undefined {
  const cls: RegClass | undefined = size === 1 ? 'gpr8' : size === 2 ? 'gpr16' : size === 4 ? 'gpr32' : size === 8 ? 'gpr64' : undefined;
  if (!cls || !reg.cls.startsWith('gpr')) return undefined;
  const number = GPR_ORDER[reg.cls]?.indexOf(reg.name);
  if (number === undefined || number < 0) return undefined;
  return registerByName(GPR_ORDER[cls][number]);
}

const GPR_ORDER: Record<string, string[]> = {
  gpr16: [...LEGACY16, ...[8, 9, 10, 11, 12, 13, 14, 15].map((n) => `r${n}w`)],
  gpr32: [...LEGACY16.map((r) => 'e' + r), ...[8, 9, 10, 11, 12, 13, 14, 15].map((n) => `r${n}d`)],
  gpr64: [...LEGACY16.map((r) => 'r' + r), ...[8, 9, 10, 11, 12, 13, 14, 15].map((n) => `r${n}`)],
};
