/* eslint-disable no-bitwise */ // address arithmetic is bit arithmetic
/** IPv4/IPv6 addresses and CIDR blocks as BigInt ranges (shared by validation and analysis). */

export interface ParsedCidr {
  readonly family: 4 | 6;
  /** First address of the block (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
  /** The block in canonical text form (host bits cleared). */
  readonly text: string;
  /** True when the given text had host bits set (e.g. 10.0.0.1/8). */
  readonly hadHostBits: boolean;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return undefined;
  }
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) {
      return undefined;
    }
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) {
      return undefined;
    }
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) {
    return undefined;
  }
  const groups = [...left, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) {
      return undefined;
    }
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) {
    value = (value & ~0xffffffffn) | tailV4;
  }
  return value;
}

export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map(s => String((value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) {
    groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  }
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) {
    return groups.join(':');
  }
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

export function parseCidr(text: string): ParsedCidr | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  const slash = text.indexOf('/');
  if (slash < 0) {
    return undefined;
  }
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) {
    return undefined;
  }
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) {
    return undefined;
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = ip.value & ~hostMask;
  return {
    family: ip.family,
    network,
    prefix,
    text: `${formatIp(ip.family, network)}/${prefix}`,
    hadHostBits: (ip.value & hostMask) !== 0n,
  };
}

/** Number of addresses in the block's family. */
export function familyBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function cidrContainsIp(cidr: ParsedCidr, family: 4 | 6, value: bigint): boolean {
  if (cidr.family !== family) {
    return false;
  }
  const shift = BigInt(familyBits(family) - cidr.prefix);
  return value >> shift === cidr.network >> shift;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && cidrContainsIp(outer, inner.family, inner.network);
}
