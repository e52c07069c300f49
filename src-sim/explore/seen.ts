/**
 * The set of states met, by their 64-bit hash (explore/hash.ts): an open-addressing table of two 32-bit lanes per
 * state plus one 32-bit word the search may attach to it (the sleep set it was explored with, explore/por.ts), in
 * typed arrays: 12 bytes a slot, at most half full, and nothing for the garbage collector to trace.
 *
 * Two different states with the same 64 bits are taken as one (hash compaction, as SPIN's -DHC): with n states the
 * chance of any such collision is about n^2 / 2^65, below 1e-8 for a million states.
 */
export class StateSet {
  private lanes: Int32Array;
  private words: Uint32Array;
  /** A number per state the search may attach (explore.ts: the complete runs from it), NaN until set; made when first set. */
  private values: Float64Array | null = null;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let n = 1 << 4;
    while (n < capacity * 2) n <<= 1;
    this.lanes = new Int32Array(n * 2);
    this.words = new Uint32Array(n);
    this.mask = n - 1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.lanes.byteLength + this.words.byteLength + (this.values?.byteLength ?? 0);
  }

  /** The slot of (a, b), or -1 - the empty slot where it would go. */
  private find(a: number, b: number): number {
    if (a === 0 && b === 0) b = 1; // (0, 0) marks an empty slot
    const lanes = this.lanes;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = lanes[i * 2];
      const y = lanes[i * 2 + 1];
      if (x === 0 && y === 0) return -1 - i;
      if (x === a && y === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  has(a: number, b: number): boolean {
    return this.find(a, b) >= 0;
  }

  /** The word attached to (a, b), or undefined if it is not in the set. */
  word(a: number, b: number): number | undefined {
    const i = this.find(a, b);
    return i >= 0 ? this.words[i] : undefined;
  }

  /** The number attached to (a, b): undefined if it is not in the set, NaN if none was attached. */
  value(a: number, b: number): number | undefined {
    const i = this.find(a, b);
    if (i < 0) return undefined;
    return this.values ? this.values[i] : NaN;
  }

  /** Attach a number to (a, b), which must be in the set. */
  setValue(a: number, b: number, v: number): void {
    if (!this.values) this.values = new Float64Array(this.words.length).fill(NaN);
    this.values[this.find(a, b)] = v;
  }

  /** Attach a word to (a, b), which must be in the set. */
  setWord(a: number, b: number, w: number): void {
    this.words[this.find(a, b)] = w;
  }

  /** Add (a, b) with a word; false if it was there already (its word is left as it was). */
  add(a: number, b: number, w = 0): boolean {
    let i = this.find(a, b);
    if (i >= 0) return false;
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      i = this.find(a, b);
    }
    i = -1 - i;
    if (a === 0 && b === 0) b = 1;
    this.lanes[i * 2] = a;
    this.lanes[i * 2 + 1] = b;
    this.words[i] = w;
    if (this.values) this.values[i] = NaN;
    this.size++;
    return true;
  }

  private grow(): void {
    const { lanes, words, values } = this;
    const n = (this.mask + 1) * 2;
    this.lanes = new Int32Array(n * 2);
    this.words = new Uint32Array(n);
    if (values) this.values = new Float64Array(n).fill(NaN);
    this.mask = n - 1;
    for (let i = 0; i < words.length; i++) {
      const a = lanes[i * 2];
      const b = lanes[i * 2 + 1];
      if (a === 0 && b === 0) continue;
      const j = -1 - this.find(a, b);
      this.lanes[j * 2] = a;
      this.lanes[j * 2 + 1] = b;
      this.words[j] = words[i];
      if (values) this.values![j] = values[i];
    }
  }
}
