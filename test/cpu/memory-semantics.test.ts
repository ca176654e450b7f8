// Semantic spot checks that involve memory (the differential test covers register-only code): stack
// instructions, string instructions with DF and RCX, CMPXCHG/XADD, BT* bit strings with negative offsets, and
// self-modifying code (the per-page decode cache must be dropped when code bytes are written).
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { Cpu } from '../../src/cpu/cpu';
import { L, PagedMachine, asm, runFlat } from './fixtures';

const D = 0x500000; // data area in the flat machine
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const q = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
};
const reg = (cpu: Cpu, n: number): bigint => cpu.getReg64(n);
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RSI = 6, RDI = 7;
const CF = 1, ZF = 0x40;

describe('cpu semantics: push/pop/call/ret with memory', () => {
  it('push qword [mem] / pop qword [mem] move memory through the stack', () => {
    const r = runFlat('push qword [rbx]\npop qword [rbx+8]', { regs: { rbx: BigInt(D) }, memory: [[D, q(0x1122334455667788n)]] });
    expect(r.memory.readU64(D + 8)).to.equal(0x1122334455667788n);
    expect(r.memory.readU64(0x800000 - 8)).to.equal(0x1122334455667788n);
    expect(reg(r.cpu, RSP)).to.equal(0x800000n);
  });

  it('push rsp pushes the old RSP; pop rsp loads the popped value', () => {
    const r = runFlat('push rsp\nmov rax, [rsp]\npop rsp', {});
    expect(reg(r.cpu, RAX)).to.equal(0x800000n);
    expect(reg(r.cpu, RSP)).to.equal(0x800000n);
  });

  it('pop qword [rsp] computes the address after RSP is incremented (SDM POP)', () => {
    const r = runFlat('push 0x55\npush 0x66\npop qword [rsp]', {});
    // 0x66 popped, RSP = top - 8, then written to [new RSP] (over the 0x55)
    expect(reg(r.cpu, RSP)).to.equal(0x800000n - 8n);
    expect(r.memory.readU64(0x800000 - 8)).to.equal(0x66n);
  });

  it('push qword [rsp+8] reads before RSP is decremented', () => {
    const r = runFlat('push 0x11\npush 0x22\npush qword [rsp+8]\npop rax', {});
    expect(reg(r.cpu, RAX)).to.equal(0x11n);
  });

  it('push imm32 is sign-extended to 64 bits; push word imm16 moves RSP by 2', () => {
    // 66 68 34 12 = push word 0x1234 (raw bytes: the assembler currently emits push qword for `push word imm`)
    const r = runFlat('push -2\npop rax\ndb 0x66, 0x68, 0x34, 0x12\nmov rbx, rsp', {});
    expect(reg(r.cpu, RAX)).to.equal(0xfffffffffffffffen);
    expect(reg(r.cpu, RBX)).to.equal(0x800000n - 2n);
    expect(r.memory.read(0x800000 - 2, 2)).to.deep.equal(bytes(0x34, 0x12));
  });

  it('call [mem] pushes the return address and jumps to the stored target; ret imm16 pops extra bytes', () => {
    const { labels } = asm('push 0xaa\npush 0xbb\ncall qword [rbx]\nback: jmp done\nfunc: mov rax, [rsp]\nret 16\ndone: nop', 0x400000);
    const r2 = runFlat('push 0xaa\npush 0xbb\ncall qword [rbx]\nback: jmp done\nfunc: mov rax, [rsp]\nret 16\ndone: nop', {
      regs: { rbx: BigInt(D) }, memory: [[D, q(labels.get('func')!)]],
    });
    expect(reg(r2.cpu, RAX)).to.equal(labels.get('back'));
    expect(reg(r2.cpu, RSP)).to.equal(0x800000n); // 2 pushes + call, ret pops 8 + 16
  });

  it('call rel / nested calls / ret leave RSP balanced and the return addresses on the stack', () => {
    const r = runFlat('call f1\njmp end\nf1: call f2\nret\nf2: mov rax, rsp\nmov rbx, [rsp]\nmov rcx, [rsp+8]\nret\nend: nop', {});
    const { labels } = asm('call f1\njmp end\nf1: call f2\nret\nf2: mov rax, rsp\nmov rbx, [rsp]\nmov rcx, [rsp+8]\nret\nend: nop', 0x400000);
    expect(reg(r.cpu, RAX)).to.equal(0x800000n - 16n);
    expect(reg(r.cpu, RBX)).to.equal(labels.get('f1')! + 5n);
    expect(reg(r.cpu, RCX)).to.equal(0x400005n);
    expect(reg(r.cpu, RSP)).to.equal(0x800000n);
  });
});

