/**
 * Costs that must not grow with the size of the mm or the length of the run (issue 8), checked without timing:
 * - the persistent radix map (model/radix.ts) behaves as a map, never writes a version it handed out, and its batch
 *   edits equal one-by-one edits;
 * - a map or munmap step copies a bounded number of PTE-map slots, and the tracks recorder looks at a bounded number
 *   of them, whether the mm has 100 mappings or 20,000 (a flat record copied all of them);
 * - the name lookups of `clone` (and of step resolution) do not scan the tasks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../src-sim/arch/index.ts';
import { NO_CHECKS } from '../src-sim/engine/events.ts';
import { Kernel } from '../src-sim/engine/kernel.ts';
import { DEFAULT_CONFIG, makeState, newTask } from '../src-sim/model/make.ts';
import { NameIndex } from '../src-sim/model/names.ts';
import { freeze } from '../src-sim/model/clone.ts';
import { RADIX_FAN, RadixEdit, radixEmpty, radixStats, rdel, rdiff, rforEach, rget, rhasRange, rkeys, rset, type RadixMap } from '../src-sim/model/radix.ts';
import { refuse } from '../src-sim/ops/index.ts';
import type { ScenarioFile, StepFile } from '../src-sim/scenario/schema.ts';
import type { SimState } from '../src-sim/model/types.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { REGION_PAGES } from '../src-sim/kernel/tlb_hw.ts';

/** Every table below the root holds something and ends with a used slot; values are at depth 5. */
function wellFormed(root: RadixMap<number>): boolean {
  const ok = (n: unknown, depth: number): boolean => {
    if (depth === 5) return n !== undefined;
    if (!Array.isArray(n)) return false;
    if (depth > 0 && n.length === 0) return false;
    if (n.length && n[n.length - 1] === undefined) return false;
    return n.every((c) => c === undefined || ok(c, depth + 1));
  };
  return ok(root, 0);
}

