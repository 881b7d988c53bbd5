/**
 * Bitset against a plain Set of numbers: every operation, from sets that were never written
 * (no words allocated), emptied by an intersection, or full, over sizes around word edges.
 */
import * as fc from 'fast-check';
import { Bitset } from '../../src/analysis/bitset';
import { propertyRuns } from '../support/property-runs';

const SEED = 20261207;

/** A size and two member lists inside it (possibly empty). */
const operandsArb = fc.integer({ min: 1, max: 130 }).chain(size => fc.record({
  size: fc.constant(size),
  a: fc.array(fc.integer({ min: 0, max: size - 1 }), { maxLength: 40 }),
  b: fc.array(fc.integer({ min: 0, max: size - 1 }), { maxLength: 40 }),
}));

function bitsetOf(size: number, members: readonly number[]): Bitset {
  const set = new Bitset(size);
  members.forEach(i => set.add(i));
  return set;
}

function sorted(members: Iterable<number>): number[] {
  return [...new Set(members)].sort((x, y) => x - y);
}

/** What a Bitset must hold: its members in order, its count, emptiness and membership. */
function expectMembers(set: Bitset, members: readonly number[]): void {
  const want = sorted(members);
  expect(set.toArray()).toEqual(want);
  expect(set.count()).toBe(want.length);
  expect(set.isEmpty()).toBe(want.length === 0);
  const positions = Array.from({ length: set.size }, (_, i) => i);
  expect(positions.filter(i => set.has(i))).toEqual(want);
}

describe('Bitset', () => {
  test('union, intersection, difference and deletion equal those of plain sets', () => {
    fc.assert(fc.property(operandsArb, ({ size, a, b }) => {
      const inB = new Set(b);
      expectMembers(bitsetOf(size, a).orWith(bitsetOf(size, b)), [...a, ...b]);
      expectMembers(bitsetOf(size, a).andWith(bitsetOf(size, b)), a.filter(i => inB.has(i)));
      expectMembers(bitsetOf(size, a).andNotWith(bitsetOf(size, b)), a.filter(i => !inB.has(i)));
      // Deleting members while visiting them, as the engine does when it filters a row.
      const filtered = bitsetOf(size, a);
      filtered.forEach(i => {
        if (inB.has(i)) {
          filtered.delete(i);
        }
      });
      expectMembers(filtered, a.filter(i => !inB.has(i)));
    }), { seed: SEED, numRuns: propertyRuns(200) });
  });

  test('a set emptied by an intersection takes members again, and clones do not share words', () => {
    fc.assert(fc.property(operandsArb, ({ size, a, b }) => {
      const emptied = bitsetOf(size, a).andWith(new Bitset(size));
      expectMembers(emptied, []);
      b.forEach(i => emptied.add(i));
      expectMembers(emptied, b);
      const original = bitsetOf(size, a);
      const copy = original.clone().orWith(bitsetOf(size, b));
      expectMembers(original, a);
      expectMembers(copy, [...a, ...b]);
      // Changing the original (each way) leaves its clones as they were, and the other way round.
      for (const change of [(x: Bitset) => b.forEach(i => x.add(i)), (x: Bitset) => b.forEach(i => x.delete(i)),
        (x: Bitset) => x.andWith(bitsetOf(size, b)), (x: Bitset) => x.andNotWith(bitsetOf(size, b))]) {
        const source = bitsetOf(size, a);
        const clone = source.clone();
        const cloneOfClone = clone.clone();
        change(source);
        expectMembers(clone, a);
        change(clone);
        expectMembers(cloneOfClone, a);
        expectMembers(clone, source.toArray());
      }
      // A union into a never-written set copies the other's words rather than sharing them.
      const other = bitsetOf(size, b);
      const union = new Bitset(size).orWith(other);
      a.forEach(i => union.add(i));
      expectMembers(other, b);
    }), { seed: SEED, numRuns: propertyRuns(200) });
  });

  test('full and where hold exactly their members, up to the last partial word', () => {
    for (const size of [1, 31, 32, 33, 64, 65, 100]) {
      expectMembers(Bitset.full(size), Array.from({ length: size }, (_, i) => i));
      expectMembers(Bitset.where(size, i => i % 3 === 0), Array.from({ length: size }, (_, i) => i).filter(i => i % 3 === 0));
      expectMembers(Bitset.full(size).andNotWith(Bitset.full(size)), []);
    }
  });
});
