/** The worker's protocol, driven in node: the same host the Web Worker binds to its port. */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src-sim/host.ts';

describe('simulation host (worker protocol)', () => {
  it('lists presets, loads one, pages micro-steps and serves snapshots', () => {
    const h = createHost();
    const listed = h.handle({ type: 'sim/presetsRequested', seq: 1 });
    expect(listed.type === 'sim/presetsListed' && listed.presets.map((p) => p.id)).toContain('t5-fullmm-upfront-flush');
    const loaded = h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'preset', id: 't5-fullmm-upfront-flush' }, variant: 'buggy' });
    expect(loaded.seq).toBe(2);
    if (loaded.type !== 'sim/loaded') throw new Error(loaded.type);
    expect(loaded.summary.violations.map((v) => v.id)).toContain('I9');
    const rows = h.handle({ type: 'sim/microstepsRequested', seq: 3, from: 0, to: 5 });
    expect(rows.type === 'sim/microstepsListed' && rows.rows.map((r) => r.fn)).toEqual(['__schedule', '__schedule', 'context_switch', 'context_switch', 'switch_mm_irqs_off']);
    const snap = h.handle({ type: 'sim/snapshotRequested', seq: 4, microstep: loaded.summary.microstepCount - 1 });
    if (snap.type !== 'sim/snapshotReady') throw new Error(snap.type);
    expect(snap.snapshot.mms.find((m) => m.name === 'M')!.state).toBe('dead'); // K on CPU1 still borrows it
    expect(() => structuredClone(snap.snapshot)).not.toThrow();
  });

  it('a bad file fails with its JSON path and keeps the loaded timeline', () => {
    const h = createHost();
    h.handle({ type: 'sim/loadRequested', seq: 1, source: { kind: 'preset', id: 't2-use-mm-mm-users' } });
    const bad = h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'json', text: JSON.stringify({ format: 'lazytlb/1', id: 'x', title: 'x', machine: { arch: 'x86', cpus: 2 }, mms: [], tasks: [], steps: [{ cpu: 9, do: 'exit' }] }) } });
    expect(bad).toEqual({ type: 'sim/failed', seq: 2, error: { message: 'steps[0].cpu: CPU 9 does not exist (machine has 2)', path: 'steps[0].cpu' } });
    const still = h.handle({ type: 'sim/microstepsRequested', seq: 3, from: 0, to: 1 });
    expect(still.type).toBe('sim/microstepsListed');
    const far = h.handle({ type: 'sim/snapshotRequested', seq: 4, microstep: 10 ** 9 });
    expect(far.type === 'sim/failed' && far.error.message).toMatch(/out of range/);
    expect(h.handle({ type: 'nope', seq: 5 } as never).type).toBe('sim/failed');
  });
});
