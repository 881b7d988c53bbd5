/**
 * CIDR subtraction: a range minus its exclusions as a minimal list of CIDR blocks, for
 * ServiceEntry `addresses` (which have no `except`).
 */
import { CidrBlock, formatIp, parseCidr } from '../../model/cidr';

function familyBits(block: CidrBlock): number {
  return block.family === 4 ? 32 : 128;
}

function halves(block: CidrBlock): [CidrBlock, CidrBlock] {
  const prefix = block.prefix + 1;
  const size = 2n ** BigInt(familyBits(block) - prefix);
  const make = (start: bigint): CidrBlock => ({
    family: block.family,
    prefix,
    start,
    end: start + size - 1n,
    text: `${formatIp({ family: block.family, value: start })}/${prefix}`,
    hadHostBits: false,
  });
  return [make(block.start), make(block.start + size)];
}

function subtractOne(block: CidrBlock, hole: CidrBlock): CidrBlock[] {
  if (hole.family !== block.family || hole.end < block.start || hole.start > block.end) {
    return [block];
  }
  if (hole.start <= block.start && hole.end >= block.end) {
    return [];
  }
  // The hole is a CIDR strictly inside the block: split until it is one half.
  return halves(block).flatMap(half => subtractOne(half, hole));
}

/** `cidr` minus every block of `except`, sorted by address; invalid texts are ignored. */
export function subtractCidrs(cidr: string, except: ReadonlyArray<string>): string[] {
  const block = parseCidr(cidr);
  if (!block) {
    return [];
  }
  let rest: CidrBlock[] = [block];
  for (const text of except) {
    const hole = parseCidr(text);
    if (hole) {
      rest = rest.flatMap(b => subtractOne(b, hole));
    }
  }
  return rest.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)).map(b => b.text);
}
