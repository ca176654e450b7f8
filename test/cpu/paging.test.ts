// Issue 2 acceptance 2: page faults carry the exact error code (P/W/U/RSVD/I-D, x86-smm-facts §3.2) and
// CR2 = the faulting linear address; WP, SMEP, SMAP, NX/NXE (§3.4–§3.5); Accessed and Dirty bits (§3.1).
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { flatMachine } from '../../src/cpu/snippet';
import {
  type ExceptionFrame, EFER_NXE, L, type Outcome, PagedMachine, PF, PTE, RFL, SEL, CR0_WP, asm, pteValue,
} from './fixtures';

const CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21;

function show(out: Outcome): string {
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

/** Asserts a #PF with `ec` and CR2 = `cr2`, at RIP `rip` (default: label `fault`). */
function expectPf(m: PagedMachine, out: Outcome, ec: number, cr2: number | bigint, rip?: bigint): ExceptionFrame {
  expect(out.kind, show(out)).to.equal('exception');
  const f = (out as { frame: ExceptionFrame }).frame;
  expect(f.vector, show(out)).to.equal(14);
  expect(f.errorCode, `error code (${show(out)})`).to.equal(ec);
  expect(f.cr2, 'CR2').to.equal(BigInt.asUintN(64, BigInt(cr2)));
  expect(f.rip, 'faulting RIP').to.equal(rip ?? m.at('fault'));
  return f;
}

function expectDone(out: Outcome): void {
  expect(out.kind, show(out)).to.equal('done');
}

describe('cpu: paging protection and #PF error codes (x86-smm-facts §3.1–§3.5)', () => {
  describe('CPL3 accesses', () => {
    it('read of a supervisor page: #PF P|U, CR2 = address, frame has CS 0x5B/SS 0x53', () => {
      const m = new PagedMachine();
      m.load(3, 'nop\nfault: mov rax, [rbx+0x10]', { regs: { rbx: BigInt(L.supData + 0x120) } });
      const f = expectPf(m, m.go(), PF.P | PF.U, L.supData + 0x130);
      expect([f.cs, f.ss, f.rsp]).to.deep.equal([SEL.CS3, SEL.DS3, BigInt(L.userStackTop)]);
      expect(f.handlerRsp).to.equal(BigInt(L.supStackTop - 48));
    });
    it('write to a supervisor page: #PF P|W|U', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: mov [rbx], eax', { regs: { rbx: BigInt(L.supData + 8) } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, L.supData + 8);
    });
    it('write to a read-only user page: #PF P|W|U; a read of it succeeds', () => {
      const m = new PagedMachine();
      m.memory.writeU64(L.userRo, 0x1234n);
      m.load(3, 'mov rcx, [rbx]\nfault: mov byte [rbx+0xfff], 1', { regs: { rbx: BigInt(L.userRo) } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, L.userRo + 0xfff);
      expect(m.reg('rcx')).to.equal(0x1234n);
      expect(m.memory.read(L.userRo + 0xfff, 1)[0]).to.equal(0);
    });
    it('write to a read-only user page with CR0.WP=0 still faults (user writes always obey R/W, §3.5)', () => {
      const m = new PagedMachine();
      m.cpu.cr0 &= ~CR0_WP;
      m.load(3, 'fault: mov [rbx], rax', { regs: { rbx: BigInt(L.userRo + 0x40) } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, L.userRo + 0x40);
    });
    it('read of a not-present page: #PF U (P=0)', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: mov eax, [rbx]', { regs: { rbx: BigInt(L.notPresent + 0x123) } });
      expectPf(m, m.go(), PF.U, L.notPresent + 0x123);
    });
    it('fetch from an NX user page with EFER.NXE=1: #PF P|U|I, CR2 = RIP = the target', () => {
      const m = new PagedMachine();
      m.memory.write(L.userNx, new Uint8Array([0x90]));
      m.load(3, 'jmp rax', { regs: { rax: BigInt(L.userNx) } });
      const f = expectPf(m, m.go(), PF.P | PF.U | PF.ID, L.userNx, BigInt(L.userNx));
      expect(f.cs).to.equal(SEL.CS3);
    });
    it('fetch from a supervisor page: #PF P|U|I', () => {
      const m = new PagedMachine();
      m.load(3, 'call rax', { regs: { rax: BigInt(L.supCode + 0x800) } });
      const f = expectPf(m, m.go(), PF.P | PF.U | PF.ID, L.supCode + 0x800, BigInt(L.supCode + 0x800));
      // the call completed: its return address is on the user stack
      expect(f.rsp).to.equal(BigInt(L.userStackTop - 8));
      expect(m.memory.readU64(L.userStackTop - 8)).to.equal(BigInt(L.userCode + 2));
    });
    it('fetch from a not-present page with NXE=1: #PF U|I', () => {
      const m = new PagedMachine();
      m.load(3, 'jmp rax', { regs: { rax: BigInt(L.notPresent + 0x10) } });
      expectPf(m, m.go(), PF.U | PF.ID, L.notPresent + 0x10, BigInt(L.notPresent + 0x10));
    });
    it('a write crossing into a read-only page faults on the second page and writes nothing', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: mov [rbx], rax', { regs: { rbx: BigInt(L.userRo - 4), rax: -1n } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, L.userRo);
      expect(m.memory.readU64(L.userRo - 8)).to.equal(0n);
    });
    it('a push onto a supervisor page (stack) faults with P|W|U and RSP unchanged', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: push rax', { rsp: BigInt(L.supData + 0x100) });
      const f = expectPf(m, m.go(), PF.P | PF.W | PF.U, L.supData + 0xf8);
      expect(f.rsp).to.equal(BigInt(L.supData + 0x100));
    });
    it('cmpxchg to a read-only page faults with W=1 even when the comparison fails (always a write)', () => {
      const m = new PagedMachine();
      m.memory.writeU64(L.userRo, 5n);
      m.load(3, 'fault: cmpxchg [rbx], rcx', { regs: { rbx: BigInt(L.userRo), rax: 4n, rcx: 9n } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, L.userRo);
      expect(m.reg('rax')).to.equal(4n);
    });
    it('a CPL0 read fills the TLB; the same page read after dropping to CPL3 still faults', () => {
      const m = new PagedMachine();
      const user = BigInt(L.userCode);
      m.load(0, [
        'mov rax, [rbx]',
        'push 0x53', `push ${L.userStackTop}`, 'push 0x5b', 'push rdx', 'retfq',
      ].join('\n'), { regs: { rbx: BigInt(L.supData), rdx: user } });
      m.memory.write(L.userCode, asm('mov rcx, [rbx]', user).bytes);
      const out = m.go();
      expectPf(m, out, PF.P | PF.U, L.supData, user);
    });
  });

  describe('CPL0 accesses', () => {
    it('write to a read-only supervisor page with CR0.WP=1: #PF P|W', () => {
      const m = new PagedMachine();
      m.load(0, 'fault: mov [rbx], eax', { regs: { rbx: BigInt(L.supRo + 0x10), rax: 7n } });
      expectPf(m, m.go(), PF.P | PF.W, L.supRo + 0x10);
      expect(m.memory.readU32(L.supRo + 0x10)).to.equal(0);
    });
    it('write to a read-only user page with CR0.WP=1: #PF P|W', () => {
      const m = new PagedMachine();
      m.load(0, 'fault: mov [rbx], eax', { regs: { rbx: BigInt(L.userRo + 0x10), rax: 7n } });
      expectPf(m, m.go(), PF.P | PF.W, L.userRo + 0x10);
    });
    it('with CR0.WP=0 the same writes succeed', () => {
      const m = new PagedMachine();
      m.cpu.cr0 &= ~CR0_WP;
      m.load(0, 'mov [rbx], eax\nmov [rcx], eax', { regs: { rbx: BigInt(L.supRo + 0x10), rcx: BigInt(L.userRo + 0x20), rax: 7n } });
      m.cpu.cr0 &= ~CR0_WP;
      expectDone(m.go());
      expect(m.memory.readU32(L.supRo + 0x10)).to.equal(7);
      expect(m.memory.readU32(L.userRo + 0x20)).to.equal(7);
    });
    it('clearing CR0.WP with mov cr0 takes effect for a page already in the TLB', () => {
      const m = new PagedMachine();
      m.load(0, [
        'mov eax, [rbx]',           // TLB now holds the read-only translation
        'mov rdx, cr0', 'btr rdx, 16', 'mov cr0, rdx',
        'mov dword [rbx], 9',
        'bts rdx, 16', 'mov cr0, rdx',
        'fault: mov dword [rbx], 10',
      ].join('\n'), { regs: { rbx: BigInt(L.supRo) } });
      expectPf(m, m.go(), PF.P | PF.W, L.supRo);
      expect(m.memory.readU32(L.supRo)).to.equal(9);
    });
    it('read of a not-present page: #PF 0; write: #PF W', () => {
      let m = new PagedMachine();
      m.load(0, 'fault: mov al, [rbx]', { regs: { rbx: BigInt(L.notPresent + 0xabc) } });
      expectPf(m, m.go(), 0, L.notPresent + 0xabc);
      m = new PagedMachine();
      m.load(0, 'fault: mov [rbx], al', { regs: { rbx: BigInt(L.notPresent + 0xabc) } });
      expectPf(m, m.go(), PF.W, L.notPresent + 0xabc);
    });
    it('read of a null pointer (page 0 not present): #PF 0, CR2 = 0x8', () => {
      const m = new PagedMachine();
      m.load(0, 'fault: mov rax, [rbx+8]', { regs: { rbx: 0n } });
      expectPf(m, m.go(), 0, 8);
    });
    it('read of an unmapped upper-half address: #PF 0, CR2 = the full canonical address', () => {
      const m = new PagedMachine();
      m.load(0, 'fault: mov rax, [rbx]', { regs: { rbx: 0xffff800000123456n } });
      expectPf(m, m.go(), 0, 0xffff800000123456n);
    });
    it('fetch from an NX supervisor page: #PF P|I', () => {
      const m = new PagedMachine();
      m.memory.write(L.supNx, new Uint8Array([0x90]));
      m.load(0, 'jmp rax', { regs: { rax: BigInt(L.supNx) } });
      expectPf(m, m.go(), PF.P | PF.ID, L.supNx, BigInt(L.supNx));
    });
    it('fetch from a user page with CR4.SMEP=1: #PF P|I (U=0)', () => {
      const m = new PagedMachine();
      m.memory.write(L.userCode2, asm('mov eax, 7', L.userCode2).bytes);
      m.load(0, 'jmp rax', { regs: { rax: BigInt(L.userCode2) } });
      m.cpu.cr4 |= CR4_SMEP;
      m.cpu.flushTlb();
      expectPf(m, m.go(), PF.P | PF.ID, L.userCode2, BigInt(L.userCode2));
    });
    it('fetch from a user page without SMEP executes it', () => {
      const m = new PagedMachine();
      m.memory.write(L.userCode2, asm('mov eax, 7', L.userCode2).bytes);
      m.stopAt(L.userCode2 + 5, 'reached');
      m.load(0, 'jmp rax', { regs: { rax: BigInt(L.userCode2) } });
      const out = m.go();
      expect(out.kind, show(out)).to.equal('trap');
      expect(m.reg('rax')).to.equal(7n);
      expect(m.cpu.cpl).to.equal(0);
    });
    it('SMAP: read of a user page with AC=0: #PF P; write: #PF P|W', () => {
      let m = new PagedMachine();
      m.load(0, 'fault: mov rax, [rbx]', { regs: { rbx: BigInt(L.userData + 0x18) } });
      m.cpu.cr4 |= CR4_SMAP;
      expectPf(m, m.go(), PF.P, L.userData + 0x18);
      m = new PagedMachine();
      m.load(0, 'fault: mov [rbx], rax', { regs: { rbx: BigInt(L.userData + 0x18) } });
      m.cpu.cr4 |= CR4_SMAP;
      expectPf(m, m.go(), PF.P | PF.W, L.userData + 0x18);
    });
    it('SMAP: with AC=1 (stac) user pages are accessible; after clac the cached translation faults again', () => {
      const m = new PagedMachine();
      m.memory.writeU64(L.userData, 0x77n);
      m.load(0, 'stac\nmov rax, [rbx]\nmov [rbx+8], rax\nclac\nfault: mov rcx, [rbx]', { regs: { rbx: BigInt(L.userData) } });
      m.cpu.cr4 |= CR4_SMAP;
      expectPf(m, m.go(), PF.P, L.userData);
      expect(m.reg('rax')).to.equal(0x77n);
      expect(m.memory.readU64(L.userData + 8)).to.equal(0x77n);
    });
    it('SMAP: RFLAGS.AC=1 on entry allows the access; supervisor pages are unaffected', () => {
      const m = new PagedMachine();
      m.memory.writeU64(L.userData, 0x55n);
      m.load(0, 'mov rax, [rbx]\nmov rcx, [rdx]', { regs: { rbx: BigInt(L.userData), rdx: BigInt(L.supData) }, rflags: 0x2 | RFL.AC });
      m.cpu.cr4 |= CR4_SMAP;
      expectDone(m.go());
      expect(m.reg('rax')).to.equal(0x55n);
    });
    it('stac/clac at CPL3: #UD (x86-smm-facts §3.8)', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: stac');
      const out = m.go();
      expect(out.kind).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([6, undefined, m.at('fault')]);
    });
  });

  describe('reserved bits: NX with EFER.NXE=0 (x86-smm-facts §3.1)', () => {
    const noNxe = (m: PagedMachine): void => {
      m.cpu.efer &= ~EFER_NXE;
      m.cpu.flushTlb();
    };
    it('CPL0 read: #PF P|RSVD', () => {
      const m = new PagedMachine();
      m.load(0, 'fault: mov rax, [rbx]', { regs: { rbx: BigInt(L.nxReserved + 0x40) } });
      noNxe(m);
      expectPf(m, m.go(), PF.P | PF.RSVD, L.nxReserved + 0x40);
    });
    it('CPL3 write to that (supervisor) page: #PF P|W|U|RSVD (reserved bits win over protection)', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: mov [rbx], rax', { regs: { rbx: BigInt(L.nxReserved + 0x40) } });
      noNxe(m);
      expectPf(m, m.go(), PF.P | PF.W | PF.U | PF.RSVD, L.nxReserved + 0x40);
    });
    it('CPL3 fetch from an NX user page: #PF P|U|RSVD (no I/D: neither NXE nor SMEP is on)', () => {
      const m = new PagedMachine();
      m.load(3, 'jmp rax', { regs: { rax: BigInt(L.userNx) } });
      noNxe(m);
      expectPf(m, m.go(), PF.P | PF.U | PF.RSVD, L.userNx, BigInt(L.userNx));
    });
    // PD[1] → a second page table at 0x5000 mapping 0x200000 (user, RW); the NX bit goes in PD[1] only.
    const nxPde = (m: PagedMachine): void => {
      m.memory.writeU64(0x5000, pteValue(0x200000, { user: true }));
      m.memory.writeU64(L.pd + 8, 0x5000n | PTE.P | PTE.RW | PTE.US | PTE.NX);
      m.memory.write(0x200000, asm('mov eax, 1', 0x200000).bytes);
    };
    it('an upper-level entry (PDE) with the NX bit is reserved too', () => {
      const m = new PagedMachine();
      nxPde(m);
      m.load(0, 'fault: mov rax, [rbx]', { regs: { rbx: 0x200010n } });
      noNxe(m);
      expectPf(m, m.go(), PF.P | PF.RSVD, 0x200010);
    });
    it('NX in an upper-level entry with NXE=1 makes the range non-executable but still readable', () => {
      const m = new PagedMachine();
      nxPde(m);
      m.load(3, 'mov rcx, [rax]\njmp rax', { regs: { rax: 0x200000n } });
      expectPf(m, m.go(), PF.P | PF.U | PF.ID, 0x200000, 0x200000n);
      expect(m.reg('rcx')).to.equal(0x1b8n);
    });
  });

  describe('Accessed and Dirty bits (x86-smm-facts §3.1)', () => {
    it('a read sets A at every level and not D; a later write sets D in the leaf only', () => {
      const m = new PagedMachine();
      m.load(0, 'mov rax, [rbx]\nstop: nop\nmov [rbx+8], rax', { regs: { rbx: BigInt(L.fresh) } });
      for (const a of [L.pml4, L.pdpt, L.pd]) m.memory.writeU64(a, m.memory.readU64(a) & ~(PTE.A | PTE.D));
      expect(m.pte(L.fresh) & (PTE.A | PTE.D)).to.equal(0n);
      m.stopAt(m.at('stop'), 'after read');
      expect(m.go().kind).to.equal('trap');
      expect(m.pte(L.fresh) & (PTE.A | PTE.D)).to.equal(PTE.A);
      for (const a of [L.pml4, L.pdpt, L.pd]) {
        expect(m.memory.readU64(a) & PTE.A, `A at 0x${a.toString(16)}`).to.equal(PTE.A);
        expect(m.memory.readU64(a) & PTE.D, `D at 0x${a.toString(16)}`).to.equal(0n);
      }
      m.memory.removeHostTrap(Number(m.at('stop')));
      expectDone(m.go());
      expect(m.pte(L.fresh) & (PTE.A | PTE.D)).to.equal(PTE.A | PTE.D);
      expect(m.pte(L.fresh) & ~(PTE.A | PTE.D)).to.equal(pteValue(L.fresh));
    });
    it('D is set again after software clears it and flushes the page with invlpg', () => {
      const m = new PagedMachine();
      m.load(0, [
        'mov [rbx], rax',
        'and qword [rcx], -0x41', // clear D
        'invlpg [rbx]',
        'mov [rbx], rax',
      ].join('\n'), { regs: { rbx: BigInt(L.fresh), rcx: BigInt(L.pt + (L.fresh >>> 12) * 8) } });
      expectDone(m.go());
      expect(m.pte(L.fresh) & PTE.D).to.equal(PTE.D);
    });
    it('a fetch sets A in the code page PTE', () => {
      const m = new PagedMachine();
      m.memory.writeU64(m.pteAddress(L.supCode), pteValue(L.supCode));
      m.load(0, 'nop');
      expectDone(m.go());
      expect(m.pte(L.supCode) & (PTE.A | PTE.D)).to.equal(PTE.A);
    });
    it('1 GiB page (flat snippet machine): a write sets A and D in the PDPTE', () => {
      const { cpu, memory } = flatMachine(0);
      memory.write(0x400000, asm('mov [rbx], rax', 0x400000).bytes);
      memory.setHostTrap(0x400003, (c) => c.requestStop());
      cpu.setReg64(3, 0x40001000n);
      cpu.ripU64 = 0x400000n;
      cpu.run(10);
      expect(memory.readU64(0x2000) & 0xe7n).to.equal(0x87n | PTE.A); // page 0 (code): accessed only
      expect(memory.readU64(0x2008) & 0xe7n).to.equal(0x87n | PTE.A | PTE.D); // page 1 GiB: written
    });
    it('2 MiB page (PS in the PDE): translation of the offset within the page and R/W protection', () => {
      const m = new PagedMachine();
      // PD[1] maps 0x200000–0x3FFFFF to the 2 MiB frame at 0x400000, user, read-only
      m.memory.writeU64(L.pd + 8, 0x400000n | PTE.P | PTE.US | PTE.PS);
      m.memory.writeU64(0x400000 + 0x1234 * 8, 0xabcdefn);
      m.load(3, 'mov rax, [rbx]\nfault: mov [rbx], rax', { regs: { rbx: BigInt(0x200000 + 0x1234 * 8) } });
      expectPf(m, m.go(), PF.P | PF.W | PF.U, 0x200000 + 0x1234 * 8);
      expect(m.reg('rax')).to.equal(0xabcdefn);
      expect(m.memory.readU64(L.pd + 8) & PTE.A).to.equal(PTE.A);
    });
  });

  describe('non-canonical addresses raise #GP(0) / #SS(0), not #PF', () => {
    it('data access to 0x0000800000000000: #GP(0)', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: mov rax, [rbx]', { regs: { rbx: 0x0000800000000000n } });
      const out = m.go();
      expect(out.kind, show(out)).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip]).to.deep.equal([13, 0, m.at('fault')]);
    });
    it('stack access through a non-canonical RSP: #SS(0)', () => {
      const m = new PagedMachine();
      m.load(3, 'fault: push rax', { rsp: 0x0000800000000010n });
      const out = m.go();
      expect(out.kind, show(out)).to.equal('exception');
      const f = (out as { frame: ExceptionFrame }).frame;
      expect([f.vector, f.errorCode, f.rip, f.rsp]).to.deep.equal([12, 0, m.at('fault'), 0x0000800000000010n]);
    });
  });
});
