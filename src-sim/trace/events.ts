/**
 * Event bodies the importer reads, as typed data. Formats and regexes: ../shared/docs/ftrace-formats.md §2, checked
 * against the 6.18 `format` files (include/trace/events/{sched,task,tlb,ipi,csd,irq,kmem,mmap,mmap_lock}.h and
 * arch/x86/include/asm/trace/irq_vectors.h). A body that does not match its event's format is a malformed line.
 */

export type EventData =
  | { kind: 'sched_switch'; prevComm: string; prevPid: number; prevState: string; nextComm: string; nextPid: number; style: 'kernel' | 'raw' | 'plugin' | 'old' }
  | { kind: 'sched_process_fork'; comm: string; pid: number; childComm: string; childPid: number }
  | { kind: 'task_newtask'; pid: number; comm: string; cloneFlags: number }
  | { kind: 'sched_process_exec'; filename: string; pid: number; oldPid: number }
  | { kind: 'sched_process_exit'; comm: string; pid: number; groupDead: boolean | null }
  | { kind: 'sched_process_free'; comm: string; pid: number }
  | { kind: 'task_rename'; pid: number; newComm: string }
  | { kind: 'tlb_flush'; pages: number; code: number }
  | { kind: 'ipi_send_cpu'; cpu: number; callback: string }
  | { kind: 'ipi_send_cpumask'; cpus: number[]; callback: string }
  | { kind: 'ipi_raise'; cpus: number[]; reason: string }
  | { kind: 'ipi_entry' | 'ipi_exit'; reason: string }
  | { kind: 'csd_queue_cpu'; cpu: number; func: string; csd: string }
  | { kind: 'csd_function_entry' | 'csd_function_exit'; func: string; csd: string }
  | { kind: 'call_function_entry' | 'call_function_exit' | 'call_function_single_entry' | 'call_function_single_exit'; vector: number }
  | { kind: 'irq_handler_entry'; irq: number; name: string }
  | { kind: 'irq_handler_exit'; irq: number; ret: string }
  | { kind: 'exit_mmap' }
  | { kind: 'rss_stat'; mmId: number; curr: boolean }
  | { kind: 'mmap_lock'; mm: string; phase: 'start_locking' | 'acquire_returned' | 'released' };

export type EventKind = EventData['kind'];

/** CLONE_VM: the child shares the parent's mm (include/uapi/linux/sched.h). */
export const CLONE_VM = 0x100;
/** CLONE_THREAD: the child joins the parent's thread group. */
export const CLONE_THREAD = 0x10000;

// ftrace-formats.md §2.1: the four sched_switch body styles (kernel text, trace-cmd -R, libtraceevent plugin, 2.6.3x).
const SW_KERNEL = /^prev_comm=(.+?) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=([A-Za-z|+]+|\d+) ==> next_comm=(.+?) next_pid=(\d+) next_prio=(-?\d+)/;
const SW_RAW = /^prev_comm=(.+?) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=(\d+) next_comm=(.+?) next_pid=(\d+) next_prio=(-?\d+)/;
const SW_PLUGIN = /^(.+?):(\d+) \[(-?\d+)\] ([A-Za-z|+]+) ==> (.+?):(\d+) \[(-?\d+)\]$/;
const SW_OLD = /^task (.+?):(\d+) \[(-?\d+)\] \(([A-Za-z|+]+)\) ==> (.+?):(\d+) \[(-?\d+)\]$/;

