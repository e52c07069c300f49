/**
 * Draws the lanes' layout (web/layout/lanes.ts) on a canvas: nothing is decided here, only painted. Rows outside
 * [top, top + height) are skipped, so a 64-CPU machine costs what is on screen.
 */
import type { Arrow, Block, IpiCluster, RowsLayout } from '../layout/lanes.ts';
import type { Theme } from '../layout/palette.ts';

const patterns = new WeakMap<CanvasRenderingContext2D, Map<string, CanvasPattern | null>>();

function pattern(ctx: CanvasRenderingContext2D, kind: 'hatch' | 'busy' | 'switching', fill: string, ink: string): CanvasPattern | null {
  let cache = patterns.get(ctx);
  if (!cache) patterns.set(ctx, (cache = new Map()));
  const key = `${kind}:${fill}:${ink}`;
  if (cache.has(key)) return cache.get(key)!;
  const size = 8;
  const tile = document.createElement('canvas');
  tile.width = tile.height = size;
  const g = tile.getContext('2d')!;
  g.fillStyle = fill;
  g.fillRect(0, 0, size, size);
  g.strokeStyle = ink;
  g.fillStyle = ink;
  if (kind === 'busy') {
    g.globalAlpha = 0.55;
    g.fillRect(1, 1, 2, 2);
    g.fillRect(5, 5, 2, 2);
  } else {
    g.globalAlpha = kind === 'hatch' ? 0.45 : 0.7;
    g.lineWidth = kind === 'hatch' ? 1.5 : 3;
    g.beginPath();
    g.moveTo(0, size);
    g.lineTo(size, 0);
    g.moveTo(-2, 2);
    g.lineTo(2, -2);
    g.moveTo(size - 2, size + 2);
    g.lineTo(size + 2, size - 2);
    g.stroke();
  }
  const p = ctx.createPattern(tile, 'repeat');
  cache.set(key, p);
  return p;
}

export interface LaneDrawing {
  rows: RowsLayout;
  blocks: Block[];
  arrows: Arrow[];
  clusters: IpiCluster[];
  width: number;
  /** The part of the lanes in view (scroll offset and viewport height, CSS pixels). */
  top: number;
  height: number;
  theme: Theme;
  font: string;
}

export function drawLanes(canvas: HTMLCanvasElement, d: LaneDrawing): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(d.width * dpr));
  const h = Math.max(1, Math.round(d.height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, -d.top * dpr);
  ctx.clearRect(0, d.top, d.width, d.height);
  const bottom = d.top + d.height;

  // Row separators.
  ctx.strokeStyle = d.theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const band of d.rows.bands) {
    if (band.y > bottom || band.y + band.h < d.top) continue;
    for (const row of band.rows) {
      const y = Math.round(row.y + row.h) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(d.width, y);
    }
  }
  ctx.stroke();

  ctx.font = d.font;
  ctx.textBaseline = 'middle';
  for (const b of d.blocks) {
    if (b.y > bottom || b.y + b.h < d.top) continue;
    ctx.fillStyle =
      b.style === 'solid' ? b.swatch.fill : (pattern(ctx, b.style, b.swatch.fill, b.style === 'busy' ? b.swatch.ink : d.theme.background) ?? b.swatch.fill);
    ctx.fillRect(b.x, b.y, b.w, b.h);
    if (b.w > 14) {
      const text = fit(ctx, b.text, b.w - 8);
      if (text) {
        if (b.style !== 'solid') {
          // A plate behind the words so hatching never crosses them.
          const tw = ctx.measureText(text).width;
          ctx.fillStyle = b.swatch.fill;
          ctx.fillRect(b.x + 2, b.y + 1, tw + 4, b.h - 2);
        }
        ctx.fillStyle = b.swatch.ink;
        ctx.fillText(text, b.x + 4, b.y + b.h / 2 + 0.5);
      }
    }
  }

  // IPIs: an arrow from the sender at send time to the target at delivery.
  ctx.strokeStyle = d.theme.ipi;
  ctx.fillStyle = d.theme.ipi;
  ctx.lineWidth = 2;
  for (const a of d.arrows) {
    if (Math.max(a.y1, a.y2) < d.top || Math.min(a.y1, a.y2) > bottom) continue;
    ctx.setLineDash(a.pending ? [5, 4] : []);
    ctx.beginPath();
    ctx.moveTo(a.x1, a.y1);
    ctx.lineTo(a.x2, a.y2);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.arc(a.x1, a.y1, 3.5, 0, Math.PI * 2);
    ctx.fill();
    if (!a.pending) arrowHead(ctx, a);
  }
  for (const c of d.clusters) {
    ctx.globalAlpha = 0.35;
    ctx.fillRect(c.x, d.top, c.w, 4);
    ctx.globalAlpha = 1;
  }
}

function arrowHead(ctx: CanvasRenderingContext2D, a: Arrow): void {
  const angle = Math.atan2(a.y2 - a.y1, a.x2 - a.x1);
  const len = 9;
  ctx.beginPath();
  ctx.moveTo(a.x2, a.y2);
  ctx.lineTo(a.x2 - len * Math.cos(angle - 0.45), a.y2 - len * Math.sin(angle - 0.45));
  ctx.lineTo(a.x2 - len * Math.cos(angle + 0.45), a.y2 - len * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.fill();
}

/** The text, cut with an ellipsis to fit `max` pixels ('' when not even two characters fit). */
function fit(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 2 ? `${text.slice(0, lo)}…` : '';
}
