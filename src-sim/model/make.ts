/**
 * Factories for the state model. The initial state of every scenario is the same shape: every CPU idle (its
 * swapper/N task) on init_mm, the scenario's tasks created and runnable, nothing loaded; `setup` operations build the
 * rest through the model.
 */
import { hex, regionOf } from './geometry.ts';
import { INIT_MM, NONE, type Arch, type Config, type Cpu, type Mm, type MmId, type SimState, type TaskId } from './types.ts';
import { RadixEdit, radixEmpty } from './radix.ts';
import { rmapAdd, rmapRemove } from './rmap.ts';
import { tlbEmpty } from './tlb.ts';

export const DEFAULT_CONFIG: Config = {
  lazy_tlb_refcount: true,
  lazy_tlb_shootdown: false,
  context_switch_era: 'v6',
  use_mm: 'kthread_use_mm',
  use_mm_takes_mmget: false,
  x86_lazy: 'v4.20',
  x86_freed_tables_ipi: true,
  x86_trim_cpumask_every: 4,
  x86_trim_cpumask_clock: false,
  x86_invlpgb: false,
  x86_global_asid_cpus: 3,
  pcid: true,
  ppc_lazy_flush: 'v6',
  ppc_exit_flush: '6.6',
  fullmm_upfront_flush: false,
  lazy_tlb_drop_mb: true,
  membarrier_sync_core: 'scheduler',
  mmu_notifier: 'v6.6',
  reclaim_caller_pins_page: true,
  cow_notify: 'clear_flush_notify',
  speculative_fill: 'any-time',
  s390_rule: '2016',
  pti: false,
  i8_mode: 'strict',
  rcu_table_free: 'arch',
  tlb_remove_table: 'v4.19',
  table_batch_alloc_fails: false,
  asid_bits: 0,
  arm64_reserved_asids: true,
  arm64_tlb_flush_pending: true,
};

/** What the initial state needs to know of the architecture (its ArchPolicy says; model/ cannot ask it). */
export interface ArchInit {
  /** Per-CPU ASID slots (x86 cpu_tlbstate.ctxs[]); 0: none. */
  asidSlots: number;
  /** A device walking the CPU page tables attaches as a coprocessor (powerpc mm_context_add_copro). */
  sharedDeviceIsCopro: boolean;
}

export interface InitialTask {
  name: string;
  kthread: boolean;
  /** mm name for user tasks. */
  mm?: string;
}

export interface InitialMm {
  name: string;
  /** Virtual page number -> page name, and whether writable. */
  mappings: Array<{ vpn: number; page: string; write: boolean }>;
}

export interface InitialDevice {
  name: string;
  kind: 'shared' | 'shadow';
  mm: string;
}

function makeCpu(slots: number, id: number, idle: TaskId, initCtx: number): Cpu {
  return {
    id, curr: idle, mode: 'kernel', irqs_off: 0, prev_mm: NONE, membarrier_state: 0,
    loaded_mm: INIT_MM, tag: 0, is_lazy: false,
    ctxs: Array.from({ length: slots }, (_, a) => ({ ctx_id: a === 0 ? initCtx : 0, tlb_gen: 0 })),
    next_asid: slots ? 1 : 0,
    asid_of: {}, asid_next: 1, asid_gen: 0, active_asids: 0, reserved_asids: 0, user_asce: INIT_MM, tlb: tlbEmpty(), ipi_queue: [], stack: [], op: 'none', until: '',
    needs_core_sync: false, serialized_since_curr_store: false, curr_stores: 0, mid_switch: false, rcu_cbs: [],
    full_mb: 0, mb_stores: 0, unordered_entry: null,
  };
}

export function newMm(s: SimState, name: string): MmId {
  const id = s.mms.length;
  const m: Mm = {
    id, name, mm_users: 1, mm_count: 1, state: 'live', pgd: NONE, pte: radixEmpty(), pt: radixEmpty(),
    cpumask: s.cpus.map(() => false), ctx_id: s.next_ctx_id++, tlb_gen: 0, context_id: 0, active_cpus: 0, copros: 0, flush_mm: false,
    membarrier_state: 0, tlb_flush_pending: 0, notifiers: [], users_ref: true, extra_pins: 0, mmdropped: false,
    unflushed: radixEmpty(), sec_unflushed: radixEmpty(), unhooked: [],
  };
  s.mms.push(m);
  if (id !== INIT_MM) m.pgd = newPage(s, `pgd:${name}`, 'pt', `pgd of ${name}`);
  return id;
}

