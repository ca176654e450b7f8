import { describe, it } from 'node:test';
import { expect } from 'chai';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { FfsFileType } from '../../../src/firmware/fv';
import { MEM_DESC_UNINIT_BASEADDR, PolicyAttr, parsePolicy } from '../../../src/firmware/policy';
import { MemoryView } from '../../../src/platform/memory-view';
import { EFI } from '../../../src/supervisor/core/efi-codes';
import { SupervisorGuids as G } from '../../../src/supervisor/core/supervisor-guids';
import { MemoryPolicySnapshot, PageTableMemoryPolicyGenerator, loadFirmwarePolicy } from '../../../src/supervisor/policy';
import { ffs, samplePolicy, volume } from '../fv-fixtures';

const OTHER = '12345678-1234-1234-1234-123456789abc';

describe('supervisor policy: load from the core FV (supervisor-facts §4.5)', () => {
  it('item 72: the first RAW section of the first FREEFORM file 81FF0793-… is the policy', () => {
    const good = samplePolicy();
    const decoy = new Uint8Array(good);
    decoy[0x24] = 0; // PolicyRootCount 0 → size mismatch, but never read
    const fv = volume([
      ffs(G.policyFile, FfsFileType.DRIVER, [{ kind: 'raw', data: decoy }]), // wrong file type
      ffs(OTHER, FfsFileType.FREEFORM, [{ kind: 'raw', data: decoy }]), // wrong name
      ffs(G.policyFile, FfsFileType.FREEFORM, [{ kind: 'ui', name: 'x' }, { kind: 'raw', data: good }, { kind: 'raw', data: decoy }]),
      ffs(G.policyFile, FfsFileType.FREEFORM, [{ kind: 'raw', data: decoy }]),
    ]);
    const r = loadFirmwarePolicy(fv);
    expect(r.loaded).to.equal(true);
    if (r.loaded) {
      expect(Buffer.from(r.firmwarePolicy.blob).equals(Buffer.from(good))).to.equal(true);
      expect(r.firmwarePolicy.validation.ok).to.equal(true);
    }
    expect(loadFirmwarePolicy(volume([ffs(OTHER, FfsFileType.FREEFORM, [{ kind: 'raw', data: good }])]))).to.include({ loaded: false, status: EFI.NOT_FOUND });
  });

  it('item 73: Header.Size larger than the RAW section → EFI_BAD_BUFFER_SIZE, no policy', () => {
    const blob = samplePolicy();
    const truncated = blob.slice(0, blob.length - 8);
    const r = loadFirmwarePolicy(volume([ffs(G.policyFile, FfsFileType.FREEFORM, [{ kind: 'raw', data: truncated }])]));
    expect(r).to.include({ loaded: false, status: EFI.BAD_BUFFER_SIZE });
  });

  it('§11 item 3: an invalid policy stays in force by default; enforceInvalidPolicy:false refuses it', () => {
    const blob = samplePolicy();
    new DataView(blob.buffer).setUint32(0x0c, 1, true); // MemoryPolicyCount ≠ 0 (rule 10)
    const fv = volume([ffs(G.policyFile, FfsFileType.FREEFORM, [{ kind: 'raw', data: blob }])]);
    const r = loadFirmwarePolicy(fv);
    expect(r.loaded && r.enforcedInvalid).to.equal(true);
    expect(r.loaded && r.firmwarePolicy.policy?.memoryPolicyCount).to.equal(1);
    expect(loadFirmwarePolicy(fv, { enforceInvalidPolicy: false })).to.include({ loaded: false, status: EFI.SECURITY_VIOLATION });
  });

  it('§4.5 step 3: the blob is copied into supervisor MMRAM pages through the SMM view', () => {
    const view = new MemoryView(new SparseMemory(), true);
    const blob = samplePolicy();
    const pages: [bigint, string][] = [];
    const r = loadFirmwarePolicy(volume([ffs(G.policyFile, FfsFileType.FREEFORM, [{ kind: 'raw', data: blob }])]), {
      store: { smm: view, allocator: { allocatePages: (n, owner) => { pages.push([n, owner]); return 0x7f60_0000n; } } },
    });
    expect(r.loaded && r.firmwarePolicy.address).to.equal(0x7f60_0000n);
    expect(pages).to.deep.equal([[1n, 'supervisor']]);
    expect(Buffer.from(view.read(0x7f60_0000, blob.length)).equals(Buffer.from(blob))).to.equal(true);
  });
});

// ---- page tables as bytes ----
const PML4 = 0x10_0000;
const PDPT = 0x10_1000;
const PD = 0x10_2000;
const PT = 0x10_3000;
const P = 1n, RW = 2n, US = 4n, PS = 0x80n, NX = 1n << 63n;

