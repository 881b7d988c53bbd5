/**
 * Fixed-size sets of small integers (endpoint positions in a universe), one bit each: the
 * reachability engine's rows ("which sources may reach this destination on this port").
 */
/* eslint-disable no-bitwise -- a bitset is bitwise arithmetic */
export class Bitset {
  /** The set of every integer in [0, size). */
  public static full(size: number): Bitset {
    const words = new Uint32Array((size + 31) >>> 5);
    words.fill(0xffffffff);
    const tail = size % 32;
    if (tail !== 0) {
      words[words.length - 1] = (1 << tail) - 1 >>> 0;
    }
    return new Bitset(size, words);
  }

  /** The members of `[0, size)` that `test` accepts. */
  public static where(size: number, test: (i: number) => boolean): Bitset {
    const set = new Bitset(size);
    for (let i = 0; i < size; i++) {
      if (test(i)) {
        set.add(i);
      }
    }
    return set;
  }

  /**
   * The words, allocated on the first member only: most sets the engine makes stay empty
   * (a destination's port that no rule admits), and a typed array of a universe's size
   * lives outside the JavaScript heap, costly to allocate and to collect by the hundred
   * thousand. Undefined: the empty set.
   */
  private words: Uint32Array | undefined;
  /**
   * Whether `words` may be another set's too (`clone` shares them; the first change
   * copies). Most clones are narrowed at once to a few members or to none (a row of the
   * engine intersected with a scope): they never need a copy of the whole original.
   */
  private shared: boolean;

  public constructor(public readonly size: number, words?: Uint32Array) {
    this.words = words;
    this.shared = false;
  }

  public add(i: number): void {
    this.own()[i >>> 5] |= 1 << (i & 31);
  }

  public delete(i: number): void {
    if (this.has(i)) {
      this.own()[i >>> 5] &= ~(1 << (i & 31));
    }
  }

  public has(i: number): boolean {
    const w = this.words;
    return w !== undefined && (w[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** A set with the same members; changing either leaves the other as it was. */
  public clone(): Bitset {
    const copy = new Bitset(this.size, this.words);
    if (this.words !== undefined) {
      this.shared = true;
      copy.shared = true;
    }
    return copy;
  }

  /** Adds every member of `other` (in place). */
  public orWith(other: Bitset): this {
    const o = other.words;
    if (o === undefined) {
      return this;
    }
    if (this.words === undefined) {
      this.words = o;
      this.shared = true;
      other.shared = true;
      return this;
    }
    const w = this.own();
    for (let i = 0; i < w.length; i++) {
      w[i] |= o[i];
    }
    return this;
  }

  /** Keeps only members of `other` (in place). */
  public andWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    if (w === undefined) {
      return this;
    }
    if (o === undefined || !intersects(w, o)) {
      this.release();
      return this;
    }
    const out = this.shared ? new Uint32Array(w.length) : w;
    for (let i = 0; i < w.length; i++) {
      out[i] = w[i] & o[i];
    }
    this.words = out;
    this.shared = false;
    return this;
  }

  /** Removes every member of `other` (in place). */
  public andNotWith(other: Bitset): this {
    const o = other.words;
    if (this.words === undefined || o === undefined || !intersects(this.words, o)) {
      return this;
    }
    const w = this.own();
    for (let i = 0; i < w.length; i++) {
      w[i] &= ~o[i];
    }
    return this;
  }

  /** The words, allocated and this set's own (copied if shared), ready to change. */
  private own(): Uint32Array {
    if (this.words === undefined) {
      this.words = new Uint32Array((this.size + 31) >>> 5);
    } else if (this.shared) {
      this.words = this.words.slice();
    }
    this.shared = false;
    return this.words;
  }

  /** Becomes the empty set (without writing to words another set may share). */
  private release(): void {
    this.words = undefined;
    this.shared = false;
  }

  public isEmpty(): boolean {
    const w = this.words;
    if (w !== undefined) {
      for (let i = 0; i < w.length; i++) {
        if (w[i] !== 0) {
          return false;
        }
      }
    }
    return true;
  }

  public count(): number {
    const words = this.words;
    let n = 0;
    for (let i = 0; words !== undefined && i < words.length; i++) {
      let w = words[i];
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }

  /** Calls `visit` with every member, in increasing order (`visit` may delete the member it is given). */
  public forEach(visit: (i: number) => void): void {
    const w = this.words;
    if (w === undefined) {
      return;
    }
    for (let k = 0; k < w.length; k++) {
      let word = w[k];
      while (word !== 0) {
        const low = word & -word;
        visit((k << 5) + 31 - Math.clz32(low));
        word ^= low;
      }
    }
  }

  public toArray(): number[] {
    const out: number[] = [];
    this.forEach(i => out.push(i));
    return out;
  }
}

/** Whether two word arrays of one size have a common member. */
function intersects(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    if ((a[i] & b[i]) !== 0) {
      return true;
    }
  }
  return false;
}
/* eslint-enable no-bitwise */
