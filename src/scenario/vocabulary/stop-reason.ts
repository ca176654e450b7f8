import { listWords, unknownWord } from './unknown-word-error';

/**
 * Why the supervisor stopped the system (`the supervisor stops the system for a {string}`, DESIGN.md "Then"):
 * a policy violation — the fatal syscall path of supervisor-facts §3.8 (a denied gate, bad syscall arguments, an
 * unknown index) — or a CPU exception in MM, which is always fatal (§9.1), identified by its vector (the
 * telemetry's ExceptionType, §9.3).
 */
export type StopReason =
  | { kind: 'policy-violation'; phrase: 'policy violation' }
  | { kind: 'exception'; phrase: string; vector: number; mnemonic: string };

/** Phrase → architectural exception vector (Intel SDM vol. 3 table 6-1), with its mnemonic. */
const EXCEPTIONS: readonly { phrase: string; vector: number; mnemonic: string }[] = [
  { phrase: 'divide error', vector: 0, mnemonic: '#DE' },
  { phrase: 'debug exception', vector: 1, mnemonic: '#DB' },
  { phrase: 'breakpoint', vector: 3, mnemonic: '#BP' },
  { phrase: 'overflow', vector: 4, mnemonic: '#OF' },
  { phrase: 'bound range exceeded', vector: 5, mnemonic: '#BR' },
  { phrase: 'invalid opcode', vector: 6, mnemonic: '#UD' },
  { phrase: 'device not available', vector: 7, mnemonic: '#NM' },
  { phrase: 'double fault', vector: 8, mnemonic: '#DF' },
  { phrase: 'invalid TSS', vector: 10, mnemonic: '#TS' },
  { phrase: 'segment not present', vector: 11, mnemonic: '#NP' },
  { phrase: 'stack fault', vector: 12, mnemonic: '#SS' },
  { phrase: 'general protection fault', vector: 13, mnemonic: '#GP' },
  { phrase: 'page fault', vector: 14, mnemonic: '#PF' },
  { phrase: 'x87 floating-point error', vector: 16, mnemonic: '#MF' },
  { phrase: 'alignment check', vector: 17, mnemonic: '#AC' },
  { phrase: 'machine check', vector: 18, mnemonic: '#MC' },
  { phrase: 'SIMD floating-point exception', vector: 19, mnemonic: '#XM' },
  { phrase: 'control protection fault', vector: 21, mnemonic: '#CP' },
];

/** Every accepted phrase (mnemonics such as "#GP" are accepted too). */
export const STOP_REASON_PHRASES: readonly string[] = ['policy violation', ...EXCEPTIONS.map((e) => e.phrase)];

/**
 * "policy violation", an exception phrase ("general protection fault", "page fault", "invalid opcode", …) or its
 * mnemonic ("#GP") → the StopReason. Case and spelling are exact; anything else is an UnknownWordError.
 */
export function parseStopReason(text: string): StopReason {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === 'policy violation') return { kind: 'policy-violation', phrase: 'policy violation' };
  const e = EXCEPTIONS.find((x) => x.phrase === t || x.mnemonic === t);
  if (e !== undefined) return { kind: 'exception', phrase: e.phrase, vector: e.vector, mnemonic: e.mnemonic };
  throw unknownWord(t, 'stop reason', `${listWords(['policy violation', 'general protection fault', 'page fault', 'invalid opcode'])}, another CPU exception such as "stack fault", or its mnemonic ("#GP")`, STOP_REASON_PHRASES);
}
