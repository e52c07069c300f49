/**
 * The explorer's partial-order reduction (sleep sets, explore/por.ts): it explores fewer transitions and reaches the
 * same states, the same final states and the same violated invariants as the search without it; and every pair of
 * moves it takes as independent at a state commutes there (both orders reach one state).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { actorsOf, applyMove, explore, replay, rootOf, type Move, type Node } from '../src-sim/explore/explore.ts';
import { Footprint } from '../src-sim/explore/footprint.ts';
import { hashState } from '../src-sim/explore/hash.ts';
import { opDef } from '../src-sim/ops/index.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { variantNames } from '../src-sim/scenario/load.ts';

const SMALL = ['t2-use-mm-mm-users', 't4-mmu-notifier-secondary-tlb', 't5-fullmm-upfront-flush'];

describe('sleep sets keep every state and every violation', () => {
  let saved = 0;
  for (const id of SMALL) {
    it(id, () => {
      const file = presetById(id)!;
      for (const v of variantNames(file)) {
        const all = explore(file, v, { por: false });
        const reduced = explore(file, v, { por: true });
        expect(reduced.reduction).toBe('sleep-sets');
        expect(all.reduction).toBe('none');
        const figures = (r: typeof all) => [v, r.exhaustive, r.states, r.finals, r.stuck, r.violations.map((x) => x.id)];
        expect(figures(reduced)).toEqual(figures(all));
        expect(reduced.transitions).toBeLessThanOrEqual(all.transitions);
        saved += all.transitions - reduced.transitions;
        for (const x of reduced.violations) expect(replay(file, v, x.moves)).toContain(x.id);
      }
    });
  }
  it('and skips some transitions', () => expect(saved).toBeGreaterThan(0));
  it('with speculative walks at any point (hardware moves are never put to sleep)', () => {
    const t5 = presetById('t5-fullmm-upfront-flush')!;
    const bare = { ...t5, steps: t5.steps.filter((s) => s.do !== 'speculate') };
    const all = explore(bare, 'buggy', { hardware: 1, por: false });
    const reduced = explore(bare, 'buggy', { hardware: 1, por: true });
    expect([reduced.states, reduced.violations.map((x) => x.id)]).toEqual([all.states, all.violations.map((x) => x.id)]);
  });
});

describe('moves taken as independent commute', () => {
  it('at every state of t2 (fixed and buggy) and t5 x86-buggy, both orders of each independent pair reach one state', () => {
    for (const [id, v] of [['t2-use-mm-mm-users', 'fixed'], ['t2-use-mm-mm-users', 'buggy'], ['t5-fullmm-upfront-flush', 'x86-buggy']]) {
      const file = presetById(id)!;
      const actors = actorsOf(file, v);
      const hash = (n: Node) => hashState(n.x, [...n.pc, n.hw]).h.join(',');
      const movesAt = (n: Node): Move[] => {
        const out: Move[] = n.x.enabled();
        actors.forEach((a, i) => {
          const st = a.steps[n.pc[i]];
          if (st && (opDef(st.do).hardware || !n.x.s.cpus[st.cpu!].stack.length)) out.push({ kind: 'begin', actor: i });
        });
        return out;
      };
      const seen = new Set<string>();
      let pairs = 0;
      const go = (n: Node) => {
        const kids = movesAt(n)
          .map((m) => ({ m, fp: new Footprint(), c: null as Node | null }))
          .map((k) => ({ ...k, c: applyMove(actors, n, k.m, k.fp) }))
          .filter((k) => k.c);
        for (let i = 0; i < kids.length; i++) {
          for (let j = i + 1; j < kids.length; j++) {
            if (!kids[i].fp.independent(kids[j].fp)) continue;
            pairs++;
            const ab = applyMove(actors, kids[i].c!, kids[j].m);
            const ba = applyMove(actors, kids[j].c!, kids[i].m);
            expect(ab && ba && hash(ab) === hash(ba), `${id} ${v}`).toBe(true);
            expect([ab!.x.rec.violations.length, ba!.x.rec.violations.length]).toEqual([0, 0]);
          }
        }
        for (const k of kids) {
          const h = hash(k.c!);
          if (!seen.has(h)) {
            seen.add(h);
            go(k.c!);
          }
        }
      };
      go({ x: rootOf(file, v), pc: actors.map(() => 0), hw: 0 });
      expect(pairs, `${id} ${v}: some moves are independent`).toBeGreaterThan(10);
    }
  });
});

describe('npm run sim -- explore --por', () => {
  it('says which reduction ran, and finds the same violations', () => {
    const run = (...flags: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'explore', 't2-use-mm-mm-users', '--variant', 'buggy', '--json', ...flags], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as { reduction: string; states: number; violations: Array<{ id: string }> };
    };
    const [plain, por] = [run(), run('--por')];
    expect([plain.reduction, por.reduction]).toEqual(['none', 'sleep-sets']);
    expect(por.states).toBe(plain.states);
    expect(por.violations.map((v) => v.id)).toEqual(plain.violations.map((v) => v.id));
  });
});
