import type { ScenarioDetail, ScenarioRef } from '../conformance/conformance-model';
import type { ScenarioStatus } from '../messages/scenario-status';
import type { ReportBundle } from '../report-bundle';
import { escapeHtml as h, escapeText, htmlId } from './escape';
import { arrowheadMarker, dispatchTimelinePicture } from './svg-dispatch-timeline';
import { REGION_COLORS, type SvgPicture, memoryMapPicture } from './svg-memory-map';

/** At most this many events are shown per scenario in the page; the evidence JSON has them all. */
export const MAX_TRACE_ROWS = 1000;

const CSS = `
:root{--pass:#1a7f37;--fail:#cf222e;--open:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0;padding:0 24px 48px;max-width:1200px}
h1{font-size:24px;margin:20px 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}
.meta{color:var(--muted);margin:0 0 12px}code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{background:var(--bg);padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-word}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px;background:#fff}
.card .n{font-size:26px;font-weight:600;display:block}.card.passed .n{color:var(--pass)}.card.failed .n{color:var(--fail)}.card.not-covered .n{color:var(--open)}
.verdict{padding:10px 14px;border-radius:8px;font-weight:600;margin:8px 0}.verdict.ok{background:#dafbe1;color:#116329}.verdict.bad{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--bg)}
td.num,th.num{text-align:right}
.trace td:first-child{text-align:right}.trace td:nth-child(3),.trace td:nth-child(4){font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.trace td:last-child{overflow-wrap:anywhere}.trace td:nth-child(2),.trace td:nth-child(3){white-space:nowrap}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.b-passed{background:var(--pass)}.b-failed,.b-ambiguous{background:var(--fail)}.b-not-covered,.b-pending,.b-undefined{background:var(--open)}.b-skipped,.b-unknown{background:#8c959f}
.req,.scenario{border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:10px 0;background:#fff}
.req.failed{border-left:5px solid var(--fail)}.req.passed{border-left:5px solid var(--pass)}.req.not-covered{border-left:5px solid var(--open)}
.scenario.failed,.scenario.ambiguous{border-left:5px solid var(--fail)}.scenario.passed{border-left:5px solid var(--pass)}
details{margin:6px 0}summary{cursor:pointer;color:#0969da}.steps{list-style:none;padding:0;margin:6px 0}.steps li{padding:1px 0}
.steps .s-failed,.steps .s-ambiguous{color:var(--fail);font-weight:600}.steps .s-skipped{color:var(--muted)}.steps .s-undefined,.steps .s-pending{color:var(--open)}
.bar{height:10px;background:var(--bg);border:1px solid var(--line);border-radius:5px;overflow:hidden;max-width:400px}.bar span{display:block;height:100%;background:var(--pass)}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
svg{max-width:100%;height:auto}.muted{color:var(--muted)}nav a{margin-right:12px}
`;

function badge(status: string): string {
  return `<span class="badge b-${htmlId(status.replace(/ /g, '-'))}">${h(status)}</span>`;
}

function scenarioLink(s: ScenarioRef): string {
  return `<a href="#sc-${htmlId(s.slug)}">${h(s.name)}</a>`;
}

function loc(s: { uri: string; line: number }): string {
  return `<span class="mono">${h(`${s.uri}:${s.line}`)}</span>`;
}

function stepClass(s: ScenarioStatus): string {
  return `s-${s}`;
}

/** One value of event data for people: plain words as they are, anything else as compact JSON. */
function dataValue(v: unknown): string {
  return typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
}

/** Event data as `key=value` pairs. */
export function formatEventData(data: Record<string, unknown>): string {
  return Object.entries(data).map(([k, v]) => `${k}=${dataValue(v)}`).join(' ');
}

/**
 * Pictures shared through one hidden sprite: identical memory maps and dispatch orders (most scenarios boot the
 * same platform) are drawn once as a <symbol> and shown everywhere with <use>.
 */
