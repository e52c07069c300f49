/**
 * The exploration state: everything that decides what a run does and reports from a point on, in one value that can be
 * cloned (a branch of the search) and hashed (states reached by different interleavings are explored once).
 *
 * It is the SimState plus what lives beside it: the checker's standing violations (a violation is reported when it
 * starts, not while it stands) and its mms awaiting the I2 recount at the next quiescent point, the engine's mms of
 * the operations in flight and the objects written since the last check (see Kernel.fork). The checker's other parts
 * (the reference recount, the active_mm and ctx_id indexes) are derived from the state and are copied, not hashed.
 *
 * The canonical key (`canonicalKey`) leaves out what does not change the future: the counters (a CPU's `full_mb` count
 * of barriers included; I12c reads `mb_stores`, which is kept), a CPU's `asid_gen` (display only), the generated names
 * of page frames (`pfn12`, `pt:M/3`) and the ghost `owner` strings (display only), the IPI ids (renumbered in the order
 * they are met in the state), the next IPI id, and whether an operation in flight is marked `blocked` or `running` (a
 * mark of the default chooser having tried it). Names a later step can refer to (tasks, mms, named pages) are kept.
 */
import { enabled, step, type Choice, type HardwareOffers } from '../engine/choice.ts';
import { Kernel, type Finding, type Recorder } from '../engine/kernel.ts';
import { ARCHES } from '../arch/index.ts';
import { Checker } from '../invariants/index.ts';
import { cloneState, shareState } from '../model/clone.ts';
import { tlbList, type Tlb } from '../model/tlb.ts';
import type { SimState } from '../model/types.ts';
import { initialState } from '../scenario/initial.ts';
import type { ResolvedVariant } from '../scenario/load.ts';
import type { ScenarioFile } from '../scenario/schema.ts';
import '../kernel/all.ts';

/** A finding, with the label that raised it. */
export interface Found extends Finding {
  label: number;
}

/** Keeps the findings of one transition (the explorer reads and clears them); micro-steps are not recorded. */
export class Findings implements Recorder {
  violations: Found[] = [];
  warnings: Found[] = [];
  microstep(): void {}
  violation(f: Finding, label: number): void {
    this.violations.push({ ...f, label });
  }
  warning(f: Finding, label: number): void {
    this.warnings.push({ ...f, label });
  }
}

export class ExploreState {
  constructor(
    readonly k: Kernel,
    readonly checker: Checker,
    readonly rec: Findings,
  ) {}

  /** The initial state of a scenario variant (its setup not run). */
  static initial(file: ScenarioFile, v: ResolvedVariant): ExploreState {
    const checker = new Checker();
    const rec = new Findings();
    return new ExploreState(new Kernel(initialState(file, v), ARCHES[v.arch], rec, checker), checker, rec);
  }

  get s(): SimState {
    return this.k.s;
  }

  /**
   * An independent copy: stepping one never changes the other. Findings start empty. The two share their CPU, task,
   * mm, page and device objects, each copied by the one that writes it first (copy-on-write, Kernel.shareObjects):
   * a move writes few of them.
   */
  clone(): ExploreState {
    const checker = this.checker.clone();
    const rec = new Findings();
    this.k.shareObjects();
    const k = this.k.fork(shareState(this.k.s), rec, checker);
    k.shareObjects();
    return new ExploreState(k, checker, rec);
  }

  /**
   * A copy that shares nothing: every CPU, task, mm, page and device copied (model/clone.ts cloneState), so the kernel
   * writes in place as a timeline run does. Slower to make than `clone`, the same to step (tests/explore_cow.test.ts);
   * explore's `timeMoves` steps on it so that the moves are timed without the copies copy-on-write makes.
   */
  copy(): ExploreState {
    const checker = this.checker.clone();
    const rec = new Findings();
    return new ExploreState(this.k.fork(cloneState(this.k.s), rec, checker), checker, rec);
  }

  enabled(offers?: HardwareOffers): Choice[] {
    return enabled(this.k, offers);
  }

  step(ch: Choice): void {
    step(this.k, ch);
  }
}

/**
 * Frame names the kernel generates (`pfn12`, `pt:M/3`, `pgd:M`): a frame keeps its first name when it is reused, so
 * the name tells its history, not its use; no step can name such a frame. Left out.
 */
const GENERATED = /^(pfn\d+|pt:.*|pgd:.*)$/;

/**
 * The canonical text of an exploration state (see the header comment). Two states with the same key behave the same
 * from here on, whatever interleaving reached them.
 */
