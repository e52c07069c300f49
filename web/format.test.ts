import { describe, expect, test } from 'vitest';
import { actorName, counterLine, eventKind, idsOrNone, invariantTitle, loreUrl, stepName, whereIn } from './format.ts';

const ZERO = { ipis: 0, flushes: 0, cr3Writes: 0, coreSyncs: 0, redundantCoreSyncs: 0, mmCountAtomics: 0 };

describe('format', () => {
  test('names steps as the CLI does', () => {
    expect(stepName({ setup: true, number: 1 })).toBe('setup 1');
    expect(stepName({ setup: false, number: 0 })).toBe('step 0');
  });

  test('actors, ids, places', () => {
    expect(actorName('cpu12')).toBe('CPU12');
    expect(actorName('IOMMU')).toBe('IOMMU');
    expect(idsOrNone([])).toBe('no violation');
    expect(idsOrNone(['I11', 'I8'])).toBe('I11, I8');
    expect(whereIn({ fn: 'flush_tlb_mm_range', label: 'done' })).toBe('flush_tlb_mm_range › done');
    expect(invariantTitle('I8', { I8: 'no translation to a freed page' })).toMatch(/freed page/);
    expect(invariantTitle('I99', { I8: 'x' })).toBe('');
    expect(eventKind('WARN')).toBe('kernel WARN');
    expect(eventKind('something-new')).toBe('something-new');
  });

  test('a message-id becomes a lore link without its angle brackets', () => {
    expect(loreUrl('<20120627212831.137126018@chello.nl>')).toBe(
      'https://lore.kernel.org/r/20120627212831.137126018@chello.nl',
    );
    expect(loreUrl('<CA+55aF/x=@mail.gmail.com>')).toBe('https://lore.kernel.org/r/CA+55aF%2Fx%3D@mail.gmail.com');
  });

  test('the per-step counter line lists only what happened', () => {
    expect(counterLine(ZERO)).toBe('');
    expect(counterLine(undefined)).toBe('');
    expect(counterLine({ ...ZERO, ipis: 1, flushes: 2, coreSyncs: 1, redundantCoreSyncs: 1 })).toBe(
      '1 IPI · 2 TLB flushes · 1 core sync (1 redundant)',
    );
  });
});
