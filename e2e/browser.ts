/**
 * Shared e2e helpers: the npm-packaged Chromium driven by playwright-core (chromium.ts; no browser is ever
 * downloaded), and pages that record every console error, uncaught exception, failed request and HTTP error status.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';

const SCREENSHOTS = join(resolve(dirname(fileURLToPath(import.meta.url))), 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/** An app URL: `query` is appended to the preview server's base URL (e.g. `?scenario=x`). */
export function appUrl(query = ''): string {
  return `${inject('baseUrl')}${query}`;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors, failed requests and HTTP errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export interface PageOptions {
  /** Default 1600 x 1000. */
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Runs on the new context before the page opens (e.g. to route requests). */
  prepare?: (context: BrowserContext) => Promise<unknown>;
}

export async function openPage(browser: Browser, query = '', options: PageOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1600, height: 1000 },
    colorScheme: options.colorScheme ?? 'light',
  });
  await options.prepare?.(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(appUrl(query));
  return { page, context, problems, close: () => context.close() };
}

/** Saves `e2e/screenshots/<name>.png`: the whole page, or only the viewport (what a projector shows first). */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/**
 * One browser for a test file, and one page at a time: `open` gives a watched page that is closed after each test.
 * Registers the file's beforeAll/afterAll/afterEach hooks; call it at the top of the file.
 */
export function usePages(): { open(query?: string, options?: PageOptions): Promise<WatchedPage>; browser(): Browser } {
  let browser: Browser | undefined;
  const pages: WatchedPage[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });
  return {
    async open(query = '', options: PageOptions = {}) {
      const page = await openPage(browser!, query, options);
      pages.push(page);
      return page;
    },
    browser: () => browser!,
  };
}

/** Opens the scenario editor, replaces its text with `text` (as a paste would), waits for the check, runs it. */
export async function runInEditor(page: Page, text: string): Promise<void> {
  await page.getByTestId('editor-open').click();
  const editor = page.getByTestId('editor-text');
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  await page.locator(`[data-testid="editor-status"][data-checked="${text.length}"]`).waitFor();
  await page.getByTestId('editor-run').click();
}
