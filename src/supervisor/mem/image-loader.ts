import { loadPeImage, parsePeImage } from '../../firmware/pe';
import type { MemoryView } from '../../platform/memory-view';
import { PAGE, type MmramAllocator, type PageOwner } from './mmram-allocator';
import type { PageTableManager } from './page-table-manager';

/** A PE32+ image loaded into MMRAM. */
export interface MmLoadedImage {
  name: string;
  /** FFS file GUID of the image (telemetry's DriverId, §9.3). */
  guid: string;
  base: bigint;
  size: number;
  entryPoint: bigint;
  owner: PageOwner;
  /** The writable sections (RW NX by design inside the code allocation, §2.5). */
  writableSections: { base: number; size: number }[];
}

/**
 * Loads PE32+ images into MMRAM and maps them as SmmSetImagePageAttributes does (supervisor-facts §2.5):
 * pages of code type owned by the user (drivers) or the supervisor (core); the whole image read-only first,
 * code sections read-only + executable, writable sections RW + NX, the rest read-only NX.
 */
export class MmImageLoader {
  readonly images: MmLoadedImage[] = [];

  constructor(private readonly view: MemoryView, private readonly allocator: MmramAllocator, private readonly ptm: PageTableManager) {}

  load(bytes: Uint8Array, name: string, guid: string, owner: PageOwner): MmLoadedImage {
    const info = parsePeImage(bytes, name);
    const pages = Math.ceil(info.sizeOfImage / PAGE);
    const align = Math.max(1, Math.ceil(info.sectionAlignment / PAGE));
    const base = this.allocator.allocatePages(pages, owner, 'code', `image ${name}`, align);
    const loaded = loadPeImage(bytes, BigInt(base), name);
    this.view.write(base, loaded.image);
    const user = owner === 'user';
    const writableSections: { base: number; size: number }[] = [];
    this.ptm.setAttributes(base, pages * PAGE, { present: true, writable: false, user, executable: false });
    for (const s of info.sections) {
      const size = Math.ceil(Math.max(s.virtualSize, s.sizeOfRawData) / PAGE) * PAGE;
      if (size === 0) continue;
      if (s.executable) this.ptm.setAttributes(base + s.virtualAddress, size, { present: true, writable: false, user, executable: true });
      else if (s.writable) {
        this.ptm.setAttributes(base + s.virtualAddress, size, { present: true, writable: true, user, executable: false });
        writableSections.push({ base: base + s.virtualAddress, size });
      }
    }
    const image: MmLoadedImage = { name, guid, base: BigInt(base), size: pages * PAGE, entryPoint: loaded.entryPoint, owner, writableSections };
    this.images.push(image);
    return image;
  }

  /** Unloads an image whose entry point failed (§2.4.6): its pages are freed and become not present. */
  unload(image: MmLoadedImage): void {
    const i = this.images.indexOf(image);
    if (i >= 0) this.images.splice(i, 1);
    this.allocator.freePages(Number(image.base), image.size / PAGE);
    this.ptm.setAttributes(Number(image.base), image.size, { present: false, writable: false, user: false, executable: false });
  }

  /** The image containing an address (telemetry, §9.3 "scanning backwards from RIP"). */
  imageAt(address: bigint): MmLoadedImage | undefined {
    return this.images.find((i) => address >= i.base && address < i.base + BigInt(i.size));
  }
}
