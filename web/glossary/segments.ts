/** Running text with its glossary terms found: the first occurrence of each term becomes a link, the rest stays text. */
import { TERMS } from './terms.ts';

export type Segment = string | { id: string; text: string };

const byWord = new Map<string, string>();
for (const t of TERMS) for (const w of t.words) byWord.set(w, t.id);
const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Longest words first, so `switch_mm_irqs_off` wins over `switch_mm`; whole words only (`lazy` is not in `lazy_tlb`). */
const PATTERN = new RegExp(
  `(?<![A-Za-z0-9_])(?:${[...byWord.keys()].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![A-Za-z0-9_])`,
  'g',
);

export function glossSegments(text: string, linked: Set<string> = new Set()): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(PATTERN)) {
    const id = byWord.get(m[0])!;
    if (linked.has(id)) continue;
    linked.add(id);
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push({ id, text: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
