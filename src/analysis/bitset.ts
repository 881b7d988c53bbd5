/**
 * Fixed-size sets of small integers (endpoint positions in a universe), one bit each: the
 * reachability engine's rows ("which sources may reach this destination on this port").
 */
/* eslint-disable no-bitwise -- a bitset is bitwise arithmetic */
export class Bitset {
  /** The set of every integer in [0, size). */
  public static full(size: number): Bitset {
    const set = new Bitset(size);
    set.words.fill(0xffffffff);
    const tail = size % 32;
    if (tail !== 0) {
      set.words[set.words.length - 1] = (1 << tail) - 1 >>> 0;
    }
    return set;
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

  public readonly words: Uint32Array;

  public constructor(public readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  public add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  public has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  public clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  /** Adds every member of `other` (in place). */
  public orWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) {
      w[i] |= o[i];
    }
    return this;
  }

  /** Keeps only members of `other` (in place). */
  public andWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) {
      w[i] &= o[i];
    }
    return this;
  }

  /** Removes every member of `other` (in place). */
  public andNotWith(other: Bitset): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) {
      w[i] &= ~o[i];
    }
    return this;
  }

  public isEmpty(): boolean {
    return this.words.every(w => w === 0);
  }

  public count(): number {
    let n = 0;
    for (const word of this.words) {
      let w = word;
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }

  /** Calls `visit` with every member, in increasing order. */
  public forEach(visit: (i: number) => void): void {
    const w = this.words;
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
