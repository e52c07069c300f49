import { describe, expect, test } from 'vitest';
import { scaleLinear } from 'd3';
import type { CpuTrack, MachineInfo, RefcountTrack, TracksWindow } from '../../src-sim/protocol/index.ts';
import { layoutBlocks, layoutIpis, layoutMarkers, layoutRows, valueAt, DEFAULT_GEOMETRY } from './lanes.ts';
import { changeText, layoutRefcount } from './refcount.ts';
import { LIGHT, mmSwatch } from './palette.ts';

const MACHINE: MachineInfo = {
  cpus: 2,
  devices: [{ name: 'gpu', kind: 'shadow' }],
  tasks: [
    { name: 'swapper/0', kthread: true, idleOf: 0 },
    { name: 'swapper/1', kthread: true, idleOf: 1 },
    { name: 'P', kthread: false, idleOf: -1 },
    { name: 'K', kthread: true, idleOf: -1 },
  ],
  mms: [{ name: 'init_mm' }, { name: 'M' }],
  pages: [],
};

function cpu(n: number, curr: CpuTrack['curr'], lazy: CpuTrack['lazy']): CpuTrack {
  return {
    cpu: n,
    curr,
    activeMm: [{ from: 0, to: 10, value: 1 }],
    loadedMm: [{ from: 0, to: 4, value: { mm: 0, tag: 0 } }, { from: 4, to: 10, value: { mm: 1, tag: 3 } }],
    lazy,
    irqsOff: [{ from: 0, to: 10, value: false }],
    inFlight: [{ from: 0, to: 3, value: null }, { from: 3, to: 5, value: { fn: 'flush_tlb_func', irq: true } }, { from: 5, to: 10, value: null }],
  };
}

const TRACKS: TracksWindow = {
  from: 0,
  to: 10,
  buckets: 100,
  cpus: [
    cpu(0, [{ from: 0, to: 2, value: 0 }, { from: 2, to: 10, value: 2 }], [{ from: 0, to: 10, value: false }]),
    cpu(1, [{ from: 0, to: 6, value: 3 }, { from: 6, to: 10, busy: 5 }], [{ from: 0, to: 6, value: true }, { from: 6, to: 10, value: false }]),
  ],
  devices: [{ device: 0, mm: [{ from: 0, to: 10, value: 1 }], entries: [{ from: 0, to: 10, value: 2 }] }],
  mms: [],
  ipis: [{ id: 1, kind: 'flush_tlb_func', from: 0, to: 1, sent: 3, delivered: 4, done: 5 }, { id: 2, kind: 'x', from: 1, to: 0, sent: 8, delivered: null, done: null }],
  tlb: [],
  tlbTruncated: 0,
  pages: [],
  findings: [{ id: 'I9', warning: false, t: 7, index: 0, actors: [{ kind: 'cpu', n: 1 }] }],
};

const x = scaleLinear().domain([0, 10]).range([0, 1000]);

