/**
 * The lanes and refcount graphs as a standalone SVG document, from the same layout the canvas draws: for slides,
 * papers and bug reports. Built as text with every user-provided string escaped (names come from scenario files).
 */
import type { AxisScale } from '../axis-map.ts';
import type { Arrow, Block, Marker, RowsLayout } from './lanes.ts';
import type { RefcountLayout } from './refcount.ts';
import type { Theme } from './palette.ts';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface SvgInput {
  title: string;
  subtitle: string;
  rows: RowsLayout;
  blocks: Block[];
  arrows: Arrow[];
  markers: Marker[];
  /** Each user mm's graph, with its name. */
  graphs: Array<{ name: string; layout: RefcountLayout; color: string }>;
  x: AxisScale;
  /** The axis's ticks: positions and their labels (micro-steps or trace time). */
  ticks: Array<{ p: number; label: string }>;
  plotWidth: number;
  labelWidth: number;
  playhead: number | null;
  theme: Theme;
}

const GRAPH_H = 54;
const HEAD = 56;
const AXIS = 24;

export function lanesSvg(d: SvgInput): string {
  const n = (v: number) => (Math.round(v * 10) / 10).toString();
  const width = d.labelWidth + d.plotWidth + 10;
  const lanesTop = HEAD + AXIS;
  const graphsTop = lanesTop + d.rows.height + 16;
  const height = graphsTop + d.graphs.length * (GRAPH_H + 8) + 8;
  const t = d.theme;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${t.lazy.fill}"/><line x1="0" y1="0" x2="0" y2="8" stroke="${t.background}" stroke-width="3" stroke-opacity="0.5"/></pattern>`,
    `<pattern id="busy" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="${t.busy.fill}"/><rect x="1" y="1" width="2" height="2" fill="${t.busy.ink}" fill-opacity="0.6"/></pattern></defs>`,
    `<rect width="${width}" height="${height}" fill="${t.background}"/>`,
    `<text x="8" y="22" font-size="16" font-weight="700" fill="${t.text}">${escapeXml(d.title)}</text>`,
    `<text x="8" y="42" fill="${t.muted}">${escapeXml(d.subtitle)}</text>`,
  );
  // Axis.
  out.push(`<g transform="translate(${d.labelWidth},${HEAD})">`);
  for (const v of d.ticks) {
    out.push(`<line x1="${n(d.x(v.p))}" x2="${n(d.x(v.p))}" y1="14" y2="${AXIS}" stroke="${t.muted}"/><text x="${n(d.x(v.p))}" y="11" text-anchor="middle" font-size="11" fill="${t.muted}">${escapeXml(v.label)}</text>`);
  }
  out.push('</g>');
  // Labels.
  out.push(`<g transform="translate(0,${lanesTop})">`);
  for (const band of d.rows.bands) {
    out.push(`<text x="6" y="${band.y + 16}" font-weight="700" fill="${t.text}">${escapeXml(band.title)}</text>`);
    for (const row of band.rows) out.push(`<text x="14" y="${row.y + row.h / 2 + 4}" fill="${t.muted}">${escapeXml(row.label)}</text>`);
  }
  out.push('</g>');
  // Blocks, arrows, markers.
  out.push(`<g transform="translate(${d.labelWidth},${lanesTop})"><clipPath id="plot"><rect width="${d.plotWidth}" height="${d.rows.height}"/></clipPath><g clip-path="url(#plot)">`);
  for (const b of d.blocks) {
    const fill = b.style === 'hatch' ? 'url(#hatch)' : b.style === 'busy' ? 'url(#busy)' : b.swatch.fill;
    out.push(`<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}" fill="${fill}"><title>${escapeXml(b.text)}</title></rect>`);
    if (b.w > 30) {
      const chars = Math.floor((b.w - 8) / 7);
      const text = b.text.length > chars ? `${b.text.slice(0, Math.max(1, chars - 1))}…` : b.text;
      out.push(`<text x="${n(b.x + 4)}" y="${n(b.y + b.h / 2 + 4)}" fill="${b.style === 'solid' ? b.swatch.ink : t.text}">${escapeXml(text)}</text>`);
    }
  }
  for (const a of d.arrows) {
    out.push(`<line x1="${n(a.x1)}" y1="${n(a.y1)}" x2="${n(a.x2)}" y2="${n(a.y2)}" stroke="${t.ipi}" stroke-width="2"${a.pending ? ' stroke-dasharray="5 4"' : ''}><title>${escapeXml(a.text)}</title></line><circle cx="${n(a.x1)}" cy="${n(a.y1)}" r="3.5" fill="${t.ipi}"/>`);
  }
  for (const m of d.markers) {
    out.push(`<g transform="translate(${n(m.x)},${n(m.y)})"><rect x="-14" y="0" width="28" height="14" rx="3" fill="${m.finding.warning ? '#6e4c00' : '#b00020'}"/><text y="11" text-anchor="middle" font-size="10" font-weight="700" fill="#ffffff">${escapeXml(m.finding.id)}</text></g>`);
  }
  if (d.playhead !== null) out.push(`<line x1="${n(d.playhead)}" x2="${n(d.playhead)}" y1="0" y2="${d.rows.height}" stroke="${t.playhead}" stroke-width="2"/>`);
  out.push('</g></g>');
  // Refcount graphs.
  d.graphs.forEach((g, i) => {
    const y = graphsTop + i * (GRAPH_H + 8);
    out.push(`<text x="6" y="${y + 16}" font-weight="700" fill="${t.text}">${escapeXml(g.name)}</text><text x="6" y="${y + 32}" font-size="11" fill="${t.muted}">mm_users (solid), mm_count (dashed)</text>`);
    out.push(`<g transform="translate(${d.labelWidth},${y})"><path d="${g.layout.count}" fill="none" stroke="${g.color}" stroke-width="3" stroke-dasharray="6 3"/><path d="${g.layout.users}" fill="none" stroke="${t.text}" stroke-width="2.5"/>`);
    if (d.playhead !== null) out.push(`<line x1="${n(d.playhead)}" x2="${n(d.playhead)}" y1="0" y2="${GRAPH_H}" stroke="${t.playhead}" stroke-width="2"/>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}
