/**
 * A model run written as the ftrace text an x86 kernel would have printed for it (tracefs `trace` with the TGID
 * column, ftrace-formats.md §1a; bodies as in §2): `sched_switch` at each context switch, `tlb_flush` with its reason
 * code (0 at a CR3 write, in a switch, an exec or a flush IPI handler; 4 when a flush finds another CPU in
 * mm_cpumask; 3 for the initiator's own flush; 1 for a handler's; 5 when a CPU left in the mask clears its bit), `csd_queue_cpu` / `ipi_send_cpu` per flush IPI,
 * `csd_function_entry/exit` around flush_tlb_func, `call_function_single_entry/exit` on the target,
 * `task_newtask` for a clone (CLONE_VM) and a fork (without it, after dup_mmap's flush), `sched_process_exec`, `sched_process_exit`, and `exit_mmap`. Time: micro-step
 * i prints at 1 s + i µs. Events are read from the run's micro-step rows and IPI track and, where a value is needed,
 * from its state at that micro-step; nothing is re-decided here.
 *
 * What it cannot print, as the kernel cannot either: `freed_tables`, use_mm, accesses, mappings. Kernel threads print
 * with a `kworker/` comm (the importer knows kernel threads by such names, ftrace-formats.md §3), pids are 100 + the
 * model's task id (idle is pid 0, `swapper/N`).
 */
import type { Snapshot } from '../model/types.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { lowerBound, upperBound } from '../timeline/tracks.ts';
import { FLUSH_FUNC } from './collect.ts';
import { printsTlbFlush } from './arch.ts';

const REASON = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local MM shootdown', 'remote IPI send', 'remote wrong CPU'];
const CLONE_THREAD_FLAGS = '3d0f00';
/** fork() as glibc calls it (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, no CLONE_VM), as the x86 capture prints it. */
const CLONE_FORK_FLAGS = '1200000';
const CSD_ZERO = '0000000000000000';

interface Row {
  i: number;
  cpu: number;
  fn: string;
  label: string;
}

