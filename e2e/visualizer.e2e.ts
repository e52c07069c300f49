/**
 * The visualizer in Chromium: what the lanes, refcount graphs and TLB grids show is checked against the state the
 * simulation core itself computes at that micro-step (run here in node, independently of the worker and the UI).
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, usePages } from './browser.ts';
import { presetById, presetInfos } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Snapshot } from '../src-sim/model/types.ts';
import { runReport } from '../src-sim/timeline/report.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const T2 = 't2-use-mm-mm-users';
const T5 = 't5-fullmm-upfront-flush';

const { open } = usePages();

/** The playhead the URL names (ms = micro-steps done). */
function playhead(page: Page): number {
  return Number(new URL(page.url()).searchParams.get('ms'));
}

/** Waits until the lanes show the state at the playhead the URL names, and returns it. */
async function settled(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const ms = new URL(location.href).searchParams.get('ms');
    const lanes = document.querySelector('[data-testid="lanes"]');
    // The store's playhead, the state drawn and the URL all agree (the URL follows the playhead after a short delay).
    return ms !== null && lanes?.getAttribute('data-t') === ms && lanes.getAttribute('data-view-t') === ms && lanes.getAttribute('data-tracks') !== '';
  });
  return playhead(page);
}

function vaText(vpn: number): string {
  return `0x${(vpn * 4096).toString(16)}`;
}

/** What the core says the state is at position t (t micro-steps done). */
function modelAt(timeline: Timeline, t: number): Snapshot {
  return timeline.stateAt(t - 1);
}

/** Lanes, refcounts and TLB cells on screen equal the model's state (`lanes`: which lanes panel). */
async function checkAgainstModel(page: Page, timeline: Timeline, t: number, lanes = 'lanes'): Promise<void> {
  const s = modelAt(timeline, t);
  const root = page.getByTestId(lanes);
  const mmName = (m: number) => (m < 0 ? 'LOADED_MM_SWITCHING' : s.mms[m].name);
  for (const cpu of s.cpus) {
    const band = root.locator(`[data-testid="lane-band"][data-actor="cpu${cpu.id}"]`);
    const value = async (row: string) => ((await band.locator(`[data-row="${row}"] [data-testid="lane-value"]`).textContent()) ?? '').trim();
    const task = s.tasks[cpu.curr];
    expect(await value('current'), `CPU ${cpu.id} current at t=${t}`).toBe(task.name);
    expect(await value('active_mm'), `CPU ${cpu.id} active_mm at t=${t}`).toBe(mmName(task.active_mm));
    const loaded = await value('loaded');
    expect(loaded.startsWith(mmName(cpu.loaded_mm)), `CPU ${cpu.id} loaded mm at t=${t}: ${loaded}`).toBe(true);
    if (cpu.loaded_mm > 0) expect(loaded).toContain(`tag ${cpu.tag}`);

    if (lanes !== 'lanes') continue; // the TLB grids show the main timeline
    const grid = page.locator(`[data-testid="tlb-grid"][data-actor="cpu${cpu.id}"] [data-testid="tlb-entry"]`);
    const shown = await grid.evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-va')} ${r.getAttribute('data-page')} ${r.getAttribute('data-walk')}`));
    const expected = cpu.tlb.map((e) => `${vaText(e.va)} ${s.pages[e.page].name} ${e.walk}`);
    expect(shown.sort(), `TLB of CPU ${cpu.id} at t=${t}`).toEqual(expected.sort());
  }
  for (const mm of s.mms) {
    if (mm.id === 0) continue;
    const row = root.locator(`[data-testid="refcount"][data-mm="${mm.name}"]`);
    expect(((await row.getByTestId('mm-users').textContent()) ?? '').trim(), `${mm.name} mm_users at t=${t}`).toBe(String(mm.mm_users));
    expect(((await row.getByTestId('mm-count').textContent()) ?? '').trim(), `${mm.name} mm_count at t=${t}`).toBe(String(mm.mm_count));
  }
}

