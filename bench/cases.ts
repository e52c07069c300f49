/**
 * `node bench/run.mjs --cases`: the cases of issue 8 that showed a model cost growing with the size of the mm or a TLB,
 * timed as they are (no budget; a reading that grows with the mm is the thing to look for):
 *   fresh maps     10,000 `map` steps, each to a fresh address (dense: consecutive pages; sparse: one 2 MiB region each)
 *   big mm         an mm with 4,096 mappings, then `map` + `munmap` pairs of one more page: ms per step
 *   big TLB        a CPU whose TLB caches 20,000 entries (an mm of 20,000 mappings, each accessed), then `access` (a TLB
 *                  fill) + `munmap` (a ranged invalidation and the at-free check) pairs of other pages: ms per step
 *   big IOTLB      the same with a device (shared page tables) caching the 20,000 entries: `device_access` (an IOTLB
 *                  fill) + `munmap` (the device's ranged invalidation and the at-free check) pairs: ms per step
 *   reclaim        300 mms of 64 mappings, 2,000 reclaims of pages mapped in one mm each (the rmap walk): ms per step
 */
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { ScenarioFile, StepFile } from '../src-sim/scenario/schema.ts';

const hex = (n: number) => '0x' + n.toString(16);

function file(mappings: number, steps: StepFile[]): ScenarioFile {
  return {
    format: 'lazytlb/1', id: 'cases', title: 'cases',
    machine: { arch: 'x86', cpus: 2 },
    mms: [{ name: 'M', mappings: Array.from({ length: mappings }, (_, i) => ({ va: hex(0x10000000 + i * 0x1000), page: `p${i}`, write: true })) }],
    tasks: [{ name: 'T', mm: 'M' }],
    steps: [{ cpu: 0, do: 'switch', to: 'T' }, ...steps],
  };
}

/** Time of a run of f after a warm-up run: the best of `runs` (several where the timed steps are few beside the setup). */
function time(f: ScenarioFile, runs = 1): { ms: number; steps: number; microsteps: number } {
  new Timeline(f, null); // warm-up
  let ms = Infinity;
  let t!: Timeline;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    t = new Timeline(f, null);
    ms = Math.min(ms, performance.now() - t0);
  }
  if (t.internalError || t.steps.some((s) => s.error)) throw new Error(t.internalError ?? t.steps.find((s) => s.error)!.error);
  return { ms, steps: t.steps.length, microsteps: t.microstepCount };
}

const N = Number(process.env.CASES_MAPS ?? 10_000);
const dense = time(file(0, Array.from({ length: N }, (_, i) => ({ cpu: 0, do: 'map', va: hex(0x40000000 + i * 0x1000) }))));
const sparse = time(file(0, Array.from({ length: N }, (_, i) => ({ cpu: 0, do: 'map', va: hex(0x40000000 + i * 0x200000) }))));
const PAIRS = Number(process.env.CASES_PAIRS ?? 1000);
const pairs: StepFile[] = [];
for (let i = 0; i < PAIRS; i++) {
  const va = hex(0x10000000 + 4096 * 0x1000 + (i % 64) * 0x1000);
  pairs.push({ cpu: 0, do: 'map', va }, { cpu: 0, do: 'munmap', va, pages: 1 });
}
const big = time(file(4096, pairs));
const base = time(file(4096, []));
const TLB = Number(process.env.CASES_TLB ?? 20_000);
const cached = Array.from({ length: TLB }, (_, i): StepFile => ({ cpu: 0, do: 'access', va: hex(0x10000000 + i * 0x1000) }));
const tlbPairs: StepFile[] = [];
for (let i = 0; i < PAIRS; i++) {
  const va = hex(0x10000000 + (TLB + i) * 0x1000);
  tlbPairs.push({ cpu: 0, do: 'access', va }, { cpu: 0, do: 'munmap', va, pages: 1 });
}
const tlbFile = (steps: StepFile[]) => ({ ...file(TLB + PAIRS, []), steps: [{ cpu: 0, do: 'switch' as const, to: 'T' }, ...cached, ...steps] });
const bigTlb = time(tlbFile(tlbPairs));
const bigTlbBase = time(tlbFile([]));
const devCached = Array.from({ length: TLB }, (_, i): StepFile => ({ device: 'D', do: 'device_access', va: hex(0x10000000 + i * 0x1000) }));
const iotlbPairs: StepFile[] = [];
for (let i = 0; i < PAIRS; i++) {
  const va = hex(0x10000000 + (TLB + i) * 0x1000);
  iotlbPairs.push({ device: 'D', do: 'device_access', va }, { cpu: 0, do: 'munmap', va, pages: 1 });
}
const iotlbFile = (steps: StepFile[]): ScenarioFile => ({
  ...file(TLB + PAIRS, []),
  devices: [{ name: 'D', kind: 'shared', mm: 'M' }],
  steps: [{ cpu: 0, do: 'switch', to: 'T' }, ...devCached, ...steps],
});
const bigIotlb = time(iotlbFile(iotlbPairs), 3);
const bigIotlbBase = time(iotlbFile([]), 3);
const MMS = 300;
const reclaimFile = (n: number): ScenarioFile => ({
  format: 'lazytlb/1', id: 'cases', title: 'cases',
  machine: { arch: 'x86', cpus: 2 },
  mms: Array.from({ length: MMS }, (_, m) => ({ name: `M${m}`, mappings: Array.from({ length: 64 }, (_, i) => ({ va: hex(0x10000000 + i * 0x1000), page: `M${m}p${i}`, write: true })) })),
  tasks: [{ name: 'T', mm: 'M0' }],
  steps: [{ cpu: 0, do: 'switch', to: 'T' }, ...Array.from({ length: n }, (_, i): StepFile => ({ cpu: 0, do: 'reclaim', page: `M${i % MMS}p${Math.floor(i / MMS) % 64}` }))],
});
const RECLAIMS = Math.min(PAIRS * 2, MMS * 64);
const reclaim = time(reclaimFile(RECLAIMS));
const reclaimBase = time(reclaimFile(0));
const result = {
  freshMapsDense: { maps: N, ms: Math.round(dense.ms), msPerMap: +(dense.ms / N).toFixed(4) },
  freshMapsSparse: { maps: N, ms: Math.round(sparse.ms), msPerMap: +(sparse.ms / N).toFixed(4) },
  bigMmMapMunmap: { mappings: 4096, steps: 2 * PAIRS, msPerStep: +((big.ms - base.ms) / (2 * PAIRS)).toFixed(4) },
  bigTlbAccessMunmap: { tlbEntries: TLB, steps: 2 * PAIRS, msPerStep: +((bigTlb.ms - bigTlbBase.ms) / (2 * PAIRS)).toFixed(4) },
  bigIotlbDeviceAccessMunmap: { iotlbEntries: TLB, steps: 2 * PAIRS, msPerStep: +((bigIotlb.ms - bigIotlbBase.ms) / (2 * PAIRS)).toFixed(4) },
  reclaimAmongManyMms: { mms: MMS, ptes: MMS * 64, steps: RECLAIMS, msPerStep: +((reclaim.ms - reclaimBase.ms) / RECLAIMS).toFixed(4) },
};
console.log(JSON.stringify(result));
