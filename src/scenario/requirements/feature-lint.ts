import { isRequirementTag, requirementIdOfTag } from './requirement-id';
import type { RequirementCatalog } from './requirement';

/** One problem with the feature suite, found in a Cucumber dry run's message stream. */
export interface FeatureProblem {
  uri: string;
  line: number | null;
  scenario: string;
  problem: string;
}

interface PickleMsg { id: string; uri: string; name: string; astNodeIds: string[]; tags: { name: string }[]; steps: { id: string; text: string }[] }
interface TestCaseMsg { pickleId: string; testSteps: { pickleStepId?: string; stepDefinitionIds?: string[] }[] }

/**
 * Checks a dry run (`cucumber-js --profile dry`, NDJSON messages): every step has exactly one definition (no
 * undefined, no ambiguous step), every scenario carries at least one `@req:` tag, and every tagged ID is in the
 * requirement catalog (with close alternatives when it is not). Issue 6 acceptance 2.
 */
export function lintDryRun(ndjson: string, catalog: RequirementCatalog): FeatureProblem[] {
  const pickles: PickleMsg[] = [];
  const testCases: TestCaseMsg[] = [];
  const lines = new Map<string, number>();
  for (const raw of ndjson.split('\n')) {
    if (raw.trim() === '') continue;
    const m = JSON.parse(raw) as Record<string, unknown>;
    if (m.pickle) pickles.push(m.pickle as PickleMsg);
    if (m.testCase) testCases.push(m.testCase as TestCaseMsg);
    if (m.gherkinDocument) collectLines((m.gherkinDocument as { feature?: unknown }).feature, lines);
  }
  const problems: FeatureProblem[] = [];
  const byId = new Map(pickles.map((p) => [p.id, p]));
  const where = (p: PickleMsg) => ({ uri: p.uri, line: lines.get(p.astNodeIds[p.astNodeIds.length - 1]) ?? lines.get(p.astNodeIds[0]) ?? null, scenario: p.name });
  for (const p of pickles) {
    const reqTags = p.tags.map((t) => t.name).filter((t) => t.startsWith('@req:'));
    if (reqTags.length === 0) problems.push({ ...where(p), problem: 'no @req: tag (every scenario names the requirements it checks)' });
    for (const t of reqTags) {
      const id = requirementIdOfTag(t);
      if (!isRequirementTag(t) || id === undefined) problems.push({ ...where(p), problem: `malformed requirement tag ${t} (expected @req:SUPV-NNN or @req:SEED-DDD-NNN)` });
      else if (catalog.byId(id) === undefined) {
        const close = catalog.suggest(id);
        problems.push({ ...where(p), problem: `unknown requirement ${id}${close.length ? `; did you mean ${close.join(' or ')}?` : ''}` });
      }
    }
  }
  for (const tc of testCases) {
    const p = byId.get(tc.pickleId);
    if (!p) continue;
    for (const s of tc.testSteps) {
      if (s.pickleStepId === undefined) continue;
      const n = s.stepDefinitionIds?.length ?? 0;
      const text = p.steps.find((x) => x.id === s.pickleStepId)?.text ?? '?';
      if (n === 0) problems.push({ ...where(p), problem: `undefined step: "${text}"` });
      if (n > 1) problems.push({ ...where(p), problem: `ambiguous step (${n} definitions match): "${text}"` });
    }
  }
  return problems;
}

function collectLines(node: unknown, out: Map<string, number>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) collectLines(x, out);
    return;
  }
  const o = node as Record<string, unknown>;
  if (typeof o.id === 'string' && o.location && typeof (o.location as { line?: unknown }).line === 'number') out.set(o.id, (o.location as { line: number }).line);
  for (const v of Object.values(o)) if (v && typeof v === 'object') collectLines(v, out);
}

export function formatFeatureProblem(p: FeatureProblem): string {
  return `${p.uri}${p.line !== null ? `:${p.line}` : ''} (${p.scenario}): ${p.problem}`;
}
