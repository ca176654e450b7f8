import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../src/asm/assembler';
import { disassemble, disassembleOne } from '../../src/asm/disassembler';
import { hexOf, icedText } from './helpers';

describe('assemble: labels, layout and directives', () => {
  it('resolves forward and backward labels, short when they reach', () => {
    const p = assemble(['top:', '  dec ecx', '  jnz top', '  jmp done', '  nop', 'done: ret'].join('\n'), { origin: 0x4000n });
    expect(hexOf(p.bytes)).to.equal('ffc9' + '75fc' + 'eb01' + '90' + 'c3');
    expect(p.labels.get('top')).to.equal(0x4000n);
    expect(p.labels.get('done')).to.equal(0x4007n);
    expect(icedText(p.bytes, 0x4000n)).to.deep.equal(['dec ecx', 'jne short 0000000000004000h', 'jmp short 0000000000004007h', 'nop', 'ret']);
  });

  it('relaxes a branch to the near form when the target is out of short range', () => {
    const p = assemble(['  je far_away', '  jmp far_away', '  times 130 nop', 'far_away: call far_away', '  jmp 0x1000'].join('\n'), { origin: 0x1000n });
    const text = icedText(p.bytes, 0x1000n).filter((t) => t !== 'nop');
    expect(text).to.deep.equal(['je 000000000000108Dh', 'jmp 000000000000108Dh', 'call 000000000000108Dh', 'jmp 0000000000001000h']);
    expect(hexOf(p.bytes.subarray(0, 6))).to.equal('0f8487000000');
  });

  it('keeps loop/jrcxz short and reports a target out of reach', () => {
    const p = assemble('l: loop l\n jrcxz l', { origin: 0n });
    expect(hexOf(p.bytes)).to.equal('e2fee3fc');
    expect(() => assemble('l: loop x\n times 200 nop\nx: ret')).to.throw().with.property('code', 'ASM_VALUE_RANGE');
  });

  it('labels on the same line as an instruction, local labels, equ constants and $', () => {
    const src = [
      'PORT equ 0xB2',
      'COUNT equ 2 * 2',
      'main: mov ecx, COUNT',
      '.again: out PORT, al',
      '  loop .again',
      'other:',
      '.again: jmp $',
    ].join('\n');
    const p = assemble(src, { origin: 0x100n });
    expect(icedText(p.bytes, 0x100n)).to.deep.equal(['mov ecx,4', 'out 0B2h,al', 'loop 0000000000000105h', 'jmp short 0000000000000109h']);
    expect([...p.labels.keys()]).to.deep.equal(['main', 'main.again', 'other', 'other.again']);
  });

  it('RIP-relative [label] and [rip + label] address the label; [rip + n] is a raw displacement', () => {
    const p = assemble(['mov rax, [value]', 'lea rcx, [rip + value]', 'mov edx, [rip + 8]', 'value: dq 0x1122334455667788'].join('\n'), { origin: 0x7000n });
    expect(icedText(p.bytes.subarray(0, 20), 0x7000n)).to.deep.equal(['mov rax,[7014h]', 'lea rcx,[7014h]', 'mov edx,[701Ch]']);
    expect(hexOf(p.bytes.subarray(20))).to.equal('8877665544332211');
  });

  it('an absolute numeric address stays absolute; [abs label] and [rel n] override', () => {
    const p = assemble(['mov eax, [0x1000]', 'mov eax, [abs x]', 'x: mov eax, [rel 0x2000]'].join('\n'), { origin: 0x100n });
    expect(icedText(p.bytes, 0x100n)).to.deep.equal(['mov eax,[1000h]', 'mov eax,[10Eh]', 'mov eax,[2000h]']);
    expect(hexOf(p.bytes.subarray(7, 14))).to.equal('8b04250e010000');
  });

  it('label-dependent immediates and displacements take the wide form', () => {
    const p = assemble(['mov rax, target', 'add rcx, target', 'mov ebx, [rsi + target]', 'target:'].join('\n'), { origin: 0x10n });
    expect(icedText(p.bytes, 0x10n)).to.deep.equal(['mov rax,27h', 'add rcx,27h', 'mov ebx,[rsi+27h]']);
    expect(p.bytes.length).to.equal(10 + 7 + 6);
  });

  it('data directives: db strings and lists, dw, dd, dq with labels, negative values', () => {
    const p = assemble(["start: db 'OK', 0, -1, 0x7f", 'dw 0x1234, -2', 'dd 0xdeadbeef', 'dq start, -1', "db 'x'+1"].join('\n'), { origin: 0x500n });
    expect(hexOf(p.bytes)).to.equal('4f4b00ff7f' + '3412feff' + 'efbeadde' + '0005000000000000ffffffffffffffff' + '79');
  });

  it('align pads with NOP (0x90) by default or with a given byte; times repeats', () => {
    const p = assemble(['ret', 'align 4', 'times 3 db 0xcc', 'align 8, 0', 'dd 1'].join('\n'));
    expect(hexOf(p.bytes)).to.equal('c3909090' + 'cccccc' + '00' + '01000000');
    expect(p.lines.map((l) => [l.line, l.offset, l.length])).to.deep.equal([[1, 0, 1], [2, 1, 3], [3, 4, 3], [4, 7, 1], [5, 8, 4]]);
  });

  it('far forms the emulator uses: retfq, far calls/jumps through m16:64 and m16:32, iretq, sysretq', () => {
    const p = assemble(['retfq', 'call far qword [rax]', 'jmp far tword [rbx+8]', 'call far [rcx]', 'iretq', 'sysretq', 'sysret', 'retf'].join('\n'));
    expect(hexOf(p.bytes)).to.equal('48cb' + '48ff18' + '48ff6b08' + 'ff19' + '48cf' + '480f07' + '0f07' + 'cb');
    expect(icedText(p.bytes, 0n)).to.deep.equal(['data64 ret far', 'call far tbyte ptr [rax]', 'jmp far tbyte ptr [rbx+8]', 'call far fword ptr [rcx]', 'iretq', 'sysretq', 'sysret', 'ret far']);
  });

  it('comments, blank lines and CRLF are fine; lines reports what each line emitted', () => {
    const p = assemble('; header\r\n\r\n  nop ; one\r\nlabel:   ; nothing\r\n  ret\r\n');
    expect(hexOf(p.bytes)).to.equal('90c3');
    expect(p.lines).to.deep.equal([{ line: 3, offset: 0, length: 1, text: '  nop ; one' }, { line: 5, offset: 1, length: 1, text: '  ret' }]);
  });

  it('an empty program is empty', () => {
    expect(assemble('').bytes.length).to.equal(0);
  });
});