describe('radix map', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 2 ** 40 }));
  const op = fc.oneof(
    fc.record({ k: fc.constant('set' as const), key, v: fc.integer() }),
    fc.record({ k: fc.constant('del' as const), key }),
    fc.record({ k: fc.constant('range' as const), key, len: fc.integer({ min: 0, max: 2000 }) }),
  );

  it('agrees with a Map, keeps every version it handed out, and diffs versions by what changed', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        let m: RadixMap<number> = radixEmpty();
        const ref = new Map<number, number>();
        for (const o of ops) {
          const before = freeze(m);
          const was = new Map(ref);
          if (o.k === 'set') {
            m = rset(m, o.key, o.v);
            ref.set(o.key, o.v);
          } else if (o.k === 'del') {
            m = rdel(m, o.key);
            ref.delete(o.key);
          } else {
            const edit = new RadixEdit(m);
            const seen: number[] = [];
            edit.delRange(o.key, o.key + o.len, (k2, v) => {
              expect(ref.get(k2)).toBe(v);
              seen.push(k2);
            });
            m = edit.root;
            const expected = [...ref.keys()].filter((k2) => k2 >= o.key && k2 < o.key + o.len).sort((a, b) => a - b);
            expect(seen).toEqual(expected);
            for (const k2 of expected) ref.delete(k2);
          }
          expect(rkeys(m)).toEqual([...ref.keys()].sort((a, b) => a - b));
          for (const [k2, v] of ref) expect(rget(m, k2)).toBe(v);
          // The old version is unchanged (it was frozen: a write would have thrown) and the diff names what changed.
          expect(rkeys(before)).toEqual([...was.keys()].sort((a, b) => a - b));
          const changed: number[] = [];
          rdiff(before, m, (k2, v, now) => {
            expect(was.get(k2)).toBe(v);
            expect(now).toBe(ref.get(k2));
            changed.push(k2);
          });
          expect(changed).toEqual([...was.keys()].filter((k2) => ref.get(k2) !== was.get(k2)).sort((a, b) => a - b));
          expect(wellFormed(m)).toBe(true);
          if (ops.length && o.k !== 'set') {
            const lo = o.key;
            const hi = o.key + 700;
            expect(rhasRange(m, lo, hi)).toBe([...ref.keys()].some((k2) => k2 >= lo && k2 < hi));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a batch edit equals the same edits one by one, and writes nothing it did not copy', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'del', 'range'), key, fc.integer({ min: 0, max: 3000 })), { maxLength: 200 }), (ops) => {
        let one: RadixMap<number> = radixEmpty();
        for (let i = 0; i < 40; i++) one = rset(one, i * 37, i);
        const start = freeze(one);
        const edit = new RadixEdit(start);
        for (const [what, k2, v] of ops) {
          if (what === 'set') {
            one = rset(one, k2, v);
            edit.set(k2, v);
          } else if (what === 'del') {
            one = rdel(one, k2);
            edit.del(k2);
          } else {
            for (const k3 of rkeys(one)) if (k3 >= k2 && k3 < k2 + v) one = rdel(one, k3);
            edit.delRange(k2, k2 + v, () => {});
          }
          // Tables are never left empty (a range query over a whole table relies on it).
          expect(wellFormed(edit.root)).toBe(true);
          expect(rhasRange(edit.root, k2 - (k2 % 512), k2 - (k2 % 512) + 1024)).toBe(rkeys(one).some((k3) => k3 >= k2 - (k2 % 512) && k3 < k2 - (k2 % 512) + 1024));
        }
        const a: Array<[number, number]> = [];
        const b: Array<[number, number]> = [];
        rforEach(one, (k2, v) => a.push([k2, v]));
        rforEach(edit.root, (k2, v) => b.push([k2, v]));
        expect(b).toEqual(a);
      }),
      { numRuns: 150 },
    );
  });

  it('a range that empties a table this edit made drops it', () => {
    const e = new RadixEdit(radixEmpty<number>());
    e.set(1600, 1);
    e.delRange(1600, 1700, () => {});
    expect(wellFormed(e.root)).toBe(true);
    expect(rhasRange(e.root, 0, 4096)).toBe(false);
    expect(e.root).toEqual([]);
  });

  it('a table left empty goes, so an emptied map is [] again', () => {
    let m: RadixMap<number> = radixEmpty();
    m = rset(m, 5, 1);
    m = rset(m, 2 ** 39, 2);
    m = rdel(rdel(m, 5), 2 ** 39);
    expect(m).toEqual([]);
    const e = new RadixEdit(rset(rset(radixEmpty<number>(), 10, 1), 600, 2));
    e.delRange(0, -1, () => {});
    expect(e.root).toEqual([]);
  });
});

const hex = (n: number) => '0x' + n.toString(16);

/**
 * Slots copied by the model's radix maps, and slots the tracks recorder looked at, per step of `steps` after an mm
 * was given `size` mappings (dense, from 0x10000000).
 */
function costPerStep(size: number, steps: StepFile[]): Array<{ copied: number; visited: number }> {
  const f: ScenarioFile = {
    format: 'lazytlb/1', id: 'scaling', title: 'scaling',
    machine: { arch: 'x86', cpus: 2 },
    mms: [{ name: 'M', mappings: [] }],
    tasks: [{ name: 'T', mm: 'M' }],
    steps: [{ cpu: 0, do: 'switch', to: 'T' }, ...Array.from({ length: size }, (_, i): StepFile => ({ cpu: 0, do: 'map', va: hex(0x10000000 + i * 0x1000) }))],
  };
  const out: Array<{ copied: number; visited: number }> = [];
  let last = { copied: 0, visited: 0 };
  radixStats.copied = 0;
  radixStats.visited = 0;
  try {
    // extend is asked for step i once step i - 1 has run: the counters' deltas are the cost of that step.
    const t = new Timeline(f, null, {
      extend: (_s: Readonly<SimState>, i: number) => {
        if (i === f.steps.length) radixStats.counting = true;
        else {
          out.push({ copied: radixStats.copied - last.copied, visited: radixStats.visited - last.visited });
        }
        last = { copied: radixStats.copied, visited: radixStats.visited };
        return steps[i - f.steps.length] ?? null;
      },
    });
    expect(t.internalError).toBeNull();
    expect(t.steps.filter((s) => s.error)).toEqual([]);
  } finally {
    radixStats.counting = false;
  }
  return out;
}

