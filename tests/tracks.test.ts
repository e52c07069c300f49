/**
 * Tracks (src-sim/timeline/tracks.ts, tracks_query.ts) and the playhead view (view.ts):
 * - what the run recorded equals what replaying snapshots gives, on random schedules of every arch;
 * - coarse windows stay coarse (about one item per bucket per row) and cover the window without gaps;
 * - the view's TLB statuses on T5's stale, then freed, then reused walk-cache and TLB entries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLazy } from '../src-sim/model/lazy.ts';
import type { Arch } from '../src-sim/model/types.ts';
import { isBusy, type LaneItem, type TracksWindow } from '../src-sim/protocol/tracks.ts';
import { presetById, presetInfos } from '../src-sim/scenario/presets.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { tracksWindow } from '../src-sim/timeline/tracks_query.ts';
import { playheadView } from '../src-sim/timeline/view.ts';

const ARCHES: Arch[] = ['x86', 'powerpc', 'arm64', 's390', 'mips'];

function randomRun(arch: Arch, seed: number, steps: number): Timeline {
  const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5 });
  return new Timeline(f, null, { extend: randomSteps(seed, steps, { pagesPerMm: 5 }), keyframeEvery: 256 });
}

/** The value a row holds at t (segments are half-open; the last one also holds at its end). */
function valueAt<V>(items: LaneItem<V>[], t: number): V {
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if ((t >= it.from && t < it.to) || (i === items.length - 1 && t === it.to)) {
      if (isBusy(it)) throw new Error(`busy at ${t}`);
      return it.value;
    }
  }
  throw new Error(`no item holds ${t}`);
}

function samples(n: number, seed: number, count = 40): number[] {
  const out = new Set([0, 1, n]);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.add(x % (n + 1));
  }
  return [...out].sort((a, b) => a - b);
}

/** Every row of a full-resolution window against the snapshot of each sampled position. */
function checkAgainstSnapshots(tl: Timeline, seed: number): void {
  const n = tl.microstepCount;
  const w: TracksWindow = tracksWindow(tl, 0, n, Math.max(1, n));
  for (const t of samples(n, seed)) {
    const s = tl.stateAt(t - 1);
    const at = `t=${t}`;
    for (const c of s.cpus) {
      const row = w.cpus[c.id];
      expect(valueAt(row.curr, t), at).toBe(c.curr);
      expect(valueAt(row.activeMm, t), at).toBe(s.tasks[c.curr].active_mm);
      expect(valueAt(row.loadedMm, t), at).toEqual({ mm: c.loaded_mm, tag: c.tag });
      expect(valueAt(row.lazy, t), at).toBe(isLazy(s, c.id));
      expect(valueAt(row.irqsOff, t), at).toBe(c.irqs_off > 0);
      const top = c.stack[c.stack.length - 1];
      expect(valueAt(row.inFlight, t), at).toEqual(top ? { fn: tl.era.fn(top.fn), irq: c.stack.some((f) => f.irq) } : null);
    }
    for (const d of s.devices) {
      expect(valueAt(w.devices[d.id].mm, t), at).toBe(d.released ? -1 : d.mm);
      expect(valueAt(w.devices[d.id].entries, t), at).toBe(d.tlb.length);
    }
    for (const m of s.mms) {
      const track = w.mms[m.id];
      let v = track.start;
      for (const p of track.points) if (p.t <= t) v = { users: p.users, count: p.count };
      expect(v, `${at} ${m.name}`).toEqual({ users: m.mm_users, count: m.mm_count });
    }
    // TLB lives: what is cached at t is exactly the lives spanning t, with the status the state gives.
    const view = playheadView(tl, t);
    const cached = w.tlb.filter((l) => l.filled <= t && (l.invalidated === null || l.invalidated > t));
    const cells = [...view.cpus.flatMap((c) => c.tlb.map((e) => ({ ...e, actor: `cpu${c.cpu}` }))), ...view.devices.flatMap((d) => d.tlb.map((e) => ({ ...e, actor: `dev${d.device}` })))];
    expect(cached.length, at).toBe(cells.length);
    for (const cell of cells) {
      const life = cached.find((l) => `${l.actor.kind === 'cpu' ? 'cpu' : 'dev'}${l.actor.n}` === cell.actor && l.va === cell.va && l.walk === cell.walk && l.tag === cell.tag && l.page === cell.page);
      expect(life, `${at} ${JSON.stringify(cell)}`).toBeDefined();
      expect(cell.filled).toBe(life!.filled);
      // The recorded reasons say the same as the state at t.
      let status = 'current';
      if (life!.wrongFrom !== null && life!.wrongFrom <= t) status = life!.wrongWhy!;
      for (const x of life!.worse ?? []) if (x.t <= t) status = x.why;
      expect(status, `${at} ${JSON.stringify(cell)} ${JSON.stringify(life)}`).toBe(cell.status);
    }
    // IPIs pending at t: sent, not yet delivered.
    const pending = view.cpus.flatMap((c) => c.pendingIpis.map((p) => `${p.id}->${c.cpu}`)).sort();
    const marks = w.ipis.flatMap((m) => ('id' in m && m.sent <= t && (m.delivered === null || m.delivered > t) ? [`${m.id}->${m.to}`] : [])).sort();
    expect(marks, at).toEqual(pending);
  }
}

