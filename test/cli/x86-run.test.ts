import { describe, it } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from './cli-io';

async function run(args: string[], stdin = '') {
  const io = captureIo(stdin);
  const status = await main(args, io);
  return { status, out: io.stdout(), err: io.stderr() };
}

describe('mmspec x86 run', () => {
  it('prints help', async () => {
    const r = await run(['x86', 'run', '--help']);
    expect(r.status).to.equal(0);
    expect(r.out).to.match(/--batch -/);
  });

  it('runs hex code with initial registers and prints the final state', async () => {
    const r = await run(['x86', 'run', '--hex', '4801d8', '--regs', '{"rax":"0x1","rbx":"0x2"}', '--json']);
    expect(r.status).to.equal(0);
    const o = JSON.parse(r.out);
    expect(o.regs.rax).to.equal('0x3');
    expect(o.regs.rip).to.equal('0x400003');
  });

  it('runs an assembly file and reports a CPL3 privileged instruction as #GP(0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmspec-x86-'));
    const f = join(dir, 'p.asm');
    writeFileSync(f, 'mov ecx, 0x1b\nrdmsr\n');
    const r = await run(['x86', 'run', '--asm', f, '--cpl', '3', '--json']);
    expect(r.status).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal({ exception: { vector: 13, errorCode: 0, rip: '0x400005' } });
  });

  it('batch mode answers one line per case in the documented format', async () => {
    const stdin = [
      JSON.stringify({ hex: '4801d8', regs: { rax: '0x1', rcx: '0x0', rdx: '0x0', rbx: '0x2', rsp: '0x800000', rbp: '0x0', rsi: '0x0', rdi: '0x0', r8: '0x0', r9: '0x0', r10: '0x0', r11: '0x0', r12: '0x0', r13: '0x0', r14: '0x0', r15: '0x0', rflags: '0x202' } }),
      JSON.stringify({ hex: '31c0f7f0', regs: {} }), // xor eax,eax; div eax → #DE
      '',
    ].join('\n');
    const r = await run(['x86', 'run', '--batch', '-'], stdin);
    expect(r.status).to.equal(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).to.have.length(2);
    expect(Object.keys(lines[0].regs)).to.deep.equal(['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags']);
    expect(lines[0].regs.rax).to.equal('0x3');
    expect(lines[0].regs.rflags).to.equal('0x206');
    expect(lines[1]).to.deep.equal({ exception: { vector: 0, errorCode: 0, rip: '0x400002' } });
  });

  it('batch mode keeps going after malformed cases and exits 1', async () => {
    const r = await run(['x86', 'run', '--batch', '-'], '{"hex":"4g"}\nnot json\n{"hex":"90","regs":{"xyz":"1"}}\n{"hex":"90"}\n');
    expect(r.status).to.equal(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l)[0])).to.deep.equal(['error', 'error', 'error', 'regs']);
    expect(lines[0].error.code).to.equal('HEX_BYTES_SYNTAX');
    expect(lines[1].error.message).to.match(/stdin:2: not valid JSON/);
    expect(lines[2].error.message).to.match(/unknown register 'xyz'/);
  });

  it('turns bad arguments into one line and exit status 2', async () => {
    for (const args of [['x86', 'run'], ['x86', 'run', '--hex', 'abc'], ['x86', 'run', '--hex', '90', '--cpl', '2'], ['x86', 'run', '--asm', '/nonexistent/x.asm'], ['x86', 'run', '--hex', '90', '--regs', '{']]) {
      const r = await run(args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.err.trim().split('\n'), args.join(' ')).to.have.length(1);
    }
  });

  it('reports assembler errors and runaway code as typed errors, never a crash or hang', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmspec-x86-'));
    const f = join(dir, 'bad.asm');
    writeFileSync(f, 'nop\nmvo rax, 1\n');
    let r = await run(['x86', 'run', '--asm', f]);
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/bad\.asm:2:1: unknown mnemonic 'mvo' \(did you mean 'mov'\?\) \[ASM_UNKNOWN_MNEMONIC\]/);
    r = await run(['x86', 'run', '--hex', 'ebfe', '--budget', '1000']);
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/instruction budget of 1000 exhausted at RIP 0x400000 \[CPU_BUDGET_EXCEEDED\]/);
  });
});
