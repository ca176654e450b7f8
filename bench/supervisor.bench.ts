/**
 * Supervisor throughput (issue #5 acceptance 3), writes reports/bench/supervisor.json:
 * - roundTripsPerSecond: MM communicate round trips on the user channel from DXE (MmCommunication2 → real OUT 0xB2 →
 *   every CPU enters SMM → the supervisor's MmEntryPoint → MmiManage → the broker trampoline → a real CPL3 handler
 *   compiled from the action language → syscall-free return through the call gate → RSM → mailbox read back).
 * - bootSeconds: wall time of a full q35 boot (power-on → runtime) with N generated MM drivers (depex TRUE, linked
 *   with the broker-ready protocol), each loaded, mapped and entered at CPL3. TSEG is enlarged to 256 MiB (Q35's
 *   extended TSEG register) so 5000 images fit.
 */
import { parseActionList } from '../src/scenario/driver';
import { ScenarioPlatform } from '../src/scenario/engine/scenario-platform';
import { bestSeconds, writeBenchResult } from './bench-util';

const ROUND_TRIPS = 3000;

function roundTrips(): { roundTripsPerSecond: number; seconds: number; roundTrips: number } {
  const p = new ScenarioPlatform();
  p.usePlatform('q35');
  p.scenarioDrivers.handlesMmi('BenchHandler', p.scenarioDrivers.registry.resolve('BenchMmi'), parseActionList('- return: EFI_SUCCESS\n', { file: 'bench', line: 0 }));
  const r = p.bootTo('runtime');
  if (r.stopped) throw new Error(`boot stopped: ${JSON.stringify(r.stopped)}`);
  const comm = p.booted.dxe!.communication!;
  const guid = p.scenarioDrivers.registry.resolve('BenchMmi');
  const payload = new Uint8Array(16);
  const seconds = bestSeconds(() => {
    for (let k = 0; k < ROUND_TRIPS; k++) {
      const reply = comm.send(guid, payload);
      if (reply.status !== 0n) throw new Error(`round trip ${k}: status 0x${reply.status.toString(16)}`);
    }
  }, 3, 1);
  return { roundTripsPerSecond: Math.round(ROUND_TRIPS / seconds), seconds, roundTrips: ROUND_TRIPS };
}

function bootWith(drivers: number): { seconds: number; started: number } {
  let started = 0;
  const seconds = bestSeconds(() => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    const cfg = p.config!;
    p.config = {
      ...cfg,
      tseg: { base: 0x30000000n, size: 0x10000000n },
      dxeRuntimeMemory: { base: 0x20000000n, size: 0x10000000n },
      dxeMemoryMap: [{ base: 0x10000000n, size: 0x10000000n, type: 6, readOnly: false }, { base: 0x30000000n, size: 0x10000000n, type: 0, readOnly: false }],
    };
    for (let i = 0; i < drivers; i++) p.scenarioDrivers.declare({ name: `Generated${i}`, depex: 'TRUE' });
    const r = p.bootTo('runtime');
    if (r.stopped) throw new Error(`boot with ${drivers} drivers stopped: ${JSON.stringify(r.stopped)}`);
    started = p.startedDrivers().length;
    if (started !== drivers + 2) throw new Error(`${drivers} drivers: only ${started - 2} started`);
  }, drivers >= 1000 ? 1 : 3, drivers >= 1000 ? 0 : 1);
  return { seconds, started };
}

const rt = roundTrips();
const boots = Object.fromEntries([100, 1000, 5000].map((n) => [String(n), bootWith(n)]));
const result = {
  roundTripsPerSecond: rt.roundTripsPerSecond,
  bootSeconds: Object.fromEntries(Object.entries(boots).map(([k, v]) => [k, Number(v.seconds.toFixed(3))])),
  runs: { roundTrips: rt, boots },
  method: 'round trips: DXE user-channel MM communicate to a CPL3 handler, best of 3 × 3000 after a warm-up; boot: power-on to runtime incl. building the MM FV and compiling the drivers (best of 3 for 100, one run for 1000 and 5000)',
};
const file = writeBenchResult('supervisor', result);
console.log(`supervisor: ${result.roundTripsPerSecond} round trips/s; boot ${Object.entries(result.bootSeconds).map(([k, v]) => `${k} drivers ${v}s`).join(', ')} → ${file}`);
