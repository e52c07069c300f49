/**
 * The operations a scenario step can ask for: what each needs from the current state (checked when the step runs,
 * so that an impossible request gets a clear error instead of a wrong state), and the kernel function it starts.
 * The documentation of every operation, its arguments and micro-steps is docs/scenario-format.md.
 */
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, NONE, type CpuId, type MmId, type PageId, type TaskId } from '../model/types.ts';
import { rhas } from '../model/radix.ts';
import { PRIVATE_EXPEDITED_READY, PRIVATE_EXPEDITED_SYNC_CORE_READY } from '../kernel/membarrier.ts';

/** A step's operation with its arguments resolved to ids (scenario/load.ts). */
export type Op =
  | { do: 'switch'; to: TaskId | 'idle' }
  | { do: 'access'; va: number; write: boolean }
  | { do: 'map'; va: number; page: PageId | null; write: boolean }
  | { do: 'munmap'; va: number; pages: number; free_tables: boolean }
  | { do: 'cow'; va: number }
  | { do: 'reclaim'; page: PageId }
  | { do: 'clone'; name: string }
  | { do: 'exit' }
  | { do: 'exec'; mm: string }
  | { do: 'mmget' | 'mmget_not_zero' | 'mmput' | 'mmgrab' | 'mmdrop'; mm: MmId }
  | { do: 'use_mm'; mm: MmId }
  | { do: 'unuse_mm' }
  | { do: 'membarrier_register'; sync_core: boolean }
  | { do: 'membarrier'; sync_core: boolean }
  | { do: 'continue' };

export interface Start {
  fn: string;
  args: Record<string, unknown>;
}

function noMm(cur: { mm: MmId; name: string }, c: CpuId): string | null {
  return cur.mm === NONE ? `${cur.name} on CPU${c} has no mm (a kernel thread not in use_mm)` : null;
}

/** Why the operation cannot run on CPU c now, or null. */
export function refuse(k: Kernel, c: CpuId, op: Op): string | null {
  const s = k.s;
  const cpu = s.cpus[c];
  const cur = s.tasks[cpu.curr];
  if (op.do === 'continue') {
    if (cpu.stack.length === 0 || cpu.op === 'none') return `CPU${c} has no operation in flight to continue`;
    if (cpu.op === 'blocked') return `CPU${c}'s operation is blocked waiting for an IPI to complete; continue the CPU that holds it`;
    return null;
  }
  if (cpu.stack.length) {
    const f = cpu.stack[cpu.stack.length - 1];
    const where = `${f.fn.split('@')[0]}.${f.pc}`;
    if (cpu.op === 'blocked') return `CPU${c} is blocked at ${where}, waiting for an IPI to complete; continue the CPU that holds it`;
    return `CPU${c} has an operation in flight (paused at ${where}); use "continue" first`;
  }
  if (cur.state === 'dead' && op.do !== 'switch') return `${cur.name} on CPU${c} has exited; only "switch" can run there`;
  const userMm = (): string | null => noMm(cur, c);
  switch (op.do) {
    case 'switch': {
      if (op.to === 'idle') return null;
      const t = s.tasks[op.to];
      if (t.state === 'dead') return `${t.name} has exited`;
      if (t.idle_of >= 0 && t.idle_of !== c) return `${t.name} is CPU${t.idle_of}'s idle task`;
      if (t.state === 'running' && t.cpu !== c) return `${t.name} is running on CPU${t.cpu}`;
      return null;
    }
    case 'access':
      // Nothing mapped is not refused: the kernel's answer is a fault, which the step shows.
      return userMm();
    case 'map': {
      if (op.page !== null && s.pages[op.page].freed) return `page ${s.pages[op.page].name} is free`;
      const e = userMm();
      if (e) return e;
      // A fault on a present PTE does not replace it: unmap first, or break COW with "cow".
      if (rhas(s.mms[cur.mm].pte, op.va)) return `${hexVa(op.va)} is already mapped in ${s.mms[cur.mm].name} (munmap it first, or use "cow")`;
      return null;
    }
    case 'munmap':
      return userMm();
    case 'cow': {
      const e = userMm();
      if (e) return e;
      if (!rhas(s.mms[cur.mm].pte, op.va)) return `nothing is mapped at ${hexVa(op.va)} in ${s.mms[cur.mm].name}`;
      return null;
    }
    case 'reclaim':
      if (s.pages[op.page].freed) return `page ${s.pages[op.page].name} is free`;
      if (s.pages[op.page].kind !== 'data') return `page ${s.pages[op.page].name} is a page-table page`;
      return null;
    case 'clone':
      if (cur.kthread) return `${cur.name} is a kernel thread; clone a user task`;
      if (k.names.task(s.tasks, op.name) >= 0) return `a task named ${op.name} already exists`;
      return userMm();
    case 'exit':
      if (cur.kthread || cur.idle_of >= 0) return `${cur.name} is a kernel thread; exit is modelled for user tasks`;
      return userMm();
    case 'exec':
      if (cur.idle_of >= 0) return `${cur.name} is an idle task`;
      if (k.names.mm(s.mms, op.mm) >= 0) return `an mm named ${op.mm} already exists`;
      if (cur.kthread && cur.mm !== NONE) return `${cur.name} is inside use_mm`;
      return null;
    case 'mmget':
    case 'mmput':
    case 'mmgrab':
    case 'mmdrop':
    case 'mmget_not_zero':
      if (op.mm === INIT_MM) return 'init_mm is not refcounted by scenarios';
      if (s.mms[op.mm].state === 'freed') return `${s.mms[op.mm].name} has been freed`;
      if (op.do === 'mmdrop' && s.mms[op.mm].extra_pins === 0) return `no mmgrab pin of the scenario is held on ${s.mms[op.mm].name}`;
      return null;
    case 'use_mm':
      if (!cur.kthread || cur.idle_of >= 0) return `use_mm runs in a kernel thread; ${cur.name} is ${cur.idle_of >= 0 ? 'an idle task' : 'a user task'}`;
      if (cur.mm !== NONE) return `${cur.name} is already inside use_mm(${s.mms[cur.mm].name})`;
      if (s.mms[op.mm].state === 'freed') return `${s.mms[op.mm].name} has been freed`;
      return null;
    case 'unuse_mm':
      if (!cur.kthread || cur.mm === NONE) return `${cur.name} on CPU${c} is not inside use_mm`;
      return null;
    case 'membarrier_register':
      if (cur.kthread) return `${cur.name} is a kernel thread`;
      return userMm();
    case 'membarrier': {
      const e = userMm();
      if (e || cur.kthread) return e ?? `${cur.name} is a kernel thread`;
      const need = op.sync_core ? PRIVATE_EXPEDITED_SYNC_CORE_READY : PRIVATE_EXPEDITED_READY;
      if (!(s.mms[cur.mm].membarrier_state & need)) return `${s.mms[cur.mm].name} is not registered for this membarrier command (EPERM)`;
      return null;
    }
  }
}