class PictureSprites {
  private readonly ids = new Map<string, string>();
  private readonly symbols: string[] = [];
  show(p: SvgPicture, cls: string, label: string): string {
    const key = `${p.width}x${p.height}:${p.body}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = `pic-${this.ids.size + 1}`;
      this.ids.set(key, id);
      this.symbols.push(`<symbol id="${id}" viewBox="0 0 ${p.width} ${p.height}">${p.body}</symbol>`);
    }
    return `<svg class="${cls}" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label="${h(label)}"><use href="#${id}" width="${p.width}" height="${p.height}"/></svg>`;
  }
  sprite(): string {
    return `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>${arrowheadMarker(ARROWHEAD)}${this.symbols.join('')}</defs></svg>`;
  }
}

const ARROWHEAD = 'arrowhead';

function scenarioArticle(s: ScenarioDetail, sprites: PictureSprites, traces: Map<string, ScenarioDetail>): string {
  const parts: string[] = [];
  parts.push(`<article class="scenario ${h(s.status)}" id="sc-${htmlId(s.slug)}">`);
  parts.push(`<h3>${h(s.name)} ${badge(s.status)}</h3>`);
  const facts = [`${loc(s)}`, `feature: ${h(s.feature)}`];
  if (s.requirementIds.length > 0) facts.push(`requirements: ${s.requirementIds.map((id) => `<a href="#req-${htmlId(id)}">${h(id)}</a>`).join(', ')}`);
  if (s.attempts > 1) facts.push(`${s.attempts} attempts`);
  parts.push(`<p class="meta">${facts.join(' · ')}</p>`);
  parts.push('<ul class="steps">');
  for (const st of s.steps) {
    parts.push(`<li class="${stepClass(st.status)}">${h(`${st.keyword}${st.text}`)} <span class="muted">(${h(st.status)})</span>${st.message ? `<pre>${h(st.message)}</pre>` : ''}</li>`);
  }
  parts.push('</ul>');
  if (s.evidenceError) parts.push(`<p class="verdict bad">Evidence unreadable: ${h(s.evidenceError)}</p>`);
  const e = s.evidence;
  if (e) {
    const digestNote = s.digestValid === false ? ' <strong class="mono" style="color:var(--fail)">digest does not match the events</strong>' : '';
    parts.push(`<p class="meta">evidence digest <span class="mono">${h(e.digest)}</span>${digestNote}${s.evidenceFile ? ` · <a href="${h(s.evidenceFile)}">evidence JSON</a>` : ''}</p>`);
    const twin = s.digestValid ? traces.get(e.digest) : undefined;
    if (twin !== undefined) {
      parts.push(`<p class="meta">Event trace (${e.events.length} events): the same as <a href="#sc-${htmlId(twin.slug)}">${h(twin.name)}</a> (same digest).</p>`);
    } else {
      if (s.digestValid) traces.set(e.digest, s);
      parts.push(`<details><summary>Event trace (${e.events.length} event${e.events.length === 1 ? '' : 's'})</summary>`);
      if (e.events.length > 0) {
        parts.push('<table class="trace"><thead><tr><th class="num">#</th><th>Milestone</th><th>Event</th><th>Data</th></tr></thead><tbody>');
        for (const ev of e.events.slice(0, MAX_TRACE_ROWS)) {
          parts.push(`<tr><td>${ev.seq}</td><td>${escapeText(ev.milestone)}</td><td>${escapeText(ev.type)}</td><td>${escapeText(formatEventData(ev.data))}</td></tr>`);
        }
        parts.push('</tbody></table>');
        if (e.events.length > MAX_TRACE_ROWS) parts.push(`<p class="muted">${e.events.length - MAX_TRACE_ROWS} more events in the evidence JSON.</p>`);
      }
      parts.push('</details>');
    }
    if (e.memoryMap) {
      const pic = sprites.show(memoryMapPicture(e.memoryMap.regions), 'memory-map', `Physical memory map of ${s.name}`);
      parts.push(`<details><summary>Physical memory map (${e.memoryMap.regions.length} regions)</summary>${pic}</details>`);
    }
    if (e.dispatchOrder) {
      const pic = sprites.show(dispatchTimelinePicture(e.dispatchOrder, 'MM driver dispatch order', ARROWHEAD), 'dispatch-order', `MM driver dispatch order of ${s.name}`);
      parts.push(`<details><summary>Dispatch order (${e.dispatchOrder.length} drivers)</summary>${pic}</details>`);
    }
    if (e.policyEntries && e.policyEntries.length > 0) {
      parts.push(`<p class="meta">policy entries that decided something: ${e.policyEntries.map((p) => `<span class="mono">${h(`${p.policy} ${p.kind}[${p.index}]`)}</span>`).join(', ')}</p>`);
    }
  }
  parts.push('</article>');
  return parts.join('\n');
}

/**
 * conformance.html: one self-contained page (inline CSS and SVG, no script, no external asset): summary at
 * the top, areas, coverage, one section per requirement, then every scenario with its steps and collapsible
 * evidence (event trace, memory map, dispatch order; identical traces and pictures are shown once and referred to). Every text from features, steps, the catalog and the
 * evidence goes through escapeHtml.
 */
export function conformanceHtml(b: ReportBundle): string {
  const m = b.conformance;
  const s = m.summary;
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push('<title>MM Supervisor conformance report</title>', `<style>${CSS}</style>`, '</head><body>');
  out.push('<header><h1>MM Supervisor conformance report</h1>');
  const meta = [];
  if (m.run.cucumber) meta.push(`Cucumber ${h(m.run.cucumber)}`);
  if (m.run.runtime) meta.push(h(m.run.runtime));
  meta.push(m.catalog.found ? `catalog <span class="mono">${h(m.catalog.path)}</span> (${m.catalog.requirements} requirements)` : `no catalog at <span class="mono">${h(m.catalog.path)}</span>: requirements from <span class="mono">@req:</span> tags only`);
  out.push(`<p class="meta">${meta.join(' · ')}</p>`);
  out.push('<nav><a href="#summary">Summary</a><a href="#areas">Areas</a><a href="#coverage">Coverage</a><a href="#requirements">Requirements</a><a href="#scenarios">Scenarios</a></nav></header>');

  // summary
  out.push('<section id="summary"><h2>Summary</h2>');
  const failedIds = m.requirements.filter((r) => r.status === 'failed').map((r) => r.id);
  const problems: string[] = [];
  if (!m.run.finished) problems.push('the Cucumber run did not complete');
  if (failedIds.length > 0) problems.push(`${failedIds.length} requirement${failedIds.length === 1 ? '' : 's'} failed`);
  if (s.failuresOutsideCatalog > 0) problems.push(`${s.failuresOutsideCatalog} failed scenario(s) outside the catalog`);
  out.push(problems.length === 0
    ? `<p class="verdict ok">No requirement failed: ${s.passed} passed, ${s.notCovered} not covered.</p>`
    : `<p class="verdict bad">${h(problems.join('; '))}.</p>`);
  out.push('<div class="cards">');
  out.push(`<div class="card"><span class="n">${s.requirements}</span>requirements</div>`);
  out.push(`<div class="card passed"><span class="n">${s.passed}</span>passed</div>`);
  out.push(`<div class="card failed"><span class="n">${s.failed}</span>failed</div>`);
  out.push(`<div class="card not-covered"><span class="n">${s.notCovered}</span>not covered</div>`);
  out.push(`<div class="card"><span class="n">${s.scenarios}</span>scenarios</div>`);
  out.push('</div>');
  const byStatus = Object.entries(s.scenariosByStatus).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  out.push(`<p>Scenarios: ${h(byStatus.length > 0 ? byStatus.join(', ') : 'none ran')}.${s.notTestable > 0 ? ` ${s.notTestable} requirement(s) are marked not testable.` : ''}</p>`);
  if (failedIds.length > 0) out.push(`<p>Failed: ${failedIds.map((id) => `<a href="#req-${htmlId(id)}">${h(id)}</a>`).join(', ')}</p>`);
  if (s.evidenceProblems > 0) out.push(`<p class="verdict bad">${s.evidenceProblems} scenario(s) have unreadable evidence or a digest that does not match their events.</p>`);
  out.push('</section>');

  // areas
  out.push('<section id="areas"><h2>By area</h2>');
  if (m.areas.length === 0) out.push('<p class="muted">No requirements.</p>');
  else {
    out.push('<table><thead><tr><th>Area</th><th class="num">Requirements</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Not covered</th></tr></thead><tbody>');
    for (const a of m.areas) out.push(`<tr><td><span class="mono">${h(a.area)}</span>${a.description ? `<div class="muted">${h(a.description)}</div>` : ''}</td><td class="num">${a.requirements}</td><td class="num">${a.passed}</td><td class="num">${a.failed}</td><td class="num">${a.notCovered}</td></tr>`);
    out.push('</tbody></table>');
  }
  out.push('</section>');

  // coverage
  const rc = b.coverage.requirements;
  out.push('<section id="coverage"><h2>Coverage</h2>');
  out.push(`<p>Requirements: ${rc.covered} of ${rc.total} decided by a scenario — ${rc.percent}% of the ${rc.testable} testable ones.</p><div class="bar"><span style="width:${Math.min(100, rc.percent)}%"></span></div>`);
  out.push('<h3 style="margin-top:14px">Isolation policy entries</h3>');
  if (b.coverage.policies.length === 0) out.push('<p class="muted">No scenario evidence names a policy entry.</p>');
  for (const p of b.coverage.policies) {
    out.push(`<details class="policy"><summary><span class="mono">${h(p.policy)}</span>: ${p.exercised}${p.total !== undefined ? ` of ${p.total}` : ''} entries exercised by ${p.scenarios} scenario(s)</summary>`);
    out.push('<table><thead><tr><th>Kind</th><th>Exercised</th><th class="num">Total</th><th>Never exercised</th></tr></thead><tbody>');
    for (const k of p.kinds) {
      out.push(`<tr><td class="mono">${h(k.kind)}</td><td class="mono">${h(k.exercised.join(', ') || '—')}</td><td class="num">${k.total ?? '?'}</td><td class="mono">${h(k.unexercised === undefined ? '?' : k.unexercised.join(', ') || '—')}</td></tr>`);
    }
    out.push('</tbody></table></details>');
  }
  out.push('<h3 style="margin-top:14px">x86 opcodes</h3>');
  const op = b.coverage.opcodes;
  if (!op) out.push('<p class="muted">No opcode coverage was recorded (MMSPEC_OPCODE_COVERAGE was not set).</p>');
  else {
    out.push(`<p>${op.codes} instruction forms (${op.mnemonics} mnemonics) decoded in ${op.files} process(es); ${op.supportedExercised} of the ${op.supported} mnemonics the emulator implements were exercised.</p>`);
    out.push(`<details><summary>Decoded mnemonics (${op.mnemonics})</summary><p class="mono">${h(Object.entries(op.byMnemonic).map(([k, n]) => `${k}×${n}`).join(' '))}</p></details>`);
    if (op.supportedNeverDecoded.length > 0) out.push(`<details><summary>Implemented but never decoded (${op.supportedNeverDecoded.length})</summary><p class="mono">${h(op.supportedNeverDecoded.join(' '))}</p></details>`);
    if (op.decodedUnsupported.length > 0) out.push(`<p>Decoded but not implemented (#UD): <span class="mono">${h(op.decodedUnsupported.join(' '))}</span></p>`);
  }
  out.push('<h3 style="margin-top:14px">Step definitions</h3>');
  const st = b.coverage.steps;
  if (!st) out.push('<p class="muted">No step usage available.</p>');
  else {
    out.push(`<p>${st.used} of ${st.definitions} step definitions used.</p>`);
    if (st.unused.length > 0) {
      out.push(`<details><summary>Never used (${st.unused.length})</summary><ul>`);
      for (const u of st.unused) out.push(`<li><span class="mono">${h(u.pattern)}</span>${u.uri ? ` <span class="muted">${h(`${u.uri}${u.line !== undefined ? `:${u.line}` : ''}`)}</span>` : ''}</li>`);
      out.push('</ul></details>');
    }
  }
  out.push('</section>');

  // requirements
  out.push('<section id="requirements"><h2>Requirements</h2>');
  if (m.requirements.length === 0) out.push('<p class="muted">No requirements.</p>');
  for (const r of m.requirements) {
    out.push(`<article class="req ${htmlId(r.status.replace(/ /g, '-'))}" id="req-${htmlId(r.id)}">`);
    out.push(`<h3><span class="mono">${h(r.id)}</span> ${badge(r.status)}</h3>`);
    out.push(`<p>${h(r.statement)}</p>`);
    const facts = [`area: ${h(r.area)}`];
    if (r.source) facts.push(`source: ${h(r.source)}`);
    if (!r.testable) facts.push(`not testable${r.reason ? `: ${h(r.reason)}` : ''}`);
    facts.push(h(r.statusReason));
    out.push(`<p class="meta">${facts.join(' · ')}</p>`);
    if (r.scenarios.length > 0) {
      out.push('<table><thead><tr><th>Scenario</th><th>Location</th><th>Status</th><th>Evidence digest</th></tr></thead><tbody>');
      for (const sc of r.scenarios) {
        const dig = sc.digest ? (sc.evidenceFile ? `<a class="mono" href="${h(sc.evidenceFile)}">${h(sc.digest.slice(0, 23))}…</a>` : `<span class="mono">${h(sc.digest.slice(0, 23))}…</span>`) : '<span class="muted">—</span>';
        out.push(`<tr><td>${scenarioLink(sc)}</td><td>${loc(sc)}</td><td>${badge(sc.status)}</td><td>${dig}</td></tr>`);
      }
      out.push('</tbody></table>');
    }
    out.push('</article>');
  }
  out.push('</section>');

  // tagging problems
  if (m.unknownRequirementIds.length > 0 || m.untaggedScenarios.length > 0 || m.run.parseErrors.length > 0) {
    out.push('<section id="problems"><h2>Tagging and parsing</h2>');
    if (m.run.parseErrors.length > 0) out.push(`<p>Feature parse errors:</p><ul>${m.run.parseErrors.map((e) => `<li class="mono">${h(e)}</li>`).join('')}</ul>`);
    if (m.unknownRequirementIds.length > 0) {
      out.push('<p>Tags naming no catalog requirement:</p><ul>');
      for (const u of m.unknownRequirementIds) {
        const hint = u.suggestions.length > 0 ? ` (did you mean ${u.suggestions.map((x) => `<a href="#req-${htmlId(x)}">${h(x)}</a>`).join(', ')}?)` : '';
        out.push(`<li><span class="mono">${h(`@req:${u.id}`)}</span>${hint}: ${u.scenarios.map(scenarioLink).join(', ')}</li>`);
      }
      out.push('</ul>');
    }
    if (m.untaggedScenarios.length > 0) {
      out.push('<p>Scenarios with no requirement tag:</p><ul>');
      for (const sc of m.untaggedScenarios) out.push(`<li>${scenarioLink(sc)} ${loc(sc)} ${badge(sc.status)}</li>`);
      out.push('</ul>');
    }
    out.push('</section>');
  }

  // scenarios
  out.push('<section id="scenarios"><h2>Scenarios</h2>');
  out.push(`<p class="legend">Memory map colours: ${Object.entries(REGION_COLORS).map(([k, c]) => `<span><i style="background:${c}"></i>${h(k)}</span>`).join('')}</p>`);
  if (m.scenarios.length === 0) out.push('<p class="muted">No scenario ran.</p>');
  const sprites = new PictureSprites();
  const traces = new Map<string, ScenarioDetail>();
  for (const sc of m.scenarios) out.push(scenarioArticle(sc, sprites, traces));
  out.push('</section>');
  out.push(sprites.sprite());
  out.push('</body></html>');
  return `${out.join('\n')}\n`;
}
