import { describe, it } from 'node:test';
import { expect } from 'chai';
import { wellKnownGuid } from '../../src/firmware/guid/guid-registry';
import { ZERO_GUID } from '../../src/firmware/guid/guid';
import { commMessage } from '../../src/platform/firmware/mm-comm-layout';
import { q35Fixture, sentMmis } from './helpers/boot-fixture';

const wk = (n: string) => wellKnownGuid(n)!;
const ERR = 0x8000000000000000n;
const S = { SUCCESS: 0n, INVALID_PARAMETER: ERR | 2n, BAD_BUFFER_SIZE: ERR | 4n, NOT_READY: ERR | 6n, NOT_FOUND: ERR | 14n, ACCESS_DENIED: ERR | 15n };

describe('MM communicate worker (supervisor-facts §8.2)', () => {
  it('item 112: a request larger than the channel buffer is EFI_BAD_BUFFER_SIZE with CommSize set to the buffer size, no SMI', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const comm = f.boot.supervisorChannel!;
    const smis = f.machine.smiCount;
    for (const channel of ['supervisor', 'user'] as const) {
      const buf = comm.channels[channel].buffer;
      const r = comm.communicate(channel, buf, 16n * 0x1000n + 1n);
      expect(r).to.deep.equal({ status: S.BAD_BUFFER_SIZE, commSize: 16n * 0x1000n });
    }
    // without CommSize, 24 + MessageLength decides
    f.machine.outside.write(Number(comm.channels.user.buffer), commMessage(wk('gEfiEndOfDxeEventGroupGuid'), new Uint8Array(0), 0x10000n));
    expect(comm.communicate('user', comm.channels.user.buffer, null)).to.deep.equal({ status: S.BAD_BUFFER_SIZE, commSize: null });
    expect(f.machine.smiCount).to.equal(smis);
    expect(f.machine.trace.ofType('mmi-refused').length).to.equal(3);
  });

  it('item 113: a mailbox still marked valid gives EFI_INVALID_PARAMETER without triggering an MMI', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const comm = f.boot.supervisorChannel!;
    f.machine.outside.setU8(Number(comm.channels.user.mailbox), 1);
    const smis = f.machine.smiCount;
    const r = f.boot.dxe!.communication!.send(wk('gEfiEndOfDxeEventGroupGuid'), Uint8Array.of(0));
    expect(r.status).to.equal(S.INVALID_PARAMETER);
    expect(r.returnStatus).to.equal(null);
    expect(f.machine.smiCount).to.equal(smis);
  });

  it('NULL buffer, CommSize below the header: EFI_INVALID_PARAMETER', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const comm = f.boot.supervisorChannel!;
    expect(comm.communicate('user', null, 32n).status).to.equal(S.INVALID_PARAMETER);
    expect(comm.communicate('user', comm.channels.user.buffer, 23n).status).to.equal(S.INVALID_PARAMETER);
  });

  it('copies a caller buffer in and the reply out, forces the supervisor MessageLength, and reports ReturnStatus/ReturnBufferSize', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const comm = f.boot.supervisorChannel!;
    const caller = 0x10000000n; // a DXE driver's own buffer
    const msg = commMessage(wk('gMmSupervisorRequestHandlerGuid'), Uint8Array.from([0x4d, 0x53, 0x55, 0x50, 1, 0, 0, 0, 3, 0, 0, 0, ...new Array(12 + 16).fill(0)]), 999n);
    f.machine.outside.write(Number(caller), msg);
    const r = comm.communicate('supervisor', caller, BigInt(msg.length));
    expect(r).to.deep.equal({ status: S.SUCCESS, commSize: BigInt(msg.length) });
    const last = f.core.mmis[f.core.mmis.length - 1];
    expect(last.messageLength).to.equal(BigInt(msg.length - 24)); // forced to CommSize - 24 (§6.1)
    expect(f.machine.outside.u32(Number(caller) + 24 + 24)).to.equal(0x00170027); // reply copied back
    // an unknown GUID: mailbox ReturnStatus EFI_NOT_FOUND becomes the status
    const u = f.boot.dxe!.communication!.send(wk('MmPagingAuditApp'), Uint8Array.of(1, 2, 3));
    expect(u.status).to.equal(S.NOT_FOUND);
    expect(u.returnBufferSize).to.equal(27n);
  });
});

