/**
 * supervisor-facts §1.6 step 2 / §12 item 6: an inconsistent memory map (overlapping resource HOBs, overlapping
 * MMRAM ranges, an MMRAM range outside every described range) makes core init cold-reset the machine. Before the
 * fix the check threw a plain Error out of the core's entry point instead of resetting.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { ZERO_GUID } from '../../../src/firmware/guid';
import { q35WithSupervisor } from '../../platform/helpers/real-supervisor-fixture';

describe('core init with an inconsistent memory map (item 6)', () => {
  it('cold-resets through the reset control port when system-memory resource HOBs overlap', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('PEI');
    f.boot.hobs!.add({ kind: 'resourceDescriptor', owner: ZERO_GUID, resourceType: 0, resourceAttribute: 0x3c07, physicalStart: 0x10000000n, resourceLength: 0x100000n });
    const r = f.boot.runTo('end of PEI');
    expect(r.stopped?.kind).to.equal('cold-reset');
    expect(f.machine.trace.ofType('core').map((e) => e.data.step)).to.include('memory map check');
    expect(f.core.runtime).to.equal(undefined);
  });

  it('does not reset when an extra MMIO range overlaps nothing', () => {
    const f = q35WithSupervisor();
    f.boot.runTo('PEI');
    f.boot.hobs!.add({ kind: 'resourceDescriptor', owner: ZERO_GUID, resourceType: 1, resourceAttribute: 0x403, physicalStart: 0x50000000n, resourceLength: 0x100000n });
    expect(f.boot.runTo('end of PEI')).to.deep.equal({ reached: 'end of PEI', stopped: null });
    expect(f.core.entryResult).to.deep.equal({ status: 0n });
  });
});
