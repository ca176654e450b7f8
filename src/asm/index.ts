/**
 * src/asm — a small Intel-syntax assembler for fixtures and tests; every encoding comes from iced-x86.
 *
 * Syntax (one statement per line, `;` comments):
 * - labels `name:` (also before an instruction on the same line); `.local` labels belong to the last
 *   global label and are reported as `global.local`; `NAME equ expr` constants; `$` (this line), `$$` (origin).
 * - numbers `123`, `0x7f`, `7Fh` (must start with a digit), `0b101`, `'A'` character constants (up to 8,
 *   first character lowest); expressions with + - * / % << >> & | ^ ~ and parentheses.
 * - `db`/`dw`/`dd`/`dq` comma lists (db also takes quoted strings); `times N <instruction|data>`;
 *   `align N[, fill]` pads with 0x90 (NOP) unless a fill byte is given — code and data alike.
 * - registers: all GPRs (r8b–r15b, also r8l), spl/bpl/sil/dil, ah–bh, segment, cr0–cr15, dr0–dr15.
 * - memory `[base + index*scale + disp]`, size keywords `byte|word|dword|fword|qword|tword|tbyte [ptr]`,
 *   segment overrides `gs:[…]` or `[gs:…]`. In 64-bit mode `[label]`, `[rel x]` and `[rip + label]` are
 *   RIP-relative to that address; `[rip + n]` with a plain number is a raw displacement (as iced prints it);
 *   `[0x1000]` and `[abs label]` are absolute.
 * - prefixes `lock`, `rep`, `repe/repz`, `repne/repnz`, `o16/o32/o64` (= `data16/32/64`), `a16/a32/a64`.
 * - branches to labels or numbers; `short`/`near` force a form, otherwise the short form is used when it
 *   reaches (layout relaxes short → near). `loop*`/`jrcxz` out of reach is ASM_VALUE_RANGE.
 * - far: `retf`/`ret far` (CB), `retfq`/`o64 retf` (REX.W CB), `call/jmp far [m]` = m16:32, `far qword`
 *   or `tword` = m16:64 (REX.W FF /3, /5), `far fword` = m16:32, `far word`/`far dword` = m16:16 (iced
 *   prints m16:16 as `far dword`); direct `jmp sel:off` (or iced's `jmp far off,sel`) in 16/32-bit modes.
 * - Mnemonics follow iced's names (so disassembly reassembles): `sysret` is 0F 07 and `sysretq` REX.W 0F 07;
 *   `iret`/`pushf`/`popf` are the 16-bit forms (use `iretd`/`iretq`, `pushfq`); `sal` is `shl` (/4);
 *   condition-code aliases (`jz`, `setnc`, `cmovpe`, …) and `retfq`, `retn`, `loopz` are accepted.
 *
 * Encoding choice: every legacy-encoded iced Code is indexed by mnemonic (OpCodeInfo); the written
 * operands are matched against each form's operand kinds and the shortest encoding wins, with the
 * default operand size where the operands leave it open (push imm → 64-bit). Label-dependent immediates
 * and displacements take the widest form (`mov rax, label` → imm64). Output goes through BlockEncoder.
 */
export { assemble } from './assembler';
export type { AssembleOptions, AssembledProgram } from './assembler';
export { AsmError } from './asm-error';
export type { AsmErrorCode, AsmLocation } from './asm-error';
export { disassemble, disassembleOne } from './disassembler';
export type { DisassembledInstruction } from './disassembler';
