import { ReportInputError } from '../report-error';
import type { RunResults } from '../messages/scenario-results';

export interface StepDefinitionRef {
  pattern: string;
  uri?: string;
  line?: number;
}

export interface StepUsage {
  /** Where the figures come from: Cucumber's usage-json output or the message stream. */
  from: 'usage-json' | 'messages';
  definitions: number;
  used: number;
  /** Step definitions no executed step matched, sorted by file and line. */
  unused: StepDefinitionRef[];
}

function sortRefs(refs: StepDefinitionRef[]): StepDefinitionRef[] {
  return refs.sort((a, b) => ((a.uri ?? '') < (b.uri ?? '') ? -1 : (a.uri ?? '') > (b.uri ?? '') ? 1 : (a.line ?? 0) - (b.line ?? 0)));
}

/** Step usage from Cucumber's `usage-json` formatter output (a list of definitions, each with its matches). */
export function stepUsageFromUsageJson(text: string, source = 'usage.json'): StepUsage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError('REPORT_BAD_USAGE', `${source}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(v)) throw new ReportInputError('REPORT_BAD_USAGE', `${source}: expected a list of step definitions`);
  const unused: StepDefinitionRef[] = [];
  v.forEach((d: unknown, i) => {
    if (typeof d !== 'object' || d === null) throw new ReportInputError('REPORT_BAD_USAGE', `${source}: entry ${i + 1} is not an object`);
    const r = d as Record<string, unknown>;
    if (!Array.isArray(r.matches)) throw new ReportInputError('REPORT_BAD_USAGE', `${source}: entry ${i + 1}: field matches is not a list`);
    if (r.matches.length === 0) {
      unused.push({ pattern: String(r.pattern ?? ''), ...(typeof r.uri === 'string' ? { uri: r.uri } : {}), ...(typeof r.line === 'number' ? { line: r.line } : {}) });
    }
  });
  return { from: 'usage-json', definitions: v.length, used: v.length - unused.length, unused: sortRefs(unused) };
}

/** Step usage from the message stream: step definitions that no test step references. */
export function stepUsageFromMessages(run: Pick<RunResults, 'stepDefinitions' | 'usedStepDefinitionIds'>): StepUsage {
  const unused = run.stepDefinitions.filter((d) => !run.usedStepDefinitionIds.has(d.id))
    .map((d) => ({ pattern: d.pattern, ...(d.uri !== undefined ? { uri: d.uri } : {}), ...(d.line !== undefined ? { line: d.line } : {}) }));
  return { from: 'messages', definitions: run.stepDefinitions.length, used: run.stepDefinitions.length - unused.length, unused: sortRefs(unused) };
}
