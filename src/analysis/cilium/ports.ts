/**
 * Cilium port rules (`toPorts`): ports, named ports and ranges, and their L7 rules (HTTP
 * method and path, DNS names), parsed from a policy (see index.ts for the semantics).
 */
import { present } from './labels';
import { isRecord } from '../../model/values';

export type CiliumProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ANY';

export interface CiliumPort {
  readonly protocol: CiliumProtocol;
  /** undefined: every port. */
  readonly port?: number;
  readonly name?: string;
  readonly endPort?: number;
}

export interface HttpMatcher {
  readonly method?: RegExp;
  readonly path?: RegExp;
}

export interface DnsMatcher {
  readonly matches: (name: string) => boolean;
}

export interface CiliumPortRule {
  /** undefined: every port. */
  readonly ports?: ReadonlyArray<CiliumPort>;
  /** undefined: no HTTP rules (every request). */
  readonly http?: ReadonlyArray<HttpMatcher>;
  /** undefined: no DNS rules. */
  readonly dns?: ReadonlyArray<DnsMatcher>;
}

/** A regular expression (RE2 syntax as far as JavaScript shares it) matched in full. */
function compileFull(source: string, at: string, problems: string[]): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source.replace(/\(\?P</g, '(?<')})$`);
  } catch (e) {
    problems.push(`${at}: invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`);
    return undefined;
  }
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Cilium DNS name matching: `matchName` exact; `matchPattern` with `*` within one label, or `*` for all. */
export function parseDnsMatcher(raw: unknown, at: string, problems: string[]): DnsMatcher | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  if (typeof raw.matchName === 'string' && raw.matchName !== '') {
    const wanted = normalizeName(raw.matchName);
    return { matches: name => normalizeName(name) === wanted };
  }
  if (typeof raw.matchPattern === 'string' && raw.matchPattern !== '') {
    const pattern = normalizeName(raw.matchPattern);
    if (pattern === '*') {
      return { matches: () => true };
    }
    const regex = new RegExp('^' + pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, ch => `\\${ch}`)).join('[-a-z0-9_]*') + '$');
    return { matches: name => regex.test(normalizeName(name)) };
  }
  problems.push(`${at}: needs matchName or matchPattern`);
  return undefined;
}

function parsePort(raw: unknown, at: string, problems: string[]): CiliumPort | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const protocol = present(raw.protocol) ? raw.protocol : 'ANY';
  if (typeof protocol !== 'string' || !['TCP', 'UDP', 'SCTP', 'ANY'].includes(protocol)) {
    problems.push(`${at}.protocol: TCP, UDP, SCTP or ANY expected, got ${JSON.stringify(raw.protocol)}`);
    return undefined;
  }
  const out: { protocol: CiliumProtocol; port?: number; name?: string; endPort?: number } = { protocol: protocol as CiliumProtocol };
  if (present(raw.port)) {
    const text = String(raw.port);
    if (/^\d+$/.test(text)) {
      const port = Number(text);
      if (port > 65535) {
        problems.push(`${at}.port: ${text} is out of range`);
        return undefined;
      }
      if (port !== 0) {
        out.port = port;
      }
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && text.length <= 15) {
      out.name = text;
    } else {
      problems.push(`${at}.port: ${JSON.stringify(raw.port)} is neither a port number nor a port name`);
      return undefined;
    }
  }
  if (present(raw.endPort)) {
    if (typeof raw.endPort !== 'number' || out.port === undefined || raw.endPort < out.port || raw.endPort > 65535) {
      problems.push(`${at}.endPort: needs a numeric port and a value from it to 65535`);
      return undefined;
    }
    out.endPort = raw.endPort;
  }
  return out;
}

export function parsePortRules(raw: unknown, at: string, direction: 'ingress' | 'egress', problems: string[], warnings: string[]): CiliumPortRule[] | undefined {
  if (!present(raw)) {
    return undefined;
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  if (raw.length === 0) {
    return undefined;
  }
  return raw.map((entry: unknown, i: number): CiliumPortRule => {
    const entryAt = `${at}[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${entryAt}: must be an object`);
      return { ports: [] };
    }
    let ports: CiliumPort[] | undefined;
    if (present(entry.ports)) {
      if (!Array.isArray(entry.ports)) {
        problems.push(`${entryAt}.ports: must be a list`);
      } else if (entry.ports.length > 0) {
        ports = entry.ports.map((p: unknown, j: number) => parsePort(p, `${entryAt}.ports[${j}]`, problems)).filter((p): p is CiliumPort => !!p);
      }
    }
    let http: HttpMatcher[] | undefined;
    let dns: DnsMatcher[] | undefined;
    const rules = entry.rules;
    if (isRecord(rules)) {
      if (Array.isArray(rules.http) && rules.http.length > 0) {
        http = rules.http.map((h: unknown, j: number): HttpMatcher => {
          const hAt = `${entryAt}.rules.http[${j}]`;
          if (!isRecord(h)) {
            problems.push(`${hAt}: must be an object`);
            return { method: /(?!)/ };
          }
          if (present(h.host) || present(h.headers) || present(h.headerMatches)) {
            warnings.push(`${hAt}: host and header matches are not modelled (requests are judged by method and path)`);
          }
          const method = typeof h.method === 'string' && h.method !== '' ? compileFull(h.method, `${hAt}.method`, problems) : undefined;
          const path = typeof h.path === 'string' && h.path !== '' ? compileFull(h.path, `${hAt}.path`, problems) : undefined;
          return { method, path };
        });
      }
      if (Array.isArray(rules.dns) && rules.dns.length > 0) {
        if (direction === 'ingress') {
          problems.push(`${entryAt}.rules.dns: DNS rules apply to egress only`);
        }
        dns = rules.dns.map((d: unknown, j: number) => parseDnsMatcher(d, `${entryAt}.rules.dns[${j}]`, problems)).filter((d): d is DnsMatcher => !!d);
      }
      for (const other of ['kafka', 'l7', 'l7proto']) {
        if (present(rules[other])) {
          warnings.push(`${entryAt}.rules.${other}: not modelled`);
        }
      }
    }
    return { ports, http, dns };
  });
}

