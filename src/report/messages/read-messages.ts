import type { Envelope } from '@cucumber/messages';
import { ReportInputError } from '../report-error';

/**
 * Parses a Cucumber message stream (NDJSON: one Envelope per line, as the `message` formatter writes it).
 * Blank lines are skipped; a line that is not a JSON object is a REPORT_BAD_MESSAGES error naming the file
 * and line. Message contents are not validated further: readers take what they need and tolerate the rest.
 */
export function parseMessages(text: string, source = 'messages.ndjson'): Envelope[] {
  const out: Envelope[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new ReportInputError('REPORT_BAD_MESSAGES', `${source}:${i + 1}: not a JSON message (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new ReportInputError('REPORT_BAD_MESSAGES', `${source}:${i + 1}: a message must be a JSON object`);
    }
    out.push(v as Envelope);
  }
  return out;
}