export function canonicalKey(x: ExploreState): string {
  const s = x.k.s;
  const ipi = new Map<number, number>();
  const ipiOf = (id: number): number => {
    let n = ipi.get(id);
    if (n === undefined) ipi.set(id, (n = ipi.size));
    return n;
  };
  const out: string[] = [];
  for (const c of s.cpus) {
    // The fields of a CPU in their order, with the ones handled apart replaced
    // full_mb is a count (I12c reads mb_stores); asid_gen only shows where the loaded ASID came from: nothing reads it
    const { id: _id, ipi_queue, stack, op, tlb, full_mb: _fullMb, asid_gen: _asidGen, ...rest } = c;
    out.push('C', JSON.stringify(rest), op === 'blocked' ? 'running' : op, tlbKey(tlb));
    for (const f of stack) {
      out.push('F', f.fn, f.pc, f.ret, f.irq ? '!' : '', localsKey(f.l, ipiOf));
    }
    for (const q of ipi_queue) out.push('Q', String(ipiOf(q.id)), q.kind, String(q.from), localsKey(q.args, ipiOf));
  }
  const inflight = Object.keys(s.ipis_inflight).map(Number);
  inflight.sort((a, b) => ipiOf(a) - ipiOf(b));
  for (const id of inflight) out.push('I', String(ipiOf(id)), s.ipis_inflight[id].join(','));
  for (const t of s.tasks) {
    const { id: _id, ...rest } = t;
    out.push('T', JSON.stringify(rest));
  }
  for (const m of s.mms) {
    const { id: _id, ...rest } = m;
    out.push('M', JSON.stringify(rest));
  }
  for (const p of s.pages) {
    const { id: _id, name, owner: _owner, freed_by: _freedBy, rmap, ...rest } = p;
    out.push('P', GENERATED.test(name) ? '' : name, JSON.stringify(rest), rmapKey(rmap));
  }
  out.push('L', s.free_list.join(','));
  for (const d of s.devices) {
    const { id: _id, tlb, ...rest } = d;
    out.push('D', JSON.stringify(rest), tlbKey(tlb));
  }
  out.push('X', String(s.next_ctx_id));
  // arm64's ASID allocator (bounded ASID space): generation, taken ASIDs, cur_idx and tlb_flush_pending decide the future
  if (s.asid_alloc) out.push('A', JSON.stringify(s.asid_alloc));
  const { standing, i2Due } = x.checker.futureKey(x.k);
  out.push('S', standing.join(','), 'I2', i2Due.join(','));
  const k = x.k;
  out.push('W', sortedIds(k.dirtyCpus.ids, k.dirtyCpus.n), sortedIds(k.dirtyTasks.ids, k.dirtyTasks.n), sortedIds(k.dirtyMms.ids, k.dirtyMms.n), k.deviceTouched ? '1' : '0');
  return out.join('\u0001');
}

/**
 * A TLB's (or a device IOTLB's) entries, without their fill numbers and in a canonical order: no lookup depends on the
 * order or on when an entry was filled (one entry per tag and address), and the indexed form holds its entries in maps
 * a JSON text drops.
 */
function tlbKey(t: Tlb): string {
  return tlbList(t)
    .map((e) => JSON.stringify(e))
    .sort()
    .join('|');
}

/** A page's reverse map as a sorted list of (mm, va): the order it was built in tells history, not use. */
function rmapKey(rmap: number[]): string {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < rmap.length; i += 2) pairs.push(`${rmap[i]}:${rmap[i + 1]}`);
  return pairs.sort().join(',');
}

function sortedIds(ids: number[], n: number): string {
  return ids.slice(0, n).sort((a, b) => a - b).join(',');
}

/** Frame locals or IPI arguments, keys sorted, the IPI id renumbered. */
function localsKey(l: Record<string, unknown>, ipiOf: (id: number) => number): string {
  const keys = Object.keys(l).sort();
  let out = '';
  for (const key of keys) out += key + '=' + (key === 'ipi' ? String(ipiOf(l[key] as number)) : JSON.stringify(l[key])) + ';';
  return out;
}

/**
 * A 64-bit hash of the canonical key, as 16 hex digits (two independent 32-bit FNV-1a variants). Used to deduplicate
 * states; the key itself is what two states are compared by in tests.
 */
export function stateHash(x: ExploreState): string {
  return hash64(canonicalKey(x));
}

export function hash64(key: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 0x01000193);
    h2 = Math.imul(h2 ^ ch, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
