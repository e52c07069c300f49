import type { PresetInfo } from '../../src-sim/protocol/index.ts';

/** One <option> per preset, by title (the scenario picker, the editor's "start from"). */
export function PresetOptions({ presets }: { presets: PresetInfo[] }) {
  return (
    <>
      {presets.map((p) => (
        <option key={p.id} value={p.id}>
          {p.title}
        </option>
      ))}
    </>
  );
}
