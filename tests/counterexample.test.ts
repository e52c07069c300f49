/**
 * Counterexamples (explore/counterexample.ts): the schedule the explorer found for a violation, written as an explicit
 * schedule (format lazytlb/2), replays through the normal path (load → Timeline, as `npm run sim -- run` and the app's
 * worker do) to the same invariant at its last step; its race names two moves of two actors whose order decides.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counterexample, findRace, slug, soloActor } from '../src-sim/explore/counterexample.ts';
import { actorsOf, applyMove, explore, replay, rootOf, type ExploreViolation, type Move, type Node } from '../src-sim/explore/explore.ts';
import { createHost } from '../src-sim/host.ts';
import { idMatches } from '../src-sim/invariants/catalog.ts';
import { parseScenarioText, validateScenario } from '../src-sim/scenario/load.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import type { ScenarioFile } from '../src-sim/scenario/schema.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';

/** Load a counterexample as a user's file would be loaded (its JSON text), and run it. */
function runText(c: ScenarioFile): Timeline {
  return new Timeline(parseScenarioText(JSON.stringify(c, null, 2)), null);
}

/** Check that a counterexample replays to its invariant at its last step and nowhere before. */
function checkReplay(c: ScenarioFile, v: ExploreViolation): Timeline {
  const t = runText(c);
  const last = t.steps.length - 1;
  expect(t.steps.length).toBe((c.setup?.length ?? 0) + v.moves.length);
  expect(t.steps.filter((s) => s.error)).toEqual([]);
  const first = t.violations.find((x) => idMatches(v.id, x.id));
  expect(first?.step, `${c.id}: ${v.id} first at the last step`).toBe(last);
  expect(t.expectResult()).toMatchObject({ ok: true });
  return t;
}

const CASES: Array<[preset: string, variant: string, ids: string[]]> = [
  ['t2-use-mm-mm-users', 'buggy', ['I7', 'I8', 'I10c', 'I11']],
  ['t2-use-mm-mm-users', 'mips', ['I7', 'I8', 'I11']],
  ['t4-mmu-notifier-secondary-tlb', 'buggy', ['I8', 'I13a']],
  ['t4-mmu-notifier-secondary-tlb', 'cow-buggy', ['I13b']],
  ['t5-fullmm-upfront-flush', 'buggy', ['I8', 'I9', 'I16']],
  ['t5-fullmm-upfront-flush', 'x86-4.19rc', ['I9']],
];

