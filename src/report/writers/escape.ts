/** Text for HTML/SVG/XML element content and quoted attribute values: & < > " ' escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Text for HTML element content only (never attributes): & < > escaped, quotes kept as they are. */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * Text for a Markdown table cell or paragraph: Markdown punctuation and inline HTML neutralised, line breaks
 * turned into spaces (a cell must stay on one line).
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Code in Markdown backticks, with a fence long enough for any backticks inside. */
export function markdownCode(s: string): string {
  const one = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** A string that is safe as an HTML id / URL fragment (letters, digits, - _ . :). */
export function htmlId(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]/g, '-');
}