describe('each preset: first violation, then rewind', () => {
  for (const preset of presetInfos()) {
    const variant = preset.variants.find((v) => v.expect.length > 0) ?? preset.variants[0];
    test(`${preset.id} (${variant.name})`, async () => {
      const timeline = new Timeline(presetById(preset.id)!, variant.name);
      const { page, problems } = await open(`?scenario=${preset.id}&variant=${variant.name}`);
      await settled(page);

      if (variant.expect.length > 0) {
        await page.getByTestId('next-violation').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="narration-violation"]') !== null);
        const t = await settled(page);
        const first = Math.min(...timeline.violations.map((v) => v.microstep + 1));
        expect(t, 'the first violation').toBe(first);
        await checkAgainstModel(page, timeline, t);
        // The violation raised there is explained in the narration, and its marker is on the lanes.
        const ids = timeline.violations.filter((v) => v.microstep + 1 === t).map((v) => v.id);
        const narrated = await page.getByTestId('narration-violation').evaluateAll((els) => els.map((e) => e.getAttribute('data-invariant')));
        expect(narrated.sort()).toEqual([...ids].sort());
        expect(await page.locator(`[data-testid="finding-marker"][data-invariant="${ids[0]}"]`).count()).toBeGreaterThanOrEqual(1);
        await screenshot(page, `vis-${preset.id}-${variant.name}`, { fullPage: false });
      }

      await page.getByTestId('to-start').click();
      await page.waitForURL((url) => url.searchParams.get('ms') === '0');
      await settled(page);
      await checkAgainstModel(page, timeline, 0);
      expect(problems).toEqual([]);
    });
  }
});

describe('moving around', () => {
  test('stepping by operation and micro-step, rewinding exactly, switching variant', async () => {
    const timeline = new Timeline(presetById(T2)!, 'buggy');
    const { page, problems } = await open(`?scenario=${T2}&variant=buggy`);
    const start = await settled(page);
    await page.getByTestId('next-step').click();
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) > start);
    const afterStep = await settled(page);
    await checkAgainstModel(page, timeline, afterStep);
    await page.getByTestId('next-micro').click();
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) === afterStep + 1);
    await checkAgainstModel(page, timeline, await settled(page));
    await page.getByTestId('prev-micro').click();
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) === afterStep);
    await checkAgainstModel(page, timeline, await settled(page));

    // Hovering a refcount change names the values, the CPU, the kernel code and the step: use_mm's grab of M.
    const changes = await page.getByTestId('lanes').locator('[data-testid="refcount"][data-mm="M"] circle title').allTextContents();
    const grab = changes.find((c) => c.includes('use_mm(M)'));
    expect(grab, changes.join('\n')).toMatch(/^mm_users 1, mm_count 2 at micro-step \d+, by CPU 1 in \S+ › \S+, during step 0: use_mm\(M\)$/);

    // The position line says where the playhead is.
    expect(await page.getByTestId('position').textContent()).toContain(`micro-step ${afterStep} of ${timeline.microstepCount}`);

    // Another variant keeps the playhead and shows that variant's state.
    await page.getByTestId('variant-select').selectOption('fixed');
    await page.waitForURL((url) => url.searchParams.get('variant') === 'fixed');
    const fixed = new Timeline(presetById(T2)!, 'fixed');
    const t = await settled(page);
    await checkAgainstModel(page, fixed, t);
    expect(problems).toEqual([]);
  });

  test('wheel zooms and drag pans the lanes; the window and the tracks follow, nothing breaks', async () => {
    const { page, problems } = await open(`?scenario=${T5}&variant=buggy`);
    await settled(page);
    const plot = page.getByTestId('lane-plot');
    const box = (await plot.boundingBox())!;
    const ticks = async () => page.getByTestId('lanes').locator('.axis .axis-label').allTextContents();
    const before = await ticks();
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -240);
    await page.waitForFunction((b) => JSON.stringify([...document.querySelectorAll('[data-testid="lanes"] .axis .axis-label')].map((e) => e.textContent)) !== b, JSON.stringify(before));
    const zoomed = await ticks();
    expect(Number(zoomed[1]) - Number(zoomed[0]), 'tick spacing shrinks when zoomed in').toBeLessThan(Number(before[1]) - Number(before[0]));
    // Drag to pan: the ticks move.
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 200, box.y + 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((b) => JSON.stringify([...document.querySelectorAll('[data-testid="lanes"] .axis .axis-label')].map((e) => e.textContent)) !== b, JSON.stringify(zoomed));
    // The tracks are fetched for the new window.
    await page.waitForFunction(() => (document.querySelector('[data-testid="lanes"]')?.getAttribute('data-tracks') ?? '').split('-')[0] !== '0');
    expect(await page.getByTestId('lane-band').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test('a shared link with a position reopens the same view', async () => {
    const timeline = new Timeline(presetById(T5)!, 'buggy');
    const t = Math.floor(timeline.microstepCount / 2);
    const { page, problems } = await open(`?v=1&scenario=${T5}&variant=buggy&ms=${t}`);
    expect(await settled(page)).toBe(t);
    await checkAgainstModel(page, timeline, t);
    await page.reload();
    expect(await settled(page)).toBe(t);
    await checkAgainstModel(page, timeline, t);
    expect(problems).toEqual([]);
  });

  test('keyboard only: arrows, violations, help, presentation', async () => {
    const timeline = new Timeline(presetById(T5)!, 'buggy');
    const { page, problems } = await open(`?scenario=${T5}&variant=buggy`, { viewport: { width: 1280, height: 720 } });
    const start = await settled(page);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) > start);
    await page.keyboard.press('Shift+ArrowRight');
    const t1 = await settled(page);
    await checkAgainstModel(page, timeline, t1);
    await page.keyboard.press(']');
    const first = Math.min(...timeline.violations.map((v) => v.microstep + 1).filter((x) => x > t1));
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) === first);
    await page.keyboard.press('Home');
    await page.waitForURL((url) => url.searchParams.get('ms') === '0');
    await page.keyboard.press('End');
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) === timeline.microstepCount);
    await checkAgainstModel(page, timeline, await settled(page));

    await page.keyboard.press('?');
    await page.getByTestId('help').waitFor({ state: 'visible' });
    await screenshot(page, 'vis-help', { fullPage: false });
    await page.keyboard.press('Escape');
    await page.getByTestId('help').waitFor({ state: 'hidden' });

    await page.keyboard.press('p');
    await page.waitForFunction(() => document.querySelector('[data-testid="app"]')?.getAttribute('data-presenting') === 'true');
    expect(await page.locator('header.app-header').count()).toBe(0);
    await page.keyboard.press('PageUp');
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) < timeline.microstepCount);
    await settled(page);
    await screenshot(page, 'vis-presentation', { fullPage: false });
    await page.keyboard.press('Escape');
    await page.locator('header.app-header').waitFor();
    expect(problems).toEqual([]);
  });
});

