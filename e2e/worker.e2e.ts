/**
 * The production build, in Chromium, running presets through the real simulation worker.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.ts';

const T5 = 't5-fullmm-upfront-flush';
const T2 = 't2-use-mm-mm-users';

let browser: Browser;
let current: WatchedPage | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(query = ''): Promise<WatchedPage> {
  current = await openPage(browser, query);
  return current;
}

describe('first page', () => {
  test('loads and lists the presets', async () => {
    const { page, problems } = await open();
    await page.getByTestId('preset-list').waitFor();

    for (const id of [T5, T2]) {
      expect(await page.locator(`[data-preset="${id}"]`).count(), `preset card ${id}`).toBe(1);
      expect(await page.locator(`[data-testid="scenario-picker"] option[value="${id}"]`).count(), `option ${id}`).toBe(1);
    }
    await screenshot(page, 'presets');
    expect(problems).toEqual([]);
  });
});

describe('running presets in the worker', () => {
  test('t5 buggy violates I9; the fixed variant violates nothing and meets its expectation', async () => {
    const { page, problems } = await open(`?scenario=${T5}&variant=buggy`);
    await page.getByTestId('step-list').waitFor();
    expect(await page.getByTestId('step').count()).toBeGreaterThan(0);

    const i9 = page.locator('[data-testid="violation"][data-invariant="I9"]');
    await i9.first().waitFor();
    expect(await i9.count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 't5-buggy');

    await page.locator('[data-testid="variant-switch"] input[value="fixed"]').check();
    await page.waitForURL((url) => url.searchParams.get('variant') === 'fixed');
    await page.getByTestId('no-violations').waitFor();
    expect(await page.getByTestId('violation').count()).toBe(0);

    const verdict = page.getByTestId('expect-result');
    expect(await verdict.getAttribute('data-ok')).toBe('true');
    expect(await verdict.textContent()).toContain('OK');
    expect(new URL(page.url()).searchParams.get('scenario')).toBe(T5);
    await screenshot(page, 't5-fixed');

    expect(problems).toEqual([]);
  });

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
});