describe('the cost of a PTE change does not grow with the mm', () => {
  // Five tables of at most 512 slots on a key's path: a bound that does not depend on the size of the mm.
  const BOUND = 5 * RADIX_FAN;
  const steps: StepFile[] = [
    // a page among the others (in the large mm its leaf table is full): unmapped, mapped again
    { cpu: 0, do: 'munmap', va: hex(0x10000000 + 50 * 0x1000), pages: 1 },
    { cpu: 0, do: 'map', va: hex(0x10000000 + 50 * 0x1000) },
    // a page in a fresh region, used, unmapped with its page table
    { cpu: 0, do: 'map', va: hex(0x80000000) },
    { cpu: 0, do: 'access', va: hex(0x80000000) },
    { cpu: 0, do: 'munmap', va: hex(0x80000000), pages: 1, free_tables: true },
    // a range across a region boundary, partly mapped
    { cpu: 0, do: 'munmap', va: hex(0x10000000 + 500 * 0x1000), pages: 20 },
  ];

  it('map, munmap and the tracks recorder copy and visit a bounded number of slots (100 vs 20,000 mappings)', () => {
    const small = costPerStep(100, steps);
    const large = costPerStep(20_000, steps);
    expect(large.length).toBe(steps.length);
    for (const [i, c] of large.entries()) {
      // A flat record would copy (and the recorder would diff) all 20,000 entries here.
      expect(c.copied, `step ${i} copies`).toBeLessThanOrEqual(BOUND);
      expect(c.visited, `step ${i} visits`).toBeLessThanOrEqual(BOUND);
      expect(small[i].copied).toBeLessThanOrEqual(BOUND);
    }
    // The big munmap of 20 pages: its own leaves, not the mm.
    expect(large[5].copied).toBeLessThanOrEqual(2 * BOUND);
  });

  it('pages per region and the radix leaf agree (a leaf table is one PTE-table page)', () => {
    expect(RADIX_FAN).toBe(REGION_PAGES);
  });
});

describe('name lookups do not scan', () => {
  it('clone checks its new name against an index, not every task', () => {
    const s = makeState('x86', { ...DEFAULT_CONFIG }, 1, [{ name: 'T', kthread: false, mm: 'M' }], [{ name: 'M', mappings: [] }], []);
    const T = s.tasks.findIndex((t) => t.name === 'T');
    s.cpus[0].curr = T;
    s.tasks[T].state = 'running';
    s.tasks[T].cpu = 0;
    for (let i = 0; i < 5000; i++) newTask(s, `t${i}`, false, s.tasks[T].mm);
    let reads = 0;
    const tasks = s.tasks;
    s.tasks = new Proxy(tasks, {
      get(target, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(target, p, r);
      },
    });
    const noop = () => {};
    const k = new Kernel(s, ARCHES.x86, { microstep: noop, violation: noop, warning: noop }, NO_CHECKS);
    expect(refuse(k, 0, { do: 'clone', name: 't17' })).toMatch(/already exists/);
    reads = 0;
    for (let i = 0; i < 200; i++) {
      newTask(s, `u${i}`, false, s.tasks[T].mm);
      expect(refuse(k, 0, { do: 'clone', name: `v${i}` })).toBeNull();
      expect(refuse(k, 0, { do: 'clone', name: `u${i}` })).toMatch(/already exists/);
    }
    // A scan would read 5,000 tasks per call; the index reads the current task and each new one once.
    expect(reads).toBeLessThan(200 * 8);
  });

  it('the index answers as a first-match scan, and a replay of an earlier state sees only its prefix', () => {
    const idx = new NameIndex();
    const list = [{ name: 'a' }, { name: 'b' }, { name: 'a' }];
    expect(idx.task(list, 'a')).toBe(0);
    expect(idx.task(list, 'c')).toBe(-1);
    list.push({ name: 'c' });
    expect(idx.task(list, 'c')).toBe(3);
    expect(idx.task(list.slice(0, 3), 'c')).toBe(-1);
    expect(idx.task(list.slice(0, 3), 'b')).toBe(1);
  });
});