/** The run as trace text, a line at a time (header first). Only x86 runs print tlb_flush. */
export function* runAsFtrace(tl: Timeline): Generator<string> {
  const file = tl.file;
  const ncpus = file.machine.cpus;
  const x86 = printsTlbFlush(tl.variant.arch);
  const steps = tl.steps;
  const init = tl.stateAt(-1);
  yield '# tracer: nop\n#\n';
  yield `# entries-in-buffer/entries-written: 0/0   #P:${ncpus}\n#\n`;
  yield '#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION\n';
  yield '#              | |           |       |   |||||     |         |\n';
  // Thread groups: the first task of each initial mm leads it; clones join their parent's group.
  const tgid = new Map<number, number>();
  const leader = new Map<number, number>();
  for (const t of init.tasks) {
    if (t.idle_of >= 0) continue;
    const pid = pidOf(t.id);
    if (t.kthread || t.mm < 0) tgid.set(t.id, pid);
    else {
      if (!leader.has(t.mm)) leader.set(t.mm, pid);
      tgid.set(t.id, leader.get(t.mm)!);
    }
  }
  const names = new Map<number, { name: string; kthread: boolean; idle: number }>();
  const remember = (s: Snapshot) => {
    for (const t of s.tasks) names.set(t.id, { name: t.name, kthread: t.kthread, idle: t.idle_of });
  };
  remember(init);
  const comm = (id: number) => {
    const t = names.get(id)!;
    if (t.idle >= 0) return `swapper/${t.idle}`;
    const c = t.name.replace(/\s/g, '_');
    return t.kthread && !/^kworker\//.test(c) ? `kworker/${c}` : c;
  };
  const line = (s: Snapshot, cpu: number, i: number, irq: boolean, event: string, body: string) => {
    const cur = s.cpus[cpu].curr;
    const idle = names.get(cur)!.idle >= 0;
    const who = idle ? '<idle>-0' : `${comm(cur)}-${pidOf(cur)}`;
    const tg = idle ? '-------' : String(tgid.get(cur) ?? pidOf(cur));
    return `${who.padStart(24)} (${tg.padStart(7)}) [${String(cpu).padStart(3, '0')}] ${irq ? 'd.h1.' : 'd..2.'} ${(1 + i * 1e-6).toFixed(6)}: ${event}: ${body}\n`;
  };
  const flushBody = (code: number, pages: number) => `pages:${pages} reason:${REASON[code]} (${code})`;
  const csdOf = (from: number, to: number) => (0xc5d0000 + from * 256 + to).toString(16).padStart(16, '0');
  const ipi = tl.tracks.ipi;
  const flushKind = tl.tracks.kindNames.indexOf(FLUSH_FUNC);
  /** Flush IPI rows sent so far and not yet done (a handler looks among them), and how far the rows were read. */
  let openIpis: number[] = [];
  let sentUpTo = 0;
  /** A handler that switched to init_mm: its csd closes after the CR3 write. */
  const pendingExit = new Map<number, { csd: string | null; irq: boolean }>();

  for (const st of steps) {
    if (!st.microstepCount) continue;
    const first = st.firstMicrostep;
    const last = first + st.microstepCount - 1;
    const rows: Row[] = [];
    for (let i = first; i <= last; i++) {
      const a = tl.actorOf(i);
      if (a.kind !== 'cpu') continue;
      // Matched by today's names whatever the variant's era shows (mm_release, flush_tlb_others, load_cr3 in old eras).
      const r = tl.canonicalLabel(i);
      rows.push({ i, cpu: a.n, fn: r.fn, label: r.label });
    }
    remember(tl.stateAt(last));
    /** The initiator's flush in flight per CPU: its mm, whether it went remote (csd context for its local part). */
    const open = new Map<number, { mm: number; remote: boolean; start: number; end: number }>();
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j];
      const key = `${r.fn}.${r.label}`;
      if (key === '__schedule.pick_next_task') {
        const b = tl.stateAt(r.i - 1);
        const a = tl.stateAt(r.i);
        const prev = b.cpus[r.cpu].curr;
        const next = a.cpus[r.cpu].curr;
        if (prev === next) continue;
        const state = b.tasks[prev].state === 'dead' ? 'Z' : b.tasks[prev].idle_of >= 0 ? 'R' : 'S';
        yield line(b, r.cpu, r.i, false, 'sched_switch', `prev_comm=${comm(prev)} prev_pid=${pidOf(prev, names)} prev_prio=120 prev_state=${state} ==> next_comm=${comm(next)} next_pid=${pidOf(next, names)} next_prio=120`);
      } else if (key === 'copy_process.copy_mm' || key === 'copy_process.wake_up_new_task') {
        const b = tl.stateAt(r.i - 1);
        const a = tl.stateAt(r.i);
        // A clone's task appears at copy_mm; a fork's after dup_mmap and its flush, where the kernel traces it too.
        if (a.tasks.length === b.tasks.length) continue;
        remember(a);
        const child = a.tasks.length - 1;
        const fork = key === 'copy_process.wake_up_new_task';
        tgid.set(child, fork ? pidOf(child) : tgid.get(b.cpus[r.cpu].curr) ?? pidOf(b.cpus[r.cpu].curr));
        yield line(b, r.cpu, r.i, false, 'task_newtask', `pid=${pidOf(child)} comm=${comm(child)} clone_flags=${fork ? CLONE_FORK_FLAGS : CLONE_THREAD_FLAGS} oom_score_adj=0`);
      } else if (key === 'do_exit.exit_mm_release') {
        const b = tl.stateAt(r.i - 1);
        const t = b.cpus[r.cpu].curr;
        yield line(b, r.cpu, r.i, false, 'sched_process_exit', `comm=${comm(t)} pid=${pidOf(t)} prio=120 group_dead=${b.mms[b.tasks[t].mm].mm_users <= 1}`);
      } else if (key === 'exec_mmap.done') {
        const a = tl.stateAt(r.i);
        const t = a.cpus[r.cpu].curr;
        yield line(a, r.cpu, r.i, false, 'sched_process_exec', `filename=/bin/${comm(t)} pid=${pidOf(t)} old_pid=${pidOf(t)}`);
      } else if (key === 'exit_mmap.remove_vmas') {
        yield line(tl.stateAt(r.i - 1), r.cpu, r.i, false, 'exit_mmap', `mt_mod ${CSD_ZERO}, DESTROY`);
      } else if (!x86) continue;
      else if (key === 'switch_mm_irqs_off.load_new_mm_cr3') {
        const b = tl.stateAt(r.i - 1);
        const frame = b.cpus[r.cpu].stack.at(-1)!;
        yield line(b, r.cpu, r.i, inIrq(b, r.cpu), 'tlb_flush', flushBody(0, frame.l.need_flush ? -1 : 0));
      } else if (key === 'flush_tlb_mm_range.flush_tlb_multi') {
        const b = tl.stateAt(r.i - 1);
        const f = b.cpus[r.cpu].stack.at(-1)!;
        const mm = f.l.mm as number;
        const start = f.l.start as number;
        const end = f.l.end as number;
        const remote = b.mms[mm].cpumask.some((x, c) => x && c !== r.cpu);
        open.set(r.cpu, { mm, remote, start, end });
        if (!remote) continue;
        yield line(b, r.cpu, r.i, false, 'tlb_flush', flushBody(4, end < 0 ? -1 : end - start));
        const hi = upperBound(ipi.sent.a, ipi.sent.n, r.i + 1);
        for (let k = lowerBound(ipi.sent.a, ipi.sent.n, r.i + 1); k < hi; k++) {
          if (ipi.from.a[k] !== r.cpu || ipi.kind.a[k] !== flushKind) continue;
          const to = ipi.to.a[k];
          yield line(b, r.cpu, r.i, false, 'csd_queue_cpu', `cpu=${to} callsite=on_each_cpu_cond_mask+0x20/0x60 func=${FLUSH_FUNC} csd=${csdOf(r.cpu, to)}`);
          yield line(b, r.cpu, r.i, false, 'ipi_send_cpu', `cpu=${to} callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10`);
        }
      } else if (key === 'flush_tlb_func.flush_tlb_func') {
        const b = tl.stateAt(r.i - 1);
        // A handler's frame is pushed between micro-steps (at delivery): the IPI track says which one runs here.
        let from = r.cpu;
        const t = r.i + 1;
        for (; sentUpTo < ipi.sent.n && ipi.sent.a[sentUpTo] <= t; sentUpTo++) if (ipi.kind.a[sentUpTo] === flushKind) openIpis.push(sentUpTo);
        openIpis = openIpis.filter((k) => ipi.done.a[k] < 0 || ipi.done.a[k] >= t);
        for (const k of openIpis) {
          const delivered = ipi.delivered.a[k];
          if (ipi.to.a[k] === r.cpu && delivered >= 0 && delivered <= t) from = ipi.from.a[k];
        }
        const irq = from !== r.cpu;
        const mm = open.get(from)?.mm ?? -1;
        const own = open.get(from);
        const csd = irq ? csdOf(from, r.cpu) : own?.remote ? CSD_ZERO : null;
        // Did this flush_tlb_func switch the CPU to init_mm (its next rows on this CPU), or flush the TLB?
        const nextOwn = rows.slice(j + 1).find((x) => x.cpu === r.cpu);
        const switches = nextOwn?.fn === 'switch_mm_irqs_off';
        if (irq) yield line(b, r.cpu, r.i, true, 'call_function_single_entry', 'vector=251');
        if (csd) yield line(b, r.cpu, r.i, irq, 'csd_function_entry', `func=${FLUSH_FUNC}, csd=${csd}`);
        // 6.14+: a CPU left in the mask with another mm loaded clears its bit and says so (TLB_REMOTE_WRONG_CPU).
        if (nextOwn?.fn === 'flush_tlb_func' && nextOwn.label === 'cpumask_clear_cpu') yield line(b, r.cpu, r.i, irq, 'tlb_flush', flushBody(5, 0));
        else if (!switches && b.cpus[r.cpu].loaded_mm === mm) {
          const gen = (s: Snapshot) => s.cpus[r.cpu].ctxs[s.cpus[r.cpu].tag]?.tlb_gen ?? 0;
          const a = tl.stateAt(r.i);
          if (gen(a) !== gen(b)) {
            const pages = own && own.end >= 0 ? own.end - own.start : -1;
            yield line(b, r.cpu, r.i, irq, 'tlb_flush', flushBody(irq ? 1 : 3, pages));
          }
        }
        if (!switches) {
          if (csd) yield line(b, r.cpu, r.i, irq, 'csd_function_exit', `func=${FLUSH_FUNC}, csd=${csd}`);
          if (irq) yield line(b, r.cpu, r.i, true, 'call_function_single_exit', 'vector=251');
        } else pendingExit.set(r.cpu, { csd, irq });
      }
      // The handler's switch to init_mm ended: close its csd (after the CR3 write above).
      if (key === 'switch_mm_irqs_off.load_new_mm_cr3' && pendingExit.has(r.cpu)) {
        const p = pendingExit.get(r.cpu)!;
        pendingExit.delete(r.cpu);
        const a = tl.stateAt(r.i);
        if (p.csd) yield line(a, r.cpu, r.i, p.irq, 'csd_function_exit', `func=${FLUSH_FUNC}, csd=${p.csd}`);
        if (p.irq) yield line(a, r.cpu, r.i, true, 'call_function_single_exit', 'vector=251');
      }
    }
  }
}

function inIrq(s: Snapshot, c: number): boolean {
  return s.cpus[c].stack.some((f) => f.irq);
}

function pidOf(id: number, names?: Map<number, { idle: number }>): number {
  if (names && (names.get(id)?.idle ?? -1) >= 0) return 0;
  return 100 + id;
}
