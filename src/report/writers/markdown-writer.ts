import type { RequirementStatus } from '../conformance/conformance-model';
import type { ScenarioStatus } from '../messages/scenario-status';
import type { ReportBundle } from '../report-bundle';
import { escapeMarkdown as md, markdownCode } from './escape';

const MARK: Record<RequirementStatus, string> = { passed: 'PASS', failed: 'FAIL', 'not covered': 'not covered' };

function scenarioStatus(s: ScenarioStatus): string {
  return s === 'passed' ? 'passed' : s === 'failed' ? '**failed**' : s;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/**
 * conformance.md: the report for review — the summary, areas, coverage figures, then one section per
 * requirement with its scenarios and evidence digests. Everything taken from features and the catalog is
 * escaped (Markdown punctuation, inline HTML).
 */
export function conformanceMarkdown(b: ReportBundle): string {
  const m = b.conformance;
  const s = m.summary;
  const out: string[] = ['# MM Supervisor conformance report', ''];
  if (!m.catalog.found) out.push(`> No requirement catalog at ${markdownCode(m.catalog.path)}: requirements are taken from the \`@req:\` tags alone.`, '');
  if (!m.run.finished) out.push('> **The Cucumber run did not complete** (no testRunFinished message): results are partial.', '');
  out.push('## Summary', '');
  out.push(...table(['Requirements', 'Passed', 'Failed', 'Not covered', 'Not testable', 'Scenarios'], [[
    String(s.requirements), String(s.passed), String(s.failed), String(s.notCovered), String(s.notTestable), String(s.scenarios),
  ]]));
  out.push('');
  const byStatus = Object.entries(s.scenariosByStatus).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  out.push(`Scenarios: ${byStatus.length > 0 ? byStatus.join(', ') : 'none ran'}.`);
  out.push(`Requirement coverage: ${b.coverage.requirements.covered} of ${b.coverage.requirements.total} requirements decided by a scenario (${b.coverage.requirements.percent}% of the testable ones).`);
  if (s.failuresOutsideCatalog > 0) out.push(`**${s.failuresOutsideCatalog} failed scenario(s) trace to no catalog requirement.**`);
  if (s.evidenceProblems > 0) out.push(`**${s.evidenceProblems} scenario(s) have unreadable evidence or a digest that does not match their events.**`);
  out.push('');

  if (m.areas.length > 0) {
    out.push('## By area', '');
    out.push(...table(['Area', 'Requirements', 'Passed', 'Failed', 'Not covered', 'What it covers'], m.areas.map((a) => [
      md(a.area), String(a.requirements), String(a.passed), String(a.failed), String(a.notCovered), md(a.description),
    ])));
    out.push('');
  }

  out.push('## Coverage', '');
  if (b.coverage.policies.length === 0) out.push('Policy entries: no scenario evidence names a policy entry.');
  for (const p of b.coverage.policies) {
    out.push(`Policy ${markdownCode(p.policy)}: ${p.exercised}${p.total !== undefined ? ` of ${p.total}` : ''} entries exercised by ${p.scenarios} scenario(s).`, '');
    out.push(...table(['Kind', 'Exercised', 'Total', 'Never exercised'], p.kinds.map((k) => [
      md(k.kind), k.exercised.join(', ') || '—', k.total === undefined ? '?' : String(k.total), k.unexercised === undefined ? '?' : k.unexercised.join(', ') || '—',
    ])));
    out.push('');
  }
  const op = b.coverage.opcodes;
  if (op) {
    out.push(`x86 opcodes: ${op.codes} instruction forms (${op.mnemonics} mnemonics) decoded; ${op.supportedExercised} of the ${op.supported} mnemonics the emulator implements were exercised.`);
    if (op.supportedNeverDecoded.length > 0) out.push(`Never decoded: ${op.supportedNeverDecoded.map(md).join(', ')}.`);
    if (op.decodedUnsupported.length > 0) out.push(`Decoded but not implemented (#UD): ${op.decodedUnsupported.map(md).join(', ')}.`);
  } else out.push('x86 opcodes: no opcode coverage was recorded (set MMSPEC_OPCODE_COVERAGE).');
  const st = b.coverage.steps;
  if (st) {
    out.push(`Step definitions: ${st.used} of ${st.definitions} used.`);
    for (const u of st.unused) out.push(`- unused: ${markdownCode(u.pattern)}${u.uri ? ` (${md(u.uri)}${u.line !== undefined ? `:${u.line}` : ''})` : ''}`);
  }
  out.push('');

  out.push('## Requirements', '');
  for (const r of m.requirements) {
    out.push(`### ${md(r.id)} — ${MARK[r.status]}`, '');
    out.push(md(r.statement), '');
    const facts = [`Area: ${md(r.area)}`];
    if (r.source) facts.push(`Source: ${md(r.source)}`);
    if (!r.testable) facts.push(`not testable${r.reason ? `: ${md(r.reason)}` : ''}`);
    facts.push(md(r.statusReason));
    out.push(facts.join(' · '), '');
    if (r.scenarios.length > 0) {
      out.push(...table(['Scenario', 'Location', 'Status', 'Evidence'], r.scenarios.map((sc) => [
        md(sc.name), md(`${sc.uri}:${sc.line}`), scenarioStatus(sc.status),
        sc.digest ? `[${markdownCode(sc.digest.slice(0, 19))}](${sc.evidenceFile ?? ''})` : '—',
      ])));
      out.push('');
    }
  }

  if (m.unknownRequirementIds.length > 0) {
    out.push('## Tags naming no catalog requirement', '');
    for (const u of m.unknownRequirementIds) {
      const hint = u.suggestions.length > 0 ? ` (did you mean ${u.suggestions.map(md).join(', ')}?)` : '';
      out.push(`- ${markdownCode(`@req:${u.id}`)}${hint}: ${u.scenarios.map((sc) => md(`${sc.uri}:${sc.line}`)).join(', ')}`);
    }
    out.push('');
  }
  if (m.untaggedScenarios.length > 0) {
    out.push('## Scenarios with no requirement tag', '');
    for (const sc of m.untaggedScenarios) out.push(`- ${md(sc.name)} (${md(`${sc.uri}:${sc.line}`)}) — ${scenarioStatus(sc.status)}`);
    out.push('');
  }
  const failures = m.scenarios.filter((sc) => sc.status === 'failed' || sc.status === 'ambiguous');
  if (failures.length > 0) {
    out.push('## Failures', '');
    for (const sc of failures) {
      out.push(`### ${md(sc.name)} (${md(`${sc.uri}:${sc.line}`)})`, '');
      for (const st2 of sc.steps.filter((x) => x.status !== 'passed' && x.status !== 'skipped')) {
        out.push(`- ${md(`${st2.keyword}${st2.text}`)} — ${st2.status}`);
        if (st2.message) out.push('', '```text', st2.message.replace(/```/g, '`\u200b``'), '```', '');
      }
      out.push('');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
