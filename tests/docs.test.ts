/**
 * docs/scenario-format.md §16 lists every kernel function and its micro-steps: it must say exactly what the code
 * registers, or a user writing `until` is misled.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { labelNames } from '../src-sim/engine/fn.ts';
import '../src-sim/kernel/all.ts';
import '../src-sim/arch/index.ts';

it('the function reference in docs/scenario-format.md matches the registered kernel functions', () => {
  const doc = readFileSync('docs/scenario-format.md', 'utf8');
  const section = doc.slice(doc.indexOf('## 16.'), doc.indexOf('## 17.'));
  const documented = new Map<string, { src: string; labels: string[] }>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)`[^|]*\| ([^|]+) \| (.+) \|$/.exec(line);
    if (!m) continue;
    documented.set(m[1], { src: m[2].trim(), labels: [...m[3].matchAll(/`([^`]+)`/g)].map((x) => x[1]) });
  }
  const registered = new Map<string, { src: string; labels: string[] }>();
  for (const l of labelNames) {
    const e = registered.get(l.fn) ?? { src: l.src, labels: [] };
    e.labels.push(l.label);
    registered.set(l.fn, e);
  }
  expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
});
