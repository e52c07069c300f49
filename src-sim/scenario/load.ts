/**
 * Loading a scenario: JSON text -> validated file -> resolved variant. Every error names the JSON path and what was
 * expected, e.g. `steps[3].cpu: CPU 4 does not exist (machine has 2)`, on one line: text from the input is quoted,
 * escaped and cut (quote.ts). Nothing from the input is ever executed, and no name from the input is looked up as
 * an object key without an own-property check (a variant may be called `constructor`).
 */
import { labelNames, shownName } from '../engine/fn.ts';
import { EraNames, TODAY } from '../engine/era.ts';
import { releaseBefore } from '../engine/generic_names.ts';
import { ARCHES } from '../arch/index.ts';
import { DEFAULT_CONFIG } from '../model/make.ts';
import type { Arch, Config } from '../model/types.ts';
import type { VariantInfo } from '../protocol/summary.ts';
import { scenarioSchema, type ScenarioFile, type StepFile } from './schema.ts';
import { vpnOf } from '../ops/def.ts';
import { opDef } from '../ops/index.ts';
import { INVARIANTS, idMatches } from '../invariants/catalog.ts';
import { JsonTextError, checkJsonText, lineColumn, segmentsOf } from './json.ts';
import { oneLine, pathOf, quote, shown } from './quote.ts';

export class ScenarioError extends Error {
  /** `at`: where in the text the problem is (UTF-16 offset), when the JSON scanner knows; -1 otherwise. */
  constructor(public readonly path: string, what: string, public readonly at = -1) {
    super(oneLine(path ? `${path}: ${what}` : what));
    this.name = 'ScenarioError';
  }
}

/** Largest scenario text accepted, in characters (UTF-16 units; about the bytes of an ASCII file). */
export const MAX_SCENARIO_CHARS = 256 * 2 ** 20;

export function parseScenarioText(text: string): ScenarioFile {
  if (typeof text !== 'string') throw new ScenarioError('(root)', `expected the scenario as text, got ${shown(text)}`);
  if (text.length > MAX_SCENARIO_CHARS) throw new ScenarioError('(root)', `the scenario is too large (${mib(text.length)} MiB; at most ${mib(MAX_SCENARIO_CHARS)} MiB)`);
  // A UTF-8 byte-order mark, as some editors write it.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (bom) text = text.slice(1);
  try {
    checkJsonText(text);
  } catch (e) {
    if (e instanceof JsonTextError) throw new ScenarioError(e.path, e.message, e.at >= 0 ? e.at + bom : -1);
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // checkJsonText accepts exactly what JSON.parse does; the engine's own message quotes raw input, so not shown.
    throw new ScenarioError('(root)', `not valid JSON (${(e as Error).name})`);
  }
  return validateScenario(raw);
}

/**
 * Where a scenario error is in the text, as line and column (from 1): the scanner's offset for a JSON error, else the
 * start of the deepest value on the error's path that the text has. For an editor; the message says the rest.
 */
export function locateScenarioError(text: string, err: ScenarioError): { line: number; column: number } {
  let at = err.at;
  if (at < 0) {
    const segments = segmentsOf(err.path);
    try {
      at = segments ? checkJsonText(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text, segments) : -1;
    } catch {
      at = -1;
    }
  }
  return lineColumn(text, Math.max(0, at));
}

/** Most variants (and `expect` entries) a file may name. */
export const MAX_VARIANTS = 256;

export const mib = (n: number): string => (n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateScenario(raw: unknown): ScenarioFile {
  // Keyed by names: a `__proto__` key would be dropped by any object built from it (JSON.parse keeps it as an own
  // property, but the validated copy would not), so refuse it rather than run something else.
  if (isRecord(raw)) {
    for (const field of ['variants', 'expect'] as const) {
      const rec = raw[field];
      if (!isRecord(rec)) continue;
      if (Object.hasOwn(rec, '__proto__')) throw new ScenarioError(`${field}.__proto__`, '"__proto__" cannot be used as a variant name');
      const n = Object.keys(rec).length;
      if (n > MAX_VARIANTS) throw new ScenarioError(field, `${n} variants; at most ${MAX_VARIANTS}`);
    }
  }
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ScenarioError(pathOf(issue.path), describeIssue(issue, raw));
  }
  const f = r.data;
  checkNames(f);
  return f;
}

