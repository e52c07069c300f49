import { ARCHES } from '../arch/index.ts';
import type { Arch } from '../model/types.ts';

/**
 * Whether an arch's kernel prints `tlb_flush` (its policy says it emits the x86-only events, ArchPolicy.traceEvidence):
 * only such a run has eras a trace can tell apart and predictions a trace can check.
 */
export function printsTlbFlush(arch: Arch): boolean {
  return ARCHES[arch].traceEvidence === 'x86-only';
}
