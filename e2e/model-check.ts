/**
 * What the page shows, checked against the state the simulation core itself computes at that micro-step (run here in
 * node, independently of the worker and the UI).
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Snapshot } from '../src-sim/model/types.ts';

/** The playhead the URL names (ms = micro-steps done). */
export function playhead(page: Page): number {
  return Number(new URL(page.url()).searchParams.get('ms'));
}

/** Waits until the lanes show the state at the playhead the URL names, and returns it. */
export async function settled(page: Page): Promise<number> {
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
export function modelAt(timeline: Timeline, t: number): Snapshot {
  return timeline.stateAt(t - 1);
}

/** Lanes, refcounts and TLB cells on screen equal the model's state (`lanes`: which lanes panel). */
export async function checkAgainstModel(page: Page, timeline: Timeline, t: number, lanes = 'lanes'): Promise<void> {
  const s = modelAt(timeline, t);
  const root = page.getByTestId(lanes);
  const mmName = (m: number) => (m < 0 ? 'LOADED_MM_SWITCHING' : s.mms[m].name);
  for (const cpu of s.cpus) {
    const band = root.locator(`[data-testid="lane-band"][data-actor="cpu${cpu.id}"]`);
    const value = async (row: string) => ((await band.locator(`[data-row="${row}"] [data-testid="lane-value"]`).textContent()) ?? '').trim();
    const task = s.tasks[cpu.curr];
    expect(await value('current'), `CPU ${cpu.id} current at t=${t}`).toBe(task.state === 'dead' ? `${task.name} (exited)` : task.name);
    expect(await value('active_mm'), `CPU ${cpu.id} active_mm at t=${t}`).toBe(mmName(task.active_mm));
    const loaded = await value('loaded');
    expect(loaded.startsWith(mmName(cpu.loaded_mm)), `CPU ${cpu.id} loaded mm at t=${t}: ${loaded}`).toBe(true);
    if (cpu.loaded_mm > 0) expect(loaded).toContain(`tag ${cpu.tag}`);

    // the compared variant's TLB grids sit under its lanes
    const grid = page.locator(`[data-testid="${lanes === 'lanes' ? 'tlb-grid' : 'compare-tlb-grid'}"][data-actor="cpu${cpu.id}"] [data-testid="tlb-entry"]`);
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
