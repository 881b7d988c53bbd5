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

  public constructor(public readonly size: number, words?: Uint32Array) {
    this.words = words;
  }

  public add(i: number): void {
    this.words ??= new Uint32Array((this.size + 31) >>> 5);
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  public delete(i: number): void {
    if (this.words !== undefined) {
      this.words[i >>> 5] &= ~(1 << (i & 31));
    }
  }

  public has(i: number): boolean {
    const w = this.words;
    return w !== undefined && (w[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  public clone(): Bitset {
    return new Bitset(this.size, this.words?.slice());
  }

  /** Adds every member of `other` (in place). */
  public orWith(other: Bitset): this {
    const o = other.words;
    const w = this.words;
    if (o === undefined) {
      return this;
    }
    if (w === undefined) {
      this.words = o.slice();
      return this;
    }
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
    if (o === undefined) {
      this.words = undefined;
      return this;
    }
    for (let i = 0; i < w.length; i++) {
      w[i] &= o[i];
    }
    return this;
  }

  /** Removes every member of `other` (in place). */
  public andNotWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    if (w === undefined || o === undefined) {
      return this;
    }
    for (let i = 0; i < w.length; i++) {
      w[i] &= ~o[i];
    }
    return this;
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
    let n = 0;
    for (const word of this.words ?? []) {
      let w = word;
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }

  /** Calls `visit` with every member, in increasing order (`visit` may delete members). */
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
/* eslint-enable no-bitwise */
