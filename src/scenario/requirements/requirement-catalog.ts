/**
 * Loads the requirement catalog (fixtures/requirements/catalog.yaml): every ID a scenario may name with `@req:`,
 * each with a one-line statement, its source document and section, and its report area (DESIGN.md "Requirements
 * and reports"). The file has two keys:
 *
 *   areas:         the fixed area list of requirement.ts, in the same order, each with a one-line description
 *   requirements:  entries {id, statement, source, area, testable?, reason?}, SUPV by number, then SEED
 *
 * Every problem is a RequirementCatalogError naming file:line:column and the field.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { didYouMean } from '../../firmware/text/suggest';
import { isRequirementArea, REQUIREMENT_AREAS, type Requirement, type RequirementArea, type RequirementCatalog } from './requirement';
import { RequirementCatalogError, type RequirementCatalogErrorCode } from './requirement-catalog-error';
import { compareRequirementIds, normalizeRequirementId, parseRequirementId, suggestRequirementIds } from './requirement-id';

export type { Requirement, RequirementArea, RequirementCatalog } from './requirement';
export { isRequirementArea, REQUIREMENT_AREAS } from './requirement';
export { RequirementCatalogError, type RequirementCatalogErrorCode } from './requirement-catalog-error';
export { isRequirementId, isRequirementTag, requirementIdOfTag, suggestRequirementIds } from './requirement-id';

/** The repository's catalog, resolved from this file's location (src/scenario/requirements → repo root). */
export const DEFAULT_REQUIREMENT_CATALOG = resolve(__dirname, '..', '..', '..', 'fixtures', 'requirements', 'catalog.yaml');

const TOP_KEYS = ['areas', 'requirements'];
const ENTRY_KEYS = ['id', 'statement', 'source', 'area', 'testable', 'reason'];