describe('your own scenario', () => {
  test('a broken file shows its error with the path, and the previous scenario stays', async () => {
    const { page, problems } = await open(`?scenario=${T2}&variant=buggy`);
    await settled(page);
    const title = await page.locator('#scenario-title').textContent();
    const broken = JSON.stringify({ format: 'lazytlb/1', id: 'mine', title: 'mine', machine: { arch: 'x86', cpus: 2 }, mms: [], tasks: [], steps: [{ cpu: 4, do: 'switch', to: 'idle' }] });
    await page.getByTestId('file-input').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(broken) });
    const banner = page.getByRole('alert');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('steps[0].cpu');
    expect(await page.locator('#scenario-title').textContent()).toBe(title);
    expect(new URL(page.url()).searchParams.get('scenario')).toBe(T2);
    await screenshot(page, 'vis-broken-file', { fullPage: false });
    expect(problems).toEqual([]);
  });

  test('a good file runs, travels in the link, and reopens from it', async () => {
    const { page, problems } = await open('');
    await page.getByTestId('preset-list').waitFor();
    const text = JSON.stringify(presetById(T5));
    const own = text.replace(`"id":"${T5}"`, '"id":"my-copy"');
    await page.getByTestId('paste-open').click();
    await page.getByTestId('paste-text').fill(own);
    await page.getByTestId('paste-run').click();
    await page.waitForURL((url) => url.searchParams.get('scenario') === 'my-copy' && url.hash.startsWith('#scenario='));
    await settled(page);
    const link = page.url();
    const other = await open(link.slice(link.indexOf('?')));
    await settled(other.page);
    expect(new URL(other.page.url()).searchParams.get('scenario')).toBe('my-copy');
    expect(await other.page.getByTestId('lane-band').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(other.problems).toEqual([]);
  });
});

describe('compare', () => {
  test('two variants in lockstep by step; the first difference is marked and reachable', async () => {
    const buggy = new Timeline(presetById(T2)!, 'buggy');
    const fixed = new Timeline(presetById(T2)!, 'fixed');
    const { page, problems } = await open(`?scenario=${T2}&variant=buggy`);
    await settled(page);
    await page.getByTestId('compare-select').selectOption('fixed');
    const first = page.getByTestId('compare-first');
    await first.waitFor();
    const stepIndex = Number(await first.getAttribute('data-step'));
    await page.getByTestId('compare-go').click();
    const step = buggy.steps[stepIndex];
    const t = step.firstMicrostep + step.microstepCount;
    await page.waitForURL((url) => Number(url.searchParams.get('ms')) === t);
    await settled(page);
    await checkAgainstModel(page, buggy, t);
    // The compared lanes show the fixed variant at the end of the same step.
    const other = fixed.steps[stepIndex];
    const tFixed = other.firstMicrostep + other.microstepCount;
    await page.waitForFunction((want) => document.querySelector('[data-testid="compare-lanes"]')?.getAttribute('data-view-t') === String(want), tFixed);
    await checkAgainstModel(page, fixed, tFixed, 'compare-lanes');
    await screenshot(page, 'vis-compare', { fullPage: false });
    await page.getByTestId('compare-select').selectOption('');
    await page.getByTestId('compare-lanes').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });
});