describe('disassemble', () => {
  it('lists instructions with ip, length, hex bytes and Intel text', () => {
    const bytes = assemble('mov eax, 1\nsyscall\nret', { origin: 0x400000n }).bytes;
    expect(disassemble(bytes, 0x400000n)).to.deep.equal([
      { ip: 0x400000n, length: 5, bytes: 'b801000000', text: 'mov eax,1' },
      { ip: 0x400005n, length: 2, bytes: '0f05', text: 'syscall' },
      { ip: 0x400007n, length: 1, bytes: 'c3', text: 'ret' },
    ]);
  });
  it('marks bad or truncated bytes and still terminates', () => {
    const out = disassemble(new Uint8Array([0x0f, 0xff, 0xff, 0x48]), 0n);
    expect(out.length).to.be.greaterThan(0);
    expect(out.reduce((n, i) => n + i.length, 0)).to.equal(4);
    expect(out.map((i) => i.text)).to.include('(bad)');
  });
  it('disassembleOne decodes one instruction or returns undefined', () => {
    expect(disassembleOne(new Uint8Array([0x66, 0xed, 0x90]), 0n)).to.deep.equal({ length: 2, text: 'in ax,dx' });
    expect(disassembleOne(new Uint8Array([0x48]), 0n)).to.equal(undefined);
    expect(disassembleOne(new Uint8Array([0x0f, 0xa2]), 0n, 32)).to.deep.equal({ length: 2, text: 'cpuid' });
  });
});
