/**
 * TEST DOUBLE of the MM Supervisor core, for platform tests only (the real model is src/supervisor, issue 5).
 * It is a host module bound to the core's FILE_GUID. Its entry reads the HOB list bytes, and installs an SMI
 * handler at every CPU's SMBASE+0x8000 that, on CPU 0, services the mailboxes at the byte level the way
 * supervisor-facts §8.3 describes (user channel first; supervisor channel otherwise; after ExitBootServices the
 * supervisor mailbox is left untouched), answering MSUP VERSION_INFO / UNBLOCK_MEM / COMM_UPDATE (§6) and the
 * dispatch, ready-to-lock and ExitBootServices MMIs (§8.6). Every CPU then leaves SMM through a real `rsm`.
 */
import { guidFromBytes, ZERO_GUID } from '../../../src/firmware/guid/guid';
import { wellKnownGuid } from '../../../src/firmware/guid/guid-registry';
import { parseHobList } from '../../../src/firmware/hob';
import type { Machine } from '../../../src/platform/machine';
import type { Cpu } from '../../../src/cpu/cpu';

const ERR = 0x8000000000000000n;
const S = {
  SUCCESS: 0n, INVALID_PARAMETER: ERR | 2n, UNSUPPORTED: ERR | 3n, BAD_BUFFER_SIZE: ERR | 4n, NOT_FOUND: ERR | 14n,
  ACCESS_DENIED: ERR | 15n, ABORTED: ERR | 21n,
};
const wk = (n: string) => wellKnownGuid(n)!;

export interface DoubleOptions {
  version?: number;
  patchLevel?: number;
  /** RAX the entry point returns. */
  entryStatus?: bigint;
  /** Result written for VERSION_INFO (default SUCCESS). */
  versionResult?: bigint;
  /** User-channel GUIDs that have a handler returning SUCCESS. */
  userHandlers?: string[];
}

interface Buf { buffer: bigint; pages: bigint; mailbox: bigint }

export interface DoubleState {
  entered: { cpu: number; inSmm: boolean; hobList: bigint }[];
  /** Every MMI seen, in order. */
  mmis: { channel: 'user' | 'supervisor'; guid: string; messageLength: bigint; data: number[]; cpu: number }[];
  unblocks: { type: number; start: bigint; virtualStart: bigint; pages: bigint; attribute: bigint; guid: string }[];
  smiEntries: number[];
  locked: boolean;
  runtime: boolean;
  commUpdated: boolean;
  sup: Buf | null;
  user: Buf | null;
}

