/**
 * Random, valid schedules: a seeded generator that looks at the current state and proposes a step the kernel could
 * really take there, following the kernel's own conventions (a kthread holds mm_users through mmget_not_zero around
 * use_mm; a scenario only drops the pins it took). Used by the property tests and by the benchmark's stress scenario.
 */
import { ARCHES } from '../arch/index.ts';
import { DEFAULT_CONFIG } from '../model/make.ts';
import { INIT_MM, NONE, type Arch, type Config, type SimState } from '../model/types.ts';
import { rget, rkeys } from '../model/radix.ts';
import type { ScenarioFile, StepFile } from './schema.ts';

/** mulberry32: a tiny seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The configuration with every fix of the five threads applied, as 6.x kernels have it on each arch. */
export function allFixesConfig(arch: Arch): Partial<Config> {
  return {
    ...DEFAULT_CONFIG,
    // powerpc book3s64 selects MMU_LAZY_TLB_SHOOTDOWN (and so drops the refcount); the others refcount.
    lazy_tlb_refcount: !ARCHES[arch].selectsLazyTlbShootdown,
    lazy_tlb_shootdown: ARCHES[arch].selectsLazyTlbShootdown,
    i8_mode: ARCHES[arch].defaultI8Mode,
  };
}

export interface RandomOptions {
  arch: Arch;
  cpus: number;
  mms: number;
  tasksPerMm: number;
  kthreads: number;
  devices?: number;
  pagesPerMm: number;
  config?: Partial<Config>;
}

const VA_BASE = 0x400000;
/** Addresses spread over a few page-table regions so page-table pages get freed and reused. */
function vaOf(i: number): string {
  const region = Math.floor(i / 4);
  return '0x' + (VA_BASE + region * 0x200000 + (i % 4) * 0x1000).toString(16);
}

export function randomScenario(o: RandomOptions): ScenarioFile {
  const mms = Array.from({ length: o.mms }, (_, m) => ({
    name: `M${m}`,
    mappings: Array.from({ length: o.pagesPerMm }, (_, i) => ({ va: vaOf(i), page: `M${m}p${i}`, write: true })),
  }));
  const tasks = [
    ...mms.flatMap((m) => Array.from({ length: o.tasksPerMm }, (_, t) => ({ name: `${m.name}t${t}`, mm: m.name }))),
    ...Array.from({ length: o.kthreads }, (_, i) => ({ name: `kw${i}`, kthread: true })),
  ];
  const devices = Array.from({ length: o.devices ?? 0 }, (_, i) => ({ name: `dev${i}`, kind: i % 2 ? ('shadow' as const) : ('shared' as const), mm: `M${i % o.mms}` }));
  return {
    format: 'lazytlb/1', id: 'random', title: 'random schedule',
    machine: { arch: o.arch, cpus: o.cpus, config: o.config ?? allFixesConfig(o.arch) },
    mms, tasks, devices, steps: [],
  };
}

/**
 * A step proposer for Timeline's `extend`: `count` steps, then null. Deterministic for a seed.
 */
/** The names randomScenario gives the pages of its mappings. */
const DECLARED_PAGE = /^M\d+p\d+$/;

