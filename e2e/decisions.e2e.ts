/**
 * The arch's decisions, with the kernel condition behind each, narrated at the micro-step that took them: what the
 * page says is what the model recorded there (run here in node).
 */
import { describe, expect, test } from 'vitest';
import { screenshot, usePages } from './browser.ts';
import { settled } from './model-check.ts';
import '../src-sim/kernel/all.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { decisionText } from '../src-sim/protocol/summary.ts';

const { open } = usePages();

describe('arch decisions in the narration', () => {
  test('t0 x86: the flush that skips the lazy CPU says so, and why', async () => {
    const tl = new Timeline(presetById('t0-lazy-tlb-basics')!, 'x86');
    const list = tl.decisionList();
    const skip = list.find((d) => d.decision === 'skip');
    expect(skip, 'the x86 basics skip a lazy CPU in a flush').toBeTruthy();
    const at = skip!.microstep;
    const { page, problems } = await open(`?v=1&scenario=t0-lazy-tlb-basics&variant=x86&ms=${at + 1}`, { viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    expect(await settled(page)).toBe(at + 1);
    const shown = page.getByTestId('narration-decisions');
    await shown.waitFor();
    const lines = (await shown.locator('li').allTextContents()).map((t) => t.replace(/^⤷ /, ''));
    expect(lines).toEqual((tl.decisionsAt(at) ?? []).map((d) => decisionText(d)));
    expect(lines.join(' ')).toMatch(/skip: is_lazy/);
    await screenshot(page, 'decisions-x86-skip', { fullPage: false });
    expect(problems).toEqual([]);
  });
});
