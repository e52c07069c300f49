/**
 * One colour per mm everywhere in the app (lanes, graphs, TLB grids, inspector), from the Okabe–Ito palette, which
 * stays distinguishable under the common colour-vision deficiencies. Colour never carries meaning alone: every
 * coloured block also carries the mm's name, lazy is hatched, busy blocks are dotted.
 */

export interface Swatch {
  fill: string;
  /** Text drawn on the fill, chosen for contrast. */
  ink: string;
}

const OKABE_ITO: Swatch[] = [
  { fill: '#56B4E9', ink: '#08141c' },
  { fill: '#E69F00', ink: '#1a1200' },
  { fill: '#009E73', ink: '#ffffff' },
  { fill: '#CC79A7', ink: '#1c0b15' },
  { fill: '#F0E442', ink: '#1a1800' },
  { fill: '#0072B2', ink: '#ffffff' },
  { fill: '#D55E00', ink: '#ffffff' },
];

const INIT_MM: Swatch = { fill: '#b7bec8', ink: '#10141a' };

/** The colour of mm `id` (0 is init_mm, a neutral grey; -1, "switching", is drawn striped by the views). */
export function mmSwatch(id: number): Swatch {
  if (id <= 0) return INIT_MM;
  return OKABE_ITO[(id - 1) % OKABE_ITO.length];
}

/** Colours of things that are not mms, per theme. */
export interface Theme {
  dark: boolean;
  background: string;
  text: string;
  muted: string;
  grid: string;
  userTask: Swatch;
  kthread: Swatch;
  idle: Swatch;
  lazy: Swatch;
  irq: Swatch;
  kernel: Swatch;
  busy: Swatch;
  ipi: string;
  violation: string;
  playhead: string;
}

export const LIGHT: Theme = {
  dark: false,
  background: '#ffffff',
  text: '#0f1115',
  muted: '#3b4350',
  grid: '#d5dae1',
  userTask: { fill: '#e3e7ed', ink: '#0f1115' },
  kthread: { fill: '#c9d0da', ink: '#0f1115' },
  idle: { fill: '#f1f3f6', ink: '#3b4350' },
  lazy: { fill: '#7a4fa0', ink: '#ffffff' },
  irq: { fill: '#a33900', ink: '#ffffff' },
  kernel: { fill: '#dbe6f3', ink: '#0b2a4a' },
  busy: { fill: '#8a94a3', ink: '#ffffff' },
  ipi: '#a33900',
  violation: '#b00020',
  playhead: '#0a58a6',
};

export const DARK: Theme = {
  dark: true,
  background: '#121419',
  text: '#f3f5f8',
  muted: '#cdd3dc',
  grid: '#333b48',
  userTask: { fill: '#2c3340', ink: '#f3f5f8' },
  kthread: { fill: '#414b5c', ink: '#f3f5f8' },
  idle: { fill: '#1d222b', ink: '#cdd3dc' },
  lazy: { fill: '#b48be0', ink: '#120a1a' },
  irq: { fill: '#ffa172', ink: '#1a0b02' },
  kernel: { fill: '#1f3349', ink: '#d6e8ff' },
  busy: { fill: '#6b7584', ink: '#ffffff' },
  ipi: '#ffa172',
  violation: '#ff6b81',
  playhead: '#f0e442',
};