describe('cpu semantics: string instructions with DF and RCX', () => {
  const src = bytes(0x41, 0x42, 0x43, 0x44, 0x45);

  it('rep movsb DF=0 copies forward; RSI/RDI advance by RCX, RCX = 0', () => {
    const r = runFlat('rep movsb', { regs: { rsi: BigInt(D), rdi: BigInt(D + 0x100), rcx: 5n }, memory: [[D, src]] });
    expect(r.memory.read(D + 0x100, 6)).to.deep.equal(bytes(0x41, 0x42, 0x43, 0x44, 0x45, 0));
    expect([reg(r.cpu, RSI), reg(r.cpu, RDI), reg(r.cpu, RCX)]).to.deep.equal([BigInt(D + 5), BigInt(D + 0x105), 0n]);
  });

  it('rep movsb DF=1 copies backward from the given addresses', () => {
    const r = runFlat('std\nrep movsb\ncld', { regs: { rsi: BigInt(D + 4), rdi: BigInt(D + 0x104), rcx: 5n }, memory: [[D, src]] });
    expect(r.memory.read(D + 0xff, 6)).to.deep.equal(bytes(0, 0x41, 0x42, 0x43, 0x44, 0x45));
    expect([reg(r.cpu, RSI), reg(r.cpu, RDI), reg(r.cpu, RCX)]).to.deep.equal([BigInt(D - 1), BigInt(D + 0xff), 0n]);
  });

  it('overlapping forward rep movsb (dst = src + 1) replicates the first byte, element by element', () => {
    const r = runFlat('rep movsb', { regs: { rsi: BigInt(D), rdi: BigInt(D + 1), rcx: 4n }, memory: [[D, src]] });
    expect(r.memory.read(D, 5)).to.deep.equal(bytes(0x41, 0x41, 0x41, 0x41, 0x41));
  });

  it('rep stosq DF=0 and DF=1; RCX = 0 stores nothing and changes no register', () => {
    let r = runFlat('rep stosq', { regs: { rax: 0x0102030405060708n, rdi: BigInt(D), rcx: 3n } });
    expect([r.memory.readU64(D), r.memory.readU64(D + 16), r.memory.readU64(D + 24)]).to.deep.equal([0x0102030405060708n, 0x0102030405060708n, 0n]);
    expect(reg(r.cpu, RDI)).to.equal(BigInt(D + 24));
    r = runFlat('std\nrep stosq', { regs: { rax: 0x77n, rdi: BigInt(D + 16), rcx: 2n } });
    expect([r.memory.readU64(D), r.memory.readU64(D + 8), r.memory.readU64(D + 16)]).to.deep.equal([0n, 0x77n, 0x77n]);
    expect(reg(r.cpu, RDI)).to.equal(BigInt(D));
    r = runFlat('rep stosq', { regs: { rax: 0x77n, rdi: BigInt(D), rcx: 0n } });
    expect(r.memory.readU64(D)).to.equal(0n);
    expect([reg(r.cpu, RDI), reg(r.cpu, RCX)]).to.deep.equal([BigInt(D), 0n]);
  });

  it('a long rep movsq (10,000 elements) completes with exact registers across REP chunks', () => {
    const r = runFlat('rep movsq', { regs: { rsi: BigInt(D), rdi: BigInt(D + 0x100000), rcx: 10_000n }, memory: [[D + 8 * 9999, q(0xabcdefn)]] });
    expect(r.memory.readU64(D + 0x100000 + 8 * 9999)).to.equal(0xabcdefn);
    expect([reg(r.cpu, RSI), reg(r.cpu, RDI), reg(r.cpu, RCX)]).to.deep.equal([BigInt(D + 80_000), BigInt(D + 0x100000 + 80_000), 0n]);
  });

  it('repe cmpsb stops after the first difference with RCX counted down and ZF=0', () => {
    const r = runFlat('repe cmpsb\npushfq\npop rax', { regs: { rsi: BigInt(D), rdi: BigInt(D + 0x10), rcx: 8n }, memory: [[D, bytes(1, 2, 3, 4)], [D + 0x10, bytes(1, 2, 9, 4)]] });
    expect([reg(r.cpu, RCX), reg(r.cpu, RSI), reg(r.cpu, RDI)]).to.deep.equal([5n, BigInt(D + 3), BigInt(D + 0x13)]);
    expect(Number(reg(r.cpu, RAX)) & (ZF | CF)).to.equal(CF); // 3 - 9 borrows
  });

  it('repne scasb finds a byte: RDI after the match, RCX decremented per element', () => {
    const r = runFlat('repne scasb', { regs: { rax: 0x43n, rdi: BigInt(D), rcx: 100n }, memory: [[D, src]] });
    expect([reg(r.cpu, RDI), reg(r.cpu, RCX)]).to.deep.equal([BigInt(D + 3), 97n]);
  });

  it('lodsq with DF=1 loads and steps RSI back by 8', () => {
    const r = runFlat('std\nlodsq\ncld', { regs: { rsi: BigInt(D + 8) }, memory: [[D + 8, q(0x5566n)]] });
    expect([reg(r.cpu, RAX), reg(r.cpu, RSI)]).to.deep.equal([0x5566n, BigInt(D)]);
  });

  it('a rep movsb that faults half-way leaves RCX/RSI/RDI at the faulting element (restartable)', () => {
    const m = new PagedMachine();
    m.memory.fill(L.userData + 0xff0, 16, 0x5a);
    m.load(3, 'fault: rep movsb', { regs: { rsi: BigInt(L.userData + 0xff0), rdi: BigInt(L.userRo - 4), rcx: 16n } });
    const out = m.go();
    expect(out.kind).to.equal('exception');
    expect([m.reg('rcx'), m.reg('rsi'), m.reg('rdi')]).to.deep.equal([12n, BigInt(L.userData + 0xff4), BigInt(L.userRo)]);
    expect(m.memory.read(L.userRo - 4, 4)).to.deep.equal(bytes(0x5a, 0x5a, 0x5a, 0x5a));
  });
});

