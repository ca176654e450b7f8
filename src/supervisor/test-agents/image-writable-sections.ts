import { parsePeImage } from '../../firmware/pe';
import { PAGE } from '../mem/mmram-allocator';
import type { AuditRange } from './paging-audit';

/**
 * The writable, non-executable sections of a PE32+ image loaded at `base`, page-rounded exactly as MmImageLoader
 * maps them RW NX inside the image's code-type allocation (supervisor-facts §2.5). The paging audit exempts these
 * from `code-not-writable`; an executable writable section stays a `no-write-execute` finding.
 */
export function imageWritableSections(peBytes: Uint8Array, base: number | bigint, name: string): AuditRange[] {
  const info = parsePeImage(peBytes, name);
  const out: AuditRange[] = [];
  for (const s of info.sections) {
    const size = Math.ceil(Math.max(s.virtualSize, s.sizeOfRawData) / PAGE) * PAGE;
    if (size === 0 || !s.writable || s.executable) continue;
    out.push({ base: Number(base) + s.virtualAddress, size, what: `image ${name} section ${s.name}` });
  }
  return out;
}