const FORK = /^comm=(.+?) pid=(\d+) child_comm=(.+?) child_pid=(\d+)/;
const NEWTASK = /^pid=(\d+) comm=(.+?) clone_flags=([0-9a-fA-F]+) oom_score_adj=(-?\d+)/;
const EXEC = /^filename=(.+?) pid=(\d+) old_pid=(\d+)/;
const EXIT = /^comm=(.+?) pid=(\d+) prio=(-?\d+)(?: group_dead=(true|false))?/;
const FREE = /^comm=(.+?) pid=(\d+) prio=(-?\d+)/;
const RENAME = /^pid=(\d+) oldcomm=(.*?) newcomm=(.*?) oom_score_adj=(-?\d+)/;
// §2.2: trust the numeric code, not the reason text (it changed across kernels); old trace-cmd printed `=`.
// Code 5 before the Dec 2025 fix prints its reason as `0x5`; old trace-cmd left codes 4 and 5 empty (`reason= (4)`).
const TLB_FLUSH = /^pages[:=](-?\d+) reason[:=](.*?) \((\d+)\)$/;
const IPI_CPU = /^cpu=(\d+) callsite=(\S+) callback=(\S+)$/;
const IPI_MASK = /^cpumask=([0-9a-fA-F]+(?:,[0-9a-fA-F]+)*) callsite=(\S+) callback=(\S+)$/;
const IPI_RAISE = /^target_mask=([0-9a-fA-F]+(?:,[0-9a-fA-F]+)*) \(([^)]*)\)$/;
const PAREN = /^\(([^)]*)\)$/;
const CSD_QUEUE = /^cpu=(\d+) callsite=(\S+) func=(\S+) csd=(\S+)$/;
const CSD_FN = /^func=([^,]+), csd=(\S+)$/;
const VECTOR = /^vector=(\d+)$/;
const IRQ_ENTRY = /^irq=(\d+) name=(.+)$/;
const IRQ_EXIT = /^irq=(\d+) ret=(\S+)$/;
const EXIT_MMAP = /^mt_mod \S+, DESTROY$/;
const RSS = /^mm_id=(\d+) curr=(\d+) (?:type|member)=\S+ size=-?\d+B$/;
const MMAP_LOCK = /^mm=([0-9a-fA-Fx]+) (?:memcg_id=\d+|memcg_path=\S*) write=(?:true|false)(?: success=(?:true|false))?$/;

/** `%*pb` mask: 32-bit hex chunks, high first; bit n = CPU n. */
export function maskCpus(mask: string): number[] {
  const chunks = mask.split(',');
  const out: number[] = [];
  for (let c = 0; c < chunks.length; c++) {
    const v = parseInt(chunks[c], 16);
    const base = (chunks.length - 1 - c) * 32;
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out.push(base + b);
  }
  return out.sort((a, b) => a - b);
}

type BodyParser = (body: string) => EventData | null;

function sw(body: string): EventData | null {
  let m = SW_KERNEL.exec(body);
  let style: 'kernel' | 'raw' | 'plugin' | 'old' = 'kernel';
  if (!m) (m = SW_RAW.exec(body)), (style = 'raw');
  if (!m) (m = SW_PLUGIN.exec(body)), (style = 'plugin');
  if (!m) (m = SW_OLD.exec(body)), (style = 'old');
  if (!m) return null;
  return { kind: 'sched_switch', prevComm: m[1], prevPid: +m[2], prevState: m[4], nextComm: m[5], nextPid: +m[6], style };
}

const handler = (kind: 'call_function_entry' | 'call_function_exit' | 'call_function_single_entry' | 'call_function_single_exit'): BodyParser => (b) => {
  const m = VECTOR.exec(b);
  return m ? { kind, vector: +m[1] } : null;
};
const mmapLock = (phase: 'start_locking' | 'acquire_returned' | 'released'): BodyParser => (b) => {
  const m = MMAP_LOCK.exec(b);
  return m ? { kind: 'mmap_lock', mm: m[1], phase } : null;
};
const csdFn = (kind: 'csd_function_entry' | 'csd_function_exit'): BodyParser => (b) => {
  const m = CSD_FN.exec(b);
  return m ? { kind, func: m[1], csd: m[2] } : null;
};
const ipiParen = (kind: 'ipi_entry' | 'ipi_exit'): BodyParser => (b) => {
  const m = PAREN.exec(b);
  return m ? { kind, reason: m[1] } : null;
};

