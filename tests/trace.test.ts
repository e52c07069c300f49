/**
 * The trace importer (src-sim/trace/): every line of the fixtures is read or counted, the line shapes of
 * ftrace-formats.md §1–2, the reconstruction facts the x86 capture shows (docs/trace-import.md §4), bad input, windows,
 * and the written scenario loading and running without a refused step.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { BODY_PARSERS } from '../src-sim/trace/events.ts';
import { TraceImport, type ImportOptions } from '../src-sim/trace/import.ts';
import { TraceParser, type ParsedEvent } from '../src-sim/trace/parser.ts';
import { scenarioPieces } from '../src-sim/trace/scenario.ts';
import { feedStream } from '../src-sim/trace/stream.ts';

const FIX = 'tests/fixtures/traces';
const X86 = readFileSync(join(FIX, 'x86-6.18-lazytlb-demo.tracefs.txt'), 'utf8');
const ARM = readFileSync(join(FIX, 'arm64-lisa-juno.trace-cmd-raw.txt'), 'utf8');

function parse(text: string, chunk = text.length || 1) {
  const events: ParsedEvent[] = [];
  const p = new TraceParser((e) => events.push(e));
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  return { stats: p.end(), events };
}

function imp(text: string, o: Partial<ImportOptions> = {}) {
  const t = new TraceImport({ name: 'test.txt', ...o });
  t.push(text);
  return t.finish();
}

const loadAndRun = (text: string, o: Partial<ImportOptions> = {}) => {
  const r = imp(text, o);
  expect(r.scenario, r.report.scenario.error ?? '').not.toBeNull();
  const file = parseScenarioText([...scenarioPieces(r.scenario!)].join(''));
  const t = new Timeline(file, null);
  return { r, file, t, refused: t.steps.filter((s) => s.error).map((s) => `${s.text}: ${s.error}`) };
};

// A line of the x86 capture, with the prefix shape of §1a.
const L = (body: string, cpu = 0, ts = '100.000001', task = 'worker-10', tgid = '(     10)') => `        ${task}   ${tgid} [00${cpu}] d..2.  ${ts}: ${body}`;

describe('every line of every fixture is read or counted', () => {
  for (const [name, text, headerLines] of [
    ['x86 tracefs', X86, 12],
    ['arm64 trace-cmd -R', ARM, 2],
  ] as const) {
    it(name, () => {
      const { stats: s, events } = parse(text);
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      expect(s.lines).toBe(lines);
      expect(s.unparsedLines).toBe(0);
      expect(s.issueCounts).toEqual({});
      expect(s.headerLines).toBe(headerLines);
      expect(s.headerLines + s.eventLines).toBe(lines);
      const total = Object.values(s.events).reduce((a, b) => a + b, 0);
      expect(total).toBe(s.eventLines);
      // Each event is either read (its body matched its format) or skipped by kind; none is both.
      const read = events.length;
      const skipped = Object.values(s.skippedByKind).reduce((a, b) => a + b, 0);
      expect(read + skipped).toBe(s.eventLines);
      for (const k of Object.keys(s.skippedByKind)) expect(BODY_PARSERS.has(k)).toBe(false);
    });
  }

  it('the x86 capture: its event counts (README of the fixtures) and its shape', () => {
    const { stats: s } = parse(X86);
    expect(s.format).toBe('tracefs');
    expect(s.headerCpus).toBe(2);
    expect([s.events.tlb_flush, s.events.ipi_send_cpu, s.events.sched_switch]).toEqual([383, 59, 57]);
    expect(s.skippedByKind).toEqual({ sched_wakeup: 26, sched_wakeup_new: 5, sched_migrate_task: 9, reschedule_entry: 5, reschedule_exit: 5 });
    expect(s.archEvidence.notX86).toBe(0);
  });

  it('the arm64 trace: trace-cmd report -R, 6 CPUs from its header', () => {
    const { stats: s } = parse(ARM);
    expect(s.format).toBe('trace-cmd report -R');
    expect(s.headerCpus).toBe(6);
    expect(s.events).toEqual({ sched_switch: 263, sched_wakeup: 135 });
  });

  it('chunk boundaries do not matter (1 character, 777, 64 KiB, whole; CRLF line ends)', () => {
    const whole = parse(X86);
    for (const n of [1, 777, 65536]) {
      const p = parse(X86, n);
      expect(p.stats).toEqual(whole.stats);
      expect(p.events.map((e) => e.line)).toEqual(whole.events.map((e) => e.line));
    }
    const crlf = parse(X86.replace(/\n/g, '\r\n'), 4096);
    expect(crlf.events.map((e) => e.data)).toEqual(whole.events.map((e) => e.data));
  });
});

it('a byte stream gives the same import as the whole text, also split inside a character; progress in bytes', async () => {
  // A comm with a non-ASCII letter (2 bytes in UTF-8), and a piece boundary between its two bytes.
  const text = X86.replaceAll('capture.sh', 'capturé.s');
  const bytes = new TextEncoder().encode(text);
  const cut = new TextEncoder().encode(text.slice(0, text.indexOf('prev_comm=capturé') + 16)).length + 1;
  const pieces = [bytes.subarray(0, cut), bytes.subarray(cut, cut + 4096), bytes.subarray(cut + 4096)];
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
  const t = new TraceImport({ name: 'x86.txt' });
  const seen: number[] = [];
  expect(await feedStream(stream, t, (b) => seen.push(b))).toBe(bytes.length);
  expect(seen).toEqual([cut, cut + 4096, bytes.length]);
  const r = t.finish();
  const whole = imp(text, { name: 'x86.txt' });
  expect(r.report).toEqual(whole.report);
  expect(r.scenario).toEqual(whole.scenario);
  expect(r.scenario?.tasks[0].name).toBe('captur_.s-15791');
  // And a Blob's own stream, as the app will read a dropped file.
  const b = new TraceImport({ name: 'x86.txt' });
  await feedStream(new Blob([bytes]).stream(), b);
  expect(b.finish().report).toEqual(r.report);
});

describe('line and body shapes (ftrace-formats.md §1–2)', () => {
  const one = (line: string) => {
    const { stats, events } = parse(`${line}\n`);
    expect(stats.unparsedLines, JSON.stringify(stats.issues)).toBe(0);
    expect(stats.issues).toEqual([]);
    return events[0];
  };

  it('tracefs with 4-character flags and no TGID column; comm with spaces and dashes', () => {
    const e = one('     Web Content-2711  [003] d... 26186.336716: sched_switch: prev_comm=Web Content prev_pid=2711 prev_prio=120 prev_state=S ==> next_comm=kworker/u32:4 next_pid=184 next_prio=120');
    expect(e.prefix).toMatchObject({ comm: 'Web Content', pid: 2711, tgid: null, cpu: 3, flags: 'd...' });
    expect(e.data).toMatchObject({ kind: 'sched_switch', prevComm: 'Web Content', prevPid: 2711, nextComm: 'kworker/u32:4', nextPid: 184, style: 'kernel' });
  });

  it('the trace-cmd plugin and 2.6.3x sched_switch bodies', () => {
    expect(one('       trace-cmd-2461  [000]    34.897053: sched_switch:         trace-cmd:2461 [120] R ==> sshd:2450 [120]').data).toMatchObject({ prevPid: 2461, nextPid: 2450, style: 'plugin' });
    expect(one('  bash-1 [000] 1.000000: sched_switch: task bash:1 [120] (S) ==> swapper:0 [140]').data).toMatchObject({ prevPid: 1, nextPid: 0, style: 'old' });
  });

  it('perf script lines, including an exited task (:-1 -1)', () => {
    expect(one('        worker-b 15794 [001]  3534.484555: tlb:tlb_flush: pages:1 reason:remote shootdown (1)')).toMatchObject({ prefix: { comm: 'worker-b', pid: 15794, cpu: 1, shape: 'perf' }, data: { kind: 'tlb_flush', pages: 1, code: 1 } });
    expect(one('             :-1    -1 [001]  3534.490590: sched:sched_switch: prev_comm=worker-b prev_pid=15938 prev_prio=120 prev_state=X ==> next_comm=swapper/1 next_pid=0 next_prio=120').prefix).toMatchObject({ pid: -1, cpu: 1, shape: 'perf' });
  });

  it('perf script with pid/tid (-F comm,pid,tid,…): the thread group is known', () => {
    expect(one('        worker-b 15793/15794 [001]  3534.484555: tlb:tlb_flush: pages:1 reason:remote shootdown (1)').prefix).toMatchObject({ pid: 15794, tgid: 15793 });
  });

  it('no task context (§1e)', () => {
    expect(one('[294] 1.000020: tlb:tlb_flush: pages:64 reason:remote shootdown (1)')).toMatchObject({ prefix: { cpu: 294, shape: 'bare' }, data: { code: 1, pages: 64 } });
  });

  it('tlb_flush: the numeric code is trusted, whatever the reason text (0x5, old trace-cmd, capitalised)', () => {
    expect(one(L('tlb_flush: pages:0 reason:0x5 (5)')).data).toEqual({ kind: 'tlb_flush', pages: 0, code: 5 });
    expect(one(L('tlb_flush: pages=-1 reason= (4)')).data).toEqual({ kind: 'tlb_flush', pages: -1, code: 4 });
    expect(one(L('tlb_flush: pages:-1 reason:remote IPI send (4)')).data).toEqual({ kind: 'tlb_flush', pages: -1, code: 4 });
  });

  it('IPI, csd, irq and mm events', () => {
    expect(one(L('ipi_send_cpumask: cpumask=00000000,00000081 callsite=foo+0x1/0x2 callback=bar+0x0/0x10')).data).toMatchObject({ cpus: [0, 7] });
    expect(one(L('ipi_raise: target_mask=00000001,00000080 (Function call interrupts)')).data).toMatchObject({ kind: 'ipi_raise', cpus: [7, 32] });
    expect(one(L('ipi_entry: (Rescheduling interrupts)')).data).toEqual({ kind: 'ipi_entry', reason: 'Rescheduling interrupts' });
    expect(one(L('csd_queue_cpu: cpu=0 callsite=on_each_cpu_cond_mask+0x20/0x60 func=flush_tlb_func csd=0000000098bf5e4b')).data).toMatchObject({ func: 'flush_tlb_func', cpu: 0 });
    expect(one(L('call_function_entry: vector=252')).data).toEqual({ kind: 'call_function_entry', vector: 252 });
    expect(one(L('irq_handler_entry: irq=2 name=IPI')).data).toEqual({ kind: 'irq_handler_entry', irq: 2, name: 'IPI' });
    expect(one(L('irq_handler_exit: irq=2 ret=handled')).data).toEqual({ kind: 'irq_handler_exit', irq: 2, ret: 'handled' });
    expect(one(L('rss_stat: mm_id=12 curr=1 member=1 size=4096B')).data).toEqual({ kind: 'rss_stat', mmId: 12, curr: true });
    expect(one(L('mmap_lock_acquire_returned: mm=00000000b7e4be07 memcg_id=1 write=false success=true')).data).toMatchObject({ kind: 'mmap_lock', mm: '00000000b7e4be07' });
    expect(one(L('sched_process_exit: comm=sleep pid=15796 prio=120')).data).toEqual({ kind: 'sched_process_exit', comm: 'sleep', pid: 15796, groupDead: null });
  });

  it('non-event lines: LOST events are counted, buffer-started lines skipped', () => {
    const { stats } = parse('CPU:3 [LOST 123 EVENTS]\n##### CPU 2 buffer started ####\n\n');
    expect(stats).toMatchObject({ lostEvents: 123, unparsedLines: 0, eventLines: 0 });
  });
});

describe('bad input: counted, with line numbers, never stopping the import', () => {
  const good = L('sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120');

  it('binary data at the start stops the import with one message (trace.dat, NULs)', () => {
    expect(parse('\u0017\u0008Dtracing6\u0000\u0000').stats.fatal).toMatch(/binary data.*trace-cmd report/);
    expect(parse(`\u007fELF\u0002\u0001\u0001${'\u0000'.repeat(40)}${good}\n`).stats.fatal).toMatch(/^not ftrace text/);
    expect(imp('\u0000\u0000\u0000').scenario).toBeNull();
  });

  it('a malformed line, a body that does not match, NULs in the middle, a cut-off last line', () => {
    const text = [good, 'garbage here', L('tlb_flush: pages:x reason:?'), `${good}\u0000`, good, good.slice(0, 60)].join('\n');
    const { stats, events } = parse(text);
    expect(events).toHaveLength(2);
    expect(stats.issueCounts).toEqual({ malformed: 1, body: 1, binary: 1, truncated: 1 });
    expect(stats.unparsedLines).toBe(3);
    expect(stats.issues.map((i) => i.line)).toEqual([2, 3, 4, 6]);
    expect(stats.issues[0].message).toBe('line 2: not an ftrace event line: "garbage here"');
  });

  it('timestamps going backwards, and CPUs the header does not have', () => {
    const text = ['# entries-in-buffer/entries-written: 3/3   #P:2', L('tlb_flush: pages:1 reason:remote shootdown (1)', 0, '5.000002'), L('tlb_flush: pages:1 reason:remote shootdown (1)', 1, '5.000001'), L('tlb_flush: pages:1 reason:remote shootdown (1)', 7, '5.000003')].join('\n');
    const { stats, events } = parse(text);
    expect(stats.issueCounts).toEqual({ backwards: 1, 'unknown-cpu': 1 });
    expect(stats.issues.map((i) => i.message)).toEqual(['line 3: timestamp 5.000001 goes back from 5.000002', 'line 4: CPU 7 does not exist (the header says 2 CPUs), event dropped']);
    expect(events).toHaveLength(2);
  });

  it('a line longer than 64 KiB is reported once and skipped to its end; function_graph output is refused', () => {
    const { stats, events } = parse(`${'x'.repeat(70_000)}\n${good}\n  0)               |  /* ipi_send_cpu: cpu=19 */\n`, 4096);
    expect(stats.issueCounts).toEqual({ 'too-long': 1, 'function-graph': 1 });
    expect(events.map((e) => e.line)).toEqual([2]);
  });

  it('the list of problems is capped, the count is not', () => {
    const { stats } = parse('junk\n'.repeat(500));
    expect(stats.unparsedLines).toBe(500);
    expect(stats.issues).toHaveLength(50);
  });

  it('another architecture: the trace says so, and a conflicting --arch is reported', () => {
    const arm = [L('ipi_raise: target_mask=00000000,00000002 (Function call interrupts)'), good].join('\n');
    expect(imp(arm).report.arch).toMatchObject({ chosen: 'arm64', source: 'trace', warning: null });
    expect(imp(arm, { arch: 'x86' }).report.arch.warning).toMatch(/looks like arm or arm64 .* but --arch x86 was given/);
    expect(imp(X86, { arch: 'arm64' }).report.arch.warning).toMatch(/looks like x86 .* but --arch arm64 was given/);
    expect(imp(X86, { arch: 'powerpc' }).report.arch.warning).toMatch(/--arch powerpc/);
  });
});

describe('reconstruction of the x86 capture (facts of ftrace-formats.md §3)', () => {
  const { report: r, reconstruction: rec } = imp(X86);
  const k = r.reconstructed.switches.byKind;

  it('34 switches to a kernel thread or idle: lazy, none followed by a CR3 write', () => {
    expect(k['user→kernel'].n + k['kernel→kernel'].n).toBe(34);
    expect(k['user→kernel'].reason0 + k['kernel→kernel'].reason0).toBe(0);
    expect(k['user→kernel'].n).toBe(13);
  });

  it('16 switches onto an mm other than the loaded one: every one writes CR3 (12 flushed, 4 PCID kept)', () => {
    const other = [k['lazy→user other mm'], k['init_mm→user'], k['user→user other mm']];
    expect(other.reduce((a, c) => a + c.n, 0)).toBe(16);
    expect(other.reduce((a, c) => a + c.reason0, 0)).toBe(16);
    expect(other.reduce((a, c) => a + c.flushed, 0)).toBe(12);
    expect(other.reduce((a, c) => a + c.pcidKept, 0)).toBe(4);
  });

  it('7 switches back to the mm the CPU still has loaded: no CR3 write', () => {
    expect(k['lazy→user same mm'].n + k['user→user same mm'].n).toBe(7);
    expect(k['lazy→user same mm'].reason0 + k['user→user same mm'].reason0).toBe(0);
    expect(k['unknown→user'].n).toBe(0);
  });

  it('every reason-0 event is accounted for: 16 at switches, 7 in flush IPIs (hardirq), 4 execs, 4 lazy CPUs in a local flush', () => {
    const f = r.reconstructed.flushes;
    expect(f.byReason['0 TLB_FLUSH_ON_TASK_SWITCH']).toBe(31);
    expect(f.hardirqReason0).toBe(7);
    expect(f.execCr3Write).toBe(4);
    expect(f.localSwitchToInitMm).toBe(4);
    expect(f.byReason['5 TLB_REMOTE_WRONG_CPU']).toBe(5);
    expect(f.handlerSwitchToInitMm).toBe(6);
  });

  it('51 of 97 remote IPI sends (reason 4) are followed by no IPI: every other CPU was skipped', () => {
    expect(r.reconstructed.flushes).toMatchObject({ remoteSend: 97, remoteSendWithoutIpi: 51 });
  });

  it('tasks and mms: 4 forks with their own mm, 1 thread (CLONE_VM), 4 execs, 5 exits; no mm_id conflict', () => {
    expect(r.reconstructed.tasks).toMatchObject({ forks: 4, clones: 1, execs: 4, exits: 5, user: 7, kernelThreads: 4 });
    expect(r.reconstructed.mms).toMatchObject({ mmIdConflicts: 0, fromExec: 4 });
    const workerB = rec.tasks.find((t) => t.pid === 15794)!;
    const workerA = rec.tasks.find((t) => t.pid === 15793)!;
    expect(workerB.origin).toBe('clone');
    expect(workerB.initialMm).toBe(workerA.mm);
    expect(workerA.initialMm).not.toBe(workerA.mm);
  });

  it('lazy intervals: CPU1 goes lazy on the exec\'d mm when worker-b sleeps (phase 2 of the demo)', () => {
    const cpu1 = r.reconstructed.lazy.find((l) => l.cpu === 1)!;
    expect(cpu1.intervals).toBe(9);
    expect(cpu1.first.some((i) => i.mm === 'mm-15793-exec2' && i.end === 'init_mm in a flush IPI')).toBe(true);
  });
});

describe('the written scenario', () => {
  it('the x86 capture loads with parseScenarioText and runs with no refused step and no violation', () => {
    const { t, refused, file } = loadAndRun(X86);
    expect(refused).toEqual([]);
    expect(t.violations).toEqual([]);
    const ops = file.steps.map((s) => s.do);
    expect(ops.filter((o) => o === 'switch')).toHaveLength(57);
    expect(ops.filter((o) => o === 'clone')).toHaveLength(1);
    expect(ops.filter((o) => o === 'exec')).toHaveLength(4);
    expect(ops.filter((o) => o === 'exit')).toHaveLength(5);
    expect(file.machine).toMatchObject({ arch: 'x86', cpus: 2 });
  });

  it('the arm64 trace with --arch arm64 loads and runs', () => {
    const { refused, file } = loadAndRun(ARM, { arch: 'arm64' });
    expect(refused).toEqual([]);
    expect(file.machine).toMatchObject({ arch: 'arm64', cpus: 6 });
    expect(file.steps).toHaveLength(263);
  });

  it('a window (--from/--to) and a CPU list; CPUs are renumbered from 0', () => {
    const { r, refused, file } = loadAndRun(X86, { from: 3502.73, to: 3502.74, cpus: [1] });
    expect(refused).toEqual([]);
    expect(file.machine.cpus).toBe(1);
    expect(r.report.cpus.map).toEqual({ 1: 0 });
    expect(r.report.window.eventsOutside).toBeGreaterThan(0);
    expect(r.reconstruction.firstTs).toBeGreaterThanOrEqual(3502.73);
    expect(r.reconstruction.lastTs).toBeLessThanOrEqual(3502.74);
  });

  it('past the format\'s limits the window stops, the report says where, and the next window starts there', () => {
    const { r, refused, file } = loadAndRun(X86, { maxSteps: 20 });
    expect(refused).toEqual([]);
    expect(file.steps).toHaveLength(20);
    const stop = r.report.window.stoppedAt!;
    expect(r.report.window.next).toBe(`the scenario stops at t=${stop.ts} (the scenario format allows at most 20 steps): import the next window with --from ${stop.ts}`);
    const next = imp(X86, { from: stop.ts });
    expect(next.reconstruction.firstTs).toBe(stop.ts);
  });

  it('a step the model would refuse is left out and counted (a task switched in while still current elsewhere)', () => {
    const text = [
      '   a-10  [000] d..2.  1.000001: tlb_flush: pages:1 reason:local MM shootdown (3)',
      '   c-12  [001] d..2.  1.000002: sched_switch: prev_comm=c prev_pid=12 prev_prio=120 prev_state=S ==> next_comm=a next_pid=10 next_prio=120',
      '   a-10  [001] d..2.  1.000003: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120',
    ].join('\n');
    const { r, refused, file } = loadAndRun(text);
    expect(refused).toEqual([]);
    expect(r.report.scenario.notWritten).toEqual({ 'switch to a task still current on another CPU (an event is missing)': 1 });
    expect(file.setup?.map((s) => [s.cpu, s.do === 'switch' && s.to])).toEqual([[0, 'a-10'], [1, 'c-12']]);
    // The local flush by a-10 on CPU0 is a flush step of its mm.
    expect(file.steps.map((s) => (s.do === 'switch' ? s.to : s.do))).toEqual(['flush', 'idle']);
  });

  it('without thread groups: task_newtask\'s CLONE_VM decides; the report says how mms were identified', () => {
    const text = [
      '   a-10  [000] d..2.  1.000001: task_newtask: pid=11 comm=a clone_flags=3d0f00 oom_score_adj=0',
      '   a-10  [000] d..2.  1.000002: task_newtask: pid=12 comm=a clone_flags=1200000 oom_score_adj=0',
      '   a-10  [000] d..2.  1.000003: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=a next_pid=11 next_prio=120',
      '   a-11  [000] d..2.  1.000004: sched_switch: prev_comm=a prev_pid=11 prev_prio=120 prev_state=S ==> next_comm=a next_pid=12 next_prio=120',
    ].join('\n');
    const { r, refused, file } = loadAndRun(text);
    expect(refused).toEqual([]);
    expect(r.report.reconstructed.mms.identity).toMatch(/^fork and exec events/);
    expect(r.report.reconstructed.switches.byKind['user→user same mm'].n).toBe(1);
    expect(r.report.reconstructed.switches.byKind['user→user other mm'].n).toBe(1);
    // The fork is a step of its own (no flush before it here: it runs its own flush_tlb_mm in the model).
    expect(file.steps.map((s) => s.do)).toEqual(['clone', 'fork', 'switch', 'switch']);
    expect(file.steps[1]).toMatchObject({ do: 'fork', name: 'a-12', mm: 'mm-12', time: 1.000002 });
    expect(file.tasks).toEqual([{ name: 'a-10', mm: 'mm-10' }]);
  });

  it('more than 64 CPUs: no scenario unless --cpus chooses them', () => {
    const wide = [L('tlb_flush: pages:1 reason:remote shootdown (1)', 0), '        a-10   (     10) [100] d..2.  100.000002: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/100 next_pid=0 next_prio=120'].join('\n');
    const r = imp(wide);
    expect(r.scenario).toBeNull();
    expect(r.report.scenario.error).toBe('the trace has 101 CPUs and a scenario at most 64: choose them with --cpus');
    expect(imp(wide, { cpus: [0, 100] }).scenario?.machine.cpus).toBe(2);
  });
});

describe('npm run sim -- trace', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'trace', ...args], { encoding: 'utf8', timeout: 30_000 });
  const dir = mkdtempSync(join(tmpdir(), 'lazytlb-trace-'));

  it('--json prints one object; --out writes a scenario that `run` accepts', () => {
    const out = join(dir, 'x86.json');
    const r = cli(join(FIX, 'x86-6.18-lazytlb-demo.tracefs.txt'), '--json', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format: 'tracefs', unparsedLines: 0, cpus: { header: 2, seen: [0, 1] } });
    expect(j.events.tlb_flush).toBe(383);
    expect(j.skippedByKind.sched_wakeup).toBe(26);
    expect(Object.keys(j.reconstructed)).toEqual(['tasks', 'mms', 'switches', 'lazy', 'flushes']);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'run', out], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/no invariant violated/);
  });

  it('bad arguments and bad files: one line on stderr, exit 2', () => {
    const bin = join(dir, 'trace.dat');
    writeFileSync(bin, Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67, 0, 0, 0]));
    for (const [args, msg] of [
      [[bin], /trace\.dat: not ftrace text: binary data .*trace-cmd report/],
      [[join(dir, 'missing.txt')], /cannot read .*missing\.txt: ENOENT/],
      [[dir], /not a regular file/],
      [['x', '--cpus', '3-1'], /--cpus takes a list such as 0,2,4-7, not 3-1/],
      [['x', '--arch', 'sparc'], /--arch takes one of x86, powerpc, arm64, s390, mips, alpha, not sparc/],
      [['x', '--from', 'soon'], /--from takes a time in seconds/],
      [['x', '--from', '5', '--to', '4'], /--to 4 is before --from 5/],
      [['x', '--variant', 'v'], /trace takes no --variant/],
      [[], /trace takes one trace file/],
    ] as const) {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
