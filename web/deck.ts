/**
 * A talk deck: an ordered list of stops (a preset or a scenario the deck carries, a variant, a position, speaker
 * notes) that a clicker walks across scenarios. Kept as a small JSON file (`lazytlb-deck/1`) and as a link (`#deck=...`, compressed like a scenario).
 * Decks are input: validated with zod, errors name the JSON path, nothing in them is executed.
 */
import { z } from 'zod';
import { decodeScenario, encodeScenario, fragmentValue, MAX_FRAGMENT } from './share.ts';

export const DECK_FORMAT = 'lazytlb-deck/1';

const stopSchema = z
  .object({
    scenario: z.string().min(1).max(200),
    variant: z.string().min(1).max(200).optional(),
    /** Playhead: micro-steps done. */
    ms: z.number().int().min(0).max(1e9).optional(),
    /** Or the end of steps[step]. */
    step: z.number().int().min(0).max(1e6).optional(),
    title: z.string().max(300).optional(),
    notes: z.string().max(5000).optional(),
  })
  .strict();

/** The scenario files a deck carries (a speaker's own scenarios), by scenario id, as text: validated when loaded. */
const carriedSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a scenario id'), z.string().max(4_000_000)).optional();

export const deckSchema = z
  .object({
    format: z.literal(DECK_FORMAT),
    title: z.string().max(300).optional(),
    stops: z.array(stopSchema).min(1).max(500),
    scenarios: carriedSchema,
  })
  .strict();

/** The scenario text a deck carries under this id (own properties only), or null for a preset. */
export function carriedScenario(deck: Deck, id: string): string | null {
  return deck.scenarios && Object.hasOwn(deck.scenarios, id) ? deck.scenarios[id] : null;
}

export type Deck = z.infer<typeof deckSchema>;
export type DeckStop = z.infer<typeof stopSchema>;

export class DeckError extends Error {}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Parses and validates a deck's text; throws DeckError with `path: what` on bad input. */
export function parseDeck(text: string): Deck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // The engine's message may quote the input: cut it, and show no control characters.
    const why = (e as Error).message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
    throw new DeckError(`deck: not valid JSON (${why.length > 120 ? `${why.slice(0, 120)}…` : why})`);
  }
  const r = deckSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = pathOf(issue.path);
    throw new DeckError(`deck${where ? ` ${where}` : ''}: ${issue.message}`);
  }
  return r.data;
}

export function deckText(deck: Deck): string {
  return `${JSON.stringify(deck, null, 2)}\n`;
}

export const DECK_KEY = 'deck';

export async function deckFragment(deck: Deck): Promise<{ fragment: string } | { error: string }> {
  const fragment = `#${DECK_KEY}=${await encodeScenario(JSON.stringify(deck))}`;
  if (fragment.length > MAX_FRAGMENT) return { error: `This deck is too long for a link (${fragment.length} characters; the limit is ${MAX_FRAGMENT}). Share the file instead.` };
  return { fragment };
}

export async function deckFromHash(hash: string): Promise<Deck | null> {
  const encoded = fragmentValue(hash, DECK_KEY);
  if (encoded === null) return null;
  return parseDeck(await decodeScenario(encoded));
}
