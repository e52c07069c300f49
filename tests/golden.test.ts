/**
 * Every preset variant, the `check` lines and 25 seeded random schedules produce exactly the recorded timelines
 * (tests/golden/golden.ts says what is hashed and how to re-record after a change meant to alter schedules).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { goldenHashes } from './golden/golden.ts';

it('timelines are byte-identical to the recorded ones', () => {
  const want = JSON.parse(readFileSync(new URL('./golden/hashes.json', import.meta.url), 'utf8')) as Record<string, string>;
  expect(goldenHashes()).toEqual(want);
});
