/** The presets, validated once like any user file, and looked up by id. */
import type { PresetInfo } from '../protocol/summary.ts';
import { variantInfos, validateScenario } from './load.ts';
import { PRESET_FILES } from './presets/index.ts';
import type { ScenarioFile } from './schema.ts';

/** Each preset validated on first use (a CLI run of one preset validates only that one). */
const validated: Array<ScenarioFile | undefined> = [];
const presetAt = (i: number): ScenarioFile => (validated[i] ??= validateScenario(PRESET_FILES[i]));

export function presets(): ScenarioFile[] {
  return PRESET_FILES.map((_, i) => presetAt(i));
}

export function presetById(id: string): ScenarioFile | undefined {
  const i = PRESET_FILES.findIndex((raw) => (raw as { id?: unknown }).id === id);
  return i < 0 ? undefined : presetAt(i);
}

export function presetInfos(): PresetInfo[] {
  return presets().map((p) => ({ id: p.id, title: p.title, summary: p.summary ?? '', ...(p.basics ? { basics: p.basics } : {}), arch: p.machine.arch, variants: variantInfos(p) }));
}
