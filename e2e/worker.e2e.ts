/**
 * The production build, in Chromium, running presets through the real simulation worker.
 *
 * The tests name presets and variants, and the invariants their `expect` lists; they never assume how many presets
 * there are, nor at which step a violation happens (they check the page is consistent with itself instead).
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, usePages } from './browser.ts';

const T5 = 't5-fullmm-upfront-flush';
const T2 = 't2-use-mm-mm-users';

const { open } = usePages();

/** The invariant ids the violations panel lists, in order, without repeats. */
async function panelInvariants(page: Page): Promise<string[]> {
  return page
    .getByTestId('violation-group')
    .evaluateAll((groups) => groups.map((g) => g.getAttribute('data-invariant') ?? ''));
}

/** Waits until the page shows `scenario` with `variant` (the URL follows the timeline on screen). */
async function waitForView(page: Page, scenario: string, variant: string): Promise<void> {
  await page.waitForURL(
    (url) => url.searchParams.get('scenario') === scenario && url.searchParams.get('variant') === variant,
  );
  await page.waitForFunction(
    (label) => document.querySelector('[data-testid="variant-explanation"]')?.textContent?.includes(label) ?? false,
    variant,
  );
}

describe('first page', () => {
  test('loads and lists the presets', async () => {
    const { page, problems } = await open();
    await page.getByTestId('preset-list').waitFor();

    const cards = await page.locator('[data-preset]').count();
    const options = await page.locator('[data-testid="scenario-picker"] option:not([value=""])').count();
    expect(cards).toBeGreaterThanOrEqual(2);
    expect(options, 'one picker option per preset card').toBe(cards);
    for (const id of [T5, T2]) {
      expect(await page.locator(`[data-preset="${id}"]`).count(), `preset card ${id}`).toBe(1);
      expect(await page.locator(`[data-testid="scenario-picker"] option[value="${id}"]`).count(), `option ${id}`).toBe(1);
    }
    await screenshot(page, 'presets');
    expect(problems).toEqual([]);
  });
});

describe('t5: the fullmm up-front flush', () => {
  test('buggy violates I9; the fixed variant violates nothing and meets its expectation', async () => {
    const { page, problems } = await open(`?scenario=${T5}&variant=buggy`);
    await page.getByTestId('step-list').waitFor();
    expect(await page.getByTestId('step').count()).toBeGreaterThan(0);

    const i9 = page.locator('[data-testid="violation"][data-invariant="I9"]');
    await i9.first().waitFor();
    expect(await i9.count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="step-violation"][data-invariant="I9"]').count()).toBe(await i9.count());
    await screenshot(page, 't5-buggy');

    await page.locator('[data-testid="variant-switch"] input[value="fixed"]').check();
    await waitForView(page, T5, 'fixed');
    await page.getByTestId('no-violations').waitFor();
    expect(await page.getByTestId('violation').count()).toBe(0);
    expect(await page.getByTestId('step-violation').count()).toBe(0);

    const verdict = page.getByTestId('expect-result');
    expect(await verdict.getAttribute('data-ok')).toBe('true');
    expect(await verdict.textContent()).toContain('OK');
    await screenshot(page, 't5-fixed');

    expect(problems).toEqual([]);
  });
});

