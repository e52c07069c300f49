/**
 * A worker that dies, answers garbage, or answers something malformed during a load: the app says what happened,
 * keeps (or brings back) the scenario that was on screen, and keeps working.
 *
 * The production worker is wrapped, not replaced: the browser is served a small module that listens first and, for
 * one chosen load, misbehaves instead of letting the real worker (imported right after) answer. Every other request,
 * and every worker started later, is the real one.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { usePages, type WatchedPage } from './browser.ts';

const T2 = 't2-use-mm-mm-users';
const T5 = 't5-fullmm-upfront-flush';

const pages = usePages();

type Mode = 'die' | 'junk' | 'malformed';

/** The wrapper: misbehaves on the load of T5, otherwise the real worker answers. */
function wrapper(mode: Mode, realName: string): string {
  return `
// Messages that arrive before the real worker module is loaded are held, then handed to it.
const early = [];
let ready = false;
self.addEventListener('message', (e) => {
  const d = e.data;
  if (!ready) {
    e.stopImmediatePropagation();
    early.push(d);
    return;
  }
  if (d && d.type === 'sim/loadRequested' && d.source && d.source.id === ${JSON.stringify(T5)}) {
    e.stopImmediatePropagation();
    if (${JSON.stringify(mode)} === 'die') self.close();
    else if (${JSON.stringify(mode)} === 'junk') self.postMessage('junk');
    else self.postMessage({ type: 'sim/loaded', seq: d.seq, summary: { scenarioId: ${JSON.stringify(T5)}, variant: 'buggy', steps: [], microstepCount: 5, violations: [] } });
  }
});
await import(new URL(${JSON.stringify(`./${realName}?real`)}, import.meta.url).href);
ready = true;
for (const data of early) self.dispatchEvent(new MessageEvent('message', { data }));
`;
}

/** Opens T2 with the worker served through the wrapper. */
async function openWith(mode: Mode): Promise<WatchedPage> {
  return pages.open(`?scenario=${T2}&variant=buggy`, {
    viewport: { width: 1280, height: 800 },
    prepare: (context) =>
      context.route(/\/assets\/worker-[^/?]+\.js$/, (route) => {
        const name = new URL(route.request().url()).pathname.split('/').pop()!;
        return route.fulfill({ contentType: 'text/javascript', body: wrapper(mode, name) });
      }),
  });
}

async function settledOn(page: Page, scenario: string): Promise<void> {
  await page.waitForFunction((id) => {
    const lanes = document.querySelector('[data-testid="lanes"]');
    const url = new URL(location.href);
    return url.searchParams.get('scenario') === id && lanes !== null && lanes.getAttribute('data-view-t') === lanes.getAttribute('data-t');
  }, scenario);
}

describe('a misbehaving worker', () => {
  for (const mode of ['die', 'junk'] as const) {
    test(`${mode === 'die' ? 'a worker that closes itself' : 'a worker that answers junk'} during a load: the app restarts it and keeps the scenario on screen`, async () => {
      const { page, problems } = await openWith(mode);
      await settledOn(page, T2);
      const title = await page.locator('#scenario-title').textContent();

      await page.getByTestId('scenario-picker').selectOption(T5);
      const banner = page.getByRole('alert');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.textContent()).toMatch(mode === 'die' ? /stopped answering/ : /not a SimEvent/);
      await page.waitForFunction(() => /re-loaded/.test(document.querySelector('[role="alert"]')?.textContent ?? ''), undefined, { timeout: 20_000 });

      // The previous scenario is on screen, the picker agrees with it, and it works: stepping moves the playhead.
      expect(await page.locator('#scenario-title').textContent()).toBe(title);
      expect(await page.getByTestId('scenario-picker').inputValue()).toBe(T2);
      expect(await page.getByTestId('status').textContent()).toBe('');
      await settledOn(page, T2);
      const before = await page.getByTestId('lanes').getAttribute('data-t');
      await page.getByTestId('next-micro').click();
      await page.waitForFunction((b) => {
        const lanes = document.querySelector('[data-testid="lanes"]');
        return lanes?.getAttribute('data-t') !== b && lanes?.getAttribute('data-view-t') === lanes?.getAttribute('data-t');
      }, before);
      expect(problems.filter((p) => !p.includes('stopped answering') && !p.includes('SimEvent'))).toEqual([]);
    }, 60_000);
  }

  test('a malformed answer: the parts that cannot draw say so, the rest of the app keeps working', async () => {
    const { page } = await openWith('malformed');
    await settledOn(page, T2);
    await page.getByTestId('scenario-picker').selectOption(T5);
    await page.getByTestId('boundary').first().waitFor();
    expect(await page.locator('header.app-header').count()).toBe(1);
    // A way back: pick another scenario; the real worker answers it.
    await page.getByTestId('scenario-picker').selectOption(T2);
    await settledOn(page, T2);
    expect(await page.getByTestId('boundary').count()).toBe(0);
  }, 60_000);
});
