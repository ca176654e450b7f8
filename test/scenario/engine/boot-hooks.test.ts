import { describe, it } from 'node:test';
import { expect } from 'chai';
import { protectedRegionHob, supervisorCommRegionType, withoutMmramRangeHob } from '../../../src/scenario/engine/boot-hob-edits';
import { coreEntryCall, editHobsAtCoreEntry, editHobsBeforeIpl, probeSyscallCpuState, syscallSnapshots } from '../../../src/scenario/engine/boot-hooks';
import { namedRegion, pagesNotMatching, unexplainedPresentPagesOutsideMmram } from '../../../src/scenario/engine/boot-memory';
import { ScenarioPlatform } from '../../../src/scenario/engine/scenario-platform';

describe('scenario engine: boot hooks (HOB edits, core entry, syscall probe)', () => {
  it('a before-IPL edit reaches the core: an IOMMU protected-region HOB is mapped user RO NX', () => {
    const p = new ScenarioPlatform();
    p.usePlatform('q35');
    editHobsBeforeIpl(p, protectedRegionHob(0n, 0xfed90000n, 1n));
    p.bootTo('end of PEI');
    expect(p.describePage(0xfed90000n)).to.equal('user read-only no-execute');
    expect(unexplainedPresentPagesOutsideMmram(p)).to.deep.equal([]);
  });

  it('an at-core-entry edit changes what the core reads, after the IPL has checked the HOBs itself', () => {
    const p = new ScenarioPlatform();
    editHobsAtCoreEntry(p, supervisorCommRegionType(1n));
    p.bootTo('end of PEI');
    expect(p.boot!.pei!.ipl!.core!.entryStatus).to.equal(0x8000000000000003n);
    expect(p.core!.runtime).to.equal(undefined);
    expect(coreEntryCall(p)!.hobList).to.equal(p.booted.hobListAddress);
  });

  it('without an MMRAM-range HOB the core entry fails with EFI_UNSUPPORTED', () => {
    const p = new ScenarioPlatform();
    editHobsAtCoreEntry(p, withoutMmramRangeHob());
    p.bootTo('end of PEI');
    expect(p.boot!.pei!.ipl!.core!.entryStatus).to.equal(0x8000000000000003n);
  });

  it('the syscall probe records CR4 and the syscall MSRs while the broker runs', () => {
    const p = new ScenarioPlatform();
    probeSyscallCpuState(p);
    p.bootTo('end of PEI');
    const s = syscallSnapshots(p);
    expect(s.length).to.be.greaterThan(0);
    expect((s[0].msrs.STAR >> 32n) & 0xffffn).to.equal(0x38n);
    expect(() => probeSyscallCpuState(p)).to.throw(/before the platform boots/);
  });

  it('named regions: the comm buffers are supervisor RW NX', () => {
    const p = new ScenarioPlatform();
    p.bootTo('end of PEI');
    for (const n of ['supervisor comm buffer', 'user comm buffer', 'supervisor mailbox', 'user mailbox'] as const) {
      expect(pagesNotMatching(p, namedRegion(p, n), { present: true, user: false, writable: true, executable: false })).to.deep.equal([]);
    }
  });
});
