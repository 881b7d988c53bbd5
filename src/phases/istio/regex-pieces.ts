/**
 * Splits a path regular expression into the exact AuthorizationPolicy paths it stands for,
 * when its language is a small finite union of literal paths, where a `[^/]+` segment
 * may stand as the template `{*}` (Istio 1.22+, istio/istio#50365; one segment of
 * Envoy's URI template characters, envoyproxy/envoy
 * `source/extensions/path/uri_template_lib/uri_template_internal.cc`). Handles literals,
 * escapes, small character classes and `\d`, groups, alternation, `?` and bounded `{n,m}`;
 * anything else (`*`, `+`, `.`, large classes) is not finite here: undefined.
 */

/** Most paths one regex may become. */
const MAX_PIECES = 32;
/** Largest character class enumerated. */
const MAX_CLASS = 16;
/** Stands for `{*}` while pieces are built. */
const SEGMENT = '\u0000';
/** Envoy's URI template literal characters (RFC 3986 pchar without `=` and `*`). */
const TEMPLATE_LITERAL = /^[A-Za-z0-9\-._~%!$&'()+,;:@]*$/;

class NotFinite extends Error {}

/** Exact authorization paths of `regex`, or undefined when it has no small finite form. */
export function finitePieces(regex: string): string[] | undefined {
  let pieces: string[];
  try {
    pieces = new Parser(regex).parse();
  } catch (e) {
    if (e instanceof NotFinite) {
      return undefined;
    }
    throw e;
  }
  const out: string[] = [];
  for (const piece of new Set(pieces)) {
    if (!piece.startsWith('/') || /[*{}]/.test(piece)) {
      return undefined; // Istio reads `*` and braces as patterns
    }
    if (piece.includes(SEGMENT)) {
      const segments = piece.slice(1).split('/');
      if (segments.some(s => s.includes(SEGMENT) && s !== SEGMENT) || segments.some(s => s !== SEGMENT && !TEMPLATE_LITERAL.test(s))) {
        return undefined;
      }
      out.push(piece.split(SEGMENT).join('{*}'));
    } else {
      out.push(piece);
    }
  }
  return out.sort();
}

function product(a: readonly string[], b: readonly string[]): string[] {
  if (a.length * b.length > MAX_PIECES) {
    throw new NotFinite();
  }
  return a.flatMap(x => b.map(y => x + y));
}

class Parser {
  private i = 0;

  public constructor(private readonly s: string) {}

  public parse(): string[] {
    const start = this.s.startsWith('^') ? 1 : 0;
    const end = this.s.endsWith('$') && !this.s.endsWith('\\$') ? this.s.length - 1 : this.s.length;
    const inner = new Parser(this.s.slice(start, end));
    const out = inner.alternation();
    if (inner.i !== inner.s.length) {
      throw new NotFinite();
    }
    return out;
  }

  private alternation(): string[] {
    const out = [...this.sequence()];
    while (this.s[this.i] === '|') {
      this.i++;
      out.push(...this.sequence());
      if (out.length > MAX_PIECES) {
        throw new NotFinite();
      }
    }
    return out;
  }

  private sequence(): string[] {
    let out = [''];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      out = product(out, this.quantified());
    }
    return out;
  }

  private quantified(): string[] {
    const atom = this.atom();
    const q = this.s[this.i];
    if (atom === 'notSlash') {
      if (q !== '+') {
        throw new NotFinite();
      }
      this.i++;
      return [SEGMENT];
    }
    if (q === '?') {
      this.i++;
      return ['', ...atom];
    }
    if (q === '{') {
      const m = /^\{(\d+)(?:,(\d+))?\}/.exec(this.s.slice(this.i));
      if (!m) {
        throw new NotFinite();
      }
      this.i += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : Number(m[2]);
      let out: string[] = [];
      for (let n = min; n <= max; n++) {
        let repeated = [''];
        for (let k = 0; k < n; k++) {
          repeated = product(repeated, atom);
        }
        out = [...out, ...repeated];
      }
      return out;
    }
    if (q === '*' || q === '+') {
      throw new NotFinite();
    }
    return atom;
  }

  /** The strings one atom matches, or `notSlash` for `[^/]`. */
  private atom(): string[] | 'notSlash' {
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      if (this.s.startsWith('?:', this.i)) {
        this.i += 2;
      } else if (this.s.startsWith('?P<', this.i) || this.s.startsWith('?<', this.i)) {
        this.i = this.s.indexOf('>', this.i) + 1;
      } else if (this.s[this.i] === '?') {
        throw new NotFinite();
      }
      const inner = this.alternation();
      if (this.s[this.i] !== ')') {
        throw new NotFinite();
      }
      this.i++;
      return inner;
    }
    if (c === '[') {
      return this.charClass();
    }
    if (c === '\\') {
      const e = this.s[this.i + 1];
      this.i += 2;
      if (e === 'd') {
        return [...'0123456789'];
      }
      if (e === undefined || /[A-Za-z0-9]/.test(e)) {
        throw new NotFinite();
      }
      return [e];
    }
    if (c === undefined || '.^$*+?{}'.includes(c)) {
      throw new NotFinite();
    }
    this.i++;
    return [c];
  }

  private charClass(): string[] | 'notSlash' {
    const end = this.s.indexOf(']', this.i + 2);
    if (end < 0) {
      throw new NotFinite();
    }
    const body = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    if (body === '^/' || body === '^\\/') {
      return 'notSlash';
    }
    if (body.startsWith('^') || body.includes('\\') || body.includes('[')) {
      throw new NotFinite();
    }
    const chars = new Set<string>();
    for (let k = 0; k < body.length; k++) {
      if (body[k + 1] === '-' && k + 2 < body.length) {
        for (let code = body.charCodeAt(k); code <= body.charCodeAt(k + 2); code++) {
          chars.add(String.fromCharCode(code));
          if (chars.size > MAX_CLASS) {
            throw new NotFinite();
          }
        }
        k += 2;
      } else {
        chars.add(body[k]);
      }
    }
    if (chars.size === 0 || chars.size > MAX_CLASS) {
      throw new NotFinite();
    }
    return [...chars];
  }
}
