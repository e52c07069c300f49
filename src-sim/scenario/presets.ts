/** The presets, validated once like any user file, and looked up by id. */
import type { PresetInfo } from '../protocol/summary.ts';
import { variantInfos, validateScenario } from './load.ts';
import { PRESET_FILES } from './presets/index.ts';
import type { ScenarioFile } from './schema.ts';

let cache: ScenarioFile[] | null = null;

export function presets(): ScenarioFile[] {
  cache ??= PRESET_FILES.map((raw) => validateScenario(raw));
  return cache;
}

export function presetById(id: string): ScenarioFile | undefined {
  return presets().find((p) => p.id === id);
}

export function presetInfos(): PresetInfo[] {
  return presets().map((p) => ({ id: p.id, title: p.title, summary: p.summary ?? '', ...(p.basics ? { basics: p.basics } : {}), arch: p.machine.arch, variants: variantInfos(p) }));
}
