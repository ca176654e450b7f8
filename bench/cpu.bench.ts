/**
 * CPU throughput (issue #2 acceptance 4): guest instructions per second for a tight arithmetic loop, a
 * memory copy loop, and a SYSCALL/SYSRET round trip, in flat 64-bit mode. Writes reports/bench/cpu.json.
 */
import { assemble } from '../src/asm';
import { Cpu } from '../src/cpu/cpu';
import { Msr } from '../src/cpu/msr';
import { CS, SS } from '../src/cpu/registers';
import { flatMachine } from '../src/cpu/snippet';
import { bestSeconds, writeBenchResult } from './bench-util';

const CODE = 0x400000;

function machine(source: string, cpl: 0 | 3 = 0): { cpu: Cpu; start: () => void } {
  const { cpu, memory } = flatMachine(cpl);
  const prog = assemble(source, { origin: BigInt(CODE) });
  memory.write(CODE, prog.bytes);
  const end = prog.labels.get('done');
  if (end === undefined) throw new Error('benchmark program needs a done: label');
  memory.setHostTrap(Number(end), (c) => c.requestStop());
  return {
    cpu,
    start: () => {
      cpu.ripU64 = BigInt(CODE);
      for (let r = 0; r < 16; r++) cpu.setReg64(r, 0n);
      cpu.setReg64(4, 0x800000n);
    },
  };
}

function measure(name: string, source: string, setup?: (cpu: Cpu) => void, cpl: 0 | 3 = 0): { mips: number; instructions: number; seconds: number } {
  const { cpu, start } = machine(source, cpl);
  setup?.(cpu);
  let instructions = 0;
  const seconds = bestSeconds(() => {
    start();
    const before = cpu.icount;
    const r = cpu.run(1e9);
    if (r !== 'stopped') throw new Error(`${name}: ended with ${r}`);
    instructions = cpu.icount - before;
  });
  return { mips: Math.round((instructions / seconds / 1e6) * 10) / 10, instructions, seconds };
}

const ITER = 2_000_000;
const arithmetic = measure('arithmetic', `
  mov ecx, ${ITER}
  mov rbx, 0x123456789
top:
  add rax, rbx
  xor rdx, rax
  inc rsi
  sub rdi, rsi
  add r8d, eax
  shl r9, 1
  dec ecx
  jnz top
done:
`);

const memoryCopy = measure('memory copy', `
  mov r12d, 4096
outer:
  mov esi, 0x10000000
  mov edi, 0x10100000
  mov ecx, 512
inner:
  mov rax, [rsi]
  mov [rdi], rax
  add rsi, 8
  add rdi, 8
  dec ecx
  jnz inner
  dec r12d
  jnz outer
done:
`);

const SYSCALLS = 1_000_000;
const kernelEntry = 0x500000;
const syscallLoop = measure('syscall round trip', `
  mov r12d, ${SYSCALLS}
again:
  syscall
  dec r12d
  jnz again
done:
`, (cpu) => {
  // STAR as the MM Supervisor programs it (supervisor-facts §3.4): SYSCALL → CS 0x38, SYSRETQ → CS 0x5B.
  cpu.msr.write(Msr.STAR, (0x4bn << 48n) | (0x38n << 32n));
  cpu.msr.write(Msr.LSTAR, BigInt(kernelEntry));
  const k = assemble('sysretq', { origin: BigInt(kernelEntry) });
  (cpu.bus as unknown as { write(a: number, b: Uint8Array): void }).write(kernelEntry, k.bytes);
  cpu.segSel[CS] = 0x5b;
  cpu.segSel[SS] = 0x53;
}, 3);

const result = {
  mips: arithmetic.mips,
  target: { arithmeticMips: 30 },
  loops: {
    arithmetic: { ...arithmetic, body: '8 instructions: add/xor/inc/sub/add/shl/dec/jnz on 64- and 32-bit registers' },
    memoryCopy: { ...memoryCopy, body: 'mov load/store of 8 bytes through the soft TLB, pointer adds, dec/jnz' },
    syscallSysret: { ...syscallLoop, roundTripsPerSecond: Math.round(SYSCALLS / syscallLoop.seconds), body: 'CPL3 syscall → CPL0 sysretq → dec/jnz' },
  },
};
const file = writeBenchResult('cpu', result);
console.log(`cpu: arithmetic ${arithmetic.mips} MIPS, memory copy ${memoryCopy.mips} MIPS, syscall loop ${syscallLoop.mips} MIPS → ${file}`);
