/**
 * How the UI names things: steps, actors, invariants, counters. Pure functions over the worker's summary data, so
 * every component says the same thing the same way (and the way the CLI says it: `setup 0`, `step 2`).
 */
import type { Counters, StepInfo, ViolationInfo } from '../src-sim/protocol/index.ts';

/** `setup 1` or `step 2`: the step's number within its own list, as the CLI, `expect` and error paths call it. */
export function stepName(step: Pick<StepInfo, 'setup' | 'number'>): string {
  return `${step.setup ? 'setup' : 'step'} ${step.number}`;
}

/** The DOM id of a step's row, for links from the violations panel. */
export function stepAnchor(index: number): string {
  return `step-${index}`;
}

/** `cpu1` -> `CPU1` (as the model's messages write it); devices keep their scenario name. */
export function actorName(actor: string): string {
  const cpu = /^cpu(\d+)$/.exec(actor);
  return cpu ? `CPU${cpu[1]}` : actor;
}

export function actorList(actors: string[]): string {
  return actors.map(actorName).join(', ');
}

/** The one-line title of an invariant (docs/kernel-semantics.md §4), or '' for an id the catalog does not know. */
export function invariantTitle(id: string, titles: Record<string, string>): string {
  return titles[id] ?? '';
}

export function idsOrNone(ids: string[]): string {
  return ids.length === 0 ? 'no violation' : ids.join(', ');
}

/** `fn › label`, the kernel function and the micro-step inside it. */
export function whereIn(finding: Pick<ViolationInfo, 'fn' | 'label'>): string {
  return finding.label ? `${finding.fn} › ${finding.label}` : finding.fn;
}

/** A message-id as lore.kernel.org resolves it (`/r/` redirects to the message in whichever list archived it). */
export function loreUrl(messageId: string): string {
  const id = encodeURIComponent(messageId.replace(/^<|>$/g, '')).replace(/%40/g, '@').replace(/%2B/g, '+');
  return `https://lore.kernel.org/r/${id}`;
}

export function isWebUrl(url: string | undefined): url is string {
  return url !== undefined && /^https?:\/\//.test(url);
}

/** The counters, in the order and with the names the UI shows; `core syncs` carries its redundant part. */
export const COUNTER_ROWS: ReadonlyArray<{
  key: Exclude<keyof Counters, 'redundantCoreSyncs'>;
  label: string;
  detail?: string;
  /** Singular and plural, for the per-step line. */
  unit: [string, string];
}> = [
  { key: 'ipis', label: 'IPIs', unit: ['IPI', 'IPIs'] },
  { key: 'flushes', label: 'TLB flushes', detail: 'per-CPU invalidations', unit: ['TLB flush', 'TLB flushes'] },
  {
    key: 'cr3Writes',
    label: 'MMU context loads',
    detail: 'CR3/TTBR/PID writes',
    unit: ['MMU context load', 'MMU context loads'],
  },
  { key: 'coreSyncs', label: 'core syncs', detail: 'redundant', unit: ['core sync', 'core syncs'] },
  { key: 'mmCountAtomics', label: 'mm_count atomics', unit: ['mm_count atomic', 'mm_count atomics'] },
];

/** `1 IPI · 2 TLB flushes · 1 core sync (1 redundant)`: the non-zero counters of one step; '' when all are zero. */
export function counterLine(c: Counters | undefined): string {
  if (!c) return '';
  const parts: string[] = [];
  for (const row of COUNTER_ROWS) {
    const n = c[row.key];
    if (n === 0) continue;
    let part = `${n} ${row.unit[n === 1 ? 0 : 1]}`;
    if (row.key === 'coreSyncs' && c.redundantCoreSyncs > 0) part += ` (${c.redundantCoreSyncs} redundant)`;
    parts.push(part);
  }
  return parts.join(' · ');
}

const EVENT_KIND: Record<string, string> = {
  WARN: 'kernel WARN',
  fault: 'page fault',
  mmget_not_zero: 'mmget_not_zero failed',
  until: '`until` not reached',
};

/** The kind of a kernel event the model recorded that is not an invariant violation (a WARN, a fault...). */
export function eventKind(id: string): string {
  return EVENT_KIND[id] ?? id;
}

/** A virtual page number as the scenario writes addresses (4 KiB pages): 0x400 -> `0x400000`. */
export function vaText(vpn: number): string {
  return `0x${(vpn * 4096).toString(16)}`;
}

/** `CPU 1` or the device's name. */
export function actorLabel(a: { kind: 'cpu' | 'device'; n: number }, devices: ReadonlyArray<{ name: string }>): string {
  return a.kind === 'cpu' ? `CPU ${a.n}` : `device ${devices[a.n]?.name ?? a.n}`;
}
