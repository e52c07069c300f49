/**
 * The visualizer in Chromium: what the lanes, refcount graphs and TLB grids show is checked against the state the
 * simulation core itself computes at that micro-step (run here in node, independently of the worker and the UI).
 */
import { describe, expect, test } from 'vitest';
import { runInEditor, screenshot, usePages } from './browser.ts';
import { checkAgainstModel, modelAt, settled } from './model-check.ts';
import { presetById, presetInfos } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { runReport } from '../src-sim/timeline/report.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const T2 = 't2-use-mm-mm-users';
const T5 = 't5-fullmm-upfront-flush';

const { open } = usePages();

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
    await runInEditor(page, own);
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

describe('a big machine', () => {
  test('64 CPUs: what is on screen is true, what is far off screen is drawn when scrolled to, never stale', async () => {
    const base = randomScenario({ arch: 'x86', cpus: 64, mms: 24, tasksPerMm: 2, kthreads: 8, pagesPerMm: 4 });
    const run = new Timeline(base, null, { extend: randomSteps(11, 400, { pagesPerMm: 4 }) });
    const file = { ...run.file, id: 'big-machine' };
    const timeline = new Timeline(file, null);
    const { page, problems } = await open('', { viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    await page.getByTestId('preset-list').waitFor();
    await runInEditor(page, JSON.stringify(file));
    await page.waitForURL((url) => url.searchParams.get('scenario') === 'big-machine');
    await settled(page);
    await page.keyboard.press('End');
    const end = await settled(page);
    expect(end).toBe(timeline.microstepCount);
    const s = modelAt(timeline, end);
    // Lines of the CPU table far below the screen say "…"; scrolled to, each says what the model says.
    const farRows = () =>
      page.$$eval('[data-testid="inspect-cpu"]', (rows) =>
        rows.filter((r) => r.getBoundingClientRect().top > innerHeight + 600).map((r) => ({ cpu: Number(r.getAttribute('data-cpu')), curr: r.querySelector('td')?.textContent ?? '' })),
      );
    const far = await farRows();
    expect(far.length, 'some CPU lines are far below the first screen').toBeGreaterThan(10);
    for (const r of far) expect(r.curr, `CPU ${r.cpu} off screen`).toBe('…');
    const last = page.locator('[data-testid="inspect-cpu"][data-cpu="63"]');
    await last.scrollIntoViewIfNeeded();
    await expect.poll(async () => (await last.locator('td').first().textContent()) ?? '').toBe(s.tasks[s.cpus[63].curr].name);
    // The refcount graph of the last mm is drawn only once it is near the screen.
    const graphs = page.getByTestId('refcount');
    const lastGraph = graphs.last();
    await page.evaluate(() => scrollTo(0, 0));
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="refcount"]')];
      const row = rows[rows.length - 1];
      return row && row.getBoundingClientRect().top > innerHeight + 600 && row.querySelector('path') === null;
    });
    await lastGraph.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="refcount"]')];
      return (rows[rows.length - 1]?.querySelectorAll('path.line-users').length ?? 0) === 1;
    });
    const name = await lastGraph.getAttribute('data-mm');
    const model = s.mms.find((m) => m.name === name);
    expect(model, `${name} is an mm of the model`).toBeDefined();
    expect(((await lastGraph.getByTestId('mm-users').textContent()) ?? '').trim()).toBe(String(model!.mm_users));
    expect(((await lastGraph.getByTestId('mm-count').textContent()) ?? '').trim()).toBe(String(model!.mm_count));
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'vis-big-machine', { fullPage: false });
    expect(problems).toEqual([]);
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

  test('a stop on your own scenario: the deck carries it, and its link reopens it in a fresh page', async () => {
    const { page, problems } = await open('');
    await page.getByTestId('preset-list').waitFor();
    const own = JSON.stringify(presetById(T5)).replace(`"id":"${T5}"`, '"id":"my-talk-scenario"');
    await runInEditor(page, own);
    await page.waitForURL((url) => url.searchParams.get('scenario') === 'my-talk-scenario');
    await page.keyboard.press('End');
    const end = await settled(page);
    await page.getByTestId('deck-add').click();
    await page.getByTestId('scenario-picker').selectOption(T2);
    await page.waitForURL((url) => url.searchParams.get('scenario') === T2);
    await settled(page);
    await page.getByTestId('deck-add').click();
    await page.getByTestId('deck-link').click();
    await page.waitForURL((url) => url.hash.startsWith('#deck='));
    const link = page.url();
    // A fresh page has never seen the scenario: the deck brings it, at the stop's position.
    const other = await open(link.slice(link.indexOf('#')));
    await other.page.waitForURL((url) => url.searchParams.get('scenario') === 'my-talk-scenario' && Number(url.searchParams.get('ms')) === end);
    await settled(other.page);
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
