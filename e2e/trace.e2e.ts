/**
 * A kernel trace opened in the app: read by a worker of its own with progress, its report equal to the importer's
 * (run here in node on the same file), then the reconstructed scenario on the timeline with a trace-time axis; another
 * pass with a CPU and a window; a file that is not a trace gets a clear error and the app keeps working.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { screenshot, usePages } from './browser.ts';
import { settled } from './model-check.ts';
import { TraceImport } from '../src-sim/trace/import.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Page } from 'playwright-core';

const { open } = usePages();

/** The axis ticks on screen: page x, label, and the trace time the label reads (µs). */
async function tickPositions(page: Page): Promise<Array<{ x: number; label: string; us: number }>> {
  const ticks = page.locator('svg.axis').first().getByTestId('axis-tick');
  const out: Array<{ x: number; label: string; us: number }> = [];
  for (let i = 0; i < (await ticks.count()); i++) {
    const line = (await ticks.nth(i).locator('line').boundingBox())!;
    const label = (await ticks.nth(i).locator('text').textContent()) ?? '';
    const m = /^(-?[\d,.]+) (µs|ms)$/.exec(label);
    if (!m) throw new Error(`tick label ${label}`);
    out.push({ x: line.x + line.width / 2, label, us: Number(m[1].replace(/,/g, '')) * (m[2] === 'ms' ? 1000 : 1) });
  }
  return out;
}
const FILE = 'tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt';
const NAME = 'x86-6.18-lazytlb-demo.tracefs.txt';

function importHere(options: { cpus?: number[]; from?: number; to?: number; era?: string } = {}) {
  const imp = new TraceImport({ name: NAME, ...options });
  imp.push(readFileSync(FILE, 'utf8'));
  return imp.finish();
}