describe('cpu semantics: CMPXCHG and XADD on memory', () => {
  it('cmpxchg equal: ZF=1 and the destination receives the source', () => {
    const r = runFlat('lock cmpxchg [rbx], rcx\nsetz dl', { regs: { rbx: BigInt(D), rax: 5n, rcx: 9n }, memory: [[D, q(5n)]] });
    expect(r.memory.readU64(D)).to.equal(9n);
    expect([reg(r.cpu, RAX), reg(r.cpu, RDX) & 0xffn]).to.deep.equal([5n, 1n]);
  });
  it('cmpxchg not equal: ZF=0, RAX receives the destination, memory unchanged', () => {
    const r = runFlat('cmpxchg [rbx], rcx\nsetz dl', { regs: { rbx: BigInt(D), rax: 4n, rcx: 9n }, memory: [[D, q(0xffffffff00000005n)]] });
    expect(r.memory.readU64(D)).to.equal(0xffffffff00000005n);
    expect([reg(r.cpu, RAX), reg(r.cpu, RDX) & 0xffn]).to.deep.equal([0xffffffff00000005n, 0n]);
  });
  it('cmpxchg dword: compares EAX only; a mismatch zero-extends the loaded value into RAX', () => {
    const r = runFlat('cmpxchg [rbx], ecx', { regs: { rbx: BigInt(D), rax: 0xaaaaaaaa00000004n, rcx: 9n }, memory: [[D, q(0x1111111100000005n)]] });
    expect(reg(r.cpu, RAX)).to.equal(5n);
    expect(r.memory.readU64(D)).to.equal(0x1111111100000005n);
  });
  it('xadd [mem], reg: memory = sum, register = old memory, flags of the addition', () => {
    const r = runFlat('lock xadd [rbx], rcx\nsetc dl', { regs: { rbx: BigInt(D), rcx: 1n }, memory: [[D, q(0xffffffffffffffffn)]] });
    expect(r.memory.readU64(D)).to.equal(0n);
    expect(reg(r.cpu, RCX)).to.equal(0xffffffffffffffffn);
    expect(reg(r.cpu, RDX) & 0xffn).to.equal(1n);
  });
  it('xadd byte [mem], reg8', () => {
    const r = runFlat('xadd [rbx], cl', { regs: { rbx: BigInt(D), rcx: 0x1234n }, memory: [[D, bytes(0xf0, 0x77)]] });
    expect(r.memory.read(D, 2)).to.deep.equal(bytes(0x24, 0x77));
    expect(reg(r.cpu, RCX)).to.equal(0x12f0n);
  });
});

