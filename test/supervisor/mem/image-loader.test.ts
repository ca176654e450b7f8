import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../../src/asm';
import { writePeImage, peLayout } from '../../../src/firmware/pe';
import { SparseMemory } from '../../../src/cpu/physical-memory';
import { MemoryView } from '../../../src/platform/memory-view';
import { MmramAllocator } from '../../../src/supervisor/mem/mmram-allocator';
import { PageTableManager } from '../../../src/supervisor/mem/page-table-manager';
import { describeAttributes } from '../../../src/supervisor/mem/page-attributes';
import { MmImageLoader } from '../../../src/supervisor/mem/image-loader';

describe('supervisor mem: MmImageLoader (§2.5, item 31)', () => {
  it('maps a user driver: code user RO executable, data user RW NX, headers RO NX; unload blocks its pages', () => {
    const mem = new SparseMemory();
    const view = new MemoryView(mem, true);
    const alloc = new MmramAllocator([{ base: 0x3f800000, size: 0x800000 }]);
    const ptm = new PageTableManager(view, alloc, () => undefined);
    const code = assemble('xor eax, eax\nret').bytes;
    const spec = { code, data: new Uint8Array(16) } as Parameters<typeof writePeImage>[0];
    const bytes = writePeImage(spec);
    const { dataRva } = peLayout(spec);
    const loader = new MmImageLoader(view, alloc, ptm);
    const img = loader.load(bytes, 'TestDriver', '11111111-2222-3333-4444-555555555555', 'user');
    const at = (a: bigint) => describeAttributes(ptm.query(Number(a)).attributes);
    expect(at(img.base)).to.equal('user read-only no-execute');
    expect(at(img.entryPoint)).to.equal('user read-only executable');
    expect(at(img.base + BigInt(dataRva))).to.equal('user read-write no-execute');
    expect(view.read(Number(img.entryPoint), code.length)).to.deep.equal(code);
    expect(loader.imageAt(img.entryPoint)).to.equal(img);
    loader.unload(img);
    expect(at(img.entryPoint)).to.equal('not present');
  });
});