describe('kernel trace import', () => {
  test('open the x86 capture: report, reconstruction, then its scenario on a trace-time axis', async () => {
    const { page, problems } = await open('?v=1&scenario=t0-lazy-tlb-basics&variant=x86', { viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    await settled(page);
    await page.getByTestId('file-input').setInputFiles({ name: NAME, mimeType: 'text/plain', buffer: readFileSync(FILE) });
    const dialog = page.getByTestId('trace-dialog');
    await dialog.waitFor();
    await page.getByTestId('trace-report').waitFor();

    const here = importHere();
    expect(await page.getByTestId('trace-format').textContent()).toBe(here.report.format);
    expect(await page.getByTestId('trace-arch').textContent()).toContain('x86 (the trace shows it)');
    expect(await page.getByTestId('trace-lines').textContent()).toContain(`${here.report.lines.toLocaleString('en')} lines; ${here.report.unparsedLines} match no known line shape`);
    const rows = await page.getByTestId('trace-switches').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const expected = Object.entries(here.report.reconstructed.switches.byKind)
      .filter(([, c]) => c.n > 0)
      .map(([k, c]) => [k, String(c.n), String(c.reason0), `${c.flushed} / ${c.pcidKept}`]);
    expect(rows).toEqual(expected);
    expect(await page.getByTestId('trace-scenario').textContent()).toContain(`${here.report.scenario.steps} steps`);
    // the model against the trace, in the era the trace shows
    expect(here.conformance.ran).toBe(true);
    expect(await page.getByTestId('trace-era').textContent()).toContain(`x86 era ${here.report.era.value} (the trace shows it)`);
    expect(await page.getByTestId('trace-conformance-total').textContent()).toContain(
      `${here.conformance.agree.toLocaleString('en')} predictions agree, ${here.conformance.disagree} disagree`,
    );
    expect(await page.getByTestId('trace-invlpgb').textContent()).toContain(`INVLPGB broadcast flushes: off — ${here.report.era.invlpgb!.evidence}`);
    expect(await page.getByTestId('trace-era-config').textContent()).toBe(here.report.era.configNote);
    await screenshot(page, 'trace-report', { fullPage: false });

    // an older era: its disagreements are listed, each can be shown on the timeline
    await page.getByTestId('trace-era-choice').selectOption('v4.20');
    await page.getByTestId('trace-reimport').click();
    const older = importHere({ era: 'v4.20' });
    expect(older.conformance.disagree).toBeGreaterThan(0);
    await expect.poll(async () => (await page.getByTestId('trace-conformance-total').textContent()) ?? '').toContain(`${older.conformance.disagree} disagree`);
    const listed = page.getByTestId('trace-disagreement');
    expect(await listed.count()).toBe(Math.min(40, older.conformance.disagree));
    const first = Object.values(older.conformance.kinds).flatMap((k) => k.disagreements)[0];
    expect(await listed.first().textContent()).toContain(`line ${first.line}, CPU${first.cpu}:`);
    await listed.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'trace-disagreements', { fullPage: false });
    await listed.first().getByTestId('trace-disagreement-show').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await settled(page)).toBe(first.microstep! + 1);
    // every disagreement is marked over the lanes at its micro-step
    const withStep = Object.values(older.conformance.kinds).flatMap((k) => k.disagreements).filter((d) => d.microstep !== null);
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('conformance-mark').count()).toBe(Math.min(200, withStep.length));
    await screenshot(page, 'trace-marks', { fullPage: false });
    await page.keyboard.press('Escape');
    // back to the era the trace shows, for the timeline below
    await page.getByTestId('file-input').setInputFiles({ name: NAME, mimeType: 'text/plain', buffer: readFileSync(FILE) });
    await page.getByTestId('trace-report').waitFor();

    await page.getByTestId('trace-show').click();
    await dialog.waitFor({ state: 'hidden' });
    await settled(page);
    expect(await page.getByTestId('step').count()).toBeGreaterThan(0);
    // the lanes are drawn to scale in trace time: round times, evenly spaced, each where the core's clock puts it
    const axis = page.locator('svg.axis[data-axis="trace-time"]').first();
    await axis.waitFor();
    expect(await axis.getAttribute('aria-label')).toMatch(/^time axis, trace time .* after the first traced event, to scale$/);
    expect(await page.getByTestId('trace-axis-toggle').getAttribute('aria-pressed')).toBe('true');
    const clock = new Timeline(here.scenario!, null).clock!;
    const ticks = await tickPositions(page);
    expect(ticks.length).toBeGreaterThan(3);
    const gaps = ticks.slice(1).map((t, i) => t.x - ticks[i].x);
    for (const g of gaps) expect(Math.abs(g - gaps[0])).toBeLessThan(1.5);
    // a click on a tick seeks to the state the core's clock has at that time
    const plot = page.getByTestId('lane-plot');
    const box = (await plot.boundingBox())!;
    const tick = ticks[2];
    await page.mouse.click(tick.x + 0.5, box.y + 10);
    expect(await settled(page)).toBe(Math.floor(clock.toPosition(tick.us) + 1e-9));
    // what the trace proves, beside the model's rows: at a lazy stretch the trace proves on CPU0, the row says so,
    // names the trace line on hover, and the model's loaded mm is the same
    const proof = here.conformance.proof!.cpus[0];
    const k = proof.findIndex((seg, i) => seg.lazy && i + 1 < proof.length && clock.toTime(proof[i + 1].from) - clock.toTime(seg.from) > 200);
    expect(k).toBeGreaterThan(0);
    const mid = (clock.toTime(proof[k].from) + clock.toTime(proof[k + 1].from)) / 2;
    const pxAt = (us: number) => ticks[0].x + ((us - ticks[0].us) * (ticks[1].x - ticks[0].x)) / (ticks[1].us - ticks[0].us);
    await page.mouse.click(pxAt(mid), box.y + 10);
    const at = await settled(page);
    expect(at).toBeGreaterThanOrEqual(proof[k].from);
    expect(at).toBeLessThan(proof[k + 1].from);
    const cpu0 = page.locator('[data-testid="lane-band"][data-actor="cpu0"]');
    const traceValue = cpu0.locator('[data-row="trace"] [data-testid="lane-value"]');
    const mmName = new Timeline(here.scenario!, null).summary().machine.mms[proof[k].mm!].name;
    expect(await traceValue.textContent()).toBe(`${mmName} (lazy)`);
    expect(await traceValue.getAttribute('title')).toContain(`(trace line ${proof[k].line})`);
    expect(await cpu0.locator('[data-row="loaded"] [data-testid="lane-value"]').textContent()).toContain(mmName);
    expect(await page.locator('[data-testid="lane-band"][data-actor="cpu1"] [data-row="trace"]').count()).toBe(1);
    await screenshot(page, 'trace-time-axis', { fullPage: false });
    // on a projector: the same axis and rows, larger
    await page.keyboard.press('p');
    await page.locator('svg.axis[data-axis="trace-time"]').first().waitFor();
    await screenshot(page, 'trace-presenting', { fullPage: false });
    await page.keyboard.press('p');
    // zoomed in around the playhead, the ticks are finer (and still in step with the clock)
    for (let i = 0; i < 8; i++) await page.keyboard.press('w');
    await expect.poll(async () => { const t = await tickPositions(page); return t.length > 2 && t[1].us - t[0].us <= 100; }).toBe(true);
    const fine = await tickPositions(page);
    await page.mouse.click(fine[1].x + 0.5, box.y + 10);
    expect(await settled(page)).toBe(Math.floor(clock.toPosition(fine[1].us) + 1e-9));
    await screenshot(page, 'trace-time-axis-zoomed', { fullPage: false });
    for (let i = 0; i < 8; i++) await page.keyboard.press('s');
    // one micro-step per unit instead: ticks at round times where the run reaches them
    await page.getByTestId('trace-axis-toggle').click();
    const steps = page.locator('svg.axis[data-axis="trace"]').first();
    await steps.waitFor();
    expect(await steps.getAttribute('aria-label')).toMatch(/in micro-steps$/);
    expect((await steps.locator('text').allTextContents()).some((t) => /µs|ms$/.test(t))).toBe(true);
    await page.getByTestId('trace-axis-toggle').click();
    await axis.waitFor();
    await screenshot(page, 'trace-timeline', { fullPage: false });
    expect(problems).toEqual([]);
  });

  test('another pass with one CPU and a window; a file that is not a trace says so', async () => {
    const { page, problems } = await open('?v=1&scenario=t0-lazy-tlb-basics&variant=x86', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await settled(page);
    await page.getByTestId('file-input').setInputFiles({ name: NAME, mimeType: 'text/plain', buffer: readFileSync(FILE) });
    await page.getByTestId('trace-report').waitFor();
    const all = importHere();
    const from = all.report.window.firstTs! + 0.01;
    await page.getByTestId('trace-cpus').fill('1');
    await page.getByTestId('trace-from').fill(String(from));
    await page.getByTestId('trace-reimport').click();
    const here = importHere({ cpus: [1], from });
    await expect.poll(async () => (await page.getByTestId('trace-scenario').textContent()) ?? '').toContain(`${here.report.scenario.steps} steps`);
    expect(here.report.scenario.steps).toBeLessThan(all.report.scenario.steps);
    // a bad CPU list is refused in the form, before any import
    await page.getByTestId('trace-cpus').fill('1,x');
    await page.getByTestId('trace-reimport').click();
    expect(await page.getByRole('alert').textContent()).toContain('"x" is not a CPU number or range');
    await page.keyboard.press('Escape');

    // binary data: a clear error, and the timeline on screen stays
    await page.getByTestId('file-input').setInputFiles({ name: 'core.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 0, 9, 8]) });
    const status = page.getByTestId('trace-status');
    await status.waitFor();
    expect(await status.textContent()).toMatch(/^The trace could not be read: "core\.bin": /);
    await page.keyboard.press('Escape');
    await settled(page);
    expect(problems).toEqual([]);
  });
});