describe('StandaloneMmUnblockMem (supervisor-facts §7.3)', () => {
  const id = wk('MmSupvRequestUnitTestApp');

  it('local checks in order, each without an MMI', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const p = f.boot.unblockProtocol!;
    const smis = f.machine.smiCount;
    expect(p.unblockMemory(0x10000000n, 1n, null)).to.equal(S.INVALID_PARAMETER);
    expect(p.unblockMemory(0n, 1n, id)).to.equal(S.INVALID_PARAMETER);
    expect(p.unblockMemory(0x10000800n, 1n, id)).to.equal(S.INVALID_PARAMETER);
    expect(p.unblockMemory(0x10000800n, 0n, id)).to.equal(S.INVALID_PARAMETER); // alignment before the page count
    expect(p.unblockMemory(0x10000000n, 0n, id)).to.equal(S.SUCCESS);
    expect(p.unblockMemory(0x30000000n, 1n, id)).to.equal(S.ACCESS_DENIED); // EfiConventionalMemory
    expect(p.unblockMemory(0x1ffff000n, 2n, id)).to.equal(S.ACCESS_DENIED); // second page is conventional
    expect(p.unblockMemory(0x80000000n, 1n, id)).to.equal(S.ACCESS_DENIED); // not in the memory map
    expect(f.machine.smiCount).to.equal(smis);
    expect(f.machine.trace.ofType('unblock-request').map((e) => e.data.decidedBy)).to.have.length(8);
  });

  it('sends MSUP UNBLOCK_MEM with Type 6, VirtualStart 0, Attribute 0 and returns the supervisor Result', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const p = f.boot.unblockProtocol!;
    expect(p.unblockMemory(0x10000000n, 2n, id)).to.equal(S.SUCCESS);
    expect(f.core.unblocks).to.deep.equal([{ type: 6, start: 0x10000000n, virtualStart: 0n, pages: 2n, attribute: 0n, guid: id }]);
    expect(p.unblockMemory(0x10004000n, 1n, ZERO_GUID)).to.equal(S.INVALID_PARAMETER); // decided by the supervisor (item 89)
    expect(sentMmis(f.machine).slice(-2).map((m) => [m.request, m.channel, m.milestone])).to.deep.equal([['UNBLOCK_MEM', 'supervisor', 'DXE'], ['UNBLOCK_MEM', 'supervisor', 'DXE']]);
    // TSEG is EfiReservedMemoryType: accepted locally, the supervisor decides (here: the double says SUCCESS)
    expect(p.unblockMemory(BigInt(f.machine.chipset.tsegBase), 1n, id)).to.equal(S.SUCCESS);
  });

  it('after its ready-to-lock notification: EFI_ACCESS_DENIED locally', () => {
    const f = q35Fixture();
    f.boot.runTo('ready to lock');
    const smis = f.machine.smiCount;
    expect(f.boot.unblockProtocol!.unblockMemory(0x10000000n, 1n, id)).to.equal(S.ACCESS_DENIED);
    expect(f.machine.smiCount).to.equal(smis);
  });

  it('without the supervisor communication protocol: EFI_NOT_READY', () => {
    const f = q35Fixture({ config: (c) => ({ ...c, firmware: { ...c.firmware, dxe: ['StandaloneMmUnblockMem'] } }) });
    f.boot.runTo('DXE');
    expect(f.boot.unblockProtocol!.unblockMemory(0x10000000n, 1n, id)).to.equal(S.NOT_READY);
  });

  it('a read-only runtime range is refused', () => {
    const f = q35Fixture({ config: (c) => ({ ...c, dxeMemoryMap: [...c.dxeMemoryMap, { base: 0x18000000n, size: 0x1000n, type: 6, readOnly: true }] }) });
    f.boot.runTo('DXE');
    expect(f.boot.unblockProtocol!.unblockMemory(0x18000000n, 1n, id)).to.equal(S.ACCESS_DENIED);
    expect(f.boot.unblockProtocol!.unblockMemory(0x18001000n, 1n, id)).to.equal(S.SUCCESS);
  });
});

describe('DXE memory map (DESIGN.md "the platform q35")', () => {
  it('types 0x10000000–0x1FFFFFFF EfiRuntimeServicesData, TSEG EfiReservedMemoryType, other DRAM conventional, allocations by owner', () => {
    const f = q35Fixture();
    f.boot.runTo('DXE');
    const map = f.boot.dxe!.context.memoryMap;
    expect(map.at(0x10000000n)!.type).to.equal(6);
    expect(map.at(0x1fffffffn)!.type).to.equal(6);
    expect(map.at(BigInt(f.machine.chipset.tsegBase))!.type).to.equal(0);
    expect(map.at(0x30000000n)!.type).to.equal(7);
    expect(map.at(f.boot.fv!.base)!.type).to.equal(4);
    expect(map.at(0xe0000000n)).to.equal(undefined);
    const d = map.descriptors();
    for (let i = 1; i < d.length; i++) expect(d[i].base >= d[i - 1].base + d[i - 1].pages * 0x1000n).to.equal(true);
  });
});
