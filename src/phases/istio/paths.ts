/**
 * Request paths of catalog routes, in the two languages Istio speaks:
 * - VirtualService `uri` matches (exact, prefix, RE2 regex over the whole path);
 * - AuthorizationPolicy `paths` (exact, `prefix*`, `*suffix`, `*`, and path templates
 *   where `{*}` is one path segment).
 *
 * Catalog prefixes are segment-wise (`/products` matches `/products` and
 * `/products/x`, not `/productsx`) while Istio prefixes are plain string prefixes, so a
 * prefix becomes two matches: the exact path and the prefix with a trailing slash.
 */
import { finitePieces } from './regex-pieces';
import { ResolvedGrpcMatch, ResolvedHttpMatch, ResolvedRoute } from '../../model/resolved';
import { topLevelAlternatives } from '../../model/routes';

export interface UriMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

/** The path of a segment-wise prefix without trailing slashes (`/` stays `/`). */
function prefixBase(prefix: string): string {
  const base = prefix.replace(/\/+$/, '');
  return base === '' ? '/' : base;
}

/** gRPC request path: `/<package.Service>/<Method>`, or the service's prefix. */
function grpcUri(grpc: ResolvedGrpcMatch): UriMatch {
  return grpc.method !== undefined ? { exact: `/${grpc.service}/${grpc.method}` } : { prefix: `/${grpc.service}/` };
}

/**
 * VirtualService `uri` matches of a route (ORed); `[undefined]` when the route matches
 * every path.
 */
export function uriMatches(route: ResolvedRoute): Array<UriMatch | undefined> {
  if (route.grpc) {
    return [grpcUri(route.grpc)];
  }
  const http: ResolvedHttpMatch = route.http ?? {};
  if (http.path !== undefined) {
    return [{ exact: http.path }];
  }
  if (http.pathPrefix !== undefined) {
    const base = prefixBase(http.pathPrefix);
    return base === '/' ? [{ prefix: '/' }] : [{ exact: base }, { prefix: `${base}/` }];
  }
  if (http.pathRegex !== undefined) {
    return [{ regex: http.pathRegex }];
  }
  return [undefined];
}

/** Authorization paths of a route and whether they match exactly the route's paths. */
export interface AuthorizationPaths {
  /** Undefined: any path. */
  readonly paths?: string[];
  /** False when the paths are a superset (a regular expression Istio cannot express). */
  readonly exact: boolean;
}

export function authorizationPaths(route: ResolvedRoute): AuthorizationPaths {
  if (route.grpc) {
    const g = route.grpc;
    return { paths: [g.method !== undefined ? `/${g.service}/${g.method}` : `/${g.service}/{*}`], exact: true };
  }
  const http: ResolvedHttpMatch = route.http ?? {};
  if (http.path !== undefined) {
    return { paths: [http.path], exact: true };
  }
  if (http.pathPrefix !== undefined) {
    const base = prefixBase(http.pathPrefix);
    return { paths: base === '/' ? ['/*'] : [base, `${base}/*`], exact: true };
  }
  if (http.pathRegex !== undefined) {
    return regexToAuthorizationPath(http.pathRegex);
  }
  return { exact: true };
}

/**
 * Characters Envoy accepts in a literal URI template segment: RFC 3986 pchar without `=`
 * and `*` (envoyproxy/envoy uri_template_internal.cc kLiteral).
 */
const PCHAR = /^[A-Za-z0-9\-._~%!$&'()+,;:@]+$/;

/** One parsed regex atom: what characters it can match and how often. */
interface Atom {
  /** The literal character, when the atom is one fixed character. */
  readonly literal?: string;
  /** Whether the atom can match `/`. */
  readonly slash: boolean;
  /** The atom is `[^/]`: every character but `/`. */
  readonly anyButSlash?: boolean;
  readonly min: number;
  readonly max: number;
}

/**
 * Parses a simple RE2 expression (literals, escapes, `.`, classes, quantifiers) into
 * atoms; undefined for anything else (groups, alternation, anchors in the middle).
 */
function parseAtoms(regex: string): Atom[] | undefined {
  let s = regex;
  if (s.startsWith('^')) {
    s = s.slice(1);
  }
  if (s.endsWith('$') && !s.endsWith('\\$')) {
    s = s.slice(0, -1);
  }
  const atoms: Atom[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    let atom: { literal?: string; slash: boolean; anyButSlash?: boolean };
    if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined) {
        return undefined;
      }
      i += 2;
      if ('dws'.includes(e)) {
        atom = { slash: false };
      } else if ('DWS'.includes(e)) {
        atom = { slash: true };
      } else if (/[A-Za-z0-9]/.test(e)) {
        return undefined; // \b, \p{..}, \x.. and friends: not worth guessing
      } else {
        atom = { literal: e, slash: e === '/' };
      }
    } else if (c === '[') {
      const end = classEnd(s, i);
      if (end < 0) {
        return undefined;
      }
      const body = s.slice(i + 1, end);
      atom = { slash: classMatchesSlash(body), anyButSlash: body === '^/' || body === '^\\/' };
      i = end + 1;
    } else if (c === '.') {
      atom = { slash: true };
      i++;
    } else if ('()|^$*+?{}'.includes(c)) {
      return undefined;
    } else {
      atom = { literal: c, slash: c === '/' };
      i++;
    }
    let min = 1;
    let max = 1;
    const q = s[i];
    if (q === '*' || q === '+' || q === '?') {
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : Infinity;
      i++;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i));
      if (!m) {
        return undefined;
      }
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      i += m[0].length;
    }
    if (s[i] === '?') {
      i++; // lazy quantifier: same language
    }
    atoms.push(min === 1 && max === 1 && atom.literal !== undefined
      ? { literal: atom.literal, slash: atom.slash, min, max }
      : { slash: atom.slash, anyButSlash: atom.anyButSlash, min, max });
  }
  return atoms;
}