function describeIssue(issue: { message: string; code: string; path: ReadonlyArray<PropertyKey>; keys?: string[]; discriminator?: string; options?: unknown[] }, raw: unknown): string {
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'invalid_union' && issue.discriminator === 'do' && issue.options) {
    const got = valueAt(raw, issue.path);
    return `${got === undefined ? 'missing' : `unknown operation ${typeof got === 'string' ? quote(got, 30) : shown(got)}`}; "do" is one of ${issue.options.join(', ')}`;
  }
  if (last === 'va') return issue.code === 'invalid_union' ? 'expected an address: a hex string such as "0x400000", or a number' : issue.message;
  if (issue.code === 'invalid_union') return `${issue.message} (check "do" and the operation's arguments)`;
  // zod lists every unknown key, raw: name the first one, quoted.
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const more = issue.keys.length - 1;
    return `Unrecognized key: ${quote(issue.keys[0])}${more ? ` (and ${more} more)` : ''}`;
  }
  if (issue.code === 'invalid_key') return 'invalid name (1-64 characters from A-Z a-z 0-9 _ . / : + -)';
  return issue.message;
}

/** The input's value at a zod issue's path, own properties only. */
function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || typeof k === 'symbol' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

export { vpnOf };

/** Static checks: names unique and defined, CPUs in range, labels known, variants and expectations consistent. */
function checkNames(f: ScenarioFile): void {
  const ncpu = f.machine.cpus;
  const mms = new Set<string>();
  f.mms.forEach((m, i) => {
    if (m.name === 'init_mm') throw new ScenarioError(`mms[${i}].name`, 'init_mm is built in');
    if (mms.has(m.name)) throw new ScenarioError(`mms[${i}].name`, `mm ${m.name} is defined twice`);
    mms.add(m.name);
  });
  const tasks = new Set<string>();
  f.tasks.forEach((t, i) => {
    if (tasks.has(t.name)) throw new ScenarioError(`tasks[${i}].name`, `task ${t.name} is defined twice`);
    if (/^swapper\//.test(t.name) || t.name === 'idle') throw new ScenarioError(`tasks[${i}].name`, `${t.name} is reserved for the idle tasks`);
    tasks.add(t.name);
    if (t.kthread && t.mm) throw new ScenarioError(`tasks[${i}].mm`, 'a kernel thread has no mm (it borrows one with use_mm)');
    if (!t.kthread && !t.mm) throw new ScenarioError(`tasks[${i}].mm`, `user task ${t.name} needs an mm`);
    if (t.mm && !mms.has(t.mm)) throw new ScenarioError(`tasks[${i}].mm`, `mm ${t.mm} is not defined (mms: ${listOf([...mms]) || 'none'})`);
  });
  f.mms.forEach((m, i) => {
    if (!f.tasks.some((t) => t.mm === m.name)) throw new ScenarioError(`mms[${i}]`, `mm ${m.name} has no task using it`);
    const seen = new Set<number>();
    (m.mappings ?? []).forEach((mp, j) => {
      const v = vpnOf(mp.va);
      if (seen.has(v)) throw new ScenarioError(`mms[${i}].mappings[${j}].va`, `${mp.va} is mapped twice`);
      seen.add(v);
    });
  });
  const pages = new Set<string>();
  for (const m of f.mms) for (const mp of m.mappings ?? []) pages.add(mp.page);
  const devices = new Set<string>();
  (f.devices ?? []).forEach((d, i) => {
    if (devices.has(d.name)) throw new ScenarioError(`devices[${i}].name`, `device ${d.name} is defined twice`);
    devices.add(d.name);
    if (!mms.has(d.mm)) throw new ScenarioError(`devices[${i}].mm`, `mm ${d.mm} is not defined`);
  });
  // Names a step may create: clone makes tasks, exec makes mms, map may name a new page.
  const allSteps: Array<[string, StepFile]> = [
    ...(f.setup ?? []).map((s, i): [string, StepFile] => [`setup[${i}]`, s]),
    ...f.steps.map((s, i): [string, StepFile] => [`steps[${i}]`, s]),
  ];
  const names = { tasks, mms, pages, devices, cpus: ncpu };
  for (const [, s] of allSteps) opDef(s.do).creates?.(s, names);
  checkExplicit(f);
  const variantList = Object.keys(f.variants ?? {});
  for (const [path, s] of allSteps) {
    (s.only ?? []).forEach((v, i) => {
      if (!(variantList.length ? variantList.includes(v) : v === 'default')) throw new ScenarioError(`${path}.only[${i}]`, `no variant named ${v} (variants: ${listOf(variantList) || 'default'})`);
    });
    for (const v of Object.keys(s.notes ?? {})) {
      if (!(variantList.length ? variantList.includes(v) : v === 'default')) throw new ScenarioError(`${path}.notes.${v}`, `no variant named ${v} (variants: ${listOf(variantList) || 'default'})`);
    }
    const def = opDef(s.do);
    if (def.hardware && s.until !== undefined) {
      throw new ScenarioError(`${path}.until`, `${s.do} is a single hardware micro-step; it cannot pause`);
    }
    if (def.hardware?.actor === 'device') {
      if (s.device === undefined) throw new ScenarioError(`${path}.device`, `${s.do} needs "device"`);
      if (!devices.has(s.device)) throw new ScenarioError(`${path}.device`, `device ${s.device} is not defined`);
      if (s.cpu !== undefined) throw new ScenarioError(`${path}.cpu`, 'a device access runs on the device, not on a CPU');
    } else {
      if (s.device !== undefined) throw new ScenarioError(`${path}.device`, `only device_access runs on a device`);
      if (s.cpu === undefined) throw new ScenarioError(`${path}.cpu`, 'which CPU runs this step? (a number from 0)');
      if (s.cpu >= ncpu) throw new ScenarioError(`${path}.cpu`, `CPU ${s.cpu} does not exist (machine has ${ncpu})`);
    }
    const runsIn = s.only ?? (variantList.length ? variantList : ['default']);
    if (s.until !== undefined) checkLabel(f, runsIn, `${path}.until`, s.until);
    if (s.do === 'step' && s.at !== undefined) checkLabel(f, runsIn, `${path}.at`, s.at);
    const bad = def.check?.(s, names);
    if (bad) throw new ScenarioError(`${path}.${bad[0]}`, bad[1]);
  }
  const variants = Object.keys(f.variants ?? {});
  for (const v of variants) checkConfig(f, v);
  checkConfig(f, null);
  for (const [v, exp] of Object.entries(f.expect ?? {})) {
    if (variants.length ? !variants.includes(v) : v !== 'default') throw new ScenarioError(`expect.${v}`, `no variant named ${v} (variants: ${listOf(variants) || 'default'})`);
    exp.forEach((e, i) => {
      const id = typeof e === 'string' ? e : e.id;
      // I13 names the group I13a..I13d; I9a names nothing.
      if (!Object.keys(INVARIANTS).some((known) => idMatches(id, known))) {
        throw new ScenarioError(`expect.${v}[${i}]`, `${id} is not an invariant id (I1 .. I16, see docs/scenario-format.md §17)`);
      }
      if (typeof e === 'object' && e.step !== undefined && e.step >= f.steps.length) throw new ScenarioError(`expect.${v}[${i}].step`, `step ${e.step} does not exist (${f.steps.length} steps)`);
    });
  }
}

/**
 * What lazytlb/2 adds (docs/scenario-format.md §19): `schedule`, `race` and the moves `step` and `irq` need that format;
 * the moves belong to an explicit schedule's `steps` only (setup runs by the default chooser); an explicit schedule
 * has nothing to pause or continue; `race` names two steps of the schedule, in their order.
 */
function checkExplicit(f: ScenarioFile): void {
  const v2 = f.format === 'lazytlb/2';
  const explicit = f.schedule === 'explicit';
  if (!v2 && f.schedule !== undefined) throw new ScenarioError('schedule', '"schedule" needs "format": "lazytlb/2"');
  if (!v2 && f.race !== undefined) throw new ScenarioError('race', '"race" needs "format": "lazytlb/2"');
  (f.setup ?? []).forEach((s, i) => {
    if (opDef(s.do).choice) throw new ScenarioError(`setup[${i}].do`, `${s.do} is a move of an explicit schedule; setup runs by the default chooser`);
  });
  f.steps.forEach((s, i) => {
    const path = `steps[${i}]`;
    if (opDef(s.do).choice) {
      if (!v2) throw new ScenarioError(`${path}.do`, `${s.do} needs "format": "lazytlb/2" and "schedule": "explicit"`);
      if (!explicit) throw new ScenarioError(`${path}.do`, `${s.do} is a move of an explicit schedule; set "schedule": "explicit"`);
    }
    if (explicit && s.do === 'continue') throw new ScenarioError(`${path}.do`, 'an explicit schedule never pauses: nothing to continue (use "step")');
    if (explicit && s.until !== undefined) throw new ScenarioError(`${path}.until`, 'an explicit schedule never runs ahead: no "until" (each micro-step is a "step")');
  });
  if (f.race) {
    const { first, second } = f.race;
    if (second >= f.steps.length) throw new ScenarioError('race.second', `step ${second} does not exist (${f.steps.length} steps)`);
    if (first >= second) throw new ScenarioError('race.first', `the first racing step (${first}) must come before the second (${second})`);
  }
}

/** Kconfig: MMU_LAZY_TLB_REFCOUNT depends on !MMU_LAZY_TLB_SHOOTDOWN; the knob did not exist in the v4 era. */
function checkConfig(f: ScenarioFile, variant: string | null): void {
  const { arch, config } = resolveVariant(f, variant);
  const path = variant ? `variants.${variant}.config` : 'machine.config';
  if (config.lazy_tlb_shootdown && config.lazy_tlb_refcount) throw new ScenarioError(path, 'lazy_tlb_shootdown requires lazy_tlb_refcount: false (MMU_LAZY_TLB_REFCOUNT depends on !MMU_LAZY_TLB_SHOOTDOWN)');
  if (config.context_switch_era === 'v4' && !config.lazy_tlb_refcount) throw new ScenarioError(path, 'context_switch_era "v4" always refcounts lazy users; lazy_tlb_refcount must be true');
  // The old use_mm ends with mmdrop(old active_mm): it assumes lazy references are counted. The two never coexisted
  // (use_mm became kthread_use_mm in 5.8; the refcount opt-out came with 6.4, which also made kthread_use_mm use
  // mmdrop_lazy_tlb).
  if (config.use_mm === 'use_mm' && !config.lazy_tlb_refcount) throw new ScenarioError(path, 'use_mm "use_mm" (<= 5.7) drops the old active_mm with mmdrop and needs lazy_tlb_refcount: true');
  const archError = ARCHES[arch].configError?.(config, f.machine.cpus);
  if (archError) throw new ScenarioError(path, archError);
}

export interface ResolvedVariant {
  name: string;
  arch: Arch;
  config: Config;
}

export function variantNames(f: ScenarioFile): string[] {
  const v = Object.keys(f.variants ?? {});
  return v.length ? v : ['default'];
}

export function resolveVariant(f: ScenarioFile, variant: string | null): ResolvedVariant {
  const names = variantNames(f);
  const name = variant ?? names[0];
  if (typeof name !== 'string' || !names.includes(name)) throw new ScenarioError('variant', `no variant named ${shown(name)} (variants: ${listOf(names)})`);
  const v = variantOf(f, name);
  const arch = v?.arch ?? f.machine.arch;
  const config: Config = { ...DEFAULT_CONFIG, i8_mode: ARCHES[arch].defaultI8Mode, ...f.machine.config, ...v?.config };
  return { name, arch, config };
}

export function variantInfos(f: ScenarioFile): VariantInfo[] {
  return variantNames(f).map((name) => {
    const v = variantOf(f, name);
    const exp = expectOf(f, name);
    return { name, label: v?.label ?? name, explanation: v?.explanation ?? '', expect: exp.map((e) => (typeof e === 'string' ? e : e.id)) };
  });
}

/** A variant's definition, by name: own properties only (a variant may be called `constructor`). */
export function variantOf(f: ScenarioFile, name: string): NonNullable<ScenarioFile['variants']>[string] | undefined {
  return f.variants && Object.hasOwn(f.variants, name) ? f.variants[name] : undefined;
}

/** A step's narration in a variant: its `notes` entry for that variant (own properties only), else its `note`. */
export function noteOf(s: StepFile, variant: string): string | undefined {
  return s.notes && Object.hasOwn(s.notes, variant) ? s.notes[variant] : s.note;
}

/** A variant's `expect` list, by name (empty if none): own properties only. */
export function expectOf(f: ScenarioFile, name: string): NonNullable<ScenarioFile['expect']>[string] {
  return f.expect && Object.hasOwn(f.expect, name) ? f.expect[name] : [];
}

/** Names in a message: the first few, then how many more. */
function listOf(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * A label named by `until` or `at`: a registered name, or a name the era of every variant the step runs in shows
 * (engine/era.ts: `flush_tlb_others` in the 4.14 x86 era). The error suggests the era's own names.
 */
function checkLabel(f: ScenarioFile, variants: string[], path: string, name: string): void {
  if (knownLabels().has(name)) return;
  for (const v of variants) {
    const { arch, config } = resolveVariant(f, v);
    const era = EraNames.of(ARCHES[arch], config);
    const shown = era.shownLabels();
    if (shown.has(name)) continue;
    // Only an older era's names are suggested: today's few (steps of older code, generic_names.ts GENERIC_LATER) would
    // be noise in the message for a misspelt label.
    if (!shown.size || !releaseBefore(era.era.version, TODAY.version)) throw new ScenarioError(path, `no micro-step is called ${quote(name)} (see docs/scenario-format.md)`);
    const bare = [...shown].filter((n) => !n.includes('.'));
    throw new ScenarioError(path, `no micro-step is called ${quote(name)} in variant ${v} (its era, ${era.era.version}, also names ${listOf(bare)}; see docs/scenario-format.md §11)`);
  }
}

/** Every `label` and `fn.label` (fn as shown) of the registered kernel functions, as `until` may name them. */
let labelSet: Set<string> | null = null;
let labelSetSize = -1;
function knownLabels(): Set<string> {
  if (!labelSet || labelSetSize !== labelNames.length) {
    labelSet = new Set();
    for (const l of labelNames) {
      labelSet.add(l.label);
      labelSet.add(`${shownName(l.fn)}.${l.label}`);
    }
    labelSetSize = labelNames.length;
  }
  return labelSet;
}
