import { loadPeImage, parsePeImage, type PeImageInfo } from '../../firmware/pe';
import type { PageAttributes } from './page-attributes';
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

/** One mapping of an image: the whole image, or one of its code or writable sections. */
export interface ImageMapping {
  kind: 'image' | 'code' | 'writable';
  name: string;
  base: number;
  size: number;
  attributes: PageAttributes;
}

/**
 * How SmmSetImagePageAttributes maps an image at `base` (supervisor-facts §2.5), in the order to apply them: the
 * whole image read-only NX, then code sections read-only executable and writable sections RW NX (page-rounded).
 * User-owned for drivers, supervisor-owned for the core (§1.6 step 6).
 */
export function imageMappings(info: PeImageInfo, base: number, size: number, owner: PageOwner): ImageMapping[] {
  const user = owner === 'user';
  const out: ImageMapping[] = [{ kind: 'image', name: 'image', base, size, attributes: { present: true, writable: false, user, executable: false } }];
  for (const s of info.sections) {
    const len = Math.ceil(Math.max(s.virtualSize, s.sizeOfRawData) / PAGE) * PAGE;
    if (len === 0) continue;
    if (s.executable) out.push({ kind: 'code', name: s.name, base: base + s.virtualAddress, size: len, attributes: { present: true, writable: false, user, executable: true } });
    else if (s.writable) out.push({ kind: 'writable', name: s.name, base: base + s.virtualAddress, size: len, attributes: { present: true, writable: true, user, executable: false } });
  }
  return out;
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
    const mappings = imageMappings(info, base, pages * PAGE, owner);
    for (const m of mappings) this.ptm.setAttributes(m.base, m.size, m.attributes);
    const writableSections = mappings.filter((m) => m.kind === 'writable').map(({ base: b, size }) => ({ base: b, size }));
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