describe('tracks equal what replaying snapshots gives', () => {
  for (const arch of ARCHES) {
    it(arch, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const tl = randomRun(arch, seed, 200);
          expect(tl.internalError).toBeNull();
          checkAgainstSnapshots(tl, seed);
        }),
        { numRuns: 6 },
      );
    });
  }

  it('every preset variant', () => {
    for (const p of presetInfos()) {
      const file = presetById(p.id)!;
      for (const v of p.variants) checkAgainstSnapshots(new Timeline(file, v.name), 7);
    }
  });
});

describe('coarse windows', () => {
  it('at most about two items per bucket per row, no gaps, and values where not busy', () => {
    const tl = randomRun('x86', 99, 1500);
    const n = tl.microstepCount;
    const full = tracksWindow(tl, 0, n, n);
    for (const [from, to, buckets] of [[0, n, 40], [0, n, 7], [Math.floor(n / 3), Math.floor(n / 2), 25], [5, 5, 3], [0, n, 1]]) {
      const w = tracksWindow(tl, from, to, buckets);
      const rows: Array<[string, LaneItem<unknown>[], LaneItem<unknown>[]]> = [];
      w.cpus.forEach((c, i) => {
        for (const key of ['curr', 'activeMm', 'loadedMm', 'lazy', 'irqsOff', 'inFlight'] as const) rows.push([`cpu${i}.${key}`, c[key], full.cpus[i][key]]);
      });
      w.devices.forEach((d, i) => rows.push([`dev${i}.mm`, d.mm, full.devices[i].mm], [`dev${i}.entries`, d.entries, full.devices[i].entries]));
      let busy = 0;
      for (const [name, items, fine] of rows) {
        expect(items.length, name).toBeLessThanOrEqual(2 * buckets + 2);
        expect(items[0].from, name).toBe(from);
        expect(items[items.length - 1].to, name).toBe(to);
        for (let i = 1; i < items.length; i++) expect(items[i].from, name).toBe(items[i - 1].to);
        for (const it of items) {
          if (isBusy(it)) {
            busy++;
            expect(it.busy).toBeGreaterThanOrEqual(2);
            continue;
          }
          expect(valueAt([it], it.from), name).toEqual(valueAt(fine, it.from));
          if (it.to > it.from) expect(valueAt([{ ...it, to: it.to + 1 }], it.to - 1), name).toEqual(valueAt(fine, it.to - 1));
        }
      }
      if (buckets <= 40 && to - from > 1000) expect(busy).toBeGreaterThan(0);
      for (const m of w.mms) expect(m.points.length).toBeLessThanOrEqual(buckets + 1);
      expect(w.ipis.length).toBeLessThanOrEqual(buckets);
      expect(w.tlb.length).toBeLessThanOrEqual(2000);
    }
  });

  it('refcount points merge inside a bucket and keep the extremes', () => {
    const tl = randomRun('powerpc', 5, 800);
    const n = tl.microstepCount;
    const full = tracksWindow(tl, 0, n, n);
    const coarse = tracksWindow(tl, 0, n, 10);
    for (const m of coarse.mms) {
      const fine = full.mms[m.mm].points;
      expect(m.points.reduce((a, p) => a + (p.merged ?? 1), 0)).toBe(fine.length);
      for (const p of m.points) {
        const last = fine.find((f) => f.t === p.t)!;
        expect({ users: p.users, count: p.count }).toEqual({ users: last.users, count: last.count });
        if (p.merged) expect(p.maxUsers! >= p.users && p.minUsers! <= p.users && p.maxCount! >= p.count && p.minCount! <= p.count).toBe(true);
      }
    }
  });
});

