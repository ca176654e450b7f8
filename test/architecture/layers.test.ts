/**
 * Layers import downward only (DESIGN.md "Layers"). Listed lowest first; `src/common` is the shared base
 * below every layer. `steps/` sits above all of src/. A file may import its own layer and any lower one.
 */
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const LAYERS = ['common', 'asm', 'cpu', 'firmware', 'platform', 'supervisor', 'scenario', 'report', 'cli'] as const;
const root = resolve(__dirname, '..', '..');

function files(dir: string, out: string[] = []): string[] {
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(n)) out.push(p);
  }
  return out;
}

/** Rank of a path: index in LAYERS for src/<layer>/…, LAYERS.length for steps/, -1 for anything else. */
function rank(absPath: string): number {
  const rel = relative(root, absPath).split(sep);
  if (rel[0] === 'steps') return LAYERS.length;
  if (rel[0] === 'src') return LAYERS.indexOf(rel[1] as (typeof LAYERS)[number]);
  return -1;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function violations(): string[] {
  const out: string[] = [];
  for (const f of [...files(join(root, 'src')), ...files(join(root, 'steps'))]) {
    const own = rank(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || !spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      const r = rank(target);
      if (r > own || (own < LAYERS.length && relative(root, target).startsWith('steps'))) {
        out.push(`${relative(root, f)} imports ${spec} (layer ${r < LAYERS.length ? LAYERS[r] : 'steps'} is above ${own < LAYERS.length ? LAYERS[own] : 'steps'})`);
      }
    }
  }
  return out;
}

describe('layer dependencies (DESIGN.md: imports point downward only)', () => {
  it('every src/ folder is a known layer', () => {
    const unknown = readdirSync(join(root, 'src')).filter((d) => statSync(join(root, 'src', d)).isDirectory() && rank(join(root, 'src', d, 'x.ts')) < 0);
    expect(unknown, 'folders under src/ that are not in the layer list').to.deep.equal([]);
  });
  it('no file imports a layer above its own', () => {
    expect(violations()).to.deep.equal([]);
  });
  it('the checker itself catches an upward import', () => {
    // A synthetic example: src/cpu importing src/supervisor must rank as a violation.
    const from = rank(join(root, 'src', 'cpu', 'x.ts'));
    const to = rank(join(root, 'src', 'supervisor', 'y.ts'));
    expect(to > from).to.equal(true);
    expect(rank(join(root, 'steps', 'a.ts'))).to.be.greaterThan(rank(join(root, 'src', 'cli', 'main.ts')));
  });
});
