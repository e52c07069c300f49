/** The editor's live check (host checkScenarioText): the loader's first error, placed at its line and column. */
import { describe, expect, it } from 'vitest';
import { checkScenarioText } from '../src-sim/host.ts';
import { presetById } from '../src-sim/scenario/presets.ts';

const text = JSON.stringify(presetById('t0-lazy-tlb-basics'), null, 2);
const lineOf = (t: string, needle: string, nth = 0) => {
  let at = -1;
  for (let k = 0; k <= nth; k++) at = t.indexOf(needle, at + 1);
  return t.slice(0, at).split('\n').length;
};

describe('editor check', () => {
  it('a good file: what it holds', () => {
    const c = checkScenarioText(text);
    expect(c.error).toBeNull();
    expect(c.info).toMatchObject({ id: 't0-lazy-tlb-basics', variants: ['x86', 'arm64', 'powerpc'] });
  });
  it('a bad value: its path, at the line of that value', () => {
    const file = JSON.parse(text);
    file.steps[3].cpu = 7;
    const bad = JSON.stringify(file, null, 2);
    const c = checkScenarioText(bad);
    expect(c.error?.path).toBe('steps[3].cpu');
    expect(c.error?.message).toContain('CPU 7 does not exist');
    expect(c.error?.line).toBe(lineOf(bad, '"cpu": 7'));
    expect(c.error?.column).toBe(bad.split('\n')[c.error!.line - 1].indexOf('7') + 1);
  });
  it('a JSON syntax error: where the scanner stopped', () => {
    const bad = text.replace('"format": "lazytlb/1",', '"format": "lazytlb/1" oops,');
    const c = checkScenarioText(bad);
    expect(c.error?.message).toContain('not valid JSON');
    expect(c.error).toMatchObject({ line: 2, column: 25 }); // the "o" of oops
  });
  it('a key defined twice: at the second one', () => {
    const bad = text.replace('"title": "Lazy TLB in five steps",', '"title": "Lazy TLB in five steps",\n  "title": "again",');
    const c = checkScenarioText(bad);
    expect(c.error?.message).toContain('defined twice');
    expect(c.error?.line).toBe(lineOf(bad, '"title"', 1));
  });
  it('an unknown key inside a step: at that step', () => {
    const bad = text.replace('"do": "exit"', '"do": "exit", "bogus": 1');
    const c = checkScenarioText(bad);
    expect(c.error?.path).toMatch(/^steps\[\d+\]/);
    expect(c.error?.line).toBeGreaterThan(1);
  });
});
