/**
 * The scenario editor: starts from the scenario on screen, checks as you type (the worker's loader; the error marked
 * at its line with its JSON path), starts over from a preset, saves to a file, runs.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { screenshot, usePages } from './browser.ts';
import { settled } from './model-check.ts';
import '../src-sim/kernel/all.ts'; // the kernel's labels, which a preset's `until` names
import { presetById } from '../src-sim/scenario/presets.ts';

const { open } = usePages();

describe('scenario editor', () => {
  test('edit a copy of a preset: live errors at their line, start from another, save, run', async () => {
    const { page, problems } = await open('?v=1&scenario=t0-lazy-tlb-basics&variant=x86', { viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    await settled(page);
    const jsRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('.js')) jsRequests.push(r.url());
    });
    await page.getByTestId('editor-open').click();
    const text = page.getByTestId('editor-text');
    await text.waitFor();
    // the editor is a chunk of its own, fetched when first opened
    expect(jsRequests.length, 'the editor chunk was loaded on demand').toBeGreaterThan(0);
    const status = page.getByTestId('editor-status');
    await expect.poll(async () => (await status.textContent()) ?? '').toContain('t0-lazy-tlb-basics');

    // An error: CPU 7 on a 2-CPU machine, at the line of that value
    const file = JSON.parse(JSON.stringify(presetById('t0-lazy-tlb-basics')));
    file.id = 'my-basics';
    file.steps[3].cpu = 7;
    const bad = JSON.stringify(file, null, 2);
    await text.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(bad);
    await page.locator(`[data-testid="editor-status"][data-checked="${bad.length}"]`).waitFor();
    const said = (await status.textContent()) ?? '';
    expect(said).toContain('steps[3].cpu: CPU 7 does not exist (machine has 2)');
    const line = bad.slice(0, bad.indexOf('"cpu": 7')).split('\n').length;
    expect(said).toContain(`line ${line}`);
    expect(await page.getByTestId('editor-run').isDisabled()).toBe(true);
    // "Go there" puts the cursor on it; it is marked in place (CodeMirror draws only the lines in view)
    await page.getByRole('button', { name: 'Go there' }).click();
    await page.locator('.cm-lintRange-error').first().waitFor();
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await screenshot(page, 'editor-error', { fullPage: false });
    const cursorLine = await page.evaluate(() => {
      const active = document.querySelector('.cm-activeLineGutter');
      return Number(active?.textContent?.trim());
    });
    expect(cursorLine).toBe(line);

    // start over from another preset
    await page.getByTestId('editor-start').selectOption('t2-use-mm-mm-users');
    await expect.poll(async () => (await status.textContent()) ?? '').toContain('t2-use-mm-mm-users');

    // save to a file: the text in the editor
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('editor-save').click()]);
    expect(download.suggestedFilename()).toBe('t2-use-mm-mm-users.json');
    const saved = readFileSync((await download.path())!, 'utf8');
    expect(JSON.parse(saved).id).toBe('t2-use-mm-mm-users');

    // a good text runs as the user's own scenario
    file.steps[3].cpu = 1;
    const good = JSON.stringify(file, null, 2);
    await text.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(good);
    await page.locator(`[data-testid="editor-status"][data-checked="${good.length}"]`).waitFor();
    expect(await status.textContent()).toContain('✓');
    await page.getByTestId('editor-run').click();
    await page.waitForURL((url) => url.searchParams.get('scenario') === 'my-basics' && url.hash.startsWith('#scenario='));
    await page.getByTestId('editor-dialog').waitFor({ state: 'hidden' });
    await settled(page);
    expect(problems).toEqual([]);
  });

  test('JSON in the theme\'s colours, readable on a dark screen', async () => {
    const { page, problems } = await open('?v=1&scenario=t2-use-mm-mm-users&variant=buggy', { viewport: { width: 1280, height: 720 }, colorScheme: 'dark' });
    await settled(page);
    await page.getByTestId('editor-open').click();
    await page.getByTestId('editor-text').waitFor();
    await expect.poll(async () => (await page.getByTestId('editor-status').textContent()) ?? '').toContain('t2-use-mm-mm-users');
    // the colour of the token holding a given text (its innermost span)
    const colourOf = (text: string) =>
      page.evaluate((t) => {
        const span = [...document.querySelectorAll('.cm-content span')].find((s) => s.textContent === t && !s.querySelector('span'));
        return span ? getComputedStyle(span).color : null;
      }, text);
    // keys in the accent colour, strings in their own (the dark side of --code-key and --code-string)
    expect(await colourOf('"id"')).toBe('rgb(140, 200, 255)');
    expect(await colourOf('"t2-use-mm-mm-users"')).toBe('rgb(168, 224, 122)');
    await screenshot(page, 'editor-dark', { fullPage: false });
    expect(problems).toEqual([]);
  });
});