/** The events the importer reads, by event name (without its subsystem). Every other event is counted and skipped. */
export const BODY_PARSERS: ReadonlyMap<string, BodyParser> = new Map<string, BodyParser>([
  ['sched_switch', sw],
  ['sched_process_fork', (b) => {
    const m = FORK.exec(b);
    return m ? { kind: 'sched_process_fork', comm: m[1], pid: +m[2], childComm: m[3], childPid: +m[4] } : null;
  }],
  ['task_newtask', (b) => {
    const m = NEWTASK.exec(b);
    return m ? { kind: 'task_newtask', pid: +m[1], comm: m[2], cloneFlags: parseInt(m[3], 16) } : null;
  }],
  ['sched_process_exec', (b) => {
    const m = EXEC.exec(b);
    return m ? { kind: 'sched_process_exec', filename: m[1], pid: +m[2], oldPid: +m[3] } : null;
  }],
  ['sched_process_exit', (b) => {
    const m = EXIT.exec(b);
    return m ? { kind: 'sched_process_exit', comm: m[1], pid: +m[2], groupDead: m[4] === undefined ? null : m[4] === 'true' } : null;
  }],
  ['sched_process_free', (b) => {
    const m = FREE.exec(b);
    return m ? { kind: 'sched_process_free', comm: m[1], pid: +m[2] } : null;
  }],
  ['task_rename', (b) => {
    const m = RENAME.exec(b);
    return m ? { kind: 'task_rename', pid: +m[1], newComm: m[3] } : null;
  }],
  ['tlb_flush', (b) => {
    const m = TLB_FLUSH.exec(b);
    return m ? { kind: 'tlb_flush', pages: +m[1], code: +m[3] } : null;
  }],
  ['ipi_send_cpu', (b) => {
    const m = IPI_CPU.exec(b);
    return m ? { kind: 'ipi_send_cpu', cpu: +m[1], callback: m[3] } : null;
  }],
  ['ipi_send_cpumask', (b) => {
    const m = IPI_MASK.exec(b);
    return m ? { kind: 'ipi_send_cpumask', cpus: maskCpus(m[1]), callback: m[3] } : null;
  }],
  ['ipi_raise', (b) => {
    const m = IPI_RAISE.exec(b);
    return m ? { kind: 'ipi_raise', cpus: maskCpus(m[1]), reason: m[2] } : null;
  }],
  ['ipi_entry', ipiParen('ipi_entry')],
  ['ipi_exit', ipiParen('ipi_exit')],
  ['csd_queue_cpu', (b) => {
    const m = CSD_QUEUE.exec(b);
    return m ? { kind: 'csd_queue_cpu', cpu: +m[1], func: m[3], csd: m[4] } : null;
  }],
  ['csd_function_entry', csdFn('csd_function_entry')],
  ['csd_function_exit', csdFn('csd_function_exit')],
  ['call_function_entry', handler('call_function_entry')],
  ['call_function_exit', handler('call_function_exit')],
  ['call_function_single_entry', handler('call_function_single_entry')],
  ['call_function_single_exit', handler('call_function_single_exit')],
  ['irq_handler_entry', (b) => {
    const m = IRQ_ENTRY.exec(b);
    return m ? { kind: 'irq_handler_entry', irq: +m[1], name: m[2] } : null;
  }],
  ['irq_handler_exit', (b) => {
    const m = IRQ_EXIT.exec(b);
    return m ? { kind: 'irq_handler_exit', irq: +m[1], ret: m[2] } : null;
  }],
  ['exit_mmap', (b) => (EXIT_MMAP.test(b) ? { kind: 'exit_mmap' } : null)],
  ['rss_stat', (b) => {
    const m = RSS.exec(b);
    return m ? { kind: 'rss_stat', mmId: +m[1], curr: m[2] !== '0' } : null;
  }],
  ['mmap_lock_start_locking', mmapLock('start_locking')],
  ['mmap_lock_acquire_returned', mmapLock('acquire_returned')],
  ['mmap_lock_released', mmapLock('released')],
]);

/** Events only x86 emits (tlb.h, irq_vectors.h), and events x86 never emits (ftrace-formats.md §2.3). */
export const X86_ONLY = new Set(['tlb_flush', 'call_function_entry', 'call_function_single_entry', 'reschedule_entry', 'local_timer_entry', 'page_fault_user']);
export const NOT_X86 = new Set(['ipi_raise', 'ipi_entry', 'ipi_exit']);
