/**
 * The basics: the first screen offers "Lazy TLB in five steps" as the place to start; each of its five parts shows what
 * the model computes, on each architecture; the glossary opens from a lane label, from the narration and with `g`.
 */
import { describe, expect, test } from 'vitest';
import { screenshot, usePages } from './browser.ts';
import { checkAgainstModel, settled } from './model-check.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { TERMS } from '../web/glossary/terms.ts';

const BASICS = 't0-lazy-tlb-basics';
/** The step that opens each of the five parts (their notes begin "k of 5"). */
const PARTS = [0, 2, 3, 6, 8];

const { open } = usePages();

describe('lazy TLB basics', () => {
  test('the first screen starts with the basics; each part, on each architecture, shows the model\'s state', async () => {
    const { page, problems } = await open('', { viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    const first = page.locator('[data-testid="preset-list"] > li').first();
    expect(await first.getAttribute('data-preset')).toBe(BASICS);
    expect(await first.textContent()).toContain('Start here');
    // a thread says which of the basics it builds on
    expect(await page.locator('[data-preset="t1-lazy-refcount-optout"]').textContent()).toContain('Builds on steps 2 and 5 of the basics');
    await screenshot(page, 'basics-first-screen', { fullPage: false });
    await first.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('scenario') === BASICS);
    await settled(page);

    for (const variant of ['x86', 'arm64', 'powerpc']) {
      const timeline = new Timeline(presetById(BASICS)!, variant);
      for (let part = 0; part < PARTS.length; part++) {
        const { page: p, problems: pp, close } = await open(`?v=1&scenario=${BASICS}&variant=${variant}&step=${PARTS[part]}`, { viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
        const t = await settled(p);
        await checkAgainstModel(p, timeline, t);
        const note = (await p.getByTestId('narration-note').textContent()) ?? '';
        expect(note, `${variant} part ${part + 1}`).toContain(`${part + 1} of 5`);
        // the note is the variant's own
        expect(note).toBe(timeline.steps.find((s) => !s.setup && s.number === PARTS[part])!.note);
        if (variant === 'x86' || part >= 2) await screenshot(p, `basics-${variant}-${part + 1}`, { fullPage: false });
        expect(pp).toEqual([]);
        await close();
      }
    }
    expect(problems).toEqual([]);
  });

  test('the glossary opens from a lane label, from the narration and with G; keyboard only', async () => {
    const { page, problems } = await open(`?v=1&scenario=${BASICS}&variant=x86&step=2`, { viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    await settled(page);
    const popover = page.getByTestId('glossary-popover');
    // from CPU 0's active_mm row label
    const label = page.locator('[data-testid="lane-band"][data-actor="cpu0"] [data-row="active_mm"] .term');
    await label.click();
    await popover.waitFor({ state: 'visible' });
    expect(await popover.locator('h3').textContent()).toBe('active_mm');
    expect(await popover.textContent()).toContain('task_struct.active_mm');
    await screenshot(page, 'glossary-popover', { fullPage: false });
    await page.keyboard.press('Escape');
    await popover.waitFor({ state: 'hidden' });
    expect(await label.evaluate((el) => el === document.activeElement), 'focus returns to the term').toBe(true);
    // keyboard: the focused term opens with Enter
    await page.keyboard.press('Enter');
    await popover.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await popover.waitFor({ state: 'hidden' });
    // from the narration: the step's note links its terms
    await page.getByTestId('narration-note').locator('.term[data-term="mmgrab_lazy_tlb"]').click();
    await popover.waitFor({ state: 'visible' });
    expect(await popover.locator('h3').textContent()).toBe('mmgrab_lazy_tlb');
    await page.keyboard.press('Escape');
    await popover.waitFor({ state: 'hidden' });
    // the whole list
    await page.keyboard.press('g');
    const panel = page.getByTestId('glossary-panel');
    await panel.waitFor({ state: 'visible' });
    expect(await panel.locator('.glossary-entry').count()).toBe(TERMS.length);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
  });
});