describe('each shortest schedule found replays as a scenario file to its invariant at the last step', () => {
  for (const [id, variant, ids] of CASES) {
    it(`${id} --variant ${variant}: ${ids.join(', ')}`, () => {
      const file = presetById(id)!;
      const r = explore(file, variant, { order: 'bfs' });
      expect(r.violations.map((v) => v.id)).toEqual(ids);
      for (const v of r.violations) {
        const race = findRace(file, variant, v);
        const c = counterexample(file, variant, v, race);
        expect(c).toMatchObject({ format: 'lazytlb/2', schedule: 'explicit' });
        expect(c.id).toBe(slug(`${id}-${variant}-${v.id}`));
        expect(c.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        expect(c.machine.arch).toBe(file.variants?.[variant]?.arch ?? file.machine.arch);
        const t = checkReplay(c, v);
        // The race: two moves of two actors, in the schedule's order, marked in the file and in the summary. None only
        // when one actor's moves alone reach the violation (t5 buggy's I9: the exit frees the tables under lazy CPU1).
        if (!race) {
          expect(soloActor(file, variant, v.moves), `${v.id}: a race, or one actor alone`).not.toBeNull();
          continue;
        }
        expect(race!.first.move).toBeLessThan(race!.second.move);
        expect(race!.first.actor).not.toBe(race!.second.actor);
        expect(c.race).toMatchObject({ first: race!.first.move, second: race!.second.move });
        expect(t.summary().race).toMatchObject({ first: (c.setup?.length ?? 0) + race!.first.move });
        // The order decides: with the second actor's moves up to the second run before the first, no schedule reaches it.
        const i = race!.first.move;
        const j = race!.second.move;
        const actors = actorsOf(file, variant);
        const actorOf = (m: (typeof v.moves)[number]) => (m.kind === 'begin' ? actors[m.actor].name : m.kind === 'step' || m.kind === 'irq' ? `cpu${m.cpu}` : '');
        const ahead = v.moves.slice(i + 1, j + 1).filter((m) => actorOf(m) === race!.second.actor);
        expect(actorOf(v.moves[i])).toBe(race!.first.actor);
        const after = explore(file, variant, { prefix: [...v.moves.slice(0, i), ...ahead], target: v.id, order: 'bfs' });
        expect([after.exhaustive, after.violations]).toEqual([true, []]);
        // While in the found order it is reached.
        expect(explore(file, variant, { prefix: v.moves.slice(0, j + 1), target: v.id, order: 'bfs' }).violations.length + replay(file, variant, v.moves).filter((x) => x === v.id).length).toBeGreaterThan(0);
      }
    });
  }
});

describe('the race', () => {
  it('in t2 buggy, I10c: the kernel thread loads the mm before the flush decides by mm_users whom to reach', () => {
    const file = presetById('t2-use-mm-mm-users')!;
    const v = explore(file, 'buggy', { order: 'bfs', target: 'I10c' }).violations[0];
    const race = findRace(file, 'buggy', v)!;
    expect([race.first.actor, race.second.actor]).toEqual(['cpu1', 'cpu0']);
    expect(race.first.text).toMatch(/switch_mm_irqs_off/);
    expect(race.second.text).toMatch(/flush_tlb_mm_range\.flush_type_needed/);
    // Swapped (cpu0 through its check first), no schedule reaches I10c: explore from that prefix exhausts without it.
    expect(race.checkedStates).toBeGreaterThan(0);
  });
});

describe('hardware moves', () => {
  it('a speculative walk the explorer added (--hardware 1) is a step of the counterexample, and can be one side of the race', () => {
    const t5 = presetById('t5-fullmm-upfront-flush')!;
    const bare = { ...t5, steps: t5.steps.filter((s) => s.do !== 'speculate') };
    const v = explore(bare, 'buggy', { hardware: 1, order: 'bfs', target: 'I8' }).violations[0];
    const race = findRace(bare, 'buggy', v, { hardware: 1 })!;
    expect([race.first.actor, race.second.actor]).toEqual(['cpu0 MMU', 'cpu0']);
    const c = counterexample(bare, 'buggy', v, race);
    expect(c.steps.filter((s) => s.do === 'speculate')).toHaveLength(1);
    expect(c.steps[race.first.move]).toMatchObject({ do: 'speculate', cpu: 0 });
    checkReplay(c, v);
  });
});

describe('an IPI taken late', () => {
  it('a schedule where a CPU takes a pending IPI later than the default chooser would replays exactly', () => {
    const file = presetById('t2-use-mm-mm-users')!;
    const v = explore(file, 'buggy', { order: 'bfs', target: 'I8' }).violations[0];
    const k = v.moves.findIndex((m) => m.kind === 'irq');
    expect(k).toBeGreaterThan(0);
    // At the point where the found schedule takes the IPI, make another move instead, then search on from there.
    const actors = actorsOf(file, 'buggy');
    const before = v.moves.slice(0, k);
    let at: Node = { x: rootOf(file, 'buggy'), pc: actors.map(() => 0), hw: 0 };
    for (const m of before) at = applyMove(actors, at, m)!;
    const others: Move[] = [...at.x.enabled().filter((m) => m.kind !== 'irq'), ...actors.map((_a, actor) => ({ kind: 'begin' as const, actor }))];
    let late: ExploreViolation | null = null;
    for (const m of others) {
      try {
        late = explore(file, 'buggy', { prefix: [...before, m], target: 'I8', order: 'bfs' }).violations[0] ?? null;
      } catch {
        continue; // that move is not enabled there
      }
      if (late) break;
    }
    expect(late).not.toBeNull();
    // The IPI could have been taken before some other move (the default chooser takes it at once).
    let n: Node = { x: rootOf(file, 'buggy'), pc: actors.map(() => 0), hw: 0 };
    let heldBack = 0;
    for (const m of late!.moves) {
      if (m.kind !== 'irq' && n.x.s.cpus.some((_c, c) => n.x.k.canTakeIpi(c))) heldBack++;
      n = applyMove(actors, n, m)!;
    }
    expect(heldBack).toBeGreaterThan(0);
    const c = counterexample(file, 'buggy', late!, null);
    const irq = c.steps.findIndex((s, i) => s.do === 'irq' && i > k);
    expect(c.steps[irq]).toMatchObject({ do: 'irq', cpu: 1 });
    const t = runText(c);
    expect(t.steps[(c.setup?.length ?? 0) + irq]).toMatchObject({ op: 'irq', outcome: 'running', text: expect.stringMatching(/^take IPI /) });
    expect(t.violations.find((x) => x.id === 'I8')?.step).toBe(t.steps.length - 1);
  });
});

describe('the format extension (lazytlb/2)', () => {
  const base = () => JSON.parse(JSON.stringify(counterexample(presetById('t2-use-mm-mm-users')!, 'buggy', explore(presetById('t2-use-mm-mm-users')!, 'buggy', { order: 'bfs', target: 'I10c' }).violations[0])));
  const error = (raw: unknown): string => {
    try {
      validateScenario(raw);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('a lazytlb/1 file cannot use it, and says which format it needs', () => {
    const f = base();
    expect(error({ ...f, format: 'lazytlb/1' })).toBe('schedule: "schedule" needs "format": "lazytlb/2"');
    const { schedule: _s, ...noSchedule } = f;
    expect(error({ ...noSchedule, format: 'lazytlb/1' })).toMatch(/^steps\[\d+\]\.do: (step|irq) needs "format": "lazytlb\/2" and "schedule": "explicit"$/);
    expect(error({ ...noSchedule })).toMatch(/^steps\[\d+\]\.do: (step|irq) is a move of an explicit schedule; set "schedule": "explicit"$/);
    expect(error({ ...f, format: 'lazytlb/3' })).toMatch(/^format: /);
  });

  it('an explicit schedule has no until and no continue; its moves are not setup; race names two steps in order', () => {
    const f = base();
    expect(error({ ...f, steps: [{ cpu: 0, do: 'exit', until: 'mmput' }] })).toBe('steps[0].until: an explicit schedule never runs ahead: no "until" (each micro-step is a "step")');
    expect(error({ ...f, steps: [{ cpu: 0, do: 'continue' }] })).toBe('steps[0].do: an explicit schedule never pauses: nothing to continue (use "step")');
    expect(error({ ...f, setup: [{ cpu: 0, do: 'step' }] })).toBe('setup[0].do: step is a move of an explicit schedule; setup runs by the default chooser');
    expect(error({ ...f, race: { first: 3, second: 3 } })).toBe('race.first: the first racing step (3) must come before the second (3)');
    expect(error({ ...f, race: { first: 0, second: 10_000 } })).toMatch(/^race\.second: step 10000 does not exist/);
    // the counterexample's machine is powerpc pre2020: the error lists that era's own label names
    expect(error({ ...f, steps: [{ cpu: 0, do: 'step', at: 'no_such_label' }] })).toBe('steps[0].at: no micro-step is called "no_such_label" in variant default (its era, v5.4, also names <cleanup_lazy_tlbs>, mm_is_singlethreaded, mm_release, tlb_gather_mmu; see docs/scenario-format.md §11)');
    expect(error({ ...f, steps: [{ cpu: 0, do: 'step', at: 'mm_is_singlethreaded' }], expect: {} })).toBe('');
  });

  it('a move that is not enabled is refused with the reason, nothing runs', () => {
    const f = base();
    const t = new Timeline(validateScenario({ ...f, steps: [{ cpu: 1, do: 'step' }, { cpu: 0, do: 'irq' }, { cpu: 0, do: 'switch', to: 'idle' }, { cpu: 0, do: 'step', at: 'context_switch.context_switch' }, { cpu: 0, do: 'step', at: '__schedule.local_irq_disable' }], expect: {} }), null);
    expect(t.steps.slice(-5).map((s) => [s.outcome, s.microstepCount, s.error?.replace(/^steps\[\d\]: /, '') ?? ''])).toEqual([
      ['refused', 0, 'CPU1 has nothing to run (no operation in flight, no handler)'],
      ['refused', 0, 'CPU0 has no pending IPI'],
      ['running', 0, ''],
      ['refused', 0, "CPU0's next micro-step is __schedule.local_irq_disable, not context_switch.context_switch"],
      ['running', 1, ''],
    ]);
    expect(t.steps.at(-3)!.text).toBe('switch to idle');
    expect(t.steps.at(-1)!.text).toBe('micro-step __schedule.local_irq_disable');
  });

  it('the app loads a counterexample through the worker host, with its race', () => {
    const f = presetById('t2-use-mm-mm-users')!;
    const v = explore(f, 'buggy', { order: 'bfs', target: 'I10c' }).violations[0];
    const c = counterexample(f, 'buggy', v, findRace(f, 'buggy', v));
    const h = createHost();
    const loaded = h.handle({ type: 'sim/loadRequested', seq: 1, source: { kind: 'json', text: JSON.stringify(c) } });
    if (loaded.type !== 'sim/loaded') throw new Error(JSON.stringify(loaded));
    const s = loaded.summary;
    expect(s.violations.find((x) => x.id === 'I10c')!.step).toBe(s.steps.length - 1);
    expect(s.race).toMatchObject({ first: (c.setup?.length ?? 0) + c.race!.first, second: (c.setup?.length ?? 0) + c.race!.second });
    expect(s.steps[s.race!.second].note).toMatch(/^Race, second: /);
    expect(s.steps.filter((x) => x.op === 'step').every((x) => /^micro-step \S+\.\S+$/.test(x.text) && x.microstepCount === 1)).toBe(true);
  });
});

describe('npm run sim -- explore --target --out --json', () => {
  it('writes FILE-ID.json, which `run` replays to the violation; the JSON has the counterexample and the race', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytlb-cex-'));
    const out = join(dir, 'cex.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'explore', 't2-use-mm-mm-users', '--variant', 'buggy', '--bfs', '--target', 'I8', '--json', '--out', out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schema: 'lazytlb-explore/1', target: 'I8', exhaustive: true });
    for (const key of ['states', 'transitions', 'statesPerSec']) expect(j[key]).toBeGreaterThan(0);
    expect(j).toHaveProperty('interleavings', null); // breadth-first does not count them
    expect(j.violations.map((v: { id: string }) => v.id)).toEqual(['I8']);
    const v = j.violations[0];
    expect(v.file).toBe(join(dir, 'cex-I8.json'));
    expect(v.scheduleLength).toBe(v.counterexample.steps.length);
    expect(v.race.first.move).toBeLessThan(v.race.second.move);
    expect(JSON.parse(readFileSync(v.file, 'utf8'))).toEqual(v.counterexample);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'run', v.file], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/expect: OK \(expected I10c, I11, I8; got I10c, I11, I8\)/);
  });

  it('counts interleavings depth-first, and refuses a bad target or out with one line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'explore', 't4-mmu-notifier-secondary-tlb', '--variant', 'cow-fixed', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(r.stdout)).toMatchObject({ exhaustive: true, interleavings: 171, violations: [] });
    for (const bad of [['--target', 'I99x'], ['--out', 'x.txt']]) {
      const e = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'explore', 't2-use-mm-mm-users', ...bad], { encoding: 'utf8', timeout: 60_000 });
      expect(e.status).toBe(2);
      expect(e.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
