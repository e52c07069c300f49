/** The example scenario files shipped for download run as their `expect` says, through the same loader as user files. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenarioText, variantNames } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';

const dir = 'public/examples';
describe('public/examples', () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const file = parseScenarioText(readFileSync(`${dir}/${name}`, 'utf8'));
    for (const v of variantNames(file)) {
      it(`${name} --variant ${v}`, () => {
        expect(new Timeline(file, v).expectResult().mismatches).toEqual([]);
      });
    }
  }
});
