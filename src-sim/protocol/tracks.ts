/**
 * Tracks: what the UI draws over time (lanes, refcount graphs, IPIs, TLB entry lives), and the view at the playhead.
 *
 * The time axis. `t` counts micro-steps done: t = 0 is the initial state (every CPU idle on init_mm), micro-step i
 * (0-based, as in MicrostepRow.index and ViolationInfo.microstep) happens at t = i + 1, and t = N (N = microstepCount)
 * is the final state. The state at t is the snapshot of micro-step t - 1 (t = 0: the initial state). Positions are
 * always micro-steps done. A scenario imported from a kernel trace also has a trace clock (clock.ts), which places every
 * position in the trace's time: `TrackAxis` says whether a run has one, and a tracks request may ask for buckets even in
 * that time.
 *
 * Segments are half-open, [from, to): the value holds from `from` until just before `to`; the last segment of a row
 * ends at `to = N` and also holds at t = N. Rows cover [0, N] without gaps.
 *
 * Resolution. A tracks request names a window [from, to] and a number of buckets; the answer has at most about one
 * item per bucket per row: where a row changed more than once inside one bucket, those changes come back as one
 * `busy` segment ("37 changes") instead of the values. A 64-CPU, 1,000,000-micro-step timeline therefore costs the UI
 * what a 6-step preset costs.
 */

import type { DecisionInfo } from './summary.ts';

/** Who acts: a CPU or a device (secondary MMU), by number. Never a string to parse back. */
export type Actor = { kind: 'cpu'; n: number } | { kind: 'device'; n: number };

/** `time`: the run has a trace clock (clock.ts), in µs. */
export type TrackAxis = { kind: 'microstep' } | { kind: 'time'; unit: 'us' };

/** A value held over [from, to). */
export interface ValueSegment<V> {
  from: number;
  to: number;
  value: V;
}

/**
 * Several changes inside less than one bucket: drawn as one busy block. `busy` is how many changes it stands for
 * (each closer than one bucket width to the next); the value after the block starts a value segment at `to`.
 */
export interface BusySegment {
  from: number;
  to: number;
  busy: number;
}

export type LaneItem<V> = ValueSegment<V> | BusySegment;

export function isBusy<V>(item: LaneItem<V>): item is BusySegment {
  return (item as BusySegment).busy !== undefined;
}

/** What the hardware has loaded: the mm whose user page tables it may walk, and the tag (PCID slot, PID, ASID, ASCE). */
export interface LoadedMm {
  /** mm id; -1 for x86 LOADED_MM_SWITCHING. */
  mm: number;
  tag: number;
}

/** The kernel function in flight on a CPU (the innermost frame's function), or null when it runs no kernel code. */
export interface InFlight {
  fn: string;
  /** True inside an interrupt (IPI) handler. */
  irq: boolean;
}

export interface CpuTrack {
  cpu: number;
  /** rq->curr, as a task id. */
  curr: LaneItem<number>[];
  /** active_mm of rq->curr, as an mm id. */
  activeMm: LaneItem<number>[];
  loadedMm: LaneItem<LoadedMm>[];
  /**
   * Lazy: the current task is a kernel thread with no mm of its own borrowing a user mm as active_mm (on every
   * arch), or x86's cpu_tlbstate.is_lazy is set. Defined by the core (`isLazy`), never by the UI.
   */
  lazy: LaneItem<boolean>[];
  irqsOff: LaneItem<boolean>[];
  inFlight: LaneItem<InFlight | null>[];
}

export interface DeviceTrack {
  device: number;
  /** The mm the device is bound to, or -1 after ->release. */
  mm: LaneItem<number>[];
  /** How many translations the device's TLB holds. */
  entries: LaneItem<number>[];
}

/** Where a refcount change came from: the micro-step and the kernel code that made it. */
export interface Provenance {
  t: number;
  actor: Actor;
  fn: string;
  label: string;
  /** Step index (into TimelineSummary.steps). */
  step: number;
}

/** mm_users and mm_count after a change. Merged points carry the range they stood for (`merged` changes). */
export interface RefcountPoint extends Provenance {
  users: number;
  count: number;
  /** Set on a point that stands for several changes inside one bucket: how many, and the extremes over them. */
  merged?: number;
  minUsers?: number;
  maxUsers?: number;
  minCount?: number;
  maxCount?: number;
}

export interface RefcountTrack {
  mm: number;
  /** The values at the window's start (t = from), then every change inside the window. */
  start: { users: number; count: number };
  points: RefcountPoint[];
  /** When mm_users reached 0 and teardown (exit_mmap) began; when __mmdrop freed it. Anywhere in the run. */
  teardown: Provenance | null;
  freed: Provenance | null;
}

export interface IpiMark {
  /** The IPI's id (one send to several targets gives one mark per target with the same id). */
  id: number;
  /** The registered handler, e.g. `flush_tlb_func`. */
  kind: string;
  from: number;
  to: number;
  sent: number;
  /** null: still pending at the end of the run. */
  delivered: number | null;
  done: number | null;
}

/** IPIs too dense to draw one by one: how many were sent inside [from, to). */
export interface IpiBusy {
  from: number;
  to: number;
  busy: number;
}

export type TlbStatus = 'current' | 'stale' | 'freed' | 'reused';

