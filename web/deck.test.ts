import { describe, expect, test } from 'vitest';
import { DECK_FORMAT, carriedScenario, parseDeck } from './deck.ts';

describe('talk decks', () => {
  test('a valid deck parses', () => {
    const deck = parseDeck(JSON.stringify({ format: DECK_FORMAT, title: 'talk', stops: [{ scenario: 't2', variant: 'buggy', ms: 57, notes: 'here' }, { scenario: 't5', step: 2 }] }));
    expect(deck.stops).toHaveLength(2);
    expect(deck.stops[1]).toEqual({ scenario: 't5', step: 2 });
  });

  test('a deck carries its own scenarios by id; a stop names one or a preset', () => {
    const deck = parseDeck(JSON.stringify({ format: DECK_FORMAT, stops: [{ scenario: 'mine', ms: 3 }, { scenario: 't2' }], scenarios: { mine: '{"format":"lazytlb/1"}' } }));
    expect(carriedScenario(deck, 'mine')).toBe('{"format":"lazytlb/1"}');
    expect(carriedScenario(deck, 't2')).toBeNull();
    expect(carriedScenario(deck, 'constructor')).toBeNull();
    expect(() => parseDeck(JSON.stringify({ format: DECK_FORMAT, stops: [{ scenario: 'x' }], scenarios: { 'Bad Id': '{}' } }))).toThrow(/^deck scenarios/);
  });

  test('bad decks say where and what', () => {
    expect(() => parseDeck('{')).toThrow(/^deck: not valid JSON/);
    expect(() => parseDeck(JSON.stringify({ format: 'other', stops: [] }))).toThrow(/^deck format:/);
    expect(() => parseDeck(JSON.stringify({ format: DECK_FORMAT, stops: [{ scenario: 't2', ms: -1 }] }))).toThrow(/^deck stops\[0\]\.ms:/);
    expect(() => parseDeck(JSON.stringify({ format: DECK_FORMAT, stops: [{ scenario: 't2', run: 'alert(1)' }] }))).toThrow(/^deck stops\[0\]:/);
    expect(() => parseDeck(JSON.stringify({ format: DECK_FORMAT, stops: [] }))).toThrow(/^deck stops:/);
  });
});