/** Index of the `]` closing the class that opens at `start`, or -1. */
function classEnd(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === '^') {
    i++;
  }
  if (s[i] === ']') {
    i++; // a leading ] is a literal
  }
  for (; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
    } else if (s[i] === ']') {
      return i;
    }
  }
  return -1;
}

/** Whether a character class body (between the brackets) can match `/`. */
function classMatchesSlash(body: string): boolean {
  const negated = body.startsWith('^');
  const chars = negated ? body.slice(1) : body;
  let containsSlash = false;
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i];
    if (c === '\\') {
      const e = chars[i + 1];
      i++;
      if (e === 'W' || e === 'S' || e === 'D') {
        containsSlash = true;
        continue;
      }
      if (e === 'w' || e === 's' || e === 'd') {
        continue;
      }
      c = e;
    }
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const hi = chars[i + 2] === '\\' ? chars[i + 3] : chars[i + 2];
      if (c <= '/' && '/' <= hi) {
        containsSlash = true;
      }
      i += chars[i + 2] === '\\' ? 3 : 2;
      continue;
    }
    if (c === '/') {
      containsSlash = true;
    }
  }
  return negated ? !containsSlash : containsSlash;
}

/**
 * The tightest authorization path Istio can express for a whole-path regex, always a
 * superset of it: literal segments stay, a segment that matches one non-empty run
 * without `/` becomes the template `{*}`; otherwise the literal prefix followed by `*`.
 * `exact` tells whether no other path matches.
 */
export function regexToAuthorizationPath(regex: string): AuthorizationPaths {
  // A small finite language (groups, alternatives, small classes, `[^/]+` segments): exact.
  const finite = finitePieces(regex);
  if (finite) {
    return { paths: finite, exact: true };
  }
  // Alternatives at the top level are expressible pieces of their own.
  const alternatives = topLevelAlternatives(regex);
  if (alternatives.length > 1) {
    const pieces = alternatives.map(singleRegexToAuthorizationPath);
    return { paths: [...new Set(pieces.flatMap(p => p.paths ?? []))], exact: pieces.every(p => p.exact) };
  }
  return singleRegexToAuthorizationPath(regex);
}


function singleRegexToAuthorizationPath(regex: string): AuthorizationPaths {
  const atoms = parseAtoms(regex);
  if (!atoms) {
    return { paths: [literalPrefix(regex) + '*'], exact: false };
  }
  // Split at literal slashes into segments.
  const segments: Atom[][] = [[]];
  for (const atom of atoms) {
    if (atom.literal === '/') {
      segments.push([]);
    } else {
      segments[segments.length - 1].push(atom);
    }
  }
  if (segments[0].length > 0) {
    return { paths: [literalPrefix(regex) + '*'], exact: false }; // does not start with a literal `/`
  }
  const out: string[] = [];
  let exact = true;
  for (let k = 1; k < segments.length; k++) {
    const seg = segments[k];
    const last = k === segments.length - 1;
    if (seg.every(a => a.literal !== undefined)) {
      const text = seg.map(a => a.literal!).join('');
      if (text === '' || PCHAR.test(text)) {
        out.push(text);
        continue;
      }
      return { paths: [literalPrefix(regex) + '*'], exact: false };
    }
    const canSpan = seg.some(a => a.slash);
    const canBeEmpty = seg.every(a => a.min === 0);
    if (!canSpan && !canBeEmpty) {
      out.push('{*}');
      // `[^/]+` alone is exactly one segment; anything narrower is approximated.
      exact = exact && seg.length === 1 && seg[0].anyButSlash === true && seg[0].min === 1 && seg[0].max === Infinity;
      continue;
    }
    if (last && !out.includes('{*}')) {
      // Literal segments then anything: Istio's prefix form is a superset.
      return { paths: [`/${[...out, ''].join('/')}*`], exact: false };
    }
    return { paths: [literalPrefix(regex) + '*'], exact: false };
  }
  return { paths: [`/${out.join('/')}`], exact };
}

/** The literal text a regex starts with (up to its first metacharacter or quantified character). */
function literalPrefix(regex: string): string {
  const s = regex.startsWith('^') ? regex.slice(1) : regex;
  const chars: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    let literal: string;
    let width: number;
    if (c === '\\' && i + 1 < s.length && !/[A-Za-z0-9]/.test(s[i + 1])) {
      literal = s[i + 1];
      width = 2;
    } else if ('.[]()|^$*+?{}\\'.includes(c)) {
      break;
    } else {
      literal = c;
      width = 1;
    }
    // A quantifier makes the character before it uncertain.
    const next = s[i + width];
    if (next !== undefined && '*?{'.includes(next)) {
      break;
    }
    chars.push(literal);
    i += width;
  }
  return chars.join('');
}

/** A path the authorization `paths` allow and the regex does not match (for messages), if one is found. */
export function wideningExample(paths: readonly string[], regex: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${regex.replace(/\(\?P</g, '(?<')})$`);
  } catch {
    return undefined;
  }
  for (const path of paths) {
    for (const fill of ['Z~Z', 'Z', '_', '0', 'a']) {
      const candidate = path.replace(/\{\*\*\}/g, `${fill}/${fill}`).replace(/\{\*\}/g, fill).replace(/\*$/, `${fill}/${fill}`);
      if (!re.test(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}
