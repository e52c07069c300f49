/**
 * The streaming trace parser: a push parser fed string chunks of any size (a Node stream, a browser Blob's chunks
 * through a TextDecoder), which splits lines itself and never holds more than one line. Each event line it can read
 * goes to the sink; everything else is counted: events it does not read (by name), header and comment lines, lost
 * events, and problems (malformed lines, bodies that do not match their event's format, binary data, cut-off lines,
 * timestamps going backwards, CPUs the header does not have), each with its line number in a capped list. Nothing
 * stops the import except a file that is binary from its first bytes.
 */
import { BODY_PARSERS, NOT_X86, X86_ONLY, type EventData } from './events.ts';
import { nonEvent, parseBare, parseFtrace, parsePerf, type LinePrefix, type TraceFormat } from './line.ts';

export interface ParsedEvent {
  /** 1-based line number in the input. */
  line: number;
  prefix: LinePrefix;
  data: EventData;
}

export type IssueKind = 'malformed' | 'body' | 'truncated' | 'binary' | 'too-long' | 'backwards' | 'unknown-cpu' | 'function-graph';

export interface LineIssue {
  line: number;
  kind: IssueKind;
  message: string;
}

export interface ParseOptions {
  /** Only events on these CPUs reach the sink (the others are counted as filtered). */
  cpus?: ReadonlySet<number> | null;
  /** Window in seconds, inclusive: events outside it are counted as filtered. */
  from?: number | null;
  to?: number | null;
  /** How many issues are listed (all are counted). */
  maxIssues?: number;
  /** Told of every other event line (skipped by kind, or a body that did not match) by its CPU: order matters. */
  onOther?: (cpu: number) => void;
}

export interface ParseStats {
  format: TraceFormat;
  /** CPUs the header declares (`#P:N`, `cpus=N`), else null. */
  headerCpus: number | null;
  /** CPUs that carry events (sorted). */
  cpusSeen: number[];
  lines: number;
  chars: number;
  eventLines: number;
  /** Every event line, by event name without its subsystem. */
  events: Record<string, number>;
  /** Events with a known line shape that the importer does not read, by name. */
  skippedByKind: Record<string, number>;
  /** Lines that match no known line shape (malformed, binary, cut off, too long, function_graph). */
  unparsedLines: number;
  /** Every problem, by kind (unparsed lines and also bodies, timestamps, CPUs). */
  issueCounts: Partial<Record<IssueKind, number>>;
  issues: LineIssue[];
  headerLines: number;
  lostEvents: number;
  firstTs: number | null;
  lastTs: number | null;
  /** Events delivered to the sink, and those left out by the window or the CPU list. */
  delivered: number;
  filtered: number;
  archEvidence: { x86: number; notX86: number };
  /** Set when the input is not text at all; nothing more is read. */
  fatal: string | null;
}

/** Longest line kept, in characters: a longer one is reported and skipped up to its end. */
export const MAX_LINE = 64 * 1024;

const inc = (r: Record<string, number>, k: string) => {
  r[k] = (r[k] ?? 0) + 1;
};

/** A readable piece of the line in a message: printable ASCII only, cut. */
const shownLine = (s: string) => {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t);
};

type Shape = 'perf' | 'ftrace' | 'bare';
const PARSERS: Record<Shape, (l: string) => LinePrefix | null> = { perf: parsePerf, ftrace: parseFtrace, bare: parseBare };
// ftrace-formats.md §1c: perf before ftrace, since `:-1 -1 [001] …` half-matches the ftrace shape.
const ORDER: Shape[] = ['perf', 'ftrace', 'bare'];

export class TraceParser {
  private carry = '';
  private skippingLongLine = false;
  private lineNo = 0;
  private locked: Shape | null = null;
  private traceCmdHeader = false;
  private switchStyle: string | null = null;
  private started = false;
  private readonly cpuSet = new Set<number>();
  private readonly maxIssues: number;
  private ended = false;
  readonly stats: ParseStats = {
    format: 'unknown',
    headerCpus: null,
    cpusSeen: [],
    lines: 0,
    chars: 0,
    eventLines: 0,
    events: Object.create(null) as Record<string, number>,
    skippedByKind: Object.create(null) as Record<string, number>,
    unparsedLines: 0,
    issueCounts: {},
    issues: [],
    headerLines: 0,
    lostEvents: 0,
    firstTs: null,
    lastTs: null,
    delivered: 0,
    filtered: 0,
    archEvidence: { x86: 0, notX86: 0 },
    fatal: null,
  };

  constructor(private readonly sink: (e: ParsedEvent) => void, private readonly opts: ParseOptions = {}) {
    this.maxIssues = opts.maxIssues ?? 50;
  }