export function installTestDoubleCore(machine: Machine, o: DoubleOptions = {}): DoubleState {
  const state: DoubleState = { entered: [], mmis: [], unblocks: [], smiEntries: [], locked: false, runtime: false, commUpdated: false, sup: null, user: null };
  const mem = () => machine.smm;
  machine.hostModules.set(wk('gMmSupervisorCoreGuid'), (m, cpu, args) => {
    state.entered.push({ cpu: cpu.index, inSmm: cpu.inSmm, hobList: args[0] });
    const hobs = parseHobList(m.outside.read(Number(args[0]), 0x10000));
    for (const h of hobs) {
      if (h.kind !== 'guidExtension') continue;
      if (h.payload.kind === 'mmCommonRegion' && !state.sup) state.sup = { buffer: h.payload.address, pages: h.payload.pages, mailbox: h.payload.statusRegionAddress };
      if (h.payload.kind === 'mmCommBuffer') state.user = { buffer: h.payload.physicalStart, pages: h.payload.numberOfPages, mailbox: h.payload.status };
      if (h.payload.kind === 'smmBase') {
        for (const b of h.payload.smBase) {
          m.ram.write(Number(b) + 0x8002, Uint8Array.of(0x0f, 0xaa)); // rsm
          m.ram.setHostTrap(Number(b) + 0x8000, (c) => smi(c));
        }
      }
    }
    return o.entryStatus ?? 0n;
  });

  function smi(cpu: Cpu): void {
    state.smiEntries.push(cpu.index);
    if (cpu.index === 0) service(cpu);
    cpu.ripU64 = 0x8002n; // real RSM (16-bit SMM entry state: CS.base = SMBASE)
  }

  function read(b: Buf): { guid: string; len: bigint; data: Uint8Array } {
    const hdr = mem().read(Number(b.buffer), 24);
    const len = new DataView(hdr.buffer).getBigUint64(16, true);
    const n = len > b.pages * 0x1000n - 24n ? 0 : Number(len);
    return { guid: guidFromBytes(hdr, 0), len, data: mem().read(Number(b.buffer) + 24, n) };
  }

  function reply(b: Buf, status: bigint, size: bigint): void {
    mem().setU8(Number(b.mailbox), 0);
    mem().setU64(Number(b.mailbox) + 8, status);
    mem().setU64(Number(b.mailbox) + 16, size);
  }

  function service(cpu: Cpu): void {
    const { sup, user } = state;
    if (!sup || !user) return;
    if (mem().u8(Number(user.mailbox)) !== 0) {
      const r = read(user);
      state.mmis.push({ channel: 'user', guid: r.guid, messageLength: r.len, data: Array.from(r.data), cpu: cpu.index });
      if (24n + r.len > user.pages * 0x1000n) return reply(user, S.BAD_BUFFER_SIZE, 0n);
      const ok = (o.userHandlers ?? []).includes(r.guid);
      return reply(user, ok ? S.SUCCESS : S.NOT_FOUND, 24n + r.len);
    }
    if (mem().u8(Number(sup.mailbox)) === 0) return;
    if (state.runtime) return; // supervisor-facts §8.3.3a: the supervisor mailbox is left untouched
    const r = read(sup);
    state.mmis.push({ channel: 'supervisor', guid: r.guid, messageLength: r.len, data: Array.from(r.data), cpu: cpu.index });
    if (24n + r.len > sup.pages * 0x1000n) return reply(sup, S.BAD_BUFFER_SIZE, 0n);
    let status = S.NOT_FOUND;
    const out = new Uint8Array(r.data);
    const dv = new DataView(out.buffer);
    if (r.guid === wk('gMmSupervisorRequestHandlerGuid') && out.length >= 24) {
      status = S.SUCCESS;
      const code = dv.getUint32(8, true);
      const result = (v: bigint) => dv.setBigUint64(16, v, true);
      if (dv.getUint32(0, true) !== 0x5055534d || dv.getUint32(4, true) !== 1) result(S.INVALID_PARAMETER);
      else if (code === 3 && out.length >= 40) {
        dv.setUint32(24, o.version ?? 0x00170027, true);
        dv.setUint32(28, o.patchLevel ?? 0x00010001, true);
        dv.setBigUint64(32, 4n, true);
        result(o.versionResult ?? S.SUCCESS);
      } else if (code === 1 && out.length >= 80) {
        const p = { type: dv.getUint32(24, true), start: dv.getBigUint64(32, true), virtualStart: dv.getBigUint64(40, true), pages: dv.getBigUint64(48, true), attribute: dv.getBigUint64(56, true), guid: guidFromBytes(out, 64) };
        state.unblocks.push(p);
        result(state.locked ? S.ACCESS_DENIED : p.guid === ZERO_GUID ? S.INVALID_PARAMETER : S.SUCCESS);
      } else if (code === 4 && out.length >= 24 + 224) {
        if (state.locked || state.commUpdated) result(S.ACCESS_DENIED);
        else {
          const at = (i: number) => ({ start: dv.getBigUint64(24 + i * 56 + 8, true), pages: dv.getBigUint64(24 + i * 56 + 24, true) });
          const next = { sup: { buffer: at(2).start, pages: at(2).pages, mailbox: at(0).start }, user: { buffer: at(3).start, pages: at(3).pages, mailbox: at(1).start } };
          result(S.SUCCESS);
          mem().write(Number(next.sup.buffer), mem().read(Number(sup.buffer), 24));
          state.sup = next.sup;
          state.user = next.user;
          state.commUpdated = true;
        }
      } else if (code >= 1 && code <= 4) {
        status = S.NOT_FOUND;
        result(S.ABORTED);
      } else result(S.UNSUPPORTED);
    } else if (r.guid === wk('gMmSupervisorDriverDispatchGuid') && !state.locked) {
      status = S.SUCCESS;
      if (out.length >= 8) dv.setBigUint64(0, S.NOT_FOUND, true);
    } else if (r.guid === wk('gEfiDxeMmReadyToLockProtocolGuid') && !state.locked) {
      state.locked = true;
      status = S.SUCCESS;
    } else if (r.guid === wk('gEfiEventExitBootServicesGuid')) {
      state.runtime = true;
      status = S.SUCCESS;
    }
    const target = state.sup!;
    mem().write(Number(target.buffer) + 24, out);
    reply(target, status, 24n + BigInt(out.length));
  }

  return state;
}