describe('t2: use_mm() without mmget', () => {
  test('buggy shows I11 and I8, each under the step where it happened; fixed shows none', async () => {
    const { page, problems } = await open(`?scenario=${T2}&variant=buggy`);
    await page.locator('[data-testid="violation"][data-invariant="I11"]').first().waitFor();

    const ids = await panelInvariants(page);
    expect(ids).toContain('I11');
    expect(ids).toContain('I8');

    // Every violation in the panel links to a step, and that step lists the same invariant right under it.
    for (const id of ['I11', 'I8']) {
      const links = page.locator(`[data-testid="violation"][data-invariant="${id}"] a`);
      expect(await links.count(), `${id} occurrences`).toBeGreaterThanOrEqual(1);
      for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
        const row = page.locator(href);
        expect(await row.getAttribute('data-testid'), href).toBe('step');
        const inline = row.locator(`[data-testid="step-violation"][data-invariant="${id}"]`);
        expect(await inline.count(), `${id} under ${href}`).toBeGreaterThanOrEqual(1);
        expect((await inline.first().textContent())?.trim(), `${id} message under ${href}`).toMatch(
          new RegExp(`^✗ ${id} violated \\S`),
        );
      }
    }

    await screenshot(page, 't2-buggy');

    // The panel's step links scroll to the step; the view (and so the URL) stays as it is.
    const firstI11 = page.locator('[data-testid="violation"][data-invariant="I11"] a').first();
    const target = (await firstI11.getAttribute('href'))!;
    const before = page.url();
    await firstI11.click();
    await page.waitForFunction((id) => document.activeElement?.id === id, target.slice(1));
    expect(page.url()).toBe(before);

    // The expectation, the counters and the source of the scenario are on the page.
    const verdict = page.getByTestId('expect-result');
    expect(await verdict.getAttribute('data-ok')).toBe('true');
    const counters = (await page.getByTestId('counters').textContent()) ?? '';
    for (const label of ['IPIs', 'TLB flushes', 'MMU context loads', 'core syncs', 'mm_count atomics']) {
      expect(counters).toContain(label);
    }
    expect(await page.getByTestId('archive-link').getAttribute('href')).toMatch(/^https:\/\//);
    expect(await page.getByTestId('setup-steps').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);

    await page.locator('[data-testid="variant-switch"] input[value="fixed"]').check();
    await waitForView(page, T2, 'fixed');
    await page.getByTestId('no-violations').waitFor();
    expect(await page.getByTestId('violation').count()).toBe(0);
    expect(await page.getByTestId('step-violation').count()).toBe(0);
    expect(await page.getByTestId('expect-result').getAttribute('data-ok')).toBe('true');
    await screenshot(page, 't2-fixed');

    expect(problems).toEqual([]);
  });

  test('a link names the variant: ?scenario=t2-use-mm-mm-users&variant=mips shows I11', async () => {
    const { page, problems } = await open(`?scenario=${T2}&variant=mips`);
    await page.locator('[data-testid="violation"][data-invariant="I11"]').first().waitFor();
    expect(await page.locator('[data-testid="variant-switch"] input[value="mips"]').isChecked()).toBe(true);
    expect(await page.getByTestId('variant-explanation').textContent()).toContain('mips');
    expect(await page.locator('[data-testid="step-violation"][data-invariant="I11"]').count()).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  });
});

describe('errors and presentation', () => {
  test('an unknown scenario shows the error banner, and the picker still works', async () => {
    const { page, problems } = await open('?scenario=no-such-scenario&variant=buggy');
    const banner = page.getByRole('alert');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('no-such-scenario');
    await screenshot(page, 'unknown-scenario');

    await page.getByTestId('scenario-picker').selectOption(T2);
    await page.getByTestId('step-list').waitFor();
    await page.waitForURL((url) => url.searchParams.get('scenario') === T2);
    expect(await page.getByTestId('step').count()).toBeGreaterThan(0);
    expect(await page.getByRole('alert').count(), 'the banner clears once a scenario loads').toBe(0);
    await screenshot(page, 't2-after-error');

    expect(problems).toEqual([]);
  });

  test('on a 1280x720 projector, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, problems, close } = await open(`?scenario=${T5}&variant=buggy`, {
        viewport: { width: 1280, height: 720 },
        colorScheme,
      });
      await page.locator('[data-testid="violation"][data-invariant="I9"]').first().waitFor();
      await screenshot(page, `projector-${colorScheme}`, { fullPage: false });
      await page.getByTestId('step-list').scrollIntoViewIfNeeded();
      await screenshot(page, `projector-${colorScheme}-steps`, { fullPage: false });
      expect(problems).toEqual([]);
      await close();
    }
  });
});