function tables(view: MemoryView) {
  const set = (table: number, i: number, v: bigint) => view.setU64(table + 8 * i, v);
  set(PML4, 0, BigInt(PDPT) | P | RW | US);
  set(PDPT, 0, BigInt(PD) | P | RW | US);
  set(PDPT, 1, 0x4000_0000n | P | PS | NX); // 1 GiB RO NX leaf at 1 GiB — inside MMRAM below → skipped? no: only partly
  set(PD, 0, BigInt(PT) | P | RW);
  set(PT, 1, 0x1000n | P | RW | NX | US); // user RW NX
  set(PT, 2, 0x2000n | P | RW | NX); // supervisor RW NX: U/S ignored → merges with the previous page
  set(PT, 3, 0x3000n | P | NX); // RO
  set(PT, 5, 0x5000n | P | RW); // RWX
  set(PD, 1, 0x20_0000n | P | PS | RW); // 2 MiB leaf entirely inside MMRAM → skipped
  set(PD, 2, 0x40_0000n | P | PS | RW | NX); // 2 MiB straddling MMRAM end → reported
  return { set };
}

const paging = (over: Partial<{ longMode: boolean; paging: boolean; writeProtect: boolean }> = {}) => ({
  pagingState: () => ({ cr3: BigInt(PML4), longMode: true, paging: true, writeProtect: true, ...over }),
});

describe('supervisor policy: memory policy from the page tables (supervisor-facts §4.10)', () => {
  const mmram = [{ physicalStart: 0x20_0000n, physicalSize: 0x30_0000n }];

  it('item 96: walk skips non-present and in-MMRAM leaves, R always, W iff RW at every level, X iff NX clear at every level, U/S ignored, merged', () => {
    const view = new MemoryView(new SparseMemory(), true);
    tables(view);
    const gen = new PageTableMemoryPolicyGenerator(view, paging(), mmram);
    const d = gen.generateMemoryPolicy();
    expect(d).to.deep.equal([
      { baseAddress: 0x1000n, size: 0x2000n, memAttributes: PolicyAttr.READ | PolicyAttr.WRITE, reserved: 0 },
      { baseAddress: 0x3000n, size: 0x1000n, memAttributes: PolicyAttr.READ, reserved: 0 },
      { baseAddress: 0x5000n, size: 0x1000n, memAttributes: PolicyAttr.READ | PolicyAttr.WRITE | PolicyAttr.EXECUTE, reserved: 0 },
      { baseAddress: 0x40_0000n, size: 0x20_0000n, memAttributes: PolicyAttr.READ | PolicyAttr.WRITE, reserved: 0 },
      { baseAddress: 0x4000_0000n, size: 0x4000_0000n, memAttributes: PolicyAttr.READ, reserved: 0 },
    ]);
  });

  it('item 96: W is cleared by a read-only upper level and X by an NX upper level', () => {
    const view = new MemoryView(new SparseMemory(), true);
    const { set } = tables(view);
    set(PDPT, 0, BigInt(PD) | P | US | NX); // upper level RO + NX
    const d = new PageTableMemoryPolicyGenerator(view, paging(), mmram).generateMemoryPolicy();
    // 0x1000–0x3FFF merge (all R now); 0x5000 is not contiguous (0x4000 not present) so it stays separate
    expect(Array.isArray(d) && d.filter((x) => x.baseAddress < 0x20_0000n).map((x) => [x.baseAddress, x.size, x.memAttributes]))
      .to.deep.equal([[0x1000n, 0x3000n, PolicyAttr.READ], [0x5000n, 0x1000n, PolicyAttr.READ]]);
  });

  it('§4.10: without long mode, paging or CR0.WP → EFI_UNSUPPORTED', () => {
    const view = new MemoryView(new SparseMemory(), true);
    for (const o of [{ longMode: false }, { paging: false }, { writeProtect: false }]) {
      expect(new PageTableMemoryPolicyGenerator(view, paging(o), mmram).generateMemoryPolicy()).to.deep.equal({ error: EFI.UNSUPPORTED });
    }
  });

  it('§11 item 16: nothing reportable → one 0xDEADBEEF placeholder descriptor in the snapshot', () => {
    const s = new MemoryPolicySnapshot();
    expect(s.take([])).to.equal(EFI.SUCCESS);
    const p = parsePolicy(s.bytes!);
    const mem = p.roots.find((r) => r.kind === 'mem');
    expect(mem && mem.kind === 'mem' && mem.descriptors.map((d) => d.baseAddress)).to.deep.equal([MEM_DESC_UNINIT_BASEADDR]);
    expect(mem?.accessAttr).to.equal(0);
  });

  it('§4.10 snapshot: 40 descriptors fit the 0x400 buffer, 41 → EFI_OUT_OF_RESOURCES; comparison is on the MEM root', () => {
    const descs = (n: number) => Array.from({ length: n }, (_, i) => ({ baseAddress: BigInt(i) * 0x2000n, size: 0x1000n, memAttributes: 1, reserved: 0 }));
    const s = new MemoryPolicySnapshot();
    expect(s.take(descs(41))).to.equal(EFI.OUT_OF_RESOURCES);
    expect(s.bytes).to.equal(undefined);
    expect(s.take(descs(40))).to.equal(EFI.SUCCESS);
    expect(s.bytes!.length).to.equal(0x400);
    const t = new MemoryPolicySnapshot();
    t.take(descs(40));
    expect(s.matches(t.bytes!)).to.equal(true);
    const u = new MemoryPolicySnapshot();
    u.take(descs(39));
    expect(s.matches(u.bytes!)).to.equal(false);
  });
});
