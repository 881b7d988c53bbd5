/**
 * IPv4 and IPv6 address and CIDR arithmetic on BigInt, for `ipBlock` matching and for
 * picking sample addresses inside declared ranges.
 *
 * Plain arithmetic instead of bit operations (the lint config forbids bitwise operators);
 * a prefix of length p over a b-bit family is the block of size 2^(b-p).
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A CIDR block: the addresses `start` to `end` inclusive. */
export interface CidrBlock {
  readonly family: IpFamily;
  readonly prefix: number;
  readonly start: bigint;
  readonly end: bigint;
  /** Canonical text (host bits cleared, IPv6 compressed). */
  readonly text: string;
  /** True when the given text had host bits set (Kubernetes masks them). */
  readonly hadHostBits: boolean;
}

function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function blockSize(family: IpFamily, prefix: number): bigint {
  return 2n ** BigInt(familyBits(family) - prefix);
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return undefined;
  }
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected (Go's parser does too: they used to mean octal).
    if (!DECIMAL_OCTET.test(part) || Number(part) > 255) {
      return undefined;
    }
    value = value * 256n + BigInt(part);
  }
  return value;
}

function parseIpv6Value(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const groupsOf = (half: string): bigint[] | undefined => {
    if (half === '') {
      return [];
    }
    const parts = half.split(':');
    const groups: bigint[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes('.')) {
        // Embedded IPv4 in the last 32 bits (e.g. ::ffff:192.0.2.1).
        const v4 = parseIpv4Value(part);
        if (v4 === undefined) {
          return undefined;
        }
        groups.push(v4 / 65536n, v4 % 65536n);
      } else if (HEX_GROUP.test(part)) {
        groups.push(BigInt('0x' + part));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) {
    return undefined;
  }
  // An embedded IPv4 part is only allowed at the very end.
  if (halves.length === 2 && halves[0].includes('.')) {
    return undefined;
  }
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) {
    return undefined;
  }
  const groups = [...head, ...new Array<bigint>(8 - count).fill(0n), ...tail];
  return groups.reduce((acc, g) => acc * 65536n + g, 0n);
}

/** Parses an IPv4 or IPv6 address; undefined when invalid. Zones (`%eth0`) are not accepted. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6Value(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4Value(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Formats an address: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const octets: string[] = [];
    let v = ip.value;
    for (let i = 0; i < 4; i++) {
      octets.unshift(String(v % 256n));
      v = v / 256n;
    }
    return octets.join('.');
  }
  const groups: number[] = [];
  let v = ip.value;
  for (let i = 0; i < 8; i++) {
    groups.unshift(Number(v % 65536n));
    v = v / 65536n;
  }
  // Longest run of at least two zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map(g => g.toString(16)).join(':');
  if (bestStart < 0) {
    return hex(groups);
  }
  return hex(groups.slice(0, bestStart)) + '::' + hex(groups.slice(bestStart + bestLength));
}

/** Parses `address/prefix`; host bits are cleared (as Kubernetes does). Undefined when invalid. */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    return undefined;
  }
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) {
    return undefined;
  }
  const prefix = Number(prefixText);
  if (prefix > familyBits(ip.family)) {
    return undefined;
  }
  const size = blockSize(ip.family, prefix);
  const start = ip.value - (ip.value % size);
  return {
    family: ip.family,
    prefix,
    start,
    end: start + size - 1n,
    text: `${formatIp({ family: ip.family, value: start })}/${prefix}`,
    hadHostBits: start !== ip.value,
  };
}

export function cidrContains(block: CidrBlock, ip: IpAddress): boolean {
  return block.family === ip.family && ip.value >= block.start && ip.value <= block.end;
}

/** True when `inner` lies entirely inside `outer` (same family). */
export function cidrWithin(inner: CidrBlock, outer: CidrBlock): boolean {
  return inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;
}

/**
 * The first address of `block` that is in none of `excluded`, preferring the address after
 * the network address (the network address itself only for /32 and /128 blocks, or when
 * it is the only one left). Undefined when `excluded` covers the whole block.
 */
export function sampleAddress(block: CidrBlock, excluded: ReadonlyArray<CidrBlock>): IpAddress | undefined {
  const sameFamily = excluded.filter(e => e.family === block.family);
  const firstFree = (from: bigint): bigint | undefined => {
    let current = from;
    let moved = true;
    while (moved && current <= block.end) {
      moved = false;
      for (const e of sameFamily) {
        if (current >= e.start && current <= e.end) {
          current = e.end + 1n;
          moved = true;
        }
      }
    }
    return current <= block.end ? current : undefined;
  };
  const preferred = block.start === block.end ? block.start : block.start + 1n;
  const value = firstFree(preferred) ?? firstFree(block.start);
  return value === undefined ? undefined : { family: block.family, value };
}

/** The address `offset` places after the start of `block`, if it is inside. */
export function addressAt(block: CidrBlock, offset: bigint): IpAddress | undefined {
  const value = block.start + offset;
  return value <= block.end ? { family: block.family, value } : undefined;
}
