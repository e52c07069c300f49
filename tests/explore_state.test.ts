/**
 * The exploration state (explore/state.ts): a clone is independent, and the canonical key is a function of the kernel
 * state and the checker's judging state only, not of the interleaving that reached it, the counters or the IPI ids.
 */
import { describe, expect, it } from 'vitest';
import type { Choice } from '../src-sim/engine/choice.ts';
import { ExploreState, canonicalKey, stateHash } from '../src-sim/explore/state.ts';
import { beginStep } from '../src-sim/ops/resolve.ts';
import { resolveVariant } from '../src-sim/scenario/load.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';
import { file, type Spec } from './harness.ts';
import { tlbAdd, tlbEmpty, type Tlb } from '../src-sim/model/tlb.ts';

/** The state after a spec's setup (run by the default chooser), and the steps' operations begun on their CPUs. */
function start(spec: Spec): ExploreState {
  const f = file(spec);
  const x = ExploreState.initial(f, resolveVariant(f, null));
  for (const st of f.setup ?? []) {
    expect(beginStep(x.k, st.cpu!, st)).toBeNull();
    x.k.pump(st.cpu!);
  }
  for (const st of f.steps) expect(beginStep(x.k, st.cpu!, st)).toBeNull();
  return x;
}

/** Every maximal interleaving from x, as the list of keys of the states it ends in. */
function finals(x: ExploreState, limit = 10_000): Map<string, Choice[]> {
  const out = new Map<string, Choice[]>();
  let runs = 0;
  const go = (y: ExploreState, path: Choice[]) => {
    const en = y.enabled();
    if (!en.length) {
      out.set(canonicalKey(y), path);
      runs++;
      return;
    }
    for (const ch of en) {
      if (runs > limit) return;
      const z = y.clone();
      z.step(ch);
      go(z, [...path, ch]);
    }
  };
  go(x, []);
  return out;
}

const twoUsers = (steps: StepFile[]): Spec => ({
  arch: 'x86',
  cpus: 2,
  mms: [{ name: 'M', map: { '0x400000': 'A' } }, { name: 'N', map: { '0x400000': 'B' } }],
  tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'N' }],
  setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'Q' }],
  steps,
});