/** The kernel function an operation starts, with its arguments. */
export function startOf(k: Kernel, c: CpuId, op: Op): Start {
  const cur = k.s.tasks[k.s.cpus[c].curr];
  switch (op.do) {
    case 'switch':
      return { fn: '__schedule', args: { next: op.to === 'idle' ? idleOf(k, c) : op.to } };
    case 'access':
      return { fn: 'user_access', args: { va: op.va, write: op.write } };
    case 'map':
      return { fn: 'handle_mm_fault', args: { va: op.va, page: op.page ?? NONE, write: op.write } };
    case 'munmap':
      return { fn: 'munmap', args: { start: op.va, pages: op.pages, free_tables: op.free_tables } };
    case 'cow':
      return { fn: 'wp_page_copy', args: { va: op.va } };
    case 'reclaim':
      return { fn: 'try_to_unmap', args: { page: op.page } };
    case 'clone':
      return { fn: 'copy_process', args: { name: op.name } };
    case 'exit':
      return { fn: 'do_exit', args: {} };
    case 'exec':
      return { fn: 'exec_mmap', args: { name: op.mm } };
    case 'mmget':
      return { fn: 'mmget', args: { mm: op.mm } };
    case 'mmget_not_zero':
      return { fn: 'mmget_not_zero', args: { mm: op.mm } };
    case 'mmput':
      return { fn: 'mmput', args: { mm: op.mm } };
    case 'mmgrab':
      return { fn: 'mmgrab', args: { mm: op.mm } };
    case 'mmdrop':
      k.mm(op.mm).extra_pins--; // ghost: the scenario's own pin goes
      return { fn: 'mmdrop', args: { mm: op.mm } };
    case 'use_mm':
      return { fn: k.s.config.use_mm, args: { mm: op.mm } };
    case 'unuse_mm':
      return { fn: k.s.config.use_mm === 'use_mm' ? 'unuse_mm' : 'kthread_unuse_mm', args: { mm: cur.mm } };
    case 'membarrier_register':
      return { fn: 'membarrier_register', args: { sync_core: op.sync_core } };
    case 'membarrier':
      return { fn: 'membarrier', args: { sync_core: op.sync_core } };
    case 'continue':
      throw new Error('continue has no start');
  }
}

function idleOf(k: Kernel, c: CpuId): TaskId {
  // makeState creates CPU c's idle task as task c; the scan is only a fallback.
  return k.s.tasks[c]?.idle_of === c ? c : k.s.tasks.findIndex((t) => t.idle_of === c);
}

export function hexVa(vpn: number): string {
  return '0x' + (vpn * 4096).toString(16);
}

/** The mm of a resolved op argument, for messages. */
export type { MmId };
