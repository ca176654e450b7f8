/** A memory-backed MmEntryPoint with real handler database and MmiManager; CPL3 code is a fake invoker (TESTS ONLY). */
import { SparseMemory } from '../../src/cpu/physical-memory';
import { guidToBytes } from '../../src/firmware/guid';
import { MemoryView } from '../../src/platform/memory-view';
import { CommBufferRegistry } from '../../src/supervisor/core/comm-buffers';
import { readMailbox, writeMailbox } from '../../src/supervisor/core/comm-mailbox';
import { MmEntryPoint, type MmEntryPointOptions } from '../../src/supervisor/core/mm-entry-point';
import { SupervisorGuids } from '../../src/supervisor/core/supervisor-guids';
import { SupervisorState } from '../../src/supervisor/core/supervisor-state';
import { MmiHandlerDatabase, MmiManager } from '../../src/supervisor/handler';
import { FakeInvoker, FakePageAttributes, SUPERVISOR_RW, USER_RW } from './fakes';

export const H = {
  SUP_BUF: 0x6000_0000n, SUP_MB: 0x6001_0000n, USER_BUF: 0x6002_0000n, USER_MB: 0x6003_0000n,
  SUP_COPY: 0x7f10_0000n, USER_COPY: 0x7f20_0000n, SCRATCH: 0x7f30_0000n, TRAMPOLINE: 0x7f40_0000n,
};

export type UserHandlerFn = (view: MemoryView, commBuffer: bigint, sizeAddr: bigint) => bigint;

export function entryHarness(options: MmEntryPointOptions & { pages?: bigint } = {}) {
  const ram = new SparseMemory();
  const view = new MemoryView(ram, true);
  const pages = options.pages ?? 1n;
  const buffers = new CommBufferRegistry(
    { address: H.SUP_BUF, pages, mailbox: H.SUP_MB, internalCopy: H.SUP_COPY },
    { address: H.USER_BUF, pages, mailbox: H.USER_MB, internalCopy: H.USER_COPY },
    H.SCRATCH,
  );
  const attrs = new FakePageAttributes()
    .mark(H.SUP_COPY, pages * 0x1000n, SUPERVISOR_RW)
    .mark(H.USER_COPY, pages * 0x1000n, USER_RW)
    .mark(H.SCRATCH, 0x1000n, USER_RW);
  const userHandlers = new Map<bigint, UserHandlerFn>();
  const invoker = new FakeInvoker((_r, args) => {
    const fn = userHandlers.get(args[4]);
    return fn ? fn(view, args[2], args[3]) : 0n;
  });
  const database = new MmiHandlerDatabase();
  const mmi = new MmiManager({ database, attributes: attrs, invoker, trampolines: { mmiHandlerTrampoline: () => H.TRAMPOLINE } });
  const state = new SupervisorState();
  const entry = new MmEntryPoint({ smm: view, buffers, mmi, state, options });
  let nextEntry = 0x7f50_0000n;
  const registerUser = (guid: string | null, fn: UserHandlerFn) => {
    const e = (nextEntry += 0x100n);
    userHandlers.set(e, fn);
    return database.registerUser(e, guid);
  };

  /** Writes a legacy header + data into a channel's external buffer and marks its mailbox valid. */
  const post = (channel: 'user' | 'supervisor', guid: string, data: Uint8Array, messageLength = BigInt(data.length)) => {
    const buf = channel === 'user' ? H.USER_BUF : H.SUP_BUF;
    view.write(Number(buf), guidToBytes(guid));
    view.setU64(Number(buf) + 16, messageLength);
    view.write(Number(buf) + 24, data);
    writeMailbox(view, channel === 'user' ? H.USER_MB : H.SUP_MB, { valid: true, returnStatus: 0x55n, returnBufferSize: 0x66n });
  };
  /** A V3 header: HeaderGuid = V3, BufferSize, MessageGuid, MessageSize, data at +56. */
  const postV3 = (channel: 'user' | 'supervisor', guid: string, data: Uint8Array, bufferSize = 56n + BigInt(data.length)) => {
    const buf = Number(channel === 'user' ? H.USER_BUF : H.SUP_BUF);
    view.write(buf, guidToBytes(SupervisorGuids.communicateHeaderV3));
    view.setU64(buf + 16, bufferSize);
    view.setU64(buf + 24, 0n);
    view.write(buf + 32, guidToBytes(guid));
    view.setU64(buf + 48, BigInt(data.length));
    view.write(buf + 56, data);
    writeMailbox(view, channel === 'user' ? H.USER_MB : H.SUP_MB, { valid: true, returnStatus: 0x55n, returnBufferSize: 0x66n });
  };
  const mailbox = (channel: 'user' | 'supervisor') => readMailbox(view, channel === 'user' ? H.USER_MB : H.SUP_MB);
  return { ram, view, buffers, attrs, invoker, database, mmi, state, entry, registerUser, post, postV3, mailbox };
}