describe('canonical hash of the exploration state', () => {
  it('independent micro-steps in either order reach the same key', () => {
    const x = start(twoUsers([{ cpu: 0, do: 'access', va: '0x400000' }, { cpu: 1, do: 'access', va: '0x400000', write: true }]));
    const a = x.clone();
    const b = x.clone();
    a.step({ kind: 'step', cpu: 0 });
    a.step({ kind: 'step', cpu: 1 });
    b.step({ kind: 'step', cpu: 1 });
    b.step({ kind: 'step', cpu: 0 });
    expect(canonicalKey(a)).toBe(canonicalKey(b));
    expect(stateHash(a)).toBe(stateHash(b));
    // ... and differ from the state where only one of them moved
    const c = x.clone();
    c.step({ kind: 'step', cpu: 0 });
    expect(stateHash(c)).not.toBe(stateHash(a));
    // every interleaving of the two accesses ends in one state
    const all = finals(x);
    expect(all.size).toBe(1);
  });

  it('a clone is independent of its original', () => {
    const x = start(twoUsers([{ cpu: 0, do: 'access', va: '0x400000' }]));
    const before = canonicalKey(x);
    const y = x.clone();
    while (y.enabled().length) y.step(y.enabled()[0]);
    expect(canonicalKey(x)).toBe(before);
    expect(canonicalKey(y)).not.toBe(before);
  });

  it('ignores counters (a CPU\'s barrier count too), IPI ids, page owners and generated page names; sees everything else', () => {
    // An x86 flush with a remote CPU that has the mm loaded: an IPI in flight.
    const x = start({
      arch: 'x86',
      cpus: 2,
      mms: [{ name: 'M', map: { '0x400000': 'A' } }],
      tasks: [{ name: 'P', mm: 'M' }, { name: 'P2', mm: 'M' }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'P2' }, { cpu: 1, do: 'access', va: '0x400000' }],
      steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }],
    });
    let y = x;
    while (!y.s.cpus.some((c) => c.ipi_queue.length)) {
      y = y.clone();
      y.step({ kind: 'step', cpu: 0 });
    }
    const key = canonicalKey(y);
    const z = y.clone();
    // renumber the IPI everywhere, bump the counters, rename an owner and a generated frame name
    const old = z.s.cpus[1].ipi_queue[0].id;
    const nu = old + 100;
    z.s.cpus[1].ipi_queue[0] = { ...z.s.cpus[1].ipi_queue[0], id: nu };
    for (const f of z.s.cpus[0].stack) if (f.l.ipi === old) f.l.ipi = nu;
    z.s.ipis_inflight[nu] = z.s.ipis_inflight[old];
    delete z.s.ipis_inflight[old];
    z.s.next_ipi_id += 100;
    z.s.counters.ipis += 5;
    z.s.counters.flushes += 5;
    z.s.cpus[0] = { ...z.s.cpus[0], full_mb: z.s.cpus[0].full_mb + 7 };
    z.s.pages[0] = { ...z.s.pages[0], owner: 'someone else' };
    const gen = z.s.pages.findIndex((p) => /^pt:/.test(p.name));
    expect(gen).toBeGreaterThanOrEqual(0);
    z.s.pages[gen] = { ...z.s.pages[gen], name: 'pfn999999' };
    expect(canonicalKey(z)).toBe(key);
    // and what does matter: a TLB entry, a task's active_mm, a named page's name, an IPI's target
    const changes: Array<(w: ExploreState) => void> = [
      (w) => (w.s.cpus[1].tlb = tlbEmpty()),
      (w) => (w.s.tasks[0] = { ...w.s.tasks[0], active_mm: 1 }),
      (w) => (w.s.pages[w.s.pages.findIndex((p) => p.name === 'A')] = { ...w.s.pages[w.s.pages.findIndex((p) => p.name === 'A')], name: 'A2' }),
      (w) => (w.s.cpus[1].ipi_queue = []),
      (w) => (w.s.cpus[0].stack[w.s.cpus[0].stack.length - 1].pc = 'other'),
      // what I12c reads: the store count at the last barrier, and a return to user without one
      (w) => (w.s.cpus[1] = { ...w.s.cpus[1], mb_stores: w.s.cpus[1].mb_stores - 1 }),
      (w) => (w.s.cpus[1] = { ...w.s.cpus[1], unordered_entry: { store: 1, mb: 0, mm: 1 } }),
    ];
    for (const change of changes) {
      const w = y.clone();
      change(w);
      expect(canonicalKey(w)).not.toBe(key);
    }
  });

  it('reads a device IOTLB as its entries in a canonical order, without fill numbers', () => {
    const x = start({
      arch: 'x86',
      cpus: 2,
      mms: [{ name: 'M', map: { '0x400000': 'A', '0x401000': 'B' } }],
      tasks: [{ name: 'P', mm: 'M' }],
      devices: [{ name: 'D', kind: 'shared', mm: 'M' }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }],
      steps: [],
    });
    const page = (name: string) => x.s.pages.findIndex((p) => p.name === name);
    const fill = (t: Tlb, va: number, p: string) => tlbAdd(t, { tag: 0, mm: x.s.devices[0].mm, va, page: page(p), walk: false, write: true, speculative: false, gen: 0, seq: t.seq });
    const withIotlb = (t: Tlb) => {
      const y = x.clone();
      y.s.devices[0].tlb = t;
      return canonicalKey(y);
    };
    const ab = withIotlb(fill(fill(tlbEmpty(), 0x400, 'A'), 0x401, 'B'));
    // filled in the other order (other fill numbers): the same key
    expect(withIotlb(fill(fill(tlbEmpty(), 0x401, 'B'), 0x400, 'A'))).toBe(ab);
    // another content: another key
    expect(withIotlb(fill(tlbEmpty(), 0x400, 'A'))).not.toBe(ab);
    expect(withIotlb(fill(fill(tlbEmpty(), 0x400, 'B'), 0x401, 'A'))).not.toBe(ab);
  });

  it('includes what the checker will judge next: standing violations and a due I2 recount that would fail', () => {
    const x = start(twoUsers([{ cpu: 0, do: 'access', va: '0x400000' }]));
    const y = x.clone();
    y.step(y.enabled()[0]);
    const key = canonicalKey(y);
    type Inside = { pendingI2: Set<number>; refs: { refs: Int32Array } };
    // a clone shares the due set with its original until one writes it (copy-on-write): a new set, not an add
    const due = (c: typeof x, mm: number): void => {
      const inside = c.checker as unknown as Inside;
      inside.pendingI2 = new Set([...inside.pendingI2, mm]);
    };
    // the I2 recount of mm M due at the next quiescent point: while M's count matches, it would find nothing, and
    // any change to the count or to a reference makes it due again (docs/engine.md): the same state
    const z = y.clone();
    due(z, 1);
    expect(canonicalKey(z)).toBe(key);
    expect(stateHash(z)).toBe(stateHash(y));
    // ... but with M's count not matching the references (as mid-way through an mmgrab), a due recount is not the same
    // state as none: one reports I2 at the next quiescent point, the other does not
    const off = y.clone();
    (off.checker as unknown as Inside).refs.refs[1]++;
    const offDue = off.clone();
    due(offDue, 1);
    expect(canonicalKey(offDue)).not.toBe(canonicalKey(off));
    expect(stateHash(offDue)).not.toBe(stateHash(off));
    // the same through the operation's mms (joined to the due recounts when the operation ends)
    const offOp = off.clone();
    offOp.k.mm(1);
    offOp.k.clearDirty();
    expect(canonicalKey(offOp)).toBe(canonicalKey(offDue));
    const w = y.clone();
    (w.checker as unknown as { state: { standing: Set<number> } }).state.standing.add(12345);
    expect(canonicalKey(w)).not.toBe(key);
  });
});
