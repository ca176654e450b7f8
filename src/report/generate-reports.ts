import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadPolicy, rootCount } from '../firmware/policy';
import { parseRequirementCatalog, type RequirementCatalog } from '../scenario/requirements/requirement-catalog';
import { catalogRequirements } from './catalog/catalog-requirements';
import { buildConformance, conformanceVerdict } from './conformance/conformance-model';
import { digestMap } from './conformance/digests';
import { parseOpcodeFile, summarizeOpcodeCoverage, type OpcodeCoverageSummary } from './coverage/opcode-coverage-report';
import { buildPolicyCoverage, type PolicyShapeResolver } from './coverage/policy-coverage';
import { stepUsageFromMessages, stepUsageFromUsageJson, type StepUsage } from './coverage/step-usage';
import { parseMessages } from './messages/read-messages';
import { collectRunResults } from './messages/scenario-results';
import { type ReportBundle, requirementCoverage } from './report-bundle';
import { ReportInputError } from './report-error';
import { conformanceHtml } from './writers/html-writer';
import { conformanceJson } from './writers/json-writer';
import { conformanceMarkdown } from './writers/markdown-writer';
import { dispatchTimelineSvg } from './writers/svg-dispatch-timeline';
import { memoryMapSvg } from './writers/svg-memory-map';

export const DEFAULT_CATALOG = 'fixtures/requirements/catalog.yaml';
export const OPCODE_FILE_RE = /^opcodes-\d+\.json$/;

export interface GenerateOptions {
  /** Repository root: catalog and policy paths are relative to it. */
  root: string;
  /** Cucumber message stream (default reports/messages.ndjson). */
  messagesFile?: string;
  /** Where the reports go (default reports/). */
  outDir?: string;
  /** Requirement catalog (default fixtures/requirements/catalog.yaml); a missing file is not an error. */
  catalogFile?: string;
  /** Cucumber usage-json output (default <outDir>/usage.json when it exists). */
  usageFile?: string;
  /** Folder of opcodes-<pid>.json files (default <outDir>/coverage). */
  opcodeDir?: string;
}

export interface GenerateResult {
  bundle: ReportBundle;
  /** Files written, relative to outDir, sorted. */
  files: string[];
  verdict: { ok: boolean; reasons: string[] };
}

/**
 * Counts the descriptors per kind of a policy named in evidence, when the name is a readable policy file
 * (XML, YAML or binary) under the repository root; undefined for inline or unreadable policies.
 */
export function policyShapeFromFiles(root: string): PolicyShapeResolver {
  const cache = new Map<string, Record<string, number> | undefined>();
  return (policy) => {
    if (cache.has(policy)) return cache.get(policy);
    let shape: Record<string, number> | undefined;
    try {
      const file = isAbsolute(policy) ? policy : resolve(root, policy);
      if (existsSync(file)) {
        const { policy: p } = loadPolicy(policy, readFileSync(file));
        shape = {};
        for (const r of p.roots) if (r.kind !== 'unknown') shape[r.kind] = (shape[r.kind] ?? 0) + rootCount(r);
      }
    } catch {
      shape = undefined; // an unreadable policy only loses the totals
    }
    cache.set(policy, shape);
    return shape;
  };
}

/** Merges every opcodes-<pid>.json under `dir`; undefined when there is none. */
export function readOpcodeCoverage(dir: string): OpcodeCoverageSummary | undefined {
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir).filter((n) => OPCODE_FILE_RE.test(n)).sort();
  if (names.length === 0) return undefined;
  return summarizeOpcodeCoverage(names.map((n) => parseOpcodeFile(readFileSync(join(dir, n), 'utf8'), join(dir, n))));
}