export function randomSteps(seed: number, count: number, opts: { pagesPerMm: number }): (s: Readonly<SimState>, index: number) => StepFile | null {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  let n = 0;
  let clones = 0;
  let execs = 0;
  /** Per kthread name: the mm it holds an mm_users reference on (mmget_not_zero before use_mm), and whether it used it. */
  const held = new Map<string, { mm: string; used: boolean }>();
  const pins = new Map<string, number>();
  const va = () => vaOf(Math.floor(r() * (opts.pagesPerMm + 4)));
  return (s) => {
    if (n++ >= count) return null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const step = propose(s);
      if (step) return step;
    }
    return { cpu: 0, do: 'speculate', va: va() };
  };

  function propose(s: Readonly<SimState>): StepFile | null {
    const cpu = s.cpus[Math.floor(r() * s.cpus.length)];
    const c = cpu.id;
    if (cpu.stack.length) return null;
    const cur = s.tasks[cpu.curr];
    const runnable = s.tasks.filter((t) => t.state === 'runnable' && t.idle_of < 0);
    const x = r();
    if (cur.state === 'dead' || x < 0.22) {
      if (runnable.length && r() < 0.8) return { cpu: c, do: 'switch', to: pick(runnable).name };
      // A kthread inside use_mm does not schedule away in our schedules: keep the pairing simple.
      if (cur.kthread && cur.mm !== NONE) return null;
      return { cpu: c, do: 'switch', to: 'idle' };
    }
    if (x < 0.32) return { cpu: c, do: 'speculate', va: va() };
    if (cur.kthread && cur.idle_of < 0) {
      const mine = held.get(cur.name);
      if (cur.mm !== NONE) {
        if (r() < 0.6) return { cpu: c, do: 'access', va: va(), write: r() < 0.5 };
        return { cpu: c, do: 'unuse_mm' };
      }
      if (mine && !mine.used) {
        mine.used = true;
        return { cpu: c, do: 'use_mm', mm: mine.mm };
      }
      if (mine) {
        // the use is over: the caller drops the mm_users reference it held
        held.delete(cur.name);
        return { cpu: c, do: 'mmput', mm: mine.mm };
      }
      const live = s.mms.filter((m) => m.id !== INIT_MM && m.state === 'live' && m.mm_users > 0);
      if (!live.length) return null;
      const m = pick(live);
      held.set(cur.name, { mm: m.name, used: false });
      return { cpu: c, do: 'mmget_not_zero', mm: m.name };
    }
    if (cur.kthread) return null; // an idle task only switches
    // a user task
    const m = s.mms[cur.mm];
    const y = r();
    if (y < 0.3) return { cpu: c, do: 'access', va: va(), write: r() < 0.5 };
    if (y < 0.4) return { cpu: c, do: 'map', va: va() };
    if (y < 0.5) {
      const mapped = rkeys(m.pte);
      if (!mapped.length) return null;
      const vpn = pick(mapped);
      return { cpu: c, do: 'munmap', va: '0x' + (vpn * 4096).toString(16), pages: 1 + Math.floor(r() * 3), free_tables: r() < 0.5 };
    }
    if (y < 0.58) {
      const mapped = rkeys(m.pte);
      if (!mapped.length) return null;
      return { cpu: c, do: 'cow', va: '0x' + (pick(mapped) * 4096).toString(16) };
    }
    if (y < 0.62 && clones < 64) return { cpu: c, do: 'clone', name: `c${clones++}` };
    if (y < 0.65) return { cpu: c, do: 'exit' };
    if (y < 0.67 && execs < 32) return { cpu: c, do: 'exec', mm: `X${execs++}` };
    if (y < 0.72) return { cpu: c, do: 'membarrier_register', sync_core: r() < 0.5 };
    if (y < 0.78) {
      if (m.membarrier_state & 16 && r() < 0.5) return { cpu: c, do: 'membarrier', sync_core: true };
      if (m.membarrier_state & 1) return { cpu: c, do: 'membarrier', sync_core: false };
      return null;
    }
    if (y < 0.82) {
      const p = pins.get(m.name) ?? 0;
      if (p > 0 && r() < 0.5) {
        pins.set(m.name, p - 1);
        return { cpu: c, do: 'mmdrop', mm: m.name };
      }
      pins.set(m.name, p + 1);
      return { cpu: c, do: 'mmgrab', mm: m.name };
    }
    if (y < 0.86) {
      // Only pages the scenario file names itself (randomScenario's mappings): a frame the kernel allocated (a page
      // table, a fault's page) has a name the loader does not know, and a file naming it would be refused.
      const pages = s.pages.filter((p) => !p.freed && p.kind === 'data' && p.refcount > 0 && DECLARED_PAGE.test(p.name));
      if (!pages.length) return null;
      return { cpu: c, do: 'reclaim', page: pick(pages).name };
    }
    if (y < 0.92 && s.devices.length) {
      const d = pick(s.devices);
      return { device: d.name, do: 'device_access', va: va(), write: r() < 0.5 };
    }
    return { cpu: c, do: 'access', va: va(), write: true };
  }
}