/** One TLB or walk-cache entry's life on a CPU or device. */
export interface TlbLife {
  actor: Actor;
  va: number;
  /** Data page (leaf) or page-table page (walk-cache). */
  page: number;
  tag: number;
  /** The mm whose page tables it was filled from. */
  mm: number;
  walk: boolean;
  filled: number;
  /** When it stopped matching memory, and why: the PTE changed (`stale`), the page was freed, or freed and reused. */
  wrongFrom: number | null;
  wrongWhy: Exclude<TlbStatus, 'current'> | null;
  /**
   * Worse reasons that came later, in time order (a stale leaf whose page is then freed, then reused): absent when
   * there were none. The status at t is the last of wrongWhy / worse reached at or before t.
   */
  worse?: Array<{ t: number; why: 'freed' | 'reused' }>;
  /** null: still cached at the end of the run. */
  invalidated: number | null;
}

export interface PageEvent {
  page: number;
  t: number;
  what: 'freed' | 'reused';
  /** Owner after reuse (e.g. `page table of N`). */
  owner: string;
}

export interface FindingMark {
  /** Invariant id, or for warnings the event kind. */
  id: string;
  warning: boolean;
  t: number;
  /** Index into TimelineSummary.violations (or .warnings). */
  index: number;
  actors: Actor[];
}

export interface TracksWindow {
  from: number;
  to: number;
  buckets: number;
  cpus: CpuTrack[];
  devices: DeviceTrack[];
  mms: RefcountTrack[];
  ipis: Array<IpiMark | IpiBusy>;
  tlb: TlbLife[];
  /** Set when more TLB lives overlap the window than were returned (the rest are summarised on the lanes). */
  tlbTruncated: number;
  pages: PageEvent[];
  /**
   * Violations and warnings in the window, in time order. Every violation comes back; when more than `buckets`
   * warnings fall in the window, only the first of each kind per bucket does.
   */
  findings: FindingMark[];
}

/** A TLB or walk-cache entry as it stands at the playhead, with its status in words. */
export interface TlbCell {
  va: number;
  page: number;
  tag: number;
  mm: number;
  walk: boolean;
  write: boolean;
  speculative: boolean;
  status: TlbStatus;
  /** When the entry was filled, and when its status last changed (null: current since filled). */
  filled: number;
  statusSince: number | null;
}

export interface FrameView {
  fn: string;
  label: string;
  src: string;
  /** The function at the era's release on a public source browser (TimelineSummary.kernelSource). */
  link?: string;
  irq: boolean;
}

export interface CpuView {
  cpu: number;
  curr: number;
  activeMm: number;
  loaded: LoadedMm;
  lazy: boolean;
  irqsOff: number;
  mode: 'user' | 'kernel';
  op: 'none' | 'running' | 'paused' | 'blocked';
  /** Call stack, bottom first; each frame's next label. */
  stack: FrameView[];
  pendingIpis: Array<{ id: number; kind: string; from: number }>;
  tlb: TlbCell[];
  /** With a bounded ASID space (config.asid_bits) only: the CPU's ASID allocator state (absent otherwise). */
  asid?: AsidView;
}

/** A context id split as [generation (mips: version), ASID]; null for none. */
export type AsidPair = [number, number] | null;

/**
 * A CPU's ASID state with a bounded ASID space: the generation (arm64) or version (mips) of the ASID loaded (its
 * number is `loaded.tag`); arm64 also its `active_asids`, `reserved_asids` and whether it is in `tlb_flush_pending`.
 */
export interface AsidView {
  gen: number;
  active: AsidPair;
  reserved: AsidPair;
  flushPending: boolean;
}

export interface DeviceView {
  device: number;
  mm: number;
  released: boolean;
  tlb: TlbCell[];
}

export interface MmView {
  mm: number;
  users: number;
  count: number;
  state: 'live' | 'teardown' | 'dead' | 'freed';
  cpumask: number[];
  /** Arch detail worth showing (x86 ctx_id/tlb_gen, powerpc active_cpus), as label: value pairs. */
  detail: Array<[string, string]>;
}

export interface PageView {
  page: number;
  kind: 'data' | 'pt';
  freed: boolean;
  reused: number;
  owner: string;
  refcount: number;
}

/** The state at one position, as the UI shows it: every value comes from the model's snapshot at t. */
export interface PlayheadView {
  t: number;
  /** Index of the step that position t belongs to (the step whose micro-step ran at t; at t = 0 the first step). */
  step: number;
  /** The micro-step that ran at t (null at t = 0). */
  microstep: { index: number; actor: Actor; fn: string; label: string; src: string; link?: string; decisions?: DecisionInfo[] } | null;
  cpus: CpuView[];
  devices: DeviceView[];
  mms: MmView[];
  /** The first VIEW_PAGES pages (what the inspector lists); `pageCount` says how many exist. */
  pages: PageView[];
  pageCount: number;
  /** Names of tasks, mms and pages that exist at t (ids index these arrays; objects are never removed). */
  taskNames: string[];
  mmNames: string[];
  pageNames: string[];
}

/** Pages a view carries in full (a big run has thousands; each view would carry them all, at every scrub frame). */
export const VIEW_PAGES = 100;

/** Everything that exists at some point of the run, so that lanes can be laid out before any state is fetched. */
export interface MachineInfo {
  cpus: number;
  devices: Array<{ name: string; kind: 'shared' | 'shadow' }>;
  /** Every task and mm the run ever had (clone and exec create some), in id order. */
  /** `diedAt`: the position at which the task died (do_exit › do_task_dead), if it did; it stays rq->curr until its final switch. */
  tasks: Array<{ name: string; kthread: boolean; idleOf: number; diedAt?: number }>;
  mms: Array<{ name: string }>;
  pages: Array<{ name: string; kind: 'data' | 'pt' }>;
}
