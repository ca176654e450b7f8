import { describe, it } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { AsmError } from '../../src/asm/asm-error';
import { assemble } from '../../src/asm/assembler';
import { isMmspecError } from '../../src/common/errors';

function fail(src: string, bitness: 16 | 32 | 64 = 64): AsmError {
  try {
    assemble(src, { source: 'test.asm', bitness });
  } catch (e) {
    expect(e).to.be.instanceOf(AsmError);
    return e as AsmError;
  }
  throw new Error(`expected '${src}' to fail`);
}

describe('assembler errors', () => {
  const cases: [string, string, number, number, string, RegExp][] = [
    // source, code, line, column, token, message
    ['  nop\n  mvo eax, 1', 'ASM_UNKNOWN_MNEMONIC', 2, 3, 'mvo', /^test\.asm:2:3: unknown mnemonic 'mvo' \(did you mean 'mov'\?\)$/],
    ['  pusj rax', 'ASM_UNKNOWN_MNEMONIC', 1, 3, 'pusj', /did you mean 'push'/],
    ['  mov eax, rbx', 'ASM_BAD_OPERAND', 1, 7, 'eax', /invalid operand combination for 'mov'/],
    ['  inc [rax]', 'ASM_BAD_OPERAND', 1, 7, '[', /operation size not specified/],
    ['  lock mov eax, ebx', 'ASM_BAD_OPERAND', 1, 3, 'lock', /'lock' is not valid/],
    ['  mov eax, [rax+rbx+rcx]', 'ASM_BAD_OPERAND', 1, 21, 'rcx', /too many registers/],
    ['  mov eax, [rax*3]', 'ASM_BAD_OPERAND', 1, 13, 'rax', /scale must be/],
    ['  jmp nowhere', 'ASM_UNDEFINED_LABEL', 1, 7, 'nowhere', /undefined symbol 'nowhere'/],
    ['  mov rax, [rel missing]', 'ASM_UNDEFINED_LABEL', 1, 17, 'missing', /undefined symbol 'missing'/],
    ['a: nop\na: nop', 'ASM_DUPLICATE_LABEL', 2, 1, 'a', /'a' is already defined on line 1/],
    ['X equ 1\nX: nop', 'ASM_DUPLICATE_LABEL', 2, 1, 'X', /already defined/],
    ['  mov al, 256', 'ASM_VALUE_RANGE', 1, 11, '256', /value out of range/],
    ['  add rax, 0x80000000', 'ASM_VALUE_RANGE', 1, 12, '0x80000000', /value out of range/],
    ['  db 300', 'ASM_VALUE_RANGE', 1, 6, '300', /does not fit in 8 bits/],
    ['  dw 0x10000', 'ASM_VALUE_RANGE', 1, 6, '0x10000', /does not fit in 16 bits/],
    ['  mov eax, [rbx + 0x100000000]', 'ASM_VALUE_RANGE', 1, 12, '[', /value out of range/],
    ['  align 3', 'ASM_VALUE_RANGE', 1, 3, 'align', /power of two/],
    ['  jmp short x\n  times 200 nop\nx: ret', 'ASM_VALUE_RANGE', 1, 13, 'x', /out of range for a short 'jmp'/],
    ['  mov eax, 12q', 'ASM_SYNTAX', 1, 12, '12q', /malformed number/],
    ['  mov eax, [rax', 'ASM_SYNTAX', 1, 16, '', /missing '\]'|expected/],
    ["  db 'abc", 'ASM_SYNTAX', 1, 6, "'abc", /unterminated string/],
    ['  mov eax, 1 2', 'ASM_SYNTAX', 1, 14, '2', /unexpected '2'/],
    ['  mov eax, #', 'ASM_SYNTAX', 1, 12, '#', /unexpected character/],
  ];
  for (const [src, code, line, column, token, message] of cases) {
    it(`${code}: ${JSON.stringify(src)}`, () => {
      const e = fail(src);
      expect(e.code).to.equal(code);
      expect(isMmspecError(e, code)).to.equal(true);
      expect({ line: e.line, column: e.column, token: e.token }).to.deep.equal({ line, column, token });
      expect(e.message).to.match(message);
      expect(e.message.startsWith(`test.asm:${line}:${column}: `)).to.equal(true);
    });
  }

  it('ASM_INVALID_MODE for instructions the mode lacks', () => {
    expect(fail('  pushad').code).to.equal('ASM_INVALID_MODE');
    expect(fail('  swapgs', 32).code).to.equal('ASM_INVALID_MODE');
    expect(fail('  jmp 0x08:0x1000').code).to.equal('ASM_INVALID_MODE');
  });

  it('uses <asm> as the file name by default', () => {
    expect(() => assemble('xyzzy')).to.throw(AsmError, /^<asm>:1:1: unknown mnemonic 'xyzzy'$/);
  });

  it('never throws anything but AsmError and never hangs on arbitrary text', () => {
    const alphabet = fc.constantFrom(...'mov eax,[rbx+4*rcx] ; 0x1fh db times align equ lock rep far qword ptr gs: $ \' " ( ) - ~ jmp l: . \n'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')), (src) => {
        try {
          assemble(src);
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
        }
      }),
      { numRuns: 1500, seed: 7 },
    );
  });
});
