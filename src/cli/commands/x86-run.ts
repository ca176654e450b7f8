import { readFileSync } from 'node:fs';
import { assemble } from '../../asm';
import { disassembleOne } from '../../asm';
import { MmspecError, isMmspecError } from '../../common/errors';
import { hex, parseHexBytes, parseUnsigned } from '../../common/hex';
import { VECTOR_NAMES } from '../../cpu/cpu-fault';
import { GPR_NAMES, type GprName } from '../../cpu/registers';
import { SNIPPET_LAYOUT, runSnippet, type SnippetOutcome } from '../../cpu/snippet';
import { CliCommand, CliIo, UsageError, parseOptions } from '../command';

const USAGE = `usage: mmspec x86 run (--asm FILE | --hex BYTES) [--regs JSON] [--cpl 0|3] [--budget N] [--trace] [--json]
       mmspec x86 run --batch -

Runs x86-64 code in flat, identity-mapped 64-bit mode (1 GiB pages over the low 512 GiB, NX and WP on) at the
given privilege level, until RIP reaches the end of the code, and prints the final registers and RFLAGS, or the
exception that ended the run. The code is placed at ${hex(SNIPPET_LAYOUT.code)}; RSP starts at ${hex(SNIPPET_LAYOUT.stackTop)}
unless --regs sets it.

Options:
  --asm FILE     Intel-syntax assembly source ('-' for standard input)
  --hex BYTES    machine code as hex byte pairs, e.g. 4801d8
  --regs JSON    initial registers, e.g. '{"rax":"0x1","rflags":"0x202"}' (GPR names, rflags)
  --cpl N        privilege level 0 (default) or 3
  --budget N     instruction budget (default 1000000); exceeding it is an error, never a hang
  --trace        print every executed instruction
  --json         print the result as one JSON line
  --batch -      read JSON lines {"hex": "...", "regs": {...}} from standard input, write one result line each:
                 {"regs": {"rax": "0x…", …, "r15": "0x…", "rip": "0x…", "rflags": "0x…"}} or
                 {"exception": {"vector": 13, "errorCode": 0, "rip": "0x…"}}; an unreadable case gives
                 {"error": {"code": "…", "message": "…"}} and the exit status is 1.
`;

const REG_NAMES = new Set<string>([...GPR_NAMES, 'rflags']);

/** Reads initial registers from a JSON object of "0x…"/decimal strings or numbers. */
export function parseRegs(value: unknown, where: string): Partial<Record<GprName | 'rflags', bigint>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new MmspecError('X86_BAD_REGS', `${where}: regs must be an object of register names to values`);
  const out: Partial<Record<GprName | 'rflags', bigint>> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const name = k.toLowerCase();
    if (!REG_NAMES.has(name)) throw new MmspecError('X86_BAD_REGS', `${where}: unknown register '${k}' (expected one of ${[...REG_NAMES].join(', ')})`);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[name as GprName] = BigInt(v);
    else if (typeof v === 'string') {
      try {
        out[name as GprName] = parseUnsigned(v);
      } catch (e) {
        throw new MmspecError('X86_BAD_REGS', `${where}: register ${k}: ${(e as Error).message}`);
      }
    } else throw new MmspecError('X86_BAD_REGS', `${where}: register ${k} must be a "0x…" string or a non-negative integer`);
  }
  return out;
}

/** The batch protocol's JSON form of an outcome. */
export function outcomeJson(o: SnippetOutcome): object {
  if (o.kind === 'exception') return { exception: { vector: o.vector, errorCode: o.errorCode, rip: hex(o.rip) } };
  const regs: Record<string, string> = {};
  for (const n of GPR_NAMES) regs[n] = hex(o.regs[n]);
  regs.rip = hex(o.rip);
  regs.rflags = hex(o.rflags);
  return { regs };
}