/** Reads and validates a catalog file (default: the repository's). */
export function loadRequirementCatalog(path: string = DEFAULT_REQUIREMENT_CATALOG): RequirementCatalog {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RequirementCatalogError('REQUIREMENT_CATALOG_UNREADABLE', file, 1, 1, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  return parseRequirementCatalog(text, file);
}

/** Parses catalog YAML; `fileName` is only used in error messages and as the catalog's `source`. */
export function parseRequirementCatalog(text: string, fileName: string): RequirementCatalog {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const r = new Reader(fileName, lines);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    r.failAt('REQUIREMENT_CATALOG_SYNTAX', e.pos[0], '(document)', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents as YamlNode | null;
  if (!root || !isMap(root)) return r.fail('REQUIREMENT_CATALOG_SHAPE', root, '(document)', 'expected a mapping with the keys areas and requirements');
  r.keys(root, TOP_KEYS, '');

  const descriptions = readAreas(r, root);
  const requirements = readRequirements(r, root);

  const index = new Map(requirements.map((q) => [q.id, q]));
  const ids = requirements.map((q) => q.id);
  return {
    source: fileName,
    requirements,
    areas: REQUIREMENT_AREAS,
    byId: (id) => index.get(id),
    areaDescription: (area) => descriptions.get(area) ?? '',
    inArea: (area) => requirements.filter((q) => q.area === area),
    suggest: (unknownId, limit = 3) => suggestRequirementIds(unknownId, ids, limit),
  };
}

function readAreas(r: Reader, root: YAMLMap): Map<RequirementArea, string> {
  const node = r.required(root, 'areas', 'areas', root);
  if (!isMap(node)) return r.fail('REQUIREMENT_CATALOG_SHAPE', node, 'areas', 'expected a mapping of area name to a one-line description');
  const out = new Map<RequirementArea, string>();
  node.items.forEach((pair, i) => {
    const keyNode = pair.key as YamlNode;
    const name = isScalar(keyNode) ? String(keyNode.value) : '';
    if (!isRequirementArea(name)) {
      r.fail('REQUIREMENT_CATALOG_AREAS_MISMATCH', keyNode, `areas.${name}`, `not one of the loader's areas (${REQUIREMENT_AREAS.join(', ')})${didYouMean(name, REQUIREMENT_AREAS)}`);
    }
    if (name !== REQUIREMENT_AREAS[i]) {
      r.fail('REQUIREMENT_CATALOG_AREAS_MISMATCH', keyNode, `areas.${name}`, `expected ${REQUIREMENT_AREAS[i]} at position ${i + 1} (the areas must be listed in the loader's order: ${REQUIREMENT_AREAS.join(', ')})`);
    }
    out.set(name, r.line(pair.value as YamlNode, `areas.${name}`, node));
  });
  if (node.items.length < REQUIREMENT_AREAS.length) {
    r.fail('REQUIREMENT_CATALOG_AREAS_MISMATCH', node, 'areas', `missing ${REQUIREMENT_AREAS.slice(node.items.length).join(', ')}`);
  }
  return out;
}

function readRequirements(r: Reader, root: YAMLMap): Requirement[] {
  const node = r.required(root, 'requirements', 'requirements', root);
  if (!isSeq(node)) return r.fail('REQUIREMENT_CATALOG_SHAPE', node, 'requirements', 'expected a list of requirement entries');
  const out: Requirement[] = [];
  const firstLine = new Map<string, number>();
  (node.items as YamlNode[]).forEach((item, i) => {
    const at = `requirements[${i}]`;
    if (!isMap(item)) r.fail('REQUIREMENT_CATALOG_SHAPE', item, at, 'expected a mapping with id, statement, source and area');
    const entry = item as YAMLMap;
    r.keys(entry, ENTRY_KEYS, at);

    const idNode = r.required(entry, 'id', `${at}.id`, entry);
    const id = r.scalarString(idNode, `${at}.id`);
    const parts = parseRequirementId(id);
    if (!parts) {
      const fixed = normalizeRequirementId(id);
      r.fail('REQUIREMENT_CATALOG_BAD_ID', idNode, `${at}.id`, `${JSON.stringify(id)} is not SUPV-nnn or SEED-ddd-nnn (three-digit, zero-padded)${fixed ? ` (did you mean ${fixed}?)` : ''}`);
    }
    const previous = firstLine.get(id);
    if (previous !== undefined) r.fail('REQUIREMENT_CATALOG_DUPLICATE_ID', idNode, `${at}.id`, `${id} is already defined at line ${previous}`);
    firstLine.set(id, r.lineOf(idNode));
    const before = out[out.length - 1];
    if (before && compareRequirementIds(before.id, id) > 0) {
      r.fail('REQUIREMENT_CATALOG_UNSORTED', idNode, `${at}.id`, `${id} comes after ${before.id}; keep SUPV by number, then SEED by document and number`);
    }
    const what = `${at}.`;
    const statement = r.line(r.required(entry, 'statement', `${what}statement`, entry), `${what}statement`, entry);
    const source = r.line(r.required(entry, 'source', `${what}source`, entry), `${what}source`, entry);
    const sourceNode = entry.get('source', true) as YamlNode;
    if (parts.kind === 'SUPV') {
      const m = /^supervisor-facts\.md §12 item (\d+)\b/.exec(source);
      if (!m || Number(m[1]) !== parts.n) {
        r.fail('REQUIREMENT_CATALOG_SOURCE_MISMATCH', sourceNode, `${what}source`, `${id} must cite "supervisor-facts.md §12 item ${parts.n}" followed by the context section`);
      }
    } else {
      const doc = String(parts.doc).padStart(3, '0');
      if (!new RegExp(`^seeds/${doc}_[0-9a-f]+\\.txt §`).test(source)) {
        r.fail('REQUIREMENT_CATALOG_SOURCE_MISMATCH', sourceNode, `${what}source`, `${id} must cite "seeds/${doc}_<hash>.txt §<section>"`);
      }
    }
    const areaNode = r.required(entry, 'area', `${what}area`, entry);
    const area = r.scalarString(areaNode, `${what}area`);
    if (!isRequirementArea(area)) {
      r.fail('REQUIREMENT_CATALOG_UNKNOWN_AREA', areaNode, `${what}area`, `unknown area ${JSON.stringify(area)} (${id}); expected one of ${REQUIREMENT_AREAS.join(', ')}${didYouMean(area, REQUIREMENT_AREAS)}`);
    }
    const testableNode = entry.get('testable', true) as YamlNode | undefined | null;
    let testable = true;
    if (testableNode !== undefined && testableNode !== null) {
      if (!isScalar(testableNode) || typeof testableNode.value !== 'boolean') r.fail('REQUIREMENT_CATALOG_SHAPE', testableNode, `${what}testable`, 'expected true or false');
      testable = (testableNode as unknown as { value: boolean }).value;
    }
    const reasonNode = entry.get('reason', true) as YamlNode | undefined | null;
    let reason: string | undefined;
    if (!testable) {
      if (reasonNode === undefined || reasonNode === null) r.fail('REQUIREMENT_CATALOG_REASON', testableNode, `${what}reason`, `${id} is marked testable: false and needs a one-line reason`);
      reason = r.line(reasonNode!, `${what}reason`, entry, 'REQUIREMENT_CATALOG_REASON');
    } else if (reasonNode !== undefined) {
      r.fail('REQUIREMENT_CATALOG_REASON', reasonNode, `${what}reason`, `a reason belongs only to a requirement marked testable: false (${id})`);
    }
    out.push(reason === undefined ? { id, statement, source, area: area as RequirementArea, testable } : { id, statement, source, area: area as RequirementArea, testable, reason });
  });
  return out;
}

/** Field reads of the YAML tree, each failing with the node's file:line:column. */
class Reader {
  constructor(private readonly file: string, private readonly lines: LineCounter) {}

  failAt(code: RequirementCatalogErrorCode, offset: number, field: string, detail: string): never {
    const p = this.lines.linePos(offset);
    throw new RequirementCatalogError(code, this.file, p.line, p.col, field, detail);
  }

  fail(code: RequirementCatalogErrorCode, node: YamlNode | null | undefined, field: string, detail: string): never {
    return this.failAt(code, node?.range?.[0] ?? 0, field, detail);
  }

  lineOf(node: YamlNode): number {
    return this.lines.linePos(node.range?.[0] ?? 0).line;
  }

  keys(map: YAMLMap, allowed: string[], where: string): void {
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!allowed.includes(k)) {
        this.fail('REQUIREMENT_CATALOG_SHAPE', pair.key as YamlNode, where ? `${where}.${k}` : k, `unknown field; expected one of ${allowed.join(', ')}${didYouMean(k, allowed)}`);
      }
    }
  }

  /** The value of `key`; a missing key, a null value or an empty string is REQUIREMENT_CATALOG_MISSING_FIELD at `owner`. */
  required(map: YAMLMap, key: string, field: string, owner: YamlNode): YamlNode {
    const n = map.get(key, true) as YamlNode | undefined | null;
    if (n === undefined) return this.fail('REQUIREMENT_CATALOG_MISSING_FIELD', owner, field, `missing; every entry needs ${key}`);
    if (n === null || (isScalar(n) && (n.value === null || (typeof n.value === 'string' && n.value.trim() === '')))) {
      return this.fail('REQUIREMENT_CATALOG_MISSING_FIELD', n ?? owner, field, 'empty; expected a non-empty value');
    }
    return n;
  }

  scalarString(n: YamlNode, field: string): string {
    if (!isScalar(n) || typeof n.value !== 'string') return this.fail('REQUIREMENT_CATALOG_SHAPE', n, field, 'expected a string');
    return n.value.trim();
  }

  /**
   * A non-empty one-line string. A value spread over several source lines (block scalar or folded plain
   * scalar) is REQUIREMENT_CATALOG_MULTILINE; a trailing comment on the value is refused because an unquoted
   * ` #` silently cuts the text short.
   */
  line(n: YamlNode, field: string, owner: YamlNode, emptyCode: RequirementCatalogErrorCode = 'REQUIREMENT_CATALOG_MISSING_FIELD'): string {
    if (n === null || (isScalar(n) && (n.value === null || (typeof n.value === 'string' && n.value.trim() === '')))) {
      return this.fail(emptyCode, n ?? owner, field, 'empty; expected one line of text');
    }
    const s = this.scalarString(n, field);
    const [start, end] = n.range ?? [0, 0];
    if (/[\r\n]/.test(s) || this.lines.linePos(start).line !== this.lines.linePos(Math.max(start, end - 1)).line) {
      this.fail('REQUIREMENT_CATALOG_MULTILINE', n, field, 'expected a single line (one value on one source line)');
    }
    if ((n as { comment?: string | null }).comment) {
      this.fail('REQUIREMENT_CATALOG_SHAPE', n, field, `a comment follows the value; quote it if "#${(n as { comment?: string }).comment}" belongs to the text`);
    }
    return s;
  }
}
