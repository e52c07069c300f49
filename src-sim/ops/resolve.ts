/**
 * A scenario step's operation with its names (tasks, mms, pages) resolved to ids in the current state, as it is about to
 * start. A `map` to a page name that does not exist yet creates that page.
 */
import type { Kernel } from '../engine/kernel.ts';
import { vpnOf } from '../scenario/load.ts';
import type { StepFile } from '../scenario/schema.ts';
import { refuse, startOf, type Op } from './index.ts';

/**
 * Start a kernel step's operation on CPU c (or continue the paused one), without running it: the caller runs it (the
 * default chooser, Kernel.pump, or an explorer). Returns why the step is refused, or null.
 */
export function beginStep(k: Kernel, c: number, file: StepFile): string | null {
  const op = resolveOp(k, file);
  if (typeof op === 'string') return op;
  const why = refuse(k, c, op);
  if (why) return why;
  if (op.do === 'continue') {
    if (file.until && k.atLabel(k.s.cpus[c], file.until)) return `CPU${c} is already paused at ${file.until}; continue without "until", or until a later micro-step`;
    k.continueOp(c, file.until ?? '');
  } else {
    const st = startOf(k, c, op);
    k.startOp(c, st.fn, st.args, file.until ?? '');
  }
  return null;
}

/** Resolve the names in a step to ids in the current state; a string is the reason it cannot be. */
export function resolveOp(k: Kernel, f: StepFile): Op | string {
  const s = k.s;
  const names = k.names;
  const task = (n: string) => names.task(s.tasks, n);
  const mm = (n: string) => names.mm(s.mms, n);
  const page = (n: string) => names.page(s.pages, n);
  switch (f.do) {
    case 'switch': {
      if (f.to === 'idle') return { do: 'switch', to: 'idle' };
      const t = task(f.to);
      return t < 0 ? `task ${f.to} does not exist (yet)` : { do: 'switch', to: t };
    }
    case 'access':
      return { do: 'access', va: vpnOf(f.va), write: !!f.write };
    case 'map': {
      let p: number | null = null;
      if (f.page) {
        p = page(f.page);
        if (p < 0) p = newNamedPage(k, f.page);
      }
      return { do: 'map', va: vpnOf(f.va), page: p, write: f.write ?? true };
    }
    case 'munmap':
      return { do: 'munmap', va: vpnOf(f.va), pages: f.pages ?? 1, free_tables: !!f.free_tables };
    case 'cow':
      return { do: 'cow', va: vpnOf(f.va) };
    case 'reclaim': {
      const p = page(f.page);
      return p < 0 ? `page ${f.page} does not exist (yet)` : { do: 'reclaim', page: p };
    }
    case 'clone':
      return { do: 'clone', name: f.name };
    case 'exit':
      return { do: 'exit' };
    case 'exec':
      return { do: 'exec', mm: f.mm };
    case 'mmget':
    case 'mmget_not_zero':
    case 'mmput':
    case 'mmgrab':
    case 'mmdrop':
    case 'use_mm': {
      const m = mm(f.mm);
      return m < 0 ? `mm ${f.mm} does not exist (yet)` : ({ do: f.do, mm: m } as Op);
    }
    case 'unuse_mm':
      return { do: 'unuse_mm' };
    case 'membarrier_register':
    case 'membarrier':
      return { do: f.do, sync_core: !!f.sync_core };
    case 'continue':
      return { do: 'continue' };
    case 'device_access':
    case 'speculate':
      return `${f.do} is not a kernel operation`; // handled before resolution (runStep)
  }
}

/** A page named by a `map` step that does not exist yet: a fresh frame with that name. */
function newNamedPage(k: Kernel, name: string): number {
  const s = k.s;
  const id = s.pages.length;
  s.pages.push({ id, name, kind: 'data', refcount: 0, freed: false, reused: 0, owner: '', region: -1, may_walk: [] });
  k.page(id);
  return id;
}
