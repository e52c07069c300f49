/**
 * One line of ftrace text: which shape it has, and its prefix (task, CPU, flags, time, event name) split from the event
 * body. The shapes and their regexes are those of ../shared/docs/ftrace-formats.md §1 (checked against the kernel's
 * output and the fixtures): tracefs `trace`/`trace_pipe` (with or without the TGID column, 4- or 5-character flags),
 * `trace-cmd report` (no flags column, padded event names), `perf script` (`sys:event`) and the no-context shape.
 */

/** The text format of a whole trace, as the first event line shows it (trace-cmd's header and bodies refine it). */
export type TraceFormat = 'tracefs' | 'trace-cmd report' | 'trace-cmd report -R' | 'perf script' | 'no task context' | 'unknown';

/** The prefix of an event line; the body is everything after `event:`. */
export interface LinePrefix {
  comm: string;
  pid: number;
  /** From the record-tgid column; null without it, or for tasks without a thread group (`(-------)`). */
  tgid: number | null;
  cpu: number;
  /** The irqs-off / need-resched / hardirq-softirq / preempt columns, or null without them. */
  flags: string | null;
  /** Seconds. */
  ts: number;
  event: string;
  body: string;
  shape: 'ftrace' | 'perf' | 'bare';
}

// ftrace-formats.md §1a/1b: one regex for tracefs and trace-cmd report (comm anchors on the last `-<digits>`).
const FTRACE = /^\s*(.+?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([.a-zA-Z0-9]{4,7})\s+)?(\d+(?:\.\d+)?):\s+(\w+)(?::\s?|(?=\()|\s(?=->))(.*)$/;
// §1c: perf script (`comm pid [cpu] ts: sys:event: body`); tried first, since `:-1 -1 [001] …` half-matches 1a.
const PERF = /^\s*(.+?)\s+(-?\d+)(?:\/(\d+))?\s+\[(\d+)\]\s+(\d+(?:\.\d+)?):\s+(\w+):(\w+):\s?(.*)$/;
// §1e: no task context (`options/context-info=0`, `perf script -F cpu,time,event,trace`).
const BARE = /^\s*\[(\d+)\]\s+(\d+(?:\.\d+)?):\s+(?:(\w+):)?(\w+):\s?(.*)$/;
// §1f: function_graph output (`  0)   |  foo() {`): out of scope, refused with a message.
const GRAPH = /^\s*\d+\)\s/;

export function parseFtrace(line: string): LinePrefix | null {
  const m = FTRACE.exec(line);
  if (!m) return null;
  const tg = m[3];
  return {
    comm: m[1],
    pid: +m[2],
    tgid: tg === undefined || tg.charCodeAt(0) === 45 /* - */ ? null : +tg,
    cpu: +m[4],
    flags: m[5] ?? null,
    ts: +m[6],
    event: m[7],
    body: m[8].trim(),
    shape: 'ftrace',
  };
}

export function parsePerf(line: string): LinePrefix | null {
  const m = PERF.exec(line);
  if (!m) return null;
  // `comm pid/tid`: with -F pid,tid perf prints the thread group first.
  const tid = m[3];
  return { comm: m[1], pid: tid === undefined ? +m[2] : +tid, tgid: tid === undefined ? null : +m[2], cpu: +m[4], flags: null, ts: +m[5], event: m[7], body: m[8].trim(), shape: 'perf' };
}

export function parseBare(line: string): LinePrefix | null {
  const m = BARE.exec(line);
  if (!m) return null;
  return { comm: '', pid: -1, tgid: null, cpu: +m[1], flags: null, ts: +m[2], event: m[4], body: m[5].trim(), shape: 'bare' };
}

/** What a line that is not an event is. */
export type NonEvent =
  | { kind: 'blank' }
  | { kind: 'comment'; cpus?: number }
  | { kind: 'header'; cpus?: number; traceCmd: boolean }
  | { kind: 'lost'; cpu: number; lost: number }
  | { kind: 'graph' };

const TRACEFS_CPUS = /#P:(\d+)/;
const TC_CPUS = /^cpus=(\d+)\s*$/;
const TC_VERSION = /^version = \d+\s*$/;
const TC_EMPTY = /^CPU \d+ is empty\s*$/;
const LOST = /^\s*CPU:?\s*(\d+) \[LOST (\d+) EVENTS\]/;
const BUFFER_STARTED = /^#+ CPU \d+ buffer started #+\s*$/;

/** Classify a line that is not an event line (null: it is not one of the known non-event shapes). */
export function nonEvent(line: string): NonEvent | null {
  if (/^\s*$/.test(line)) return { kind: 'blank' };
  if (line.charCodeAt(0) === 35 /* # */) {
    if (BUFFER_STARTED.test(line)) return { kind: 'comment' };
    const p = TRACEFS_CPUS.exec(line);
    return p ? { kind: 'comment', cpus: +p[1] } : { kind: 'comment' };
  }
  const c = TC_CPUS.exec(line);
  if (c) return { kind: 'header', cpus: +c[1], traceCmd: true };
  if (TC_VERSION.test(line) || TC_EMPTY.test(line)) return { kind: 'header', traceCmd: true };
  const l = LOST.exec(line);
  if (l) return { kind: 'lost', cpu: +l[1], lost: +l[2] };
  if (GRAPH.test(line)) return { kind: 'graph' };
  return null;
}
