/**
 * Fuzzing the loader and the CLI with hostile variations of every preset and shipped example (issue 8: no crash, no
 * hang, one-line errors). Seeded, so a failure replays: the report names the seed and the case; FUZZ_SEED and
 * FUZZ_CASES widen a local run (e.g. FUZZ_CASES=2000).
 *
 * Each case mutates a real file: values replaced (prototype names, control characters, very long strings, odd
 * numbers, wrong types), keys added or renamed (`__proto__`, `constructor`, `toString`, control characters, a
 * megabyte of text), array items duplicated or dropped, variant and expect names swapped for prototype members, and
 * at the text level a duplicated key, a BOM, a cut, a stray character. Then either the loader returns a scenario,
 * every variant of which runs (`new Timeline`, its summary and its report) without throwing anything but
 * ScenarioError, or it throws a ScenarioError whose message is one line (no control characters) of at most 300
 * characters. A sample goes through the CLI too: exit 0 with nothing on stderr, or exit 2 with one line and no stack.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError, parseScenarioText, variantNames } from '../src-sim/scenario/load.ts';
import { runReport } from '../src-sim/timeline/report.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { rng } from '../src-sim/scenario/random.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 8);
const CASES = Number(process.env.FUZZ_CASES ?? 420);
const CLI_SAMPLE = 20;

const bases = [
  ...readdirSync('src-sim/scenario/presets').filter((n) => n.endsWith('.json')).map((n) => `src-sim/scenario/presets/${n}`),
  ...readdirSync('public/examples').filter((n) => n.endsWith('.json')).map((n) => `public/examples/${n}`),
].map((path) => ({ path, text: readFileSync(path, 'utf8') }));

const PROTO = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__', 'prototype'];
const NASTY = ['', ' ', 'a\nb', '\r\n', '\u0000', '\u001b[31mred\u001b[0m', '\u001b]0;title\u0007', '\u009b2J', 'x\u2028y\u2029', '\u202eevil', '\ud800', '😀', '"\\', 'x'.repeat(300), 'y'.repeat(70_000)];
const LABELS = ['context_switch.switch_to', 'switch_mm_irqs_off', 'context_switch.toString', '__schedule.constructor', 'munmap.__proto__', 'flush_tlb_func.hasOwnProperty'];
const NUMBERS = [0, -0, 1, -1, 1.5, 2, 63, 64, 65, 1023, 2 ** 20, 2 ** 31, 2 ** 52, 2 ** 53 + 2, 1e308, -1e308, 5e-324];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Sets o[k] as an own, enumerable data property, also for `__proto__` (JSON.stringify then writes the key). */
function put(o: Record<string, Json>, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Every container in the tree with its path. */
function containers(v: Json, out: Json[] = []): Json[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) containers(x, out);
  }
  return out;
}

function strings(v: Json, out: Set<string> = new Set()): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (v !== null && typeof v === 'object') for (const x of Array.isArray(v) ? v : Object.values(v)) strings(x, out);
  return out;
}

