/**
 * The floors of the core (context: model -> engine -> kernel -> arch -> invariants -> ops, scenario -> timeline,
 * explore, trace -> protocol -> host, worker, cli): no file imports from a floor above its own. protocol/summary.ts,
 * protocol/tracks.ts and protocol/clock.ts are the contract of what the core hands out (its shapes, and their limits
 * such as VIEW_PAGES),
 * which the floors below build: they may be imported from anywhere, as long as they themselves import only model/
 * types and each other. The kernel reports facts to the checker (engine/events.ts) and never judges an invariant
 * itself.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVARIANTS, JUDGED } from '../src-sim/invariants/catalog.ts';

const ROOT = 'src-sim';
const RANK: Record<string, number> = { model: 0, engine: 1, kernel: 2, arch: 3, invariants: 4, ops: 5, scenario: 5, timeline: 6, explore: 6, trace: 6, protocol: 7 };
/** Files at the top of src-sim (host.ts, worker.ts, cli.ts) are the top floor. */
const TOP = 9;

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const floorOf = (p: string): string => {
  const parts = relative(ROOT, p).split('/');
  return parts.length > 1 ? parts[0] : '';
};
const rankOf = (p: string): number => RANK[floorOf(p)] ?? TOP;

/** Every relative import or re-export of a file: target path and whether it is type-only. */
export function importsOf(file: string, text: string): Array<{ to: string; typeOnly: boolean }> {
  const out: Array<{ to: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
    const spec = m[3] ?? m[4];
    out.push({ to: normalize(join(dirname(file), spec)), typeOnly: !!m[2] });
  }
  return out;
}

const files = sources(ROOT);
const CONTRACT = ['src-sim/protocol/summary.ts', 'src-sim/protocol/tracks.ts', 'src-sim/protocol/clock.ts'];

describe('floors', () => {
  it('finds the imports it judges', () => {
    // the checker would pass on nothing at all: make sure it sees the edges it is about
    const all = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8')).map((i) => `${f} -> ${i.to}`));
    expect(all).toContain('src-sim/kernel/sched_mm.ts -> src-sim/engine/fn.ts');
    expect(all).toContain('src-sim/invariants/index.ts -> src-sim/kernel/membarrier.ts');
    expect(all.length).toBeGreaterThan(200);
  });

  it('no file imports from a floor above its own', () => {
    const upward: string[] = [];
    for (const f of files) {
      for (const i of importsOf(f, readFileSync(f, 'utf8'))) {
        if (rankOf(i.to) <= rankOf(f)) continue;
        if (CONTRACT.includes(i.to)) continue;
        upward.push(`${f} -> ${i.to}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the contract modules of protocol/ import only model/ types and each other', () => {
    for (const f of CONTRACT) {
      for (const i of importsOf(f, readFileSync(f, 'utf8'))) expect(CONTRACT.includes(i.to) || (i.typeOnly && floorOf(i.to) === 'model'), `${f} -> ${i.to}`).toBe(true);
    }
  });

  it('the upward check fails on an upward import', () => {
    const fake = importsOf('src-sim/model/x.ts', "import type { Kernel } from '../engine/kernel.ts';\nimport { hex } from './geometry.ts';\n");
    expect(fake.filter((i) => rankOf(i.to) > rankOf('src-sim/model/x.ts')).map((i) => i.to)).toEqual(['src-sim/engine/kernel.ts']);
  });

  it('kernel and arch code reports facts and never raises a violation itself', () => {
    const raising = files.filter((f) => ['kernel', 'arch', 'engine'].includes(floorOf(f)) && /\bk\.violation\(/.test(readFileSync(f, 'utf8')));
    expect(raising).toEqual([]);
  });

  it('no code outside arch/ branches on an architecture\'s name (generic code asks the ArchPolicy)', () => {
    const branching = files.filter((f) => floorOf(f) !== 'arch').flatMap((f) => archNameTests(readFileSync(f, 'utf8')).map((t) => `${f}: ${t}`));
    expect(branching).toEqual([]);
  });

  it('the arch-name check finds comparisons and switch cases, not declarations', () => {
    expect(archNameTests("if (k.arch.name !== 'x86') return;\nconst a = arch === \"powerpc\" ? 1 : 2;\nswitch (arch) { case 'mips': }\n")).toEqual([
      "!== 'x86'", '=== "powerpc"', "case 'mips'",
    ]);
    expect(archNameTests("export type Arch = 'x86' | 'powerpc';\nconst DEFAULT_ARCH: Arch = 'x86';\nz.enum(['x86', 'mips']);\n")).toEqual([]);
  });

  it('every invariant says when it is judged', () => {
    expect(Object.keys(JUDGED).sort()).toEqual(Object.keys(INVARIANTS).sort());
  });
});

/** Comparisons against an architecture's name (=, !=, either side) and `case` labels naming one, in a source text. */
function archNameTests(text: string): string[] {
  const arches = '(?:x86|powerpc|arm64|s390|mips)';
  const name = `(?:'${arches}'|"${arches}")`;
  const re = new RegExp(`[!=]==?\\s*${name}|${name}\\s*[!=]==?|\\bcase\\s+${name}`, 'g');
  return [...text.matchAll(re)].map((m) => m[0].replace(/\s+/g, ' '));
}
