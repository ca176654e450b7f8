/** A supervisor CPU with the real Ring 3 broker, for running driver images built by src/scenario/driver. */
import { expect } from 'chai';
import type { Cpu } from '../../../src/cpu/cpu';
import { guidFromBytes } from '../../../src/firmware/guid';
import { buildDriverImage, type DriverImageSpec } from '../../../src/scenario/driver';
import { buildRing3BrokerImage, RING3_BROKER_FILE_GUID } from '../../../src/supervisor/broker/ring3-broker-image';
import { MmImageLoader } from '../../../src/supervisor/mem/image-loader';
import { setupSupervisorCpu } from '../../supervisor/support/supervisor-cpu-harness';

/**
 * A supervisor CPU with the real Ring 3 broker loaded and its entry run (so the user MMST exists), then
 * `spec` built by buildDriverImage and loaded by the supervisor's MmImageLoader. Syscalls and the services
 * the supervisor would perform are logged.
 */
export function withBroker(spec: DriverImageSpec, o: { saveStateStatus?: bigint } = {}) {
  const protocols: string[] = [];
  const handlers: { handler: bigint; guid: string | null }[] = [];
  const saveState: { protocol: bigint; register?: number; cpuIndex?: number; width?: bigint; buffer?: bigint }[] = [];
  const t = setupSupervisorCpu('ret', {
    services: {
      installProtocol: (g) => {
        protocols.push(guidFromBytes(g));
        return 0n;
      },
      registerUserHandler: (h, g) => {
        handlers.push({ handler: h, guid: g === null ? null : guidFromBytes(g) });
        return 0x5000n + BigInt(handlers.length);
      },
      saveStateRead: (_cpu, protocol, register, cpuIndex) => {
        saveState.push({ protocol, register, cpuIndex });
      },
      saveStateRead2: (_cpu, protocol, width, buffer) => {
        saveState.push({ protocol, width, buffer });
        return o.saveStateStatus ?? 0n;
      },
    },
  });
  const syscalls: { index: number; args: bigint[] }[] = [];
  const dispatch = t.dispatcher.dispatch.bind(t.dispatcher);
  t.dispatcher.dispatch = (cpu: Cpu) => {
    syscalls.push({ index: Number(cpu.getReg64(0)), args: [cpu.getReg64(2), cpu.getReg64(8), cpu.getReg64(9)] });
    return dispatch(cpu);
  };
  const ports: { port: number; size: number; value: number }[] = [];
  t.m.ports.attach(0x80, 1, { write: (port, size, value) => ports.push({ port, size, value }) });
  const loader = new MmImageLoader(t.m.smm, t.alloc, t.ptm);
  const broker = loader.load(buildRing3BrokerImage(), 'MmSupervisorRing3Broker', RING3_BROKER_FILE_GUID, 'user');
  expect(t.demotion.invokeDemoted(t.cpu, broker.entryPoint, [broker.base, 0n])).to.equal(0n);
  const mmst = t.dispatcher.registrations.cpl3Table!;
  const brokerProtocols = protocols.length;
  handlers.length = 0; // the broker's own lifecycle handlers
  syscalls.length = 0;
  const image = loader.load(buildDriverImage(spec), spec.name, spec.guid, 'user');
  return {
    t, image, broker, mmst, protocols, handlers, saveState, syscalls, ports, brokerProtocols,
    entry: () => t.demotion.invokeDemoted(t.cpu, image.entryPoint, [image.base, mmst]),
    /** An MMI to the k-th handler the driver registered, through the broker's trampoline (§3.2, §8.5). */
    mmi: (k: number, commBuffer = 0n) => t.demotion.invokeDemoted(t.cpu, t.dispatcher.registrations.mmiTrampoline!, [0x5001n, 0n, commBuffer, 0n, handlers[k].handler]),
  };
}