export function newTask(s: SimState, name: string, kthread: boolean, mm: MmId): TaskId {
  const id = s.tasks.length;
  s.tasks.push({ id, name, kthread, idle_of: NONE, mm, active_mm: mm, state: 'runnable', cpu: NONE });
  return id;
}

function newPage(s: SimState, name: string, kind: 'data' | 'pt', owner: string, region = -1): number {
  const id = s.pages.length;
  s.pages.push({ id, name, kind, refcount: 1, freed: false, reused: 0, owner, region, may_walk: [], rmap: [], freed_by: '' });
  return id;
}

/**
 * Build the initial state. Names must already be validated (scenario/load.ts); this only assembles. Mappings are
 * installed as page tables directly (a program's image is mapped before anything in the scenario happens).
 */
export function makeState(arch: Arch, init: ArchInit, config: Config, ncpus: number, tasks: InitialTask[], mms: InitialMm[], devices: InitialDevice[]): SimState {
  const s: SimState = {
    arch, config, cpus: [], tasks: [], mms: [], pages: [], free_list: [], devices: [],
    next_ctx_id: 1, next_ipi_id: 1, asid_alloc: null, ipis_inflight: {},
    counters: { ipis: 0, flushes: 0, cr3Writes: 0, coreSyncs: 0, redundantCoreSyncs: 0, mmCountAtomics: 0 },
  };
  newMm(s, 'init_mm');
  for (let c = 0; c < ncpus; c++) {
    const idle = newTask(s, `swapper/${c}`, true, NONE);
    const t = s.tasks[idle];
    t.idle_of = c;
    t.active_mm = INIT_MM;
    t.state = 'running';
    t.cpu = c;
    s.cpus.push(makeCpu(init.asidSlots, c, idle, s.mms[INIT_MM].ctx_id));
  }
  s.mms[INIT_MM].cpumask = s.cpus.map(() => false);
  // Static init plus one lazy reference per CPU's idle task (sched_init / start_secondary grab init_mm for it).
  s.mms[INIT_MM].mm_count = 1 + ncpus;
  const mmIds = new Map<string, MmId>();
  const pageIds = new Map<string, number>();
  for (const im of mms) {
    const id = newMm(s, im.name);
    mmIds.set(im.name, id);
    const m = s.mms[id];
    const pt = new RadixEdit(m.pt);
    const pte = new RadixEdit(m.pte);
    for (const { vpn, page, write } of im.mappings) {
      const region = regionOf(vpn);
      if (pt.get(region) === undefined) pt.set(region, newPage(s, `pt:${im.name}/${region}`, 'pt', `page table of ${im.name} @${hex(region * 512)}`, region));
      let p = pageIds.get(page);
      if (p === undefined) {
        p = newPage(s, page, 'data', `${im.name} @${hex(vpn)}`);
        pageIds.set(page, p);
      } else s.pages[p].refcount++;
      const was = pte.get(vpn);
      if (was) rmapRemove(s.pages[was.page], id, vpn);
      pte.set(vpn, { page: p, write });
      rmapAdd(s.pages[p], id, vpn);
    }
    m.pt = pt.root;
    m.pte = pte.root;
  }
  for (const it of tasks) {
    const mm = it.mm !== undefined ? mmIds.get(it.mm)! : NONE;
    newTask(s, it.name, it.kthread, mm);
  }
  for (const m of s.mms) {
    if (m.id === INIT_MM) continue;
    m.mm_users = s.tasks.filter((t) => t.mm === m.id).length;
  }
  for (const d of devices) {
    const id = s.devices.length;
    const mm = mmIds.get(d.mm)!;
    s.devices.push({ id, name: d.name, kind: d.kind, mm, tlb: tlbEmpty(), inflight: [], released: false });
    s.mms[mm].notifiers.push(id);
    // powerpc: a device walking the CPU page tables is a nest-MMU coprocessor (mm_context_add_copro): flushes go global.
    // mm_context_add_copro: the first one also raises active_cpus, so that no flush is ever local-only.
    if (init.sharedDeviceIsCopro && d.kind === 'shared' && s.mms[mm].copros++ === 0) s.mms[mm].active_cpus++;
  }
  return s;
}
