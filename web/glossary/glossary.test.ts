import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { glossSegments } from './segments.ts';
import { glossaryMarkdown } from './markdown.ts';
import { TERMS } from './terms.ts';

describe('glossary', () => {
  it('links the first occurrence of each term, whole words only', () => {
    const segs = glossSegments('K borrows M as active_mm; mmgrab_lazy_tlb counts it; the CPU is lazy, lazy again; active_mm stays.');
    expect(segs.filter((s) => typeof s !== 'string')).toEqual([
      { id: 'active_mm', text: 'active_mm' },
      { id: 'mmgrab_lazy_tlb', text: 'mmgrab_lazy_tlb' },
      { id: 'lazy', text: 'lazy' },
    ]);
    expect(segs.map((s) => (typeof s === 'string' ? s : s.text)).join('')).toContain('active_mm stays.');
  });
  it('prefers the longest word (switch_mm_irqs_off over switch_mm)', () => {
    expect(glossSegments('switch_mm_irqs_off loads it')[0]).toEqual({ id: 'switch_mm', text: 'switch_mm_irqs_off' });
  });
  it('has unique ids and words', () => {
    expect(new Set(TERMS.map((t) => t.id)).size).toBe(TERMS.length);
    const words = TERMS.flatMap((t) => t.words);
    expect(new Set(words).size).toBe(words.length);
  });
  it('docs/glossary.md is the glossary the app shows (regenerate with `npm run docs:glossary`)', () => {
    expect(readFileSync(new URL('../../docs/glossary.md', import.meta.url), 'utf8')).toBe(glossaryMarkdown());
  });
});
