/**
 * SMI throughput (issue #4 acceptance 4): empty SMIs per second on 1, 2 and 4 CPUs. Each SMI is a real
 * `mov al, 0x42; out 0xB2, al` executed by CPU 0 outside SMM (firmware context, `runOutsideMm`); the APM device
 * signals every CPU, `settleSmi` runs them in order, and each CPU's handler at SMBASE+0x8000 is a real `rsm`
 * (16-bit SMM entry state), as in test/platform/machine.test.ts. Writes reports/bench/smi.json.
 */
import { installFirmwareContext, parkCpu, runOutsideMm } from '../src/platform/firmware-context';
import { Machine } from '../src/platform/machine';
import { q35Spec } from '../src/platform/q35-spec';
import { bestSeconds, writeBenchResult } from './bench-util';

const SMIS = 2000;
const TRIGGER = Uint8Array.of(0xb0, 0x42, 0xe6, 0xb2); // mov al, 0x42 ; out 0xb2, al

function measure(cpus: number): { smisPerSecond: number; seconds: number; smis: number; instructionsPerSmi: number } {
  const m = new Machine(q35Spec({ cpus }));
  installFirmwareContext(m);
  for (const c of m.cpus) {
    parkCpu(c);
    m.ram.write(c.smm.smbase + 0x8000, Uint8Array.of(0x0f, 0xaa)); // rsm
  }
  let before = 0;
  const seconds = bestSeconds(() => {
    before = m.cpus.reduce((n, c) => n + c.icount, 0);
    const entries = m.smiCount;
    for (let k = 0; k < SMIS; k++) runOutsideMm(m, 0, TRIGGER);
    if (m.smiCount - entries !== SMIS || m.cpus.some((c) => c.inSmm)) throw new Error(`${cpus} CPUs: SMIs did not complete`);
  }, 3, 1);
  const after = m.cpus.reduce((n, c) => n + c.icount, 0);
  return { smisPerSecond: Math.round(SMIS / seconds), seconds, smis: SMIS, instructionsPerSmi: (after - before) / SMIS };
}

const runs = Object.fromEntries([1, 2, 4].map((n) => [String(n), measure(n)]));
const result = {
  smisPerSecond: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.smisPerSecond])),
  runs,
  method: 'each SMI: real OUT 0xB2 on CPU 0 outside SMM, broadcast to every CPU, per-CPU handler = one real RSM; best of 3 after a warm-up',
};
const file = writeBenchResult('smi', result);
console.log(`smi: ${Object.entries(result.smisPerSecond).map(([k, v]) => `${k} CPU(s) ${v}/s`).join(', ')} → ${file}`);
