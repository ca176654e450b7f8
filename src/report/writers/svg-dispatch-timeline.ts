import type { DispatchEntry } from '../../scenario/evidence';
import { escapeHtml } from './escape';
import type { SvgPicture } from './svg-memory-map';

const BOX_W = 185, BOX_H = 48, STEP_X = 210, STEP_Y = 74, PER_ROW = 4, WIDTH = 20 + PER_ROW * STEP_X;

/** Colour of a dispatch status: grey for not started, red for errors, green for started/success, else blue. */
export function dispatchStatusColor(status: string): string {
  const s = status.toLowerCase();
  if (/never|not started|skipped|not dispatched/.test(s)) return '#8c959f';
  if (/efi_|error|fail|denied|violation|fault/.test(s.replace(/efi_success/g, ''))) return '#cf222e';
  if (/efi_success|started|success|\bok\b|\bran\b|dispatched/.test(s)) return '#2da44e';
  return '#1f6feb';
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The arrowhead marker the timeline's arrows reference (`url(#<id>)`). */
export function arrowheadMarker(id: string): string {
  return `<marker id="${escapeHtml(id)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#57606a"/></marker>`;
}

/**
 * The MM driver dispatch order as an SVG timeline: numbered boxes in dispatch order, PER_ROW per row, joined
 * by arrows (marker `markerId`, defined by the caller), coloured by status; the full name, GUID and status are
 * in each box's tooltip.
 */
export function dispatchTimelinePicture(entries: readonly DispatchEntry[], title: string, markerId: string): SvgPicture {
  const arrow = `stroke="#57606a" stroke-width="1.5" fill="none" marker-end="url(#${escapeHtml(markerId)})"`;
  const parts: string[] = [];
  entries.forEach((d, i) => {
    const col = i % PER_ROW, row = Math.floor(i / PER_ROW);
    const x = 10 + col * STEP_X, y = 34 + row * STEP_Y;
    const color = dispatchStatusColor(d.status);
    parts.push(
      `<g><title>${escapeHtml(`${i + 1}. ${d.name} {${d.guid}}: ${d.status}`)}</title>` +
      `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="#fff" stroke="${color}" stroke-width="2"/>` +
      `<text x="${x + 8}" y="${y + 19}">${escapeHtml(clip(`${i + 1}. ${d.name}`, 25))}</text>` +
      `<text x="${x + 8}" y="${y + 37}" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="11" fill="${color}">${escapeHtml(clip(d.status, 27))}</text></g>`,
    );
    if (i + 1 < entries.length) {
      if (col + 1 < PER_ROW) {
        parts.push(`<path d="M${x + BOX_W + 2} ${y + BOX_H / 2} h${STEP_X - BOX_W - 8}" ${arrow}/>`);
      } else {
        // wrap: down and back to the first column
        const nx = 10 + BOX_W / 2, ny = y + STEP_Y;
        parts.push(`<path d="M${x + BOX_W / 2} ${y + BOX_H + 2} V${y + BOX_H + 12} H${nx} V${ny - 4}" ${arrow}/>`);
      }
    }
  });
  if (entries.length === 0) parts.push('<text x="10" y="50">no driver was dispatched</text>');
  const rows = Math.max(1, Math.ceil(entries.length / PER_ROW));
  const height = 34 + rows * STEP_Y;
  const body = '<g font-family="system-ui,sans-serif" font-size="12" fill="#1f2328">' +
    `<text x="10" y="20" font-weight="bold">${escapeHtml(title)}</text>${parts.join('')}</g>`;
  return { width: WIDTH, height, body };
}

/** The dispatch order as a standalone SVG document (reports/evidence/…dispatch.svg). */
export function dispatchTimelineSvg(entries: readonly DispatchEntry[], title = 'MM driver dispatch order', idPrefix = 'dispatch'): string {
  const marker = `${idPrefix.replace(/[^A-Za-z0-9_-]/g, '-')}-arrowhead`;
  const p = dispatchTimelinePicture(entries, title, marker);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dispatch-order" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title><defs>${arrowheadMarker(marker)}</defs>${p.body}</svg>`;
}
