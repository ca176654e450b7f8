import type { MemoryRegion } from '../../scenario/evidence';
import { escapeHtml } from './escape';

/** Fill colour per region kind (also used by the HTML legend). */
export const REGION_COLORS: Record<MemoryRegion['kind'], string> = {
  mmram: '#b3261e', 'comm-buffer': '#1f6feb', mailbox: '#8250df', unblocked: '#2da44e', mmio: '#bf8700', dram: '#6e7781', other: '#9a9a9a',
};

const ROW = 24, GAP_ROW = 14, BAR_W = 150, CHAR_W = 7.3, LABEL_CHARS = 64;

function hex(v: bigint): string {
  return `0x${v.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Bytes as a short human size: 4 KiB, 1.5 MiB, 8 GiB. */
export function humanSize(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let whole = n;
  while (u < units.length - 1 && whole >= 1024n) {
    whole /= 1024n;
    u++;
  }
  const exact = n === whole * 1024n ** BigInt(u);
  if (exact || u === 0) return `${whole} ${units[u]}`;
  const value = Number(n) / 1024 ** u;
  return `${value.toFixed(1)} ${units[u]}`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A picture without its outer <svg>: the HTML report shares identical ones through <symbol>/<use>. */
export interface SvgPicture {
  width: number;
  height: number;
  /** Drawing, styled by presentation attributes only (no <style>, no class: nothing leaks into a page). */
  body: string;
}

const MONO = 'ui-monospace,Menlo,Consolas,monospace', SANS = 'system-ui,sans-serif';

/**
 * The physical memory map of a scenario as an SVG picture: one row per region in address order (not to
 * scale — MMRAM pages and gigabytes of DRAM side by side), the address range, a bar coloured by kind and
 * indented when the region lies inside an earlier one, the label and the MM page attributes; a thin row marks
 * each hole between regions.
 */
export function memoryMapPicture(regions: readonly MemoryRegion[], title = 'Physical memory map'): SvgPicture {
  const rows = regions
    .map((r, i) => ({ r, i, base: BigInt(r.base), end: BigInt(r.base) + BigInt(r.size) }))
    .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : a.i - b.i));
  const ranges = rows.map((row) => `${hex(row.base)}–${hex(row.end - 1n)}`);
  const BAR_X = Math.ceil(8 + Math.max(21, ...ranges.map((r) => r.length)) * CHAR_W + 16);
  const TEXT_X = BAR_X + BAR_W + 12;
  const width = Math.ceil(TEXT_X + LABEL_CHARS * CHAR_W + 8);
  const parts: string[] = [];
  let y = 34;
  const open: bigint[] = []; // ends of enclosing regions
  let covered = -1n;
  for (const [k, row] of rows.entries()) {
    while (open.length > 0 && open[open.length - 1] <= row.base) open.pop();
    if (covered >= 0n && row.base > covered) {
      parts.push(`<text x="${BAR_X}" y="${y + 10}" font-size="10" fill="#6e7781">… ${escapeHtml(humanSize(row.base - covered))} not listed</text>`);
      y += GAP_ROW;
    }
    const depth = Math.min(open.length, 4);
    const color = REGION_COLORS[row.r.kind] ?? REGION_COLORS.other;
    const range = ranges[k];
    const label = `${row.r.label}${row.r.attributes ? ` — ${row.r.attributes}` : ''}`;
    parts.push(
      `<g><title>${escapeHtml(`${row.r.kind}: ${label} (${range}, ${humanSize(row.end - row.base)})`)}</title>` +
      `<text x="8" y="${y + 16}">${escapeHtml(range)}</text>` +
      `<rect x="${BAR_X + depth * 12}" y="${y + 2}" width="${BAR_W - depth * 12}" height="${ROW - 4}" rx="3" fill="${color}"/>` +
      `<text x="${BAR_X + depth * 12 + 6}" y="${y + 16}" font-size="11" fill="#fff">${escapeHtml(clip(`${row.r.kind} ${humanSize(row.end - row.base)}`, 22))}</text>` +
      `<text x="${TEXT_X}" y="${y + 16}">${escapeHtml(clip(label, LABEL_CHARS))}</text></g>`,
    );
    y += ROW;
    open.push(row.end);
    if (row.end > covered) covered = row.end;
  }
  if (rows.length === 0) {
    parts.push(`<text x="8" y="${y + 16}">no regions</text>`);
    y += ROW;
  }
  const height = y + 8;
  const body = `<g font-family="${MONO}" font-size="12" fill="#1f2328">` +
    `<text x="8" y="20" font-weight="bold" font-family="${SANS}">${escapeHtml(title)}</text>${parts.join('')}</g>`;
  return { width, height, body };
}

/** The memory map as a standalone SVG document (reports/evidence/…memory-map.svg). */
export function memoryMapSvg(regions: readonly MemoryRegion[], title = 'Physical memory map'): string {
  const p = memoryMapPicture(regions, title);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="memory-map" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>${p.body}</svg>`;
}