describe('cpu semantics: BT/BTS/BTR/BTC on memory bit strings', () => {
  const base = BigInt(D + 0x100);
  it('bt qword [rbx], rcx with rcx = -1 tests bit 63 of the qword at rbx-8', () => {
    const r = runFlat('bt qword [rbx], rcx\nsetc al', { regs: { rbx: base, rcx: -1n }, memory: [[D + 0xf8, q(1n << 63n)]] });
    expect(reg(r.cpu, RAX) & 0xffn).to.equal(1n);
  });
  it('bts qword [rbx], rcx with rcx = 100 sets bit 36 of the qword at rbx+8', () => {
    const r = runFlat('bts qword [rbx], rcx', { regs: { rbx: base, rcx: 100n } });
    expect(r.memory.readU64(D + 0x108)).to.equal(1n << 36n);
    expect(r.memory.readU64(D + 0x100)).to.equal(0n);
  });
  it('bts dword [rbx], ecx with ecx = -33 sets bit 31 of the dword at rbx-8', () => {
    const r = runFlat('bts dword [rbx], ecx', { regs: { rbx: base, rcx: BigInt.asUintN(32, -33n) } });
    expect(r.memory.readU32(D + 0xf8)).to.equal(0x80000000);
    expect(r.memory.readU32(D + 0xfc)).to.equal(0);
  });
  it('btr word [rbx], cx with cx = -17 clears bit 15 of the word at rbx-4 and reports it in CF', () => {
    const r = runFlat('btr word [rbx], cx\nsetc al', { regs: { rbx: base, rcx: BigInt.asUintN(16, -17n) }, memory: [[D + 0xfc, bytes(0xff, 0xff, 0xff, 0xff)]] });
    expect(r.memory.read(D + 0xfc, 4)).to.deep.equal(bytes(0xff, 0x7f, 0xff, 0xff));
    expect(reg(r.cpu, RAX) & 0xffn).to.equal(1n);
  });
  it('btc qword [rbx], imm8 uses the immediate modulo 64 and stays inside the operand', () => {
    const r = runFlat('btc qword [rbx], 70', { regs: { rbx: base } });
    expect(r.memory.readU64(D + 0x100)).to.equal(1n << 6n);
    expect(r.memory.readU64(D + 0x108)).to.equal(0n);
  });
  it('bt qword [rbx], rcx with rcx = 2^40 + 3 addresses rbx + 2^37', () => {
    const r = runFlat('bts qword [rbx], rcx', { regs: { rbx: base, rcx: (1n << 40n) + 3n } });
    expect(r.memory.readU64(D + 0x100 + 2 ** 37)).to.equal(8n);
  });
});

