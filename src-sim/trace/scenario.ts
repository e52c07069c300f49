/**
 * The reconstruction as a `lazytlb/1` scenario (docs/scenario-format.md): the tasks that exist when the window starts
 * (and the processes forked while their parent is not current in the scenario, which can only be declared up front),
 * their mms, a setup that puts each CPU's first task on it (after a prelude for CPUs the trace shows lazy on a user mm
 * at its start), and the switches, clones, forks, execs, exits and flushes as steps.
 */
import type { Arch } from '../model/types.ts';
import type { ScenarioFile } from '../scenario/schema.ts';
import { find, type MmNode } from './identity.ts';
import { IMAGE_VA, type Reconstruction } from './reconstruct.ts';

export interface ScenarioMeta {
  id: string;
  title: string;
  arch: Arch;
  cpus: number;
  summary: string;
}

export function writeScenario(r: Reconstruction, meta: ScenarioMeta): ScenarioFile {
  const mms = new Map<MmNode, string>();
  const tasks: ScenarioFile['tasks'] = [];
  for (const t of r.tasks) {
    if (!t.declared) continue;
    if (t.kthread || !t.initialMm) {
      tasks.push({ name: t.name, kthread: true });
      continue;
    }
    let root = find(t.initialMm);
    // An mm the scenario makes with an exec or fork step cannot be declared: rss_stat merged a start task into it.
    if (root.origin === 'exec' || root.byStep) root = { ...root, parent: null, name: `${t.name}-mm` };
    if (!mms.has(root)) mms.set(root, root.name);
    tasks.push({ name: t.name, mm: mms.get(root) });
  }
  return {
    format: 'lazytlb/1',
    id: meta.id,
    title: meta.title,
    summary: meta.summary,
    machine: { arch: meta.arch, cpus: meta.cpus, kernel: 'from a trace' },
    // One mapped page per mm (its program image): page tables for exit_mmap to free, as every real mm has.
    mms: [...mms.values()].map((name) => ({ name, mappings: [{ va: IMAGE_VA, page: `${name}.image` }] })),
    tasks,
    setup: r.setup.map((s) => ({ ...s })),
    steps: r.steps.map((s) => ({ ...s })),
  } as ScenarioFile;
}

/** A scenario id from a file name: lower case, digits and dashes. */
export function scenarioId(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `trace-${base || 'import'}`.slice(0, 80).replace(/-+$/, '');
}

/**
 * The scenario as JSON text in pieces (a window may hold 2,000,000 steps: no single giant string): the top level and
 * the lists of objects one entry per line, as the hand-written examples are laid out.
 */
export function* scenarioPieces(f: ScenarioFile): Generator<string> {
  const entries = Object.entries(f).filter(([, v]) => v !== undefined);
  yield '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i];
    const end = i < entries.length - 1 ? ',\n' : '\n';
    if (Array.isArray(v) && v.length) {
      yield `  ${JSON.stringify(k)}: [\n`;
      let chunk = '';
      for (let j = 0; j < v.length; j++) {
        chunk += `    ${JSON.stringify(v[j])}${j < v.length - 1 ? ',' : ''}\n`;
        if (chunk.length > 1 << 16) yield chunk, (chunk = '');
      }
      yield `${chunk}  ]${end}`;
    } else yield `  ${JSON.stringify(k)}: ${JSON.stringify(v)}${end}`;
  }
  yield '}\n';
}