function readText(file: string, code: 'REPORT_BAD_MESSAGES' | 'REPORT_BAD_CATALOG'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportInputError(code, `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Builds the report bundle from the files of a run (no writing). */
export function buildReportBundle(o: GenerateOptions): ReportBundle {
  const outDir = resolve(o.root, o.outDir ?? 'reports');
  const messagesFile = resolve(o.root, o.messagesFile ?? join(outDir, 'messages.ndjson'));
  const catalogRel = o.catalogFile ?? DEFAULT_CATALOG;
  const catalogFile = resolve(o.root, catalogRel);
  const envelopes = parseMessages(readText(messagesFile, 'REPORT_BAD_MESSAGES'), relative(o.root, messagesFile) || messagesFile);
  const run = collectRunResults(envelopes);
  let catalog: RequirementCatalog | undefined;
  if (existsSync(catalogFile)) catalog = parseRequirementCatalog(readText(catalogFile, 'REPORT_BAD_CATALOG'), relative(o.root, catalogFile) || catalogFile);
  const cat = catalog ? catalogRequirements(catalog) : undefined;
  const conformance = buildConformance({
    catalog: cat?.requirements, areas: cat?.areas, suggest: catalog ? (id) => catalog.suggest(id) : undefined,
    catalogPath: relative(o.root, catalogFile) || catalogRel, run,
  });
  const usageFile = o.usageFile !== undefined ? resolve(o.root, o.usageFile) : join(outDir, 'usage.json');
  let steps: StepUsage | undefined;
  if (existsSync(usageFile)) steps = stepUsageFromUsageJson(readFileSync(usageFile, 'utf8'), relative(o.root, usageFile));
  else if (run.stepDefinitions.length > 0) steps = stepUsageFromMessages(run);
  const opcodes = readOpcodeCoverage(resolve(o.root, o.opcodeDir ?? join(outDir, 'coverage')));
  return {
    conformance,
    coverage: {
      requirements: requirementCoverage(conformance),
      policies: buildPolicyCoverage(run.scenarios, policyShapeFromFiles(o.root)),
      ...(opcodes ? { opcodes } : {}),
      ...(steps ? { steps } : {}),
    },
  };
}

/** Writes every report file of a bundle into `outDir`; returns their paths relative to it, sorted. */
export function writeReports(bundle: ReportBundle, outDir: string): string[] {
  const files: string[] = [];
  const put = (rel: string, text: string) => {
    const file = join(outDir, rel);
    writeFileSync(file, text);
    files.push(rel);
  };
  mkdirSync(outDir, { recursive: true });
  const evidenceDir = join(outDir, 'evidence');
  // the evidence folder belongs to this report: clear what an earlier run left there
  if (existsSync(evidenceDir)) {
    for (const n of readdirSync(evidenceDir)) if (/\.(json|svg)$/.test(n)) rmSync(join(evidenceDir, n));
  }
  mkdirSync(evidenceDir, { recursive: true });
  put('conformance.json', conformanceJson(bundle));
  put('conformance.md', conformanceMarkdown(bundle));
  put('conformance.html', conformanceHtml(bundle));
  put('digests.json', `${JSON.stringify(digestMap(bundle.conformance.scenarios), null, 2)}\n`);
  for (const s of bundle.conformance.scenarios) {
    if (!s.evidence || !s.evidenceFile) continue;
    put(s.evidenceFile, `${JSON.stringify({ scenario: { id: s.id, name: s.name, uri: s.uri, line: s.line, status: s.status }, ...s.evidence }, null, 2)}\n`);
    const base = s.evidenceFile.replace(/\.json$/, '');
    if (s.evidence.memoryMap) put(`${base}.memory-map.svg`, `${memoryMapSvg(s.evidence.memoryMap.regions, `Physical memory map — ${s.name}`)}\n`);
    if (s.evidence.dispatchOrder) put(`${base}.dispatch.svg`, `${dispatchTimelineSvg(s.evidence.dispatchOrder, `MM driver dispatch order — ${s.name}`)}\n`);
  }
  if (bundle.coverage.opcodes) {
    mkdirSync(join(outDir, 'coverage'), { recursive: true });
    put(join('coverage', 'opcode-coverage.json'), `${JSON.stringify(bundle.coverage.opcodes, null, 2)}\n`);
  }
  return files.sort();
}

/** Reads a run's files, writes all reports, and says whether the run conforms (no requirement failed). */
export function generateReports(o: GenerateOptions): GenerateResult {
  const bundle = buildReportBundle(o);
  const files = writeReports(bundle, resolve(o.root, o.outDir ?? 'reports'));
  return { bundle, files, verdict: conformanceVerdict(bundle.conformance) };
}