describe('cpu semantics: self-modifying code (decode cache invalidation)', () => {
  it('a loop patches the immediate of an instruction it already executed: the second pass sees the new bytes', () => {
    const r = runFlat([
      'xor ecx, ecx', 'xor edx, edx',
      'again:',
      'patch: mov eax, 1',
      'add ecx, eax',
      'mov byte [rel patch+1], 0x2a',
      'inc edx', 'cmp edx, 2', 'jb again',
    ].join('\n'));
    expect(reg(r.cpu, RCX)).to.equal(43n);
  });

  it('a store to the very next instruction is observed', () => {
    const r = runFlat('mov byte [rel next+1], 5\nnext: mov eax, 1');
    expect(reg(r.cpu, RAX)).to.equal(5n);
  });

  it('rep stosb over already-executed code replaces it (NOPs over an inc)', () => {
    const text = 'xor edx, edx\nagain: inc rax\nfill: mov ecx, 3\nlea rdi, [rel again]\nmov al, 0x90\nrep stosb\ninc edx\ncmp edx, 2\njb again';
    const r = runFlat(text, { regs: { rax: 0n } });
    // first pass: inc rax (rax=1), then al = 0x90 → rax = 0x90; second pass runs three NOPs instead of inc rax
    expect(reg(r.cpu, RAX)).to.equal(0x90n);
  });

  it('a qword store crossing into the next page patches a cached instruction at that page start', () => {
    const { cpu, memory } = runFlat('nop', {});
    const tgt = 0x402000; // page start
    const code = asm('mov eax, 1\nadd ecx, eax\ninc edx\ncmp edx, 2\njae done\nmov [rbx], rdi\njmp rsi\ndone: nop', tgt);
    memory.write(tgt, code.bytes);
    memory.setHostTrap(Number(code.labels.get('done')!) + 1, (c) => c.requestStop());
    // the store covers 0x401FFC..0x402003: bytes 00 00 00 00 | B8 2A 00 00 → `mov eax, 0x2a`
    cpu.setReg64(RCX, 0n); cpu.setReg64(RDX, 0n); cpu.setReg64(RBX, BigInt(tgt - 4)); cpu.setReg64(RSI, BigInt(tgt));
    cpu.setReg64(RDI, 0x00002ab800000000n);
    cpu.ripU64 = BigInt(tgt);
    expect(cpu.run(1000)).to.equal('stopped');
    expect(reg(cpu, RCX)).to.equal(1n + 0x2an);
  });

  it('an instruction spanning two pages re-decodes when its second page is written', () => {
    const { cpu, memory } = (() => {
      const r = runFlat('nop', {});
      return r;
    })();
    // lay out by hand: mov eax, imm32 at 0x600ffe (B8 + 4 bytes, 3 of them on the next page), then a loop
    const at = 0x600ffe;
    memory.write(at, bytes(0xb8, 0x01, 0x00, 0x00, 0x00));
    const tail = asm('add ecx, eax\ninc edx\ncmp edx, 2\njae done\nmov byte [rbx], 0x10\njmp rsi\ndone: nop', at + 5);
    memory.write(at + 5, tail.bytes);
    memory.setHostTrap(Number(tail.labels.get('done')!) + 1, (c) => c.requestStop());
    cpu.setReg64(RCX, 0n); cpu.setReg64(RDX, 0n); cpu.setReg64(RBX, 0x601000n); cpu.setReg64(RSI, BigInt(at));
    cpu.ripU64 = BigInt(at);
    expect(cpu.run(1000)).to.equal('stopped');
    // the store made the immediate 0x00001001
    expect(reg(cpu, RCX)).to.equal(1n + 0x1001n);
  });

  it('a write through a second linear alias of the code page invalidates the cached decode (PagedMachine)', () => {
    const m = new PagedMachine();
    m.mapPage(L.alias, {}, L.supCode); // alias → the supervisor code frame
    const labels = m.load(0, [
      'xor ecx, ecx', 'xor edx, edx',
      'again:',
      'patch: mov eax, 1',
      'add ecx, eax',
      'mov byte [rbx], 0x2a',
      'inc edx', 'cmp edx, 2', 'jb again',
    ].join('\n'));
    m.cpu.setReg64(RBX, BigInt(L.alias) + (labels.get('patch')! - BigInt(L.supCode)) + 1n);
    expect(m.go().kind).to.equal('done');
    expect(m.reg('rcx')).to.equal(43n);
  });

  it('a write by another CPU sharing the memory invalidates this CPU\'s cached decode', () => {
    const r = runFlat('mov eax, 1', {}); // decodes and caches `mov eax, 1` at 0x400000
    expect(reg(r.cpu, RAX)).to.equal(1n);
    const other = new Cpu(r.memory, { index: 1 });
    Object.assign(other, {});
    // the other CPU (paging off, flat physical) stores the new immediate
    other.writeMem(0x400001, 1, 0x33);
    r.cpu.ripU64 = 0x400000n;
    expect(r.cpu.run(10)).to.equal('stopped');
    expect(reg(r.cpu, RAX)).to.equal(0x33n);
  });

  it('a host write (SparseMemory.write, e.g. a loader) invalidates the cached decode', () => {
    const r = runFlat('mov eax, 1', {});
    r.memory.write(0x400001, bytes(0x44));
    r.cpu.ripU64 = 0x400000n;
    r.cpu.run(10);
    expect(reg(r.cpu, RAX)).to.equal(0x44n);
  });
});