/**
 * A mixed workload for the benchmark's scale rows: `switch`, `map` (a fault that maps a fresh page), `munmap`,
 * `access` (hits and TLB misses), `access` to an unmapped address (a fault the kernel answers with SIGSEGV) and
 * `clone`, over `randomScenario`'s machine. Unlike `randomSteps`, each step costs the generator O(1) whatever the
 * length of the run (it keeps its own lists of mapped pages). Each mm grows up to `mmPages` mappings (fresh addresses
 * in a window of 64 page-table regions, so tables fill, empty and are freed) and then stays about that size, and the
 * tasks keep growing (clones never exit): a model cost that grows with the size of the mm shows between short rows,
 * one that grows with the length of the run between long ones.
 */
export function mixedSteps(seed: number, count: number, mmPages = 2048): (s: Readonly<SimState>, index: number) => StepFile | null {
  const r = rng(seed);
  const BASE = 0x10000;
  const WINDOW = 64 * 512;
  let n = 0;
  let clones = 0;
  /** Per mm id: virtual page numbers believed mapped (checked against the state when picked), next fresh one. */
  const mapped: number[][] = [];
  const next: number[] = [];
  const va = (vpn: number) => '0x' + (vpn * 4096).toString(16);
  /** A mapped page of mm m, or -1; pages unmapped by a range are dropped from the list when met. */
  const pickMapped = (s: Readonly<SimState>, m: number): number => {
    const list = (mapped[m] ??= []);
    for (let tries = 0; tries < 4 && list.length; tries++) {
      const i = Math.floor(r() * list.length);
      const vpn = list[i];
      if (rget(s.mms[m].pte, vpn)) return vpn;
      list[i] = list[list.length - 1];
      list.pop();
    }
    return -1;
  };
  /** A page not mapped in mm m: mostly the next one, now and then one in the next region or two; -1 if none found. */
  const pickFresh = (s: Readonly<SimState>, m: number): number => {
    let vpn = next[m] ?? BASE;
    for (let tries = 0; tries < 4; tries++) {
      if (r() < 0.05) vpn = (Math.floor(vpn / 512) + 1 + Math.floor(r() * 2)) * 512;
      if (vpn >= BASE + WINDOW) vpn = BASE + (vpn % 512);
      const free = !rget(s.mms[m].pte, vpn);
      next[m] = vpn + 1;
      if (free) return vpn;
      vpn++;
    }
    return -1;
  };
  return (s) => {
    if (n++ >= count) return null;
    const c = Math.floor(r() * s.cpus.length);
    const cpu = s.cpus[c];
    const cur = s.tasks[cpu.curr];
    const x = r();
    if (cpu.stack.length === 0 && (cur.kthread || cur.state !== 'running' || x < 0.2)) {
      for (let tries = 0; tries < 4; tries++) {
        const t = s.tasks[Math.floor(r() * s.tasks.length)];
        if (t.state === 'runnable' && t.idle_of < 0 && !t.kthread) return { cpu: c, do: 'switch', to: t.name };
      }
      return { cpu: c, do: 'switch', to: 'idle' };
    }
    const m = cur.mm;
    if (m < 0 || cpu.stack.length) return { cpu: c, do: 'switch', to: 'idle' };
    const list = (mapped[m] ??= []);
    const y = r();
    if (y < 0.03) return { cpu: c, do: 'access', va: va(0x7000000 + Math.floor(r() * 4096)), write: false }; // unmapped: a fault
    if ((y < 0.23 && list.length < mmPages) || (y < 0.5 && !list.length)) {
      const vpn = pickFresh(s, m);
      if (vpn >= 0) {
        list.push(vpn);
        return { cpu: c, do: 'map', va: va(vpn) };
      }
    }
    if (y < 0.33 || (y < 0.23 && list.length >= mmPages)) {
      const vpn = pickMapped(s, m);
      if (vpn >= 0) return { cpu: c, do: 'munmap', va: va(vpn), pages: r() < 0.8 ? 1 : 2, free_tables: r() < 0.5 };
    }
    if (y < 0.35) return { cpu: c, do: 'clone', name: `mx${clones++}` };
    const vpn = pickMapped(s, m);
    return vpn >= 0 ? { cpu: c, do: 'access', va: va(vpn), write: r() < 0.3 } : { cpu: c, do: 'speculate', va: va(next[m] ?? BASE) };
  };
}
