/**
 * Self-test of the differential test's own parts: the native harness on hand-checked instructions, the SDM
 * flag rules table (and, for shifts/rotates, that the host agrees with it on every flag it calls defined),
 * and generator properties (deterministic, never touches RSP, never faults natively).
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { Code, Decoder, DecoderOptions, Encoder, Instruction, InstructionInfoFactory, Register } from 'iced-x86';
import { AF, CF, OF, PF, SF, STATUS_FLAGS, ZF, applyFlagEffect, countMask, shiftCountValid, shiftEffect, type ShiftKind } from './flags';
import { CaseGenerator, RSP, readSub, writeSub } from './generator';
import { buildHarness, runNative, unsupportedReason, type NativeResult } from './native-harness';
import { shiftReference, type Width } from './shift-reference';

const reason = unsupportedReason();
const skip = reason === null ? false : `native harness self-test skipped: ${reason}`;

function regs(values: Partial<Record<number, bigint>>): bigint[] {
  return Array.from({ length: 16 }, (_, i) => values[i] ?? 0x1111_0000_0000_0000n * BigInt(i % 8) + BigInt(i));
}
function ok(r: NativeResult): { regs: bigint[]; rflags: bigint } {
  if (r.kind !== 'ok') throw new Error(`native run failed: ${JSON.stringify(r)}`);
  return r;
}
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

describe('differential native harness', () => {
  it('runs hand-checked instructions on the host', { skip }, () => {
    buildHarness();
    const res = runNative([
      // add eax, ebx: 0x00000001 + 0x7fffffff = 0x80000000 (OF SF AF PF; upper half of rax cleared)
      { code: bytes('01d8'), regs: regs({ 0: 0xffff_ffff_0000_0001n, 3: 0x7fff_ffffn }), rflags: 0x202n },
      // mov ax, bx / mov ah, bl merge into the old register value
      { code: bytes('6689d888dc'), regs: regs({ 0: 0x1122_3344_5566_7788n, 3: 0xaabbn }), rflags: 0x202n },
      // xchg ecx, edx zero-extends both
      { code: bytes('87d1'), regs: regs({ 1: 0xffff_ffff_0000_0001n, 2: 0xeeee_eeee_0000_0002n }), rflags: 0x202n },
      // an empty block leaves every register and the status flags as loaded
      { code: new Uint8Array(0), regs: regs({}), rflags: BigInt(0x202 | STATUS_FLAGS) },
      // ud2 reports SIGILL instead of crashing the harness; the next case still runs
      { code: bytes('0f0b'), regs: regs({}), rflags: 0x202n },
      // sub r15, r15: ZF PF, CF clear
      { code: bytes('4d29ff'), regs: regs({ 15: 5n }), rflags: 0x203n },
    ]);
    const add = ok(res[0]);
    expect(add.regs[0]).to.equal(0x8000_0000n);
    expect(Number(add.rflags) & STATUS_FLAGS).to.equal(OF | SF | AF | PF);
    const m = ok(res[1]);
    expect(m.regs[0]).to.equal(0x1122_3344_5566_bbbbn);
    const x = ok(res[2]);
    expect([x.regs[1], x.regs[2]]).to.deep.equal([2n, 1n]);
    const e = ok(res[3]);
    expect(e.regs.filter((_, i) => i !== RSP)).to.deep.equal(regs({}).filter((_, i) => i !== RSP));
    expect(Number(e.rflags) & STATUS_FLAGS).to.equal(STATUS_FLAGS);
    expect(res[4]).to.deep.equal({ kind: 'signal', signal: 4 });
    const s = ok(res[5]);
    expect(s.regs[15]).to.equal(0n);
    expect(Number(s.rflags) & STATUS_FLAGS).to.equal(ZF | PF);
  });

  it('runs a few thousand generated blocks without a fault', { skip }, () => {
    const gen = new CaseGenerator(7);
    const cases = Array.from({ length: 2000 }, (_, i) => gen.generate(i));
    gen.dispose();
    const bad = runNative(cases).flatMap((r, i) => (r.kind === 'ok' ? [] : [`case ${i}: ${JSON.stringify(r)}`]));
    expect(bad).to.deep.equal([]);
  });
});

describe('differential generator', () => {
  it('is deterministic per (seed, index)', () => {
    const a = new CaseGenerator(42), b = new CaseGenerator(42);
    for (const i of [0, 1, 17, 999]) {
      const x = a.generate(i), y = b.generate(i);
      expect(Buffer.from(x.code).toString('hex')).to.equal(Buffer.from(y.code).toString('hex'));
      expect(x.regs).to.deep.equal(y.regs);
      expect(x.rflags).to.equal(y.rflags);
    }
    a.dispose(); b.dispose();
  });

  it('never reads or writes RSP and emits only register-only instructions', () => {
    const gen = new CaseGenerator(3);
    const info = new InstructionInfoFactory();
    for (let i = 0; i < 1500; i++) {
      const c = gen.generate(i);
      expect(c.instructions.length).to.be.within(1, 4);
      const dec = new Decoder(64, c.code, DecoderOptions.None);
      let n = 0;
      while (dec.canDecode) {
        const ins = dec.decode();
        const used = info.info(ins);
        for (const r of used.usedRegisters()) {
          expect([Register.RSP, Register.ESP, Register.SP, Register.SPL]).not.to.include(r.register, c.instructions[n].text);
          r.free();
        }
        expect(used.usedMemory().length, c.instructions[n].text).to.equal(0);
        used.free();
        ins.free();
        n++;
      }
      dec.free();
      expect(n).to.equal(c.instructions.length);
    }
    info.free();
    gen.dispose();
  });

  it('merges partial writes and zero-extends 32-bit writes', () => {
    expect(writeSub(0x1122_3344_5566_7788n, 32, false, 0xaabb_ccddn)).to.equal(0xaabb_ccddn);
    expect(writeSub(0x1122_3344_5566_7788n, 16, false, 0xaabbn)).to.equal(0x1122_3344_5566_aabbn);
    expect(writeSub(0x1122_3344_5566_7788n, 8, true, 0xaan)).to.equal(0x1122_3344_5566_aa88n);
    expect(readSub(0x1122_3344_5566_7788n, 8, true)).to.equal(0x77n);
  });
});

describe('differential flag rules (SDM "Flags Affected")', () => {
  it('shift and rotate counts', () => {
    expect(shiftEffect('shl', 32, 0)).to.deep.equal({ reads: 0, defined: 0, undefined: 0 });
    expect(shiftEffect('shl', 8, 1).defined).to.equal(CF | OF | SF | ZF | PF);
    expect(shiftEffect('shl', 8, 3).undefined).to.equal(AF | OF);
    expect(shiftEffect('shr', 8, 8).undefined & CF).to.equal(CF);
    expect(shiftEffect('shr', 16, 15).defined & CF).to.equal(CF);
    expect(shiftEffect('sar', 8, 20).defined & CF).to.equal(CF);
    expect(shiftEffect('rcl', 8, 0)).to.deep.equal({ reads: CF, defined: 0, undefined: 0 });
    expect(shiftEffect('rol', 64, 1)).to.deep.equal({ reads: 0, defined: CF | OF, undefined: 0 });
    expect(shiftEffect('ror', 16, 2)).to.deep.equal({ reads: 0, defined: CF, undefined: OF });
  });
  it('undefined flags stay undefined until redefined', () => {
    let d = STATUS_FLAGS;
    d = applyFlagEffect(d, { reads: 0, defined: CF | OF, undefined: SF | ZF | AF | PF }, false); // imul
    expect(d).to.equal(CF | OF);
    d = applyFlagEffect(d, { reads: 0, defined: OF | SF | ZF | AF | PF, undefined: 0 }, false); // inc
    expect(d).to.equal(STATUS_FLAGS);
    d = applyFlagEffect(d, { reads: 0, defined: CF, undefined: OF | SF | AF | PF }, true); // bt on an undefined register
    expect(d).to.equal(ZF);
  });
});

describe('differential flag rules agree with the host', () => {
  it('for every shift/rotate form and count 0–66: result and every flag called defined match the SDM model', { skip }, () => {
    const enc = new Encoder(64);
    const values = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0x8000_0000n, 0xffff_ffffn, 0x8000_0000_0000_0000n,
      0xffff_ffff_ffff_ffffn, 0x1234_5678_9abc_def0n, 0xfedc_ba98_7654_3211n];
    const kinds: ShiftKind[] = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd'];
    const cases: { code: Uint8Array; regs: bigint[]; rflags: bigint }[] = [];
    const meta: { kind: ShiftKind; size: Width; count: number; dest: bigint; src: bigint; cf: number }[] = [];
    let k = 0;
    for (const kind of kinds) {
      for (const size of [8, 16, 32, 64] as Width[]) {
        const dbl = kind === 'shld' || kind === 'shrd';
        if (dbl && size === 8) continue;
        for (let count = 0; count <= 66; count++) {
          if (!shiftCountValid(kind, size, count & countMask(size))) continue;
          const m = kind[0].toUpperCase() + kind.slice(1);
          const d = { 8: Register.BL, 16: Register.BX, 32: Register.EBX, 64: Register.RBX }[size];
          const s = { 8: Register.DL, 16: Register.DX, 32: Register.EDX, 64: Register.RDX }[size];
          const name = dbl ? `${m}_rm${size}_r${size}_imm8` : `${m}_rm${size}_imm8`;
          const c = (Code as unknown as Record<string, Code>)[name];
          const ins = dbl ? Instruction.createRegRegI32(c, d, s, count) : Instruction.createRegI32(c, d, count);
          enc.encode(ins, 0n);
          const code = enc.takeBuffer();
          ins.free();
          for (const dest of values) {
            const src = values[k++ % values.length];
            const cf = k % 2;
            const regs = Array.from({ length: 16 }, () => 0n);
            regs[3] = dest;
            regs[2] = src;
            cases.push({ code, regs, rflags: BigInt(0x202 | cf | (k % 3 === 0 ? OF : 0)) });
            meta.push({ kind, size, count, dest, src, cf });
          }
        }
      }
    }
    enc.free();
    const wrong: string[] = [];
    runNative(cases).forEach((r, i) => {
      const { kind, size, count, dest, src, cf } = meta[i];
      const out = ok(r);
      const masked = count & countMask(size);
      const fx = shiftEffect(kind, size, masked);
      const ref = shiftReference(kind, size, dest, src, cf, count);
      // Flags written with a defined value come from the model; flags not written keep their input value.
      const expected = (ref.flags & fx.defined) | (Number(cases[i].rflags) & ~(fx.defined | fx.undefined) & STATUS_FLAGS);
      const compared = STATUS_FLAGS & ~fx.undefined;
      const got = Number(out.rflags) & compared;
      const res = out.regs[3] & ((1n << BigInt(size)) - 1n);
      if (res !== ref.result || got !== (expected & compared)) {
        wrong.push(`${kind} ${size}-bit by ${count} of 0x${dest.toString(16)} (src 0x${src.toString(16)}, CF ${cf}): host 0x${res.toString(16)} ` +
          `flags 0x${got.toString(16)}, model 0x${ref.result.toString(16)} flags 0x${(expected & compared).toString(16)}`);
      }
    });
    expect(wrong.slice(0, 10)).to.deep.equal([]);
  });
});
