/** The initial state of a scenario variant (before its setup): the run's and the explorer's. */
import { ARCHES } from '../arch/index.ts';
import { makeState } from '../model/make.ts';
import type { SimState } from '../model/types.ts';
import { vpnOf, type ResolvedVariant } from './load.ts';
import type { ScenarioFile } from './schema.ts';

export function initialState(file: ScenarioFile, v: ResolvedVariant): SimState {
  const s = makeState(
    v.arch,
    ARCHES[v.arch],
    v.config,
    file.machine.cpus,
    file.tasks.map((t) => ({ name: t.name, kthread: !!t.kthread, mm: t.mm })),
    file.mms.map((m) => ({ name: m.name, mappings: (m.mappings ?? []).map((mp) => ({ vpn: vpnOf(mp.va), page: mp.page, write: mp.write ?? true })) })),
    file.devices ?? [],
  );
  ARCHES[v.arch].initState?.(s);
  return s;
}
