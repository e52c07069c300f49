/**
 * Export what is on screen: the lanes and refcount graphs as SVG or PNG (from the same layout the canvas draws), and
 * the run as JSON (what `npm run sim -- run --json` prints, served by the worker).
 */
import { axisScale } from '../axis-map.ts';
import { axisTicks } from './trace-clock.ts';
import { runReportText, selectAxis, store } from '../store.ts';
import { traceStore } from '../trace/state.ts';
import { traceOnScreen } from './useTraceOnScreen.ts';
import { layoutBlocks, layoutIpis, layoutMarkers, layoutRows } from '../layout/lanes.ts';
import { layoutRefcount } from '../layout/refcount.ts';
import { lanesSvg } from '../layout/export-svg.ts';
import { mmSwatch, type Theme } from '../layout/palette.ts';
import { positionText } from '../position.ts';

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 5_000);
}

function baseName(): string {
  const { summary, t } = store.getState();
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return summary ? `lazytlb-${safe(summary.scenarioId)}-${safe(summary.variant)}-ms${t}` : 'lazytlb';
}

/** The SVG text of the current view, or null when nothing is loaded. */
export function currentSvg(theme: Theme, plotWidth: number, labelWidth: number): string | null {
  const state = store.getState();
  const { summary, tracks, domain, t } = state;
  if (!summary || !tracks) return null;
  const map = selectAxis(state);
  const x = axisScale(map, domain, [0, plotWidth]);
  const { scenario, report } = traceStore.getState();
  const proof = traceOnScreen(state.source, scenario, report)?.conformance.proof?.cpus ?? null;
  const rows = layoutRows(summary.machine, undefined, !!proof);
  const names = { tasks: summary.machine.tasks, mms: summary.machine.mms };
  const px = x(t);
  return lanesSvg({
    title: summary.title,
    subtitle: `${summary.scenarioId} · ${summary.variant} · ${summary.arch} · ${positionText(summary, t)}`,
    rows,
    blocks: layoutBlocks(rows, tracks, x, plotWidth, names, theme, undefined, proof),
    arrows: layoutIpis(rows, tracks.ipis, x, plotWidth).arrows,
    markers: layoutMarkers(rows, tracks.findings, x, plotWidth),
    graphs: tracks.mms
      .filter((m) => m.mm > 0)
      .map((m) => ({ name: summary.machine.mms[m.mm]?.name ?? `mm ${m.mm}`, layout: layoutRefcount(m, x, plotWidth, 54, tracks), color: mmSwatch(m.mm).fill })),
    x,
    ticks: axisTicks(map, x, plotWidth),
    plotWidth,
    labelWidth,
    playhead: px >= 0 && px <= plotWidth ? px : null,
    theme,
  });
}

export function exportSvg(theme: Theme, plotWidth: number, labelWidth: number): void {
  const svg = currentSvg(theme, plotWidth, labelWidth);
  if (svg) download(new Blob([svg], { type: 'image/svg+xml' }), `${baseName()}.svg`);
}

export async function exportPng(theme: Theme, plotWidth: number, labelWidth: number): Promise<void> {
  const svg = currentSvg(theme, plotWidth, labelWidth);
  if (!svg) return;
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const scale = 2; // crisp on a projector or a slide
    const canvas = document.createElement('canvas');
    canvas.width = img.width * scale;
    canvas.height = img.height * scale;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
    if (blob) download(blob, `${baseName()}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function exportJson(): Promise<void> {
  const chunks = await runReportText();
  if (chunks) download(new Blob(chunks, { type: 'application/json' }), `${baseName()}.json`);
}