describe('export', () => {
  test('SVG and PNG of the view, and the run as the CLI prints it', async () => {
    const { page, problems } = await open(`?scenario=${T5}&variant=buggy`);
    await settled(page);
    const saved = async (id: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
      return readFileSync((await download.path())!);
    };
    const svg = (await saved('export-svg')).toString('utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const word of ['CPU 0', 'CPU 1', 'active_mm', 'loaded mm', 'mm_users']) expect(svg).toContain(word);
    // Well-formed: the browser parses it as XML without error.
    expect(await page.evaluate((text) => new DOMParser().parseFromString(text, 'image/svg+xml').querySelector('parsererror') === null, svg)).toBe(true);
    const png = await saved('export-png');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    mkdirSync(join(dirname(fileURLToPath(import.meta.url)), 'screenshots'), { recursive: true });
    writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'screenshots', 'vis-export.png'), png);
    const json = JSON.parse((await saved('export-json')).toString('utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(runReport(new Timeline(presetById(T5)!, 'buggy')))));
    expect(problems).toEqual([]);
  });
});

describe('talk deck', () => {
  test('stops built from the screen, walked with the clicker across scenarios, reopened from a link', async () => {
    const { page, problems } = await open(`?scenario=${T2}&variant=buggy`);
    await settled(page);
    await page.getByTestId('next-violation').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="narration-violation"]') !== null);
    const t2At = await settled(page);
    await page.getByTestId('deck-add').click();
    await page.getByTestId('scenario-picker').selectOption(T5);
    await page.waitForURL((url) => url.searchParams.get('scenario') === T5);
    await settled(page);
    await page.getByTestId('deck-add').click();
    expect(await page.getByTestId('deck-stop').count()).toBe(2);

    await page.getByTestId('deck-link').click();
    await page.waitForURL((url) => url.hash.startsWith('#deck='));
    const link = page.url();

    // Presentation: the clicker walks back to stop 1 (t2 at its violation), then forward to stop 2 (t5).
    await page.keyboard.press('p');
    await page.keyboard.press('PageUp');
    await page.waitForURL((url) => url.searchParams.get('scenario') === T2 && Number(url.searchParams.get('ms')) === t2At);
    await settled(page);
    expect(await page.getByTestId('deck-footer').textContent()).toContain('stop 1 of 2');
    await page.keyboard.press('PageDown');
    await page.waitForURL((url) => url.searchParams.get('scenario') === T5);
    await settled(page);
    expect(await page.getByTestId('deck-footer').textContent()).toContain('stop 2 of 2');
    await screenshot(page, 'vis-deck-presentation', { fullPage: false });

    // The deck link opens the first stop.
    const other = await open(link.slice(link.indexOf('#')));
    await other.page.waitForURL((url) => url.searchParams.get('scenario') === T2 && Number(url.searchParams.get('ms')) === t2At);
    expect(await other.page.getByTestId('deck-stop').count()).toBe(2);
    expect(problems).toEqual([]);
    expect(other.problems).toEqual([]);
  });
});

describe('screens', () => {
  test('1280x720 light and dark, 1920x1080', async () => {
    for (const [name, options] of [
      ['vis-1280-light', { viewport: { width: 1280, height: 720 }, colorScheme: 'light' }],
      ['vis-1280-dark', { viewport: { width: 1280, height: 720 }, colorScheme: 'dark' }],
      ['vis-1920', { viewport: { width: 1920, height: 1080 }, colorScheme: 'light' }],
    ] as const) {
      const { page, problems, close } = await open(`?scenario=${T2}&variant=buggy`, options);
      await settled(page);
      await page.getByTestId('next-violation').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="narration-violation"]') !== null);
      await settled(page);
      // On a projector the lanes, the controls and the narration are on the first screen.
      for (const id of ['lanes', 'controls', 'narration']) {
        const box = await page.getByTestId(id).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.y, `${id} starts on the first screen`).toBeLessThan(options.viewport.height - 60);
      }
      await screenshot(page, name, { fullPage: false });
      expect(problems).toEqual([]);
      await close();
    }
  });
});