describe('playhead view: T5 (buggy) walk-cache and TLB entries on CPU1', () => {
  const file = presetById('t5-fullmm-upfront-flush')!;
  const tl = new Timeline(file, 'buggy');
  const n = tl.microstepCount;
  const steps = tl.steps.filter((s) => !s.setup);
  const window = tracksWindow(tl, 0, n, n);

  it('filled current by the speculative walk, stale once unmapped, freed, then reused by Q', () => {
    const spec = steps[1];
    const filledAt = spec.firstMicrostep + 1;
    const atFill = playheadView(tl, filledAt).cpus[1].tlb;
    expect(atFill.map((e) => [e.walk, e.status, e.speculative, e.filled])).toEqual([[true, 'current', true, filledAt], [false, 'current', true, filledAt]]);
    const lives = window.tlb.filter((l) => l.actor.kind === 'cpu' && l.actor.n === 1);
    expect(lives).toHaveLength(2);
    for (const life of lives) {
      // stale: the PTE (leaf) or the pmd entry (walk) was cleared by exit_mmap, before anything was freed
      expect(life.wrongWhy).toBe('stale');
      const stale = life.wrongFrom!;
      const before = playheadView(tl, stale - 1).cpus[1].tlb.find((e) => e.walk === life.walk)!;
      const after = playheadView(tl, stale).cpus[1].tlb.find((e) => e.walk === life.walk)!;
      expect(before.status).toBe('current');
      expect(after).toMatchObject({ status: 'stale', statusSince: stale });
      // freed by tlb_finish_mmu, at the page event's time
      const freed = window.pages.find((p) => p.page === life.page && p.what === 'freed')!;
      expect(freed.t).toBeGreaterThan(stale);
      expect(playheadView(tl, freed.t).cpus[1].tlb.find((e) => e.walk === life.walk)).toMatchObject({ status: 'freed', statusSince: freed.t });
      // reused by Q's fault
      const reused = window.pages.find((p) => p.page === life.page && p.what === 'reused')!;
      expect(playheadView(tl, reused.t).cpus[1].tlb.find((e) => e.walk === life.walk)).toMatchObject({ status: 'reused', statusSince: reused.t });
      expect(life.worse).toEqual([{ t: freed.t, why: 'freed' }, { t: reused.t, why: 'reused' }]);
    }
    const end = playheadView(tl, n);
    expect(end.cpus[1].tlb.map((e) => e.status)).toEqual(['reused', 'reused']);
    expect(end.microstep).toMatchObject({ index: n - 1, actor: { kind: 'cpu', n: 1 }, fn: 'speculative_walk' });
    expect(end.step).toBe(steps[steps.length - 1].index);
    expect(end.mmNames).toEqual(['init_mm', 'M', 'N']);
  });

  it('the view at t = 0 is the initial state', () => {
    const v = playheadView(tl, 0);
    expect(v.microstep).toBeNull();
    expect(v.step).toBe(0);
    expect(v.cpus.every((c) => c.stack.length === 0 && c.tlb.length === 0 && !c.lazy)).toBe(true);
  });

  it('findings sit at t = microstep + 1 with their CPUs', () => {
    expect(window.findings.map((f) => [f.id, f.t])).toEqual(tl.violations.map((v) => [v.id, v.microstep + 1]).concat(tl.warnings.map((v) => [v.id, v.microstep + 1])).sort((a, b) => (a[1] as number) - (b[1] as number)));
    expect(window.findings.every((f) => f.actors.length > 0)).toBe(true);
  });
});
