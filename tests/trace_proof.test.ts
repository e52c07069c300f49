/**
 * What a trace proves about each CPU's loaded mm (src-sim/trace/proof.ts), held against the model's run of the
 * scenario reconstructed from it: on the x86 capture, in the era it shows (every prediction agreeing), the model has
 * loaded exactly the mm the trace proves at every point the trace proves one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { TraceImport } from '../src-sim/trace/import.ts';

const X86 = readFileSync('tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt', 'utf8');

function imp(o: { era?: string } = {}) {
  const t = new TraceImport({ name: 'x86.txt', ...o });
  t.push(X86);
  return t.finish();
}

describe('what the trace proves', () => {
  const r = imp();
  const proof = r.conformance.proof!;
  const tl = new Timeline(r.scenario!, null);

  it('a seek anywhere in the capture replays the run (CPU clocks and all): keyframes every 64 micro-steps agree with the default', () => {
    const dense = new Timeline(r.scenario!, null, { keyframeEvery: 64 });
    expect(dense.microstepCount).toBe(tl.microstepCount);
    for (let n = 0; n < tl.microstepCount; n += 37) expect(JSON.stringify(dense.stateAt(n)), `micro-step ${n}`).toBe(JSON.stringify(tl.stateAt(n)));
  });

  it('has a row per CPU starting unknown, in position order, with the trace line of each change', () => {
    expect(proof.cpus.length).toBe(r.scenario!.machine.cpus);
    expect(proof.truncated).toBe(0);
    for (const row of proof.cpus) {
      expect(row[0]).toMatchObject({ from: 0, mm: null, line: null });
      expect(row.length).toBeGreaterThan(10);
      for (let i = 1; i < row.length; i++) {
        expect(row[i].from).toBeGreaterThan(row[i - 1].from);
        expect(row[i].line).toBeGreaterThan(0);
        expect(row[i].mm !== row[i - 1].mm || row[i].lazy !== row[i - 1].lazy).toBe(true);
      }
    }
    const why = proof.cpus.flat().map((s) => s.why);
    for (const kind of [/^CR3 written at the switch/, /^no CR3 write at the switch from .* lazy on/, /switched to init_mm in the flush IPI/, /^exec of .*activate_mm wrote CR3/]) {
      expect(why.some((w) => kind.test(w)), String(kind)).toBe(true);
    }
  });

  it('agrees with the model wherever it proves something, in the era the trace shows', () => {
    expect(r.conformance.disagree).toBe(0);
    let checked = 0;
    proof.cpus.forEach((row, cpu) => {
      row.forEach((seg, i) => {
        if (seg.mm === null) return;
        // Over the whole segment: at its start, and before the step that ends it starts (inside that step the model
        // may already have changed what it loads, the proof only at the step's end).
        const next = i + 1 < row.length ? row[i + 1].from : null;
        const last = next === null ? tl.microstepCount : tl.steps.findLast((st) => st.microstepCount > 0 && st.firstMicrostep < next)!.firstMicrostep;
        for (const at of [seg.from, Math.max(seg.from, last)]) {
          const s = tl.stateAt(at - 1);
          const c = s.cpus[cpu];
          expect(c.loaded_mm, `cpu${cpu} at ${at}: ${seg.why}`).toBe(seg.mm);
          if (seg.lazy) expect(s.tasks[c.curr].kthread, `cpu${cpu} at ${at}`).toBe(true);
          checked++;
        }
      });
    });
    expect(checked).toBeGreaterThan(60);
  });

  it('shows where a model of another era loads something else: v4.14 does not switch lazily to kernel threads', () => {
    const old = imp({ era: 'v4.14' });
    const run = new Timeline(old.scenario!, null);
    const differs = old.conformance.proof!.cpus.flatMap((row, cpu) =>
      row.filter((seg) => seg.mm !== null && run.stateAt(seg.from - 1).cpus[cpu].loaded_mm !== seg.mm),
    );
    expect(differs.length).toBeGreaterThan(5);
    // Each is a lazy stretch the trace proves (no CR3 write at the switch to a kernel thread) that v4.14 does not have.
    expect(differs.every((seg) => seg.lazy)).toBe(true);
  });

  it('is computed only where the model ran the scenario', () => {
    const arm = new TraceImport({ name: 'arm.txt' });
    arm.push(readFileSync('tests/fixtures/traces/arm64-lisa-juno.trace-cmd-raw.txt', 'utf8'));
    expect(arm.finish().conformance.proof).toBeNull();
  });
});