function mutateCase(base: string, r: () => number): { text: string; what: string[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const root = JSON.parse(base) as Json;
  const known = [...strings(root)].filter((s) => s.length < 40);
  const what: string[] = [];
  const randomString = (): string => {
    const y = r();
    if (y < 0.3) return pick(PROTO);
    if (y < 0.55) return pick(NASTY);
    if (y < 0.65) return pick(LABELS);
    if (y < 0.9) return pick(known);
    return pick(known) + pick(NASTY).slice(0, 3);
  };
  const randomValue = (depth = 0): Json => {
    const y = r();
    if (y < 0.35) return randomString();
    if (y < 0.6) return pick(NUMBERS);
    if (y < 0.68) return pick([true, false, null]);
    if (y < 0.8 || depth > 1) return depth > 2 ? null : [randomValue(depth + 1), randomValue(depth + 1)].slice(0, Math.floor(r() * 3));
    const o: Record<string, Json> = {};
    put(o, pick([...PROTO, ...NASTY.slice(0, 8), 'label', 'cpu', 'do']), randomValue(depth + 1));
    return o;
  };
  const obj = (v: Json | undefined): Record<string, Json> | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
  const top = obj(root)!;
  const stepsOf = (): Array<Record<string, Json>> => [...((top.setup as Json[]) ?? []), ...((top.steps as Json[]) ?? [])].map(obj).filter((x) => x !== null);
  // Mild mutations keep the file valid (mostly): prototype-named variants, nasty free text, steps moved around.
  const mild = 1 + Math.floor(r() * 3);
  for (let m = 0; m < mild; m++) {
    const y = r();
    const variants = obj(top.variants);
    const steps = stepsOf();
    if (y < 0.35 && variants && Object.keys(variants).length) {
      const from = pick(Object.keys(variants));
      const to = pick(PROTO.slice(1));
      if (Object.hasOwn(variants, to)) continue;
      const rename = (o: Record<string, Json> | null) => {
        if (!o || !Object.hasOwn(o, from)) return;
        const v = o[from];
        delete o[from];
        put(o, to, v);
      };
      rename(variants);
      rename(obj(top.expect));
      for (const st of steps) if (Array.isArray(st.only)) st.only = st.only.map((x) => (x === from ? to : x));
      what.push(`variant ${from} renamed ${to}`);
    } else if (y < 0.55 && steps.length) {
      const st = pick(steps);
      st.note = pick(NASTY).slice(0, 2000);
      what.push('nasty note');
    } else if (y < 0.65 && variants && Object.keys(variants).length) {
      const v = obj(variants[pick(Object.keys(variants))]);
      if (v) v.label = pick(NASTY).slice(0, 120);
      what.push('nasty label');
    } else if (y < 0.7) {
      top.title = pick(NASTY).slice(0, 200) || 't';
      what.push('nasty title');
    } else if (y < 0.8 && Array.isArray(top.steps) && top.steps.length) {
      const i = Math.floor(r() * top.steps.length);
      top.steps.splice(i, 0, JSON.parse(JSON.stringify(top.steps[i])) as Json);
      what.push(`step ${i} twice`);
    } else if (y < 0.9 && Array.isArray(top.steps) && top.steps.length > 1) {
      const i = Math.floor(r() * top.steps.length);
      top.steps.splice(i, 1);
      what.push(`step ${i} dropped`);
    } else if (steps.length) {
      const st = pick(steps);
      st.until = pick(LABELS.slice(0, 2));
      what.push(`until ${st.until}`);
    }
  }
  if (r() < 0.45) return { text: JSON.stringify(root, null, 2), what };

  let dupKey: string | null = null;
  const n = 1 + Math.floor(r() * 3);
  for (let m = 0; m < n; m++) {
    const all = containers(root);
    const c = pick(all);
    const y = r();
    if (Array.isArray(c)) {
      if (!c.length || y < 0.25) {
        c.push(randomValue());
        what.push('array: push');
      } else if (y < 0.5) {
        const i = Math.floor(r() * c.length);
        c.splice(i, 0, JSON.parse(JSON.stringify(c[i])) as Json);
        what.push('array: duplicate an item');
      } else if (y < 0.65) {
        c.splice(Math.floor(r() * c.length), 1);
        what.push('array: drop an item');
      } else {
        const i = Math.floor(r() * c.length);
        c[i] = randomValue();
        what.push(`array: [${i}] = ${JSON.stringify(c[i])?.slice(0, 40)}`);
      }
      continue;
    }
    const o = c as Record<string, Json>;
    const keys = Object.keys(o);
    if (!keys.length || y < 0.25) {
      const k = y < 0.12 ? pick(PROTO) : randomString();
      put(o, k, randomValue());
      what.push(`add key ${JSON.stringify(k.slice(0, 40))}`);
    } else if (y < 0.45) {
      // Rename a key (variant and expect names above all) to a prototype member or a nasty string.
      const k = pick(keys);
      const to = r() < 0.7 ? pick(PROTO) : pick(NASTY);
      const v = o[k];
      delete o[k];
      put(o, to, v);
      what.push(`rename key ${JSON.stringify(k)} -> ${JSON.stringify(to.slice(0, 40))}`);
    } else if (y < 0.55) {
      const k = pick(keys);
      delete o[k];
      what.push(`delete key ${JSON.stringify(k)}`);
    } else if (y < 0.6 && dupKey === null) {
      // Marks a key to be duplicated in the text (JSON.stringify cannot write a key twice).
      const k = pick(keys);
      put(o, '\u0000dup', o[k]);
      dupKey = k;
      what.push(`duplicate key ${JSON.stringify(k)}`);
    } else {
      const k = pick(keys);
      const v = typeof o[k] === 'string' && r() < 0.5 ? randomString() : randomValue();
      put(o, k, v);
      what.push(`set ${JSON.stringify(k)} = ${JSON.stringify(v)?.slice(0, 40)}`);
    }
  }
  // Where a rename hit variants or expect: make the other follow sometimes, so a prototype-named variant is also valid.
  if (root && typeof root === 'object' && !Array.isArray(root) && r() < 0.5) {
    const v = root.variants;
    const e = root.expect;
    if (v && e && typeof v === 'object' && typeof e === 'object' && !Array.isArray(v) && !Array.isArray(e)) {
      const name = pick(PROTO.slice(1));
      const vk = Object.keys(v);
      if (vk.length) {
        const from = pick(vk);
        const def = (v as Record<string, Json>)[from];
        delete (v as Record<string, Json>)[from];
        put(v as Record<string, Json>, name, def);
        if (Object.hasOwn(e, from)) {
          const ex = (e as Record<string, Json>)[from];
          delete (e as Record<string, Json>)[from];
          put(e as Record<string, Json>, name, ex);
        }
        what.push(`variant ${from} renamed ${name}`);
      }
    }
  }
  let text = JSON.stringify(root, null, r() < 0.5 ? 2 : undefined);
  if (dupKey !== null) text = text.replace('"\\u0000dup":', `${JSON.stringify(dupKey)}:`);
  const t = r();
  if (t < 0.05) {
    text = `\ufeff${text}`;
    what.push('BOM');
  } else if (t < 0.1) {
    const at = Math.floor(r() * text.length);
    text = text.slice(0, at);
    what.push(`cut at ${at}`);
  } else if (t < 0.15) {
    const at = Math.floor(r() * text.length);
    const ch = pick(['\u0000', '\n', '\u001b', '"', '{', ']', ',', '\\', '\ud800', '\u2028', '\ufeff']);
    text = text.slice(0, at) + ch + text.slice(at);
    what.push(`insert ${JSON.stringify(ch)} at ${at}`);
  }
  return { text, what };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why the case is wrong, or null. */
function checkError(e: unknown): string | null {
  if (!(e instanceof ScenarioError)) return `threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`;
  if (CONTROL.test(e.message)) return `message has a control character: ${JSON.stringify(e.message.slice(0, 200))}`;
  if (e.message.length > 300) return `message of ${e.message.length} characters`;
  if (CONTROL.test(e.path) || e.path.length > 160) return `bad path ${JSON.stringify(e.path.slice(0, 200))}`;
  return null;
}

function checkCase(text: string): { ok: boolean; problem: string | null } {
  let file;
  try {
    file = parseScenarioText(text);
  } catch (e) {
    return { ok: false, problem: checkError(e) };
  }
  for (const v of variantNames(file)) {
    try {
      const t = new Timeline(file, v);
      if (t.internalError) return { ok: true, problem: `--variant ${v}: ${t.internalError}` };
      t.summary();
      runReport(t);
    } catch (e) {
      const p = checkError(e);
      if (p) return { ok: true, problem: `--variant ${JSON.stringify(v)}: ${p}` };
    }
  }
  return { ok: true, problem: null };
}

const cases = Array.from({ length: CASES }, (_, i) => {
  const base = bases[i % bases.length];
  const r = rng(SEED * 1_000_003 + i);
  return { i, base: base.path, ...mutateCase(base.text, r) };
});

const tmp = mkdtempSync(join(tmpdir(), 'lazytlb-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe(`fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it('the loader accepts a scenario that runs, or refuses it with one short line', () => {
    const problems: string[] = [];
    let accepted = 0;
    for (const c of cases) {
      const { ok, problem } = checkCase(c.text);
      if (ok) accepted++;
      if (problem) problems.push(`case ${c.i} (${c.base}: ${c.what.join('; ')}): ${problem}`);
    }
    if (process.env.FUZZ_VERBOSE) console.log(`${accepted} of ${CASES} accepted`);
    expect(problems).toEqual([]);
    // The mutations must not all be refused: some must reach the runs.
    expect(accepted).toBeGreaterThan(CASES / 10);
  });

  it('the CLI exits 0, or 2 with one line on stderr', async () => {
    const step = Math.max(1, Math.floor(cases.length / CLI_SAMPLE));
    const sample = cases.filter((_, i) => i % step === 0).slice(0, CLI_SAMPLE);
    const runOne = (c: (typeof cases)[number]) =>
      new Promise<string | null>((resolve) => {
        const file = join(tmp, `case-${c.i}.json`);
        writeFileSync(file, c.text);
        const p = spawn(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'run', file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
        p.on('close', (code, signal) => {
          clearTimeout(timer);
          const where = `case ${c.i} (${c.base}: ${c.what.join('; ')})`;
          if (signal) resolve(`${where}: killed by ${signal}`);
          else if (code === 0) resolve(err === '' ? null : `${where}: exit 0 with stderr ${JSON.stringify(err.slice(0, 200))}`);
          else if (code !== 2) resolve(`${where}: exit ${code}: ${err.slice(0, 400)}`);
          else if (!/^lazytlb: [^\n]*\n$/.test(err) || CONTROL.test(err.slice(0, -1)) || /\n\s+at /.test(err)) resolve(`${where}: stderr ${JSON.stringify(err.slice(0, 300))}`);
          else resolve(null);
        });
      });
    // Two or three at a time: bounded on a 2-core machine.
    const problems: string[] = [];
    for (let i = 0; i < sample.length; i += 3) {
      for (const p of await Promise.all(sample.slice(i, i + 3).map(runOne))) if (p) problems.push(p);
    }
    expect(problems).toEqual([]);
  });
});