describe('lane layout', () => {
  test('one band per CPU and device, rows stacked without overlap', () => {
    const rows = layoutRows(MACHINE);
    expect(rows.bands.map((b) => b.title)).toEqual(['CPU 0', 'CPU 1', 'gpu (shadow page tables)']);
    expect(rows.bands[0].rows.map((r) => r.kind)).toEqual(['current', 'active_mm', 'loaded', 'lazy', 'kernel']);
    const all = rows.bands.flatMap((b) => b.rows);
    for (let i = 1; i < all.length; i++) expect(all[i].y).toBeGreaterThanOrEqual(all[i - 1].y + all[i - 1].h);
    const g = DEFAULT_GEOMETRY;
    expect(rows.height).toBe(2 * (g.bandHeader + 5 * g.rowHeight) + (g.bandHeader + 2 * g.rowHeight) + 2 * g.bandGap);
  });

  test('a task that died is shown as exited from its death to its final switch', () => {
    const rows = layoutRows(MACHINE);
    const tasks = MACHINE.tasks.map((t) => (t.name === 'P' ? { ...t, diedAt: 6 } : t));
    const blocks = layoutBlocks(rows, TRACKS, x, 1000, { tasks, mms: MACHINE.mms }, LIGHT);
    const row = rows.bands[0].rows.find((r) => r.kind === 'current')!;
    const current = blocks.filter((b) => b.y >= row.y && b.y < row.y + row.h);
    expect(current.map((b) => [b.x, b.w, b.text])).toEqual([[0, 200, 'swapper/0'], [200, 400, 'P'], [600, 400, 'P (exited)']]);
    expect(current[2].swatch).toEqual(LIGHT.idle);
  });

  test('blocks carry names and the mm colour; lazy is hatched, busy is dotted, nothing-values draw nothing', () => {
    const rows = layoutRows(MACHINE);
    const blocks = layoutBlocks(rows, TRACKS, x, 1000, { tasks: MACHINE.tasks, mms: MACHINE.mms }, LIGHT);
    const on = (band: number, kind: string) => {
      const row = rows.bands[band].rows.find((r) => r.kind === kind)!;
      return blocks.filter((b) => b.y >= row.y && b.y < row.y + row.h);
    };
    expect(on(0, 'current').map((b) => [b.x, b.w, b.text])).toEqual([[0, 200, 'swapper/0'], [200, 800, 'P']]);
    expect(on(0, 'loaded').map((b) => b.text)).toEqual(['init_mm', 'M · tag 3']);
    expect(on(0, 'loaded')[1].swatch).toEqual(mmSwatch(1));
    expect(on(1, 'lazy')).toHaveLength(1);
    expect(on(1, 'lazy')[0]).toMatchObject({ style: 'hatch', x: 0, w: 600, text: 'lazy' });
    expect(on(1, 'current')[1]).toMatchObject({ style: 'busy', text: 'busy: 5 changes' });
    expect(on(0, 'kernel').map((b) => b.text)).toEqual(['IPI: flush_tlb_func']);
    expect(on(2, 'dev_entries').map((b) => b.text)).toEqual(['2 entries']);
  });

  test('a y range lays out only the bands it overlaps', () => {
    const rows = layoutRows(MACHINE);
    const cpu1 = rows.bands[1];
    const blocks = layoutBlocks(rows, TRACKS, x, 1000, { tasks: MACHINE.tasks, mms: MACHINE.mms }, LIGHT, [cpu1.y + 1, cpu1.y + 2]);
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((b) => b.y >= cpu1.y && b.y < cpu1.y + cpu1.h)).toBe(true);
  });

  test('blocks are clipped to the plot when zoomed in', () => {
    const rows = layoutRows(MACHINE);
    const zoomed = scaleLinear().domain([3, 5]).range([0, 1000]);
    const blocks = layoutBlocks(rows, TRACKS, zoomed, 1000, { tasks: MACHINE.tasks, mms: MACHINE.mms }, LIGHT);
    for (const b of blocks) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(1000);
    }
  });

  test('IPIs go from the sender at send to the target at delivery; undelivered ones are pending', () => {
    const rows = layoutRows(MACHINE);
    const { arrows } = layoutIpis(rows, TRACKS.ipis, x, 1000);
    expect(arrows).toHaveLength(2);
    expect(arrows[0]).toMatchObject({ x1: 300, x2: 400, pending: false });
    expect(arrows[0].y1).toBeLessThan(arrows[0].y2);
    expect(arrows[1]).toMatchObject({ x1: 800, x2: 800, pending: true });
  });

  test('markers sit on the band of their CPU', () => {
    const rows = layoutRows(MACHINE);
    const [m] = layoutMarkers(rows, TRACKS.findings, x, 1000);
    expect(m.x).toBe(700);
    expect(m.y).toBe(rows.bands[1].y + 2);
  });

  test('valueAt: half-open segments, the last one holds at its end', () => {
    const items = [{ from: 0, to: 3, value: 'a' }, { from: 3, to: 5, value: 'b' }];
    expect(valueAt(items, 2)).toMatchObject({ value: 'a' });
    expect(valueAt(items, 3)).toMatchObject({ value: 'b' });
    expect(valueAt(items, 5)).toMatchObject({ value: 'b' });
  });
});

describe('refcount layout', () => {
  const track: RefcountTrack = {
    mm: 1,
    start: { users: 1, count: 1 },
    points: [
      { t: 3, users: 1, count: 2, actor: { kind: 'cpu', n: 1 }, fn: 'mmgrab', label: 'inc', step: 1 },
      { t: 6, users: 0, count: 1, actor: { kind: 'cpu', n: 0 }, fn: 'mmput', label: 'dec', step: 2 },
    ],
    teardown: { t: 6, actor: { kind: 'cpu', n: 0 }, fn: 'mmput', label: 'dec', step: 2 },
    freed: null,
  };

  test('step lines start at the window, change at each point and run to its end', () => {
    const l = layoutRefcount(track, x, 1000, 50, { from: 0, to: 10 });
    // M x,y then H/V pairs from curveStepAfter: 4 points -> moves at 300, 600, and the end at 1000.
    expect(l.count.startsWith('M0,')).toBe(true);
    expect(l.count).toContain('300');
    expect(l.users).toContain('600');
    expect(l.changes.map((c) => c.x)).toEqual([300, 600]);
    expect(l.teardown).toBe(600);
    expect(l.freed).toBeNull();
    expect(l.yTicks.every((tk) => Number.isInteger(tk.value))).toBe(true);
  });

  test('hover text names the values and who made them', () => {
    expect(changeText(track.points[0], 'CPU 1')).toBe('mm_users 1, mm_count 2 at micro-step 3, by CPU 1 in mmgrab › inc');
  });
});