  /** Feed the next piece of text (any size; lines may span pieces). */
  push(chunk: string): void {
    if (this.stats.fatal || this.ended) return;
    if (!this.started && chunk.length) {
      this.started = true;
      if (looksBinary(chunk)) {
        this.stats.fatal = 'not ftrace text: binary data at the start of the file (a trace.dat? convert it with `trace-cmd report` first)';
        return;
      }
    }
    this.stats.chars += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      if (this.skippingLongLine) {
        // The end of a line already reported as too long.
        this.skippingLongLine = false;
        this.carry = '';
      } else if (this.carry) {
        const whole = this.carry + chunk.slice(start, nl);
        this.carry = '';
        this.line(whole, false);
      } else this.line(chunk.slice(start, nl), false);
      start = nl + 1;
    }
    if (start < chunk.length && !this.skippingLongLine) {
      this.carry += chunk.slice(start);
      if (this.carry.length > MAX_LINE) {
        this.lineNo++;
        this.stats.lines++;
        this.unparsed('too-long', `line ${this.lineNo}: longer than ${MAX_LINE / 1024} KiB, skipped`);
        this.carry = '';
        this.skippingLongLine = true;
      }
    }
  }

  /** The input is complete: a last line without its newline is read (and reported if it is cut off). */
  end(): ParseStats {
    if (this.ended) return this.stats;
    this.ended = true;
    if (this.carry && !this.stats.fatal) this.line(this.carry, true);
    this.carry = '';
    const s = this.stats;
    s.cpusSeen = [...this.cpuSet].sort((a, b) => a - b);
    s.format = this.format();
    return s;
  }

  private format(): TraceFormat {
    if (this.locked === 'perf') return 'perf script';
    if (this.locked === 'bare') return 'no task context';
    if (this.locked === null) return 'unknown';
    if (this.switchStyle === 'raw') return 'trace-cmd report -R';
    if (this.traceCmdHeader || this.switchStyle === 'plugin') return 'trace-cmd report';
    return 'tracefs';
  }

  private issue(kind: IssueKind, message: string): void {
    const s = this.stats;
    s.issueCounts[kind] = (s.issueCounts[kind] ?? 0) + 1;
    if (s.issues.length < this.maxIssues) s.issues.push({ line: this.lineNo, kind, message });
  }

  private unparsed(kind: IssueKind, message: string): void {
    this.stats.unparsedLines++;
    this.issue(kind, message);
  }

  private line(raw: string, last: boolean): void {
    this.lineNo++;
    const s = this.stats;
    s.lines++;
    if (raw.length > MAX_LINE) return this.unparsed('too-long', `line ${this.lineNo}: longer than ${MAX_LINE / 1024} KiB, skipped`);
    const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (text.indexOf('\u0000') >= 0) return this.unparsed('binary', `line ${this.lineNo}: binary data (NUL bytes), skipped`);
    const p = this.prefix(text);
    if (!p) {
      const ne = nonEvent(text);
      if (ne) {
        if (ne.kind === 'graph') return this.unparsed('function-graph', `line ${this.lineNo}: function_graph output is not read (record trace events with the nop tracer)`);
        if (ne.kind === 'lost') {
          s.lostEvents += ne.lost;
          s.headerLines++;
          return;
        }
        if (ne.kind === 'header' || ne.kind === 'comment') {
          s.headerLines++;
          if (ne.kind === 'header') this.traceCmdHeader = true;
          if (ne.cpus !== undefined && s.headerCpus === null) s.headerCpus = ne.cpus;
        }
        return;
      }
      if (last) return this.unparsed('truncated', `line ${this.lineNo}: cut off at the end of the input: ${shownLine(text)}`);
      return this.unparsed('malformed', `line ${this.lineNo}: not an ftrace event line: ${shownLine(text)}`);
    }
    s.eventLines++;
    inc(s.events, p.event);
    if (X86_ONLY.has(p.event)) s.archEvidence.x86++;
    else if (NOT_X86.has(p.event) || (p.event === 'irq_handler_entry' && p.body.endsWith('name=IPI'))) s.archEvidence.notX86++;
    if (s.headerCpus !== null && p.cpu >= s.headerCpus) {
      return this.issue('unknown-cpu', `line ${this.lineNo}: CPU ${p.cpu} does not exist (the header says ${s.headerCpus} CPUs), event dropped`);
    }
    this.cpuSet.add(p.cpu);
    if (s.lastTs !== null && p.ts < s.lastTs) this.issue('backwards', `line ${this.lineNo}: timestamp ${p.ts} goes back from ${s.lastTs}`);
    else s.lastTs = p.ts;
    if (s.firstTs === null) s.firstTs = p.ts;
    const bp = BODY_PARSERS.get(p.event);
    if (!bp) {
      inc(s.skippedByKind, p.event);
      this.opts.onOther?.(p.cpu);
      return;
    }
    const data = bp(p.body);
    if (!data) {
      this.opts.onOther?.(p.cpu);
      return this.issue(last ? 'truncated' : 'body', last ? `line ${this.lineNo}: ${p.event} cut off at the end of the input` : `line ${this.lineNo}: ${p.event} body does not match its format: ${shownLine(p.body)}`);
    }
    if (data.kind === 'sched_switch' && this.switchStyle === null) this.switchStyle = data.style;
    const o = this.opts;
    if ((o.cpus && !o.cpus.has(p.cpu)) || (o.from != null && p.ts < o.from) || (o.to != null && p.ts > o.to)) {
      s.filtered++;
      return;
    }
    s.delivered++;
    this.sink({ line: this.lineNo, prefix: p, data });
  }

  private prefix(text: string): LinePrefix | null {
    if (this.locked) {
      const p = PARSERS[this.locked](text);
      if (p) return p;
    }
    for (const shape of ORDER) {
      if (shape === this.locked) continue;
      const p = PARSERS[shape](text);
      if (p) {
        this.locked ??= shape;
        return p;
      }
    }
    return null;
  }
}

/** trace-cmd's trace.dat magic, or many control bytes (NULs, invalid UTF-8) in the first KiB. */
function looksBinary(chunk: string): boolean {
  const head = chunk.slice(0, 1024);
  if (head.startsWith('\u0017\u0008D')) return true;
  let ctl = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) ctl++;
  }
  return ctl > Math.max(2, head.length / 10);
}
