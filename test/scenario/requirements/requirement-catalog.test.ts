import { describe, it } from 'node:test';
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MmspecError } from '../../../src/common/errors';
import {
  DEFAULT_REQUIREMENT_CATALOG, isRequirementTag, loadRequirementCatalog, parseRequirementCatalog, REQUIREMENT_AREAS,
  RequirementCatalogError, requirementIdOfTag, suggestRequirementIds,
} from '../../../src/scenario/requirements/requirement-catalog';
import { compareRequirementIds, normalizeRequirementId } from '../../../src/scenario/requirements/requirement-id';

const root = resolve(__dirname, '..', '..', '..');
/** The seed documents the SEED IDs point at (DESIGN.md: ../shared/seeds/), when this checkout has them next to it. */
const SEED_DIR = resolve(root, '..', 'shared', 'seeds');
const KNOWN_SEED_DOCS = ['000', '001', '002', '003', '004'];

describe('requirement catalog (fixtures/requirements/catalog.yaml)', () => {
  const catalog = loadRequirementCatalog();

  it('loads from the default path next to the repository root', () => {
    expect(DEFAULT_REQUIREMENT_CATALOG).to.equal(join(root, 'fixtures', 'requirements', 'catalog.yaml'));
    expect(catalog.source).to.equal(DEFAULT_REQUIREMENT_CATALOG);
    expect(catalog.requirements.length).to.be.greaterThan(120);
  });

  it('has exactly SUPV-001 … SUPV-120, one per item of supervisor-facts §12', () => {
    const supv = catalog.requirements.filter((q) => q.id.startsWith('SUPV-')).map((q) => q.id);
    expect(supv).to.deep.equal(Array.from({ length: 120 }, (_, i) => `SUPV-${String(i + 1).padStart(3, '0')}`));
    for (const id of supv) expect(catalog.byId(id)!.source).to.match(new RegExp(`^supervisor-facts\\.md §12 item ${Number(id.slice(5))} \\(§`));
  });

  it('has SEED IDs for every seed document, numbered from 001 without gaps, citing that document', () => {
    const docs = existsSync(SEED_DIR) ? readdirSync(SEED_DIR).filter((f) => /^\d{3}_.*\.txt$/.test(f)) : [];
    const prefixes = docs.length > 0 ? docs.map((f) => f.slice(0, 3)) : KNOWN_SEED_DOCS;
    expect(prefixes).to.include.members(KNOWN_SEED_DOCS);
    for (const doc of prefixes) {
      const ids = catalog.requirements.filter((q) => q.id.startsWith(`SEED-${doc}-`));
      expect(ids.length, `SEED IDs of seed ${doc}`).to.be.greaterThan(0);
      expect(ids.map((q) => q.id)).to.deep.equal(ids.map((_, i) => `SEED-${doc}-${String(i + 1).padStart(3, '0')}`));
      const file = docs.find((f) => f.startsWith(`${doc}_`));
      for (const q of ids) {
        expect(q.source).to.match(new RegExp(`^seeds/${doc}_[0-9a-f]+\\.txt §"[^"]+"$`));
        if (file) expect(q.source.startsWith(`seeds/${file} `), `${q.id} cites ${q.source}`).to.equal(true);
      }
    }
    const seedDocs = new Set(catalog.requirements.filter((q) => q.id.startsWith('SEED-')).map((q) => q.id.slice(5, 8)));
    expect([...seedDocs].every((d) => prefixes.includes(d))).to.equal(true);
  });

  it('keeps IDs unique and in catalog order, every area used, statements on one line', () => {
    const ids = catalog.requirements.map((q) => q.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect([...ids].sort(compareRequirementIds)).to.deep.equal(ids);
    expect(catalog.areas).to.deep.equal(REQUIREMENT_AREAS);
    for (const a of catalog.areas) {
      expect(catalog.inArea(a).length, `requirements in area ${a}`).to.be.greaterThan(0);
      expect(catalog.areaDescription(a)).to.not.equal('');
    }
    for (const q of catalog.requirements) {
      expect(q.statement, q.id).to.not.match(/[\r\n]/);
      expect(q.statement.length, q.id).to.be.within(20, 400);
    }
  });

  it('marks only a few statements untestable, each with a reason', () => {
    const untestable = catalog.requirements.filter((q) => !q.testable);
    expect(untestable.length).to.be.greaterThan(0).and.lessThan(catalog.requirements.length / 20);
    for (const q of untestable) expect(q.reason, q.id).to.be.a('string').and.not.equal('');
    for (const q of catalog.requirements.filter((x) => x.testable)) expect(q.reason, q.id).to.equal(undefined);
    expect(untestable.every((q) => q.id.startsWith('SEED-')), 'every §12 item is testable').to.equal(true);
  });

  it('finds requirements by ID and suggests close IDs for unknown ones', () => {
    expect(catalog.byId('SUPV-045')!.area).to.equal('isolation-policy');
    expect(catalog.byId('SUPV-121')).to.equal(undefined);
    expect(catalog.suggest('SUPV-121')[0]).to.equal('SUPV-120');
    expect(suggestRequirementIds('supv45', catalog)).to.deep.equal(['SUPV-045']);
    expect(suggestRequirementIds('@req:SEED-3-7', catalog)).to.deep.equal(['SEED-003-007']);
    expect(suggestRequirementIds('SUVP-045', catalog)).to.deep.equal(['SUPV-045']);
    expect(suggestRequirementIds('SEED-003-099', catalog)).to.include('SEED-003-009');
    expect(suggestRequirementIds('completely-unrelated', catalog)).to.deep.equal([]);
  });
});

describe('requirement IDs and tags', () => {
  it('recognises @req:SUPV-nnn and @req:SEED-ddd-nnn tags only', () => {
    expect(isRequirementTag('@req:SUPV-045')).to.equal(true);
    expect(isRequirementTag('@req:SEED-003-007')).to.equal(true);
    expect(requirementIdOfTag('@req:SEED-003-007')).to.equal('SEED-003-007');
    for (const bad of ['@req:SUPV-45', '@req:supv-045', '@req:SEED-3-7', '@req:SEED-003', '@SUPV-045', 'SUPV-045', '@req:SUPV-0450', '@req: SUPV-045', '@wip']) {
      expect(isRequirementTag(bad), bad).to.equal(false);
    }
  });

  it('repairs common slips and orders SUPV before SEED', () => {
    expect(normalizeRequirementId('supv_45')).to.equal('SUPV-045');
    expect(normalizeRequirementId('SEED003007')).to.equal('SEED-003-007');
    expect(normalizeRequirementId('XYZ-1')).to.equal(undefined);
    expect(['SEED-000-001', 'SUPV-010', 'SUPV-002', 'SEED-000-010', 'SEED-000-002'].sort(compareRequirementIds))
      .to.deep.equal(['SUPV-002', 'SUPV-010', 'SEED-000-001', 'SEED-000-002', 'SEED-000-010']);
  });
});

/** A catalog text with the fixed area list; entries start on line ENTRY_LINE. */
const AREAS_YAML = `areas:\n${REQUIREMENT_AREAS.map((a) => `  ${a}: the ${a} area`).join('\n')}\n`;
const ENTRY_LINE = REQUIREMENT_AREAS.length + 3;
const withEntries = (entries: string) => `${AREAS_YAML}requirements:\n${entries}`;
const SUPV1 = '  - id: SUPV-001\n    statement: One line.\n    source: supervisor-facts.md §12 item 1 (§1.4)\n    area: boot-and-lock\n';
const SUPV2 = '  - id: SUPV-002\n    statement: Another line.\n    source: supervisor-facts.md §12 item 2 (§1.4)\n    area: boot-and-lock\n';

function errorOf(text: string): RequirementCatalogError {
  try {
    parseRequirementCatalog(text, 'bad.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(RequirementCatalogError);
    expect(e).to.be.instanceOf(MmspecError);
    return e as RequirementCatalogError;
  }
  throw new Error('expected a RequirementCatalogError');
}

function expectError(text: string, code: string, line: number, column: number, field: string, detail?: RegExp): void {
  const e = errorOf(text);
  expect({ code: e.code, line: e.line, column: e.column, field: e.field }, e.message).to.deep.equal({ code, line, column, field });
  expect(e.message.startsWith(`bad.yaml:${line}:${column}: ${field}: `), e.message).to.equal(true);
  if (detail) expect(e.message).to.match(detail);
}

describe('requirement catalog errors (code, file:line:column, field)', () => {
  it('accepts a minimal valid catalog', () => {
    const c = parseRequirementCatalog(withEntries(SUPV1 + SUPV2), 'ok.yaml');
    expect(c.requirements).to.deep.equal([
      { id: 'SUPV-001', statement: 'One line.', source: 'supervisor-facts.md §12 item 1 (§1.4)', area: 'boot-and-lock', testable: true },
      { id: 'SUPV-002', statement: 'Another line.', source: 'supervisor-facts.md §12 item 2 (§1.4)', area: 'boot-and-lock', testable: true },
    ]);
  });

  it('an unreadable file', () => {
    const missing = join(root, 'fixtures', 'requirements', 'no-such-catalog.yaml');
    try {
      loadRequirementCatalog(missing);
      expect.fail('expected an error');
    } catch (e) {
      expect(e).to.be.instanceOf(RequirementCatalogError);
      expect((e as RequirementCatalogError).code).to.equal('REQUIREMENT_CATALOG_UNREADABLE');
      expect((e as Error).message.startsWith(`${missing}:1:1: (file): cannot be read`)).to.equal(true);
    }
  });

  it('invalid YAML', () => {
    expectError(withEntries('  - id: [SUPV-001\n'), 'REQUIREMENT_CATALOG_SYNTAX', ENTRY_LINE + 1, 1, '(document)', /not valid YAML/);
  });

  it('a duplicate ID names the first definition', () => {
    expectError(withEntries(SUPV1 + SUPV1), 'REQUIREMENT_CATALOG_DUPLICATE_ID', ENTRY_LINE + 4, 9, 'requirements[1].id', new RegExp(`SUPV-001 is already defined at line ${ENTRY_LINE}$`));
  });

  it('a badly formed ID, with the repaired form suggested', () => {
    expectError(withEntries(SUPV1.replace('SUPV-001', 'SUPV-1')), 'REQUIREMENT_CATALOG_BAD_ID', ENTRY_LINE, 9, 'requirements[0].id', /"SUPV-1" is not SUPV-nnn or SEED-ddd-nnn .*\(did you mean SUPV-001\?\)$/);
    expectError(withEntries(SUPV1.replace('SUPV-001', 'SEED-03-001')), 'REQUIREMENT_CATALOG_BAD_ID', ENTRY_LINE, 9, 'requirements[0].id');
    expectError(withEntries(SUPV1.replace('SUPV-001', '45')), 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE, 9, 'requirements[0].id', /expected a string/);
  });

  it('IDs out of order', () => {
    expectError(withEntries(SUPV2 + SUPV1), 'REQUIREMENT_CATALOG_UNSORTED', ENTRY_LINE + 4, 9, 'requirements[1].id', /SUPV-001 comes after SUPV-002/);
    const seed = '  - id: SEED-000-001\n    statement: A seed line.\n    source: seeds/000_ab.txt §"Intro"\n    area: privilege\n';
    expectError(withEntries(seed + SUPV1), 'REQUIREMENT_CATALOG_UNSORTED', ENTRY_LINE + 4, 9, 'requirements[1].id');
    expect(parseRequirementCatalog(withEntries(SUPV1 + seed), 'ok.yaml').byId('SEED-000-001')!.area).to.equal('privilege');
  });

  it('a missing or empty field', () => {
    expectError(withEntries(SUPV1.replace(/ {4}source: .*\n/, '')), 'REQUIREMENT_CATALOG_MISSING_FIELD', ENTRY_LINE, 5, 'requirements[0].source', /missing/);
    expectError(withEntries(SUPV1.replace('statement: One line.', 'statement: ""')), 'REQUIREMENT_CATALOG_MISSING_FIELD', ENTRY_LINE + 1, 16, 'requirements[0].statement', /empty/);
    expectError(withEntries(SUPV1.replace('area: boot-and-lock', 'area:')), 'REQUIREMENT_CATALOG_MISSING_FIELD', ENTRY_LINE + 3, 10, 'requirements[0].area', /empty/);
    expectError(withEntries(SUPV1.replace('  - id: SUPV-001', '  - id: SUPV-001\n    ID: x')), 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE + 1, 5, 'requirements[0].ID', /unknown field; expected one of id, .*did you mean id\?/);
  });

  it('an unknown area, with the closest one suggested', () => {
    expectError(withEntries(SUPV1.replace('area: boot-and-lock', 'area: boot-and-locks')), 'REQUIREMENT_CATALOG_UNKNOWN_AREA', ENTRY_LINE + 3, 11, 'requirements[0].area', /unknown area "boot-and-locks" \(SUPV-001\).*did you mean boot-and-lock\?\)$/);
  });

  it('a statement over several lines', () => {
    expectError(withEntries(SUPV1.replace('statement: One line.', 'statement: |\n      One line\n      and another.')), 'REQUIREMENT_CATALOG_MULTILINE', ENTRY_LINE + 1, 16, 'requirements[0].statement');
    expectError(withEntries(SUPV1.replace('statement: One line.', 'statement: One line\n      folded into the next.')), 'REQUIREMENT_CATALOG_MULTILINE', ENTRY_LINE + 1, 16, 'requirements[0].statement');
    expectError(withEntries(SUPV1.replace('statement: One line.', 'statement: "One line\\nwith an escape."')), 'REQUIREMENT_CATALOG_MULTILINE', ENTRY_LINE + 1, 16, 'requirements[0].statement');
  });

  it('a trailing comment that would silently cut a statement short', () => {
    expectError(withEntries(SUPV1.replace('statement: One line.', 'statement: raises #GP at CPL3')), 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE + 1, 16, 'requirements[0].statement', /a comment follows the value/);
  });

  it('a source that does not match the ID', () => {
    expectError(withEntries(SUPV1.replace('item 1 (', 'item 2 (')), 'REQUIREMENT_CATALOG_SOURCE_MISMATCH', ENTRY_LINE + 2, 13, 'requirements[0].source', /SUPV-001 must cite "supervisor-facts\.md §12 item 1"/);
    const seed = '  - id: SEED-002-001\n    statement: A seed line.\n    source: seeds/003_ab.txt §"Intro"\n    area: privilege\n';
    expectError(withEntries(seed), 'REQUIREMENT_CATALOG_SOURCE_MISMATCH', ENTRY_LINE + 2, 13, 'requirements[0].source', /seeds\/002_/);
  });

  it('testable: false needs a reason, and only then may a reason appear', () => {
    expectError(withEntries(`${SUPV1}    testable: false\n`), 'REQUIREMENT_CATALOG_REASON', ENTRY_LINE + 4, 15, 'requirements[0].reason');
    expectError(withEntries(`${SUPV1}    reason: because\n`), 'REQUIREMENT_CATALOG_REASON', ENTRY_LINE + 4, 13, 'requirements[0].reason');
    expectError(withEntries(`${SUPV1}    testable: no\n    reason: x\n`), 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE + 4, 15, 'requirements[0].testable', /true or false/);
    const c = parseRequirementCatalog(withEntries(`${SUPV1}    testable: false\n    reason: No TPM is modelled.\n`), 'ok.yaml');
    expect(c.byId('SUPV-001')).to.include({ testable: false, reason: 'No TPM is modelled.' });
  });

  it('an area list that differs from the loader\'s', () => {
    const misspelt = withEntries(SUPV1).replace('  privilege: ', '  privilage: ');
    const line = misspelt.split('\n').findIndex((l) => l.startsWith('  privilage:')) + 1;
    expectError(misspelt, 'REQUIREMENT_CATALOG_AREAS_MISMATCH', line, 3, 'areas.privilage', /did you mean privilege\?/);
    const last = REQUIREMENT_AREAS[REQUIREMENT_AREAS.length - 1];
    expectError(withEntries(SUPV1).replace(new RegExp(`  ${last}: .*\\n`), ''), 'REQUIREMENT_CATALOG_AREAS_MISMATCH', 2, 3, 'areas', new RegExp(`missing ${last}$`));
    expectError(withEntries(SUPV1).replace('areas:\n', 'areas: []\nx:\n'), 'REQUIREMENT_CATALOG_SHAPE', 2, 1, 'x', /unknown field/);
  });

  it('a document of the wrong shape', () => {
    expectError('- just a list\n', 'REQUIREMENT_CATALOG_SHAPE', 1, 1, '(document)');
    expectError(`${AREAS_YAML}requirements: {}\n`, 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE - 1, 15, 'requirements');
    expectError(`${AREAS_YAML}`, 'REQUIREMENT_CATALOG_MISSING_FIELD', 1, 1, 'requirements');
    expectError(withEntries('  - SUPV-001\n'), 'REQUIREMENT_CATALOG_SHAPE', ENTRY_LINE, 5, 'requirements[0]');
  });
});
