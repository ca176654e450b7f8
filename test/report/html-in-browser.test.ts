// The HTML reports as a person sees them: conformance.html and Cucumber's own HTML report open in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with no page error, no console error and no
// request leaving the machine, and the summary is visible. Skipped, saying why, where Chromium is not installed.
import { describe, it, before, after } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildEvidence } from '../../src/scenario/evidence';
import { generateReports } from '../../src/report';
import { bad, messageStream, ndjson, ok } from './message-fixtures';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does it), so the HTML reports are not opened in a browser`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = resolve(__dirname, '..', '..');

interface PageVisit {
  errors: string[];
  text: (selector: string) => Promise<string>;
  visible: (selector: string) => Promise<boolean>;
  click: (selector: string) => Promise<void>;
  close: () => Promise<void>;
}

let tmp: string;

/** Opens a local file in a fresh headless Chromium profile, recording page errors, console errors and any non-file request. */
async function visit(file: string): Promise<PageVisit> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmp, 'profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    errors.push(`request to ${url}`);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
  return {
    errors,
    text: async (sel) => (await page.locator(sel).first().innerText({ timeout: 20_000 })),
    visible: async (sel) => {
      await page.locator(sel).first().waitFor({ state: 'visible', timeout: 20_000 });
      return page.locator(sel).first().isVisible();
    },
    click: (sel) => page.locator(sel).first().click({ timeout: 20_000 }),
    close: () => context.close(),
  };
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mmspec-browser-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('report pages in headless Chromium', { timeout: 180_000 }, () => {
  it('conformance.html: no errors, summary visible, evidence sections expand', async (t) => {
    if (SKIP) return t.skip(SKIP);
    const evidence = buildEvidence({
      events: [{ type: 'smi', milestone: 'PEI', data: { note: '<script>window.bad = 1</script>' } }],
      memoryMap: { regions: [{ base: '0x7f000000', size: '0x1000000', kind: 'mmram', label: 'TSEG', attributes: 'supervisor RW NX' }] },
      dispatchOrder: [{ name: 'MmSupervisorRing3Broker', guid: 'g', status: 'started' }, { name: 'DriverA', guid: 'h', status: 'EFI_ACCESS_DENIED' }],
    });
    const dir = join(tmp, 'report');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'messages.ndjson'), ndjson(messageStream({
      scenarios: [
        { name: 'dispatches <b>bold</b>', uri: 'features/dispatch.feature', line: 3, tags: ['@req:SUPV-021'], steps: [ok()], evidence },
        { name: 'refuses', uri: 'features/dispatch.feature', line: 9, tags: ['@req:SUPV-022'], steps: [ok(), bad()] },
      ],
    })));
    generateReports({ root, outDir: dir });
    const p = await visit(join(dir, 'conformance.html'));
    try {
      expect(await p.visible('#summary')).to.equal(true);
      expect(await p.text('#summary .verdict')).to.equal('1 requirement failed.');
      expect(await p.text('#summary .cards')).to.match(/\d+\s*requirements[\s\S]*1\s*passed[\s\S]*1\s*failed/);
      expect(await p.text('#sc-dispatch-L3 h3')).to.contain('dispatches <b>bold</b>');
      await p.click('#sc-dispatch-L3 details:nth-of-type(2) > summary');
      expect(await p.visible('#sc-dispatch-L3 svg.memory-map')).to.equal(true);
      await p.click('#sc-dispatch-L3 details:nth-of-type(1) > summary');
      expect(await p.text('#sc-dispatch-L3 details:nth-of-type(1) table')).to.contain('<script>window.bad = 1</script>');
      expect(p.errors).to.deep.equal([]);
    } finally {
      await p.close();
    }
  });

  it("Cucumber's HTML report: no errors, the run summary is visible", async (t) => {
    if (SKIP) return t.skip(SKIP);
    // a throwaway project: one feature, JavaScript steps, Cucumber's html formatter
    const project = join(tmp, 'cucumber-project');
    mkdirSync(join(project, 'features'), { recursive: true });
    mkdirSync(join(project, 'steps'), { recursive: true });
    writeFileSync(join(project, 'features', 'throwaway.feature'), [
      '@req:SUPV-021', 'Feature: Throwaway', '  Scenario: the report opens', '    Given a step that passes', '    Then it attaches evidence', '',
    ].join('\n'));
    writeFileSync(join(project, 'steps', 'steps.js'), [
      "const { Given, Then } = require('@cucumber/cucumber');",
      "Given('a step that passes', function () {});",
      `Then('it attaches evidence', function () { this.attach(${JSON.stringify(JSON.stringify(buildEvidence({ events: [] })))}, 'application/vnd.mmspec.evidence+json'); });`,
      '',
    ].join('\n'));
    const r = spawnSync(process.execPath, [join(root, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'), '--require', 'steps/steps.js', '--format', 'html:cucumber.html', 'features'], {
      cwd: project, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    });
    expect(r.status, r.stderr).to.equal(0);
    const p = await visit(join(project, 'cucumber.html'));
    try {
      // the run summary ("100% (1 / 1) passed") and the feature (collapsed when everything passed)
      expect(await p.visible('text=/\\(1 \\/ 1\\) passed/')).to.equal(true);
      expect(await p.visible('text=features/throwaway.feature')).to.equal(true);
      expect(p.errors).to.deep.equal([]);
    } finally {
      await p.close();
    }
  });
});
