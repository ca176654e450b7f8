import type { ReportBundle } from '../report-bundle';

/**
 * conformance.json: the machine-readable report. Deterministic (no timestamps; catalog order for
 * requirements, uri/line order for scenarios), so two runs of the same code give the same file.
 */
export function conformanceJson(b: ReportBundle): string {
  const m = b.conformance;
  const doc = {
    schema: 1,
    catalog: m.catalog,
    run: m.run,
    summary: m.summary,
    areas: m.areas,
    requirements: m.requirements.map((r) => ({
      id: r.id,
      statement: r.statement,
      source: r.source,
      area: r.area,
      testable: r.testable,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      status: r.status,
      statusReason: r.statusReason,
      scenarios: r.scenarios.map((s) => ({
        name: s.name, uri: s.uri, line: s.line, status: s.status, digest: s.digest ?? null, evidence: s.evidenceFile ?? null,
      })),
    })),
    unknownRequirementIds: m.unknownRequirementIds.map((u) => ({ id: u.id, suggestions: u.suggestions, scenarios: u.scenarios.map((s) => ({ name: s.name, uri: s.uri, line: s.line, status: s.status })) })),
    untaggedScenarios: m.untaggedScenarios.map((s) => ({ name: s.name, uri: s.uri, line: s.line, status: s.status })),
    scenarios: m.scenarios.map((s) => ({
      id: s.id, name: s.name, uri: s.uri, line: s.line, feature: s.feature, tags: s.tags, status: s.status, attempts: s.attempts,
      requirementIds: s.requirementIds, digest: s.evidence?.digest ?? null, digestValid: s.digestValid ?? null,
      evidence: s.evidenceFile ?? null, evidenceError: s.evidenceError ?? null,
    })),
    coverage: {
      requirements: b.coverage.requirements,
      policies: b.coverage.policies,
      opcodes: b.coverage.opcodes
        ? { ...b.coverage.opcodes, byCode: undefined, byMnemonic: b.coverage.opcodes.byMnemonic }
        : null,
      steps: b.coverage.steps ?? null,
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