function formatOutcome(o: SnippetOutcome): string {
  if (o.kind === 'exception') {
    return `exception ${o.vector} (${VECTOR_NAMES[o.vector] ?? 'vector'}) error code ${hex(o.errorCode)} at RIP ${hex(o.rip, 16)}: ${o.reason}\n`;
  }
  const lines: string[] = [];
  for (let k = 0; k < 16; k += 2) {
    const a = GPR_NAMES[k], b = GPR_NAMES[k + 1];
    lines.push(`${a.padStart(3)} = ${hex(o.regs[a], 16)}   ${b.padStart(3)} = ${hex(o.regs[b], 16)}`);
  }
  const f = Number(o.rflags);
  const names = [['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['IF', 9], ['DF', 10], ['OF', 11]] as const;
  const set = names.filter(([, b]) => (f >> b) & 1).map(([n]) => n).join(' ');
  lines.push(`rip = ${hex(o.rip, 16)}   rflags = ${hex(o.rflags, 8)} [${set}]`);
  return lines.join('\n') + '\n';
}

async function runBatch(io: CliIo): Promise<number> {
  const input = await io.readStdin();
  let failures = 0;
  const lines = input.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const where = `stdin:${n + 1}`;
    try {
      let c: { hex?: unknown; regs?: unknown; cpl?: unknown };
      try {
        c = JSON.parse(line);
      } catch (e) {
        throw new MmspecError('X86_BAD_CASE', `${where}: not valid JSON: ${(e as Error).message}`);
      }
      if (typeof c !== 'object' || c === null || typeof c.hex !== 'string') throw new MmspecError('X86_BAD_CASE', `${where}: each line needs a "hex" string`);
      let code: Uint8Array;
      try {
        code = parseHexBytes(c.hex);
      } catch (e) {
        throw new MmspecError('HEX_BYTES_SYNTAX', `${where}: field hex: ${(e as Error).message}`);
      }
      const cpl = c.cpl === 3 ? 3 : 0;
      io.out(JSON.stringify(outcomeJson(runSnippet(code, { regs: parseRegs(c.regs, where), cpl }))) + '\n');
    } catch (e) {
      if (!isMmspecError(e)) throw e;
      failures++;
      io.out(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
    }
  }
  return failures === 0 ? 0 : 1;
}

export const x86RunCommand: CliCommand = {
  name: 'x86 run',
  summary: 'run an x86-64 snippet in flat 64-bit mode and print the final state',
  usage: USAGE,
  async run(args, io) {
    const { flags, options, positionals } = parseOptions(args, {
      flags: ['--trace', '--json'],
      options: ['--asm', '--hex', '--regs', '--cpl', '--budget', '--batch'],
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (options.has('--batch')) {
      if (options.get('--batch') !== '-') throw new UsageError('--batch reads standard input: use --batch -');
      return runBatch(io);
    }
    const asmFile = options.get('--asm');
    const hexText = options.get('--hex');
    if ((asmFile === undefined) === (hexText === undefined)) throw new UsageError('give exactly one of --asm FILE or --hex BYTES');
    let code: Uint8Array;
    if (asmFile !== undefined) {
      let text: string;
      try {
        text = asmFile === '-' ? await io.readStdin() : readFileSync(asmFile, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${asmFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      code = assemble(text, { origin: SNIPPET_LAYOUT.code, source: asmFile }).bytes;
    } else {
      try {
        code = parseHexBytes(hexText!);
      } catch (e) {
        throw new UsageError(`--hex: ${(e as Error).message}`);
      }
    }
    let regs: Partial<Record<GprName | 'rflags', bigint>> = {};
    const regsText = options.get('--regs');
    if (regsText !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(regsText);
      } catch (e) {
        throw new UsageError(`--regs is not valid JSON: ${(e as Error).message}`);
      }
      try {
        regs = parseRegs(parsed, '--regs');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const cplText = options.get('--cpl') ?? '0';
    if (cplText !== '0' && cplText !== '3') throw new UsageError(`--cpl must be 0 or 3, not '${cplText}'`);
    const budgetText = options.get('--budget') ?? '1000000';
    if (!/^[1-9][0-9]*$/.test(budgetText)) throw new UsageError(`--budget must be a positive integer, not '${budgetText}'`);
    const trace = flags.has('--trace');
    const outcome = runSnippet(code, {
      regs, cpl: cplText === '3' ? 3 : 0, budget: Number(budgetText),
      tracer: trace
        ? {
            instruction: (cpu, rip, insn) => {
              const d = disassembleOne(insn.bytes, BigInt.asUintN(64, BigInt(rip)));
              io.out(`${hex(BigInt.asUintN(64, BigInt(rip)), 16)}  ${d?.text ?? '(host routine)'}\n`);
              void cpu;
            },
          }
        : undefined,
    });
    io.out(flags.has('--json') ? JSON.stringify(outcomeJson(outcome)) + '\n' : formatOutcome(outcome));
    return 0;
  },
};
