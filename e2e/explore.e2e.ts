/**
 * The Explore action: a search in a worker of its own, with progress and cancel; its findings are the explorer's
 * (checked against the same search run here in node), and the timeline stays usable while it runs.
 */
import { describe, expect, test } from 'vitest';
import { screenshot, usePages } from './browser.ts';
import { playhead, settled } from './model-check.ts';
import '../src-sim/kernel/all.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { explore } from '../src-sim/explore/explore.ts';

const { open } = usePages();
const fmt = new Intl.NumberFormat('en');

describe('explore', () => {
  test('t2 buggy: every interleaving searched, each violated invariant with its shortest schedule', async () => {
    const { page, problems } = await open('?v=1&scenario=t2-use-mm-mm-users&variant=buggy', { viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    await settled(page);
    await page.keyboard.press('x');
    const dialog = page.getByTestId('explore-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('explore-target').textContent()).toContain('buggy');
    await page.getByTestId('explore-start').click();
    await page.getByTestId('explore-results').waitFor({ timeout: 60_000 });

    const model = explore(presetById('t2-use-mm-mm-users')!, 'buggy', { order: 'bfs', maxStates: 300_000 });
    expect(model.exhaustive).toBe(true);
    const summary = (await page.getByTestId('explore-summary').textContent()) ?? '';
    expect(summary).toContain('Every interleaving searched');
    expect(summary).toContain(`${fmt.format(model.states)} distinct states`);
    expect(summary).toContain(`${fmt.format(model.transitions)} transitions`);
    const findings = page.getByTestId('explore-finding');
    const ids = await findings.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(ids).toEqual(model.violations.map((v) => v.id));
    // the preset's expected invariants are among them, found without its schedule
    for (const id of ['I7', 'I8', 'I10c', 'I11']) expect(ids).toContain(id);
    for (let i = 0; i < model.violations.length; i++) {
      const v = model.violations[i];
      const text = (await findings.nth(i).textContent()) ?? '';
      expect(text).toContain(v.message);
      expect(text).toContain(`After ${v.schedule.length} moves, at ${v.at}`);
    }
    await findings.first().locator('summary').click();
    await screenshot(page, 'explore-t2-buggy', { fullPage: false });

    // Open the first finding: its counterexample (lazytlb/2) on the timeline, ending in its invariant, race marked.
    await findings.first().getByTestId('explore-open').click();
    await page.getByTestId('explore-dialog').waitFor({ state: 'hidden' });
    await settled(page);
    const steps = page.getByTestId('step');
    await expect.poll(() => steps.count()).toBe((presetById('t2-use-mm-mm-users')!.setup?.length ?? 0) + model.violations[0].schedule.length);
    expect(await steps.last().getAttribute('data-violations')).toContain(model.violations[0].id);
    expect(await page.locator('[data-testid="step"][data-race]').evaluateAll((els) => els.map((e) => e.getAttribute('data-race')))).toEqual(['first', 'second']);
    // and over the lanes: two columns, in the order they ran
    const marks = page.getByTestId('race-mark');
    expect(await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-race')))).toEqual(['first', 'second']);
    const [a, b] = await marks.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    expect(a).toBeLessThan(b);
    await screenshot(page, 'explore-counterexample', { fullPage: false });
    expect(problems).toEqual([]);
  });

  test('a long search shows progress, keeps the timeline usable, and cancels', async () => {
    const { page, problems } = await open('?v=1&scenario=t0-lazy-tlb-basics&variant=x86', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await settled(page);
    await page.getByTestId('explore-button').click();
    // speculative walks at any point make the space large enough that the search is still running when cancelled
    await page.getByTestId('explore-max-states').fill('2000000');
    await page.getByTestId('explore-hardware').fill('3');
    await page.getByTestId('explore-start').click();
    const progress = page.getByTestId('explore-progress');
    await expect.poll(async () => Number(await progress.getAttribute('data-states')), { timeout: 30_000 }).toBeGreaterThanOrEqual(4000);
    expect((await progress.textContent()) ?? '').toMatch(/states\/s · depth \d+ · at most/);
    await screenshot(page, 'explore-progress', { fullPage: false });

    // the timeline's worker is not the search's: stepping answers while the search runs
    await page.keyboard.press('Escape');
    await page.getByTestId('explore-dialog').waitFor({ state: 'hidden' });
    const before = playhead(page);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => playhead(page)).toBeGreaterThan(before);
    await settled(page);

    await page.keyboard.press('x');
    const states = Number(await progress.getAttribute('data-states'));
    await page.getByTestId('explore-cancel').click();
    const status = page.getByTestId('explore-status');
    await expect.poll(async () => (await status.textContent()) ?? '').toMatch(/^Cancelled after [\d,]+ states\.$/);
    expect(Number(((await status.textContent()) ?? '').replace(/\D/g, ''))).toBeGreaterThanOrEqual(states);
    expect(await page.getByTestId('explore-start').textContent()).toBe('Explore again');
    expect(problems).toEqual([]);
  });
});
