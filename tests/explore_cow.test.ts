/**
 * Copy-on-write between exploration states (explore/state.ts ExploreState.clone, Kernel.shareObjects): on every preset
 * variant, with one hardware move allowed, each move performed on a clone that shares its objects with its parent gives
 * the same state and findings as on a full copy (model/clone.ts cloneState), and leaves the parent as it was.
 */
import { describe, expect, it } from 'vitest';
import { actorsOf, applyMove, hardwareOffers, rootOf, type Move, type Node } from '../src-sim/explore/explore.ts';
import { ExploreState, Findings, canonicalKey } from '../src-sim/explore/state.ts';
import { cloneCpu, deepClone } from '../src-sim/model/clone.ts';
import { explore } from '../src-sim/explore/explore.ts';
import { Kernel } from '../src-sim/engine/kernel.ts';
import { opDef } from '../src-sim/ops/index.ts';
import { beginStep } from '../src-sim/ops/resolve.ts';
import { presets } from '../src-sim/scenario/presets.ts';
import { variantNames } from '../src-sim/scenario/load.ts';

/** A clone of x as it was made before copy-on-write: every object copied. */
const fullCopy = (x: ExploreState): ExploreState => x.copy();

/** Move m on a full copy of n: the copy, or null if the step was refused. */
function onFullCopy(n: Node, m: Move, actors: ReturnType<typeof actorsOf>): ExploreState | null {
  const e = fullCopy(n.x);
  if (m.kind !== 'begin') e.step(m);
  else {
    const st = actors[m.actor].steps[n.pc[m.actor]];
    const hw = opDef(st.do).hardware;
    if (hw) hw.run(e.k, st);
    else if (beginStep(e.k, st.cpu!, st) !== null) return null;
  }
  return e;
}

const findings = (x: ExploreState) => JSON.stringify([x.rec.violations, x.rec.warnings]);

describe('copy-on-write exploration states', () => {
  it('every move from the first states of every preset variant matches a full copy and leaves its parent unchanged', () => {
    let moves = 0;
    for (const f of presets()) {
      for (const v of variantNames(f)) {
        const actors = actorsOf(f, v);
        const offers = hardwareOffers(f);
        const seen = new Set<string>();
        const todo: Node[] = [{ x: rootOf(f, v), pc: actors.map(() => 0), hw: 1 }];
        while (todo.length && seen.size < 150) {
          const n = todo.pop()!;
          const ms: Move[] = n.x.enabled(n.hw > 0 ? offers : undefined);
          actors.forEach((a, i) => {
            const st = a.steps[n.pc[i]];
            if (st && (opDef(st.do).hardware || !n.x.s.cpus[st.cpu!].stack.length)) ms.push({ kind: 'begin', actor: i });
          });
          for (const m of ms) {
            const before = canonicalKey(n.x);
            const e = onFullCopy(n, m, actors);
            const c = applyMove(actors, n, m);
            const where = `${f.id} --variant ${v}: ${JSON.stringify(m)}`;
            expect(c === null, where).toBe(e === null);
            expect(canonicalKey(n.x), where).toBe(before);
            if (!c || !e) continue;
            expect(canonicalKey(c.x), where).toBe(canonicalKey(e));
            expect(findings(c.x), where).toBe(findings(e));
            moves++;
            c.x.rec.violations.length = 0;
            c.x.rec.warnings.length = 0;
            const key = canonicalKey(c.x);
            if (!seen.has(key)) {
              seen.add(key);
              todo.push(c);
            }
          }
        }
      }
    }
    expect(moves).toBeGreaterThan(1000);
  });

  it('a copied CPU has the keys of the CPU it copies in their order and the same content; a forked kernel has the counters a fresh count gives', () => {
    type Counters = { queued: number; inIrqCount: number; busyCpus: number; rcuPending: number };
    const counters = (k: Kernel) => {
      const c = k as unknown as Counters;
      return [c.queued, c.inIrqCount, c.busyCpus, c.rcuPending];
    };
    let n = 0;
    for (const f of presets()) {
      for (const v of variantNames(f)) {
        explore(f, v, {
          maxStates: 300,
          hardware: 1,
          onState: (x) => {
            for (const c of x.s.cpus) {
              const copy = cloneCpu(c);
              expect(Object.keys(copy)).toEqual(Object.keys(c));
              expect(JSON.stringify(copy)).toBe(JSON.stringify(c));
              expect(JSON.stringify(deepClone(c.stack))).toBe(JSON.stringify(c.stack));
            }
            const fresh = new Kernel(x.k.s, x.k.arch, new Findings(), x.checker);
            expect(counters(x.k), `${f.id} ${v}`).toEqual(counters(fresh));
            n++;
          },
        });
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('many micro-steps on one copy (returns included: a frame shared below the copied top becomes the top) match a full copy and leave the original unchanged', () => {
    let steps = 0;
    for (const f of presets()) {
      for (const v of variantNames(f)) {
        const met: ExploreState[] = [];
        explore(f, v, { maxStates: 200, onState: (x) => void (met.length < 200 && met.push(x)) });
        for (const x of met.filter((_, i) => i % 7 === 0)) {
          const before = canonicalKey(x);
          const y = x.clone();
          const e = fullCopy(x);
          for (let i = 0; i < 40; i++) {
            const ch = y.enabled().find((c) => c.kind === 'step');
            if (!ch) break;
            y.step(ch);
            e.step(ch);
            steps++;
          }
          const where = `${f.id} --variant ${v}`;
          expect(canonicalKey(x), where).toBe(before);
          expect(canonicalKey(y), where).toBe(canonicalKey(e));
          expect(findings(y), where).toBe(findings(e));
        }
      }
    }
    expect(steps).toBeGreaterThan(1000);
  });
});
