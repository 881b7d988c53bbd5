/**
 * Samples of route regexes: a string an RE2 path regex matches in full (to probe a route
 * with a request it declares), and the full-match test itself.
 */

export /** Full match of an RE2 expression (its `(?P<name>` groups written the JavaScript way). */
function fullMatch(regex: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${regex.replace(/\(\?P</g, '(?<')})$`).test(text);
  } catch {
    return false;
  }
}

/**
 * A string the regular expression matches in full, or undefined. Handles the usual
 * route syntax (literals, escapes, classes, groups, alternation, quantifiers); the result
 * is verified, never trusted.
 */
export function sampleForRegex(regex: string): string | undefined {
  const candidates: string[] = [];
  const generated = generateSample(regex);
  if (generated !== undefined) {
    candidates.push(generated);
  }
  candidates.push('/', '/probe', '/a', '/0', '/probe/0', '/a/b');
  return candidates.find(c => fullMatch(regex, c));
}

/** Best-effort generator: the shortest choices everywhere (first branch, minimum repeats). */
function generateSample(regex: string): string | undefined {
  return new RegexSampler(regex).sample();
}

/** A character of a class escape (`\d`, `\w`, ...); undefined for other escapes. */
function classChar(escape: string): string | undefined {
  switch (escape) {
    case 'd': return '0';
    case 'w': return 'a';
    case 's': return ' ';
    case 'D': case 'W': case 'S': return '-';
    default: return undefined;
  }
}

/** Reads a regex left to right, taking the shortest choice at each step (see `generateSample`). */
class RegexSampler {
  private i = 0;

  public constructor(private readonly regex: string) {}

  /** A string the whole regex matches, or undefined when the reading gave up. */
  public sample(): string | undefined {
    const result = this.alternation();
    return this.i === this.regex.length ? result : undefined;
  }

  /** The sample of the first branch; the other branches are skipped. */
  private alternation(): string | undefined {
    const regex = this.regex;
    const first = this.sequence();
    let depth = 0;
    // Skip the other branches.
    while (this.i < regex.length) {
      const ch = regex[this.i];
      if (ch === '\\') {
        this.i += 2;
        continue;
      }
      if (ch === '(') {
        depth++;
      } else if (ch === ')') {
        if (depth === 0) {
          break;
        }
        depth--;
      }
      this.i++;
    }
    return first;
  }

  /** The sample of a sequence up to `)` or `|` (alternatives after the first are skipped). */
  private sequence(): string | undefined {
    const regex = this.regex;
    let out = '';
    while (this.i < regex.length && regex[this.i] !== ')' && regex[this.i] !== '|') {
      const ch = regex[this.i];
      if (ch === '^' || ch === '$') {
        this.i++;
        continue;
      }
      const atom = this.atom();
      if (atom === undefined) {
        return undefined;
      }
      out += atom.repeat(this.repeats());
    }
    return out;
  }

  /** The sample of one atom: a group, a character class, an escape, `.` or a literal. */
  private atom(): string | undefined {
    const regex = this.regex;
    const ch = regex[this.i];
    if (ch === '(') {
      return this.group();
    }
    if (ch === '[') {
      return this.characterClass();
    }
    if (ch === '\\') {
      const next = regex[this.i + 1];
      if (next === undefined) {
        return undefined;
      }
      this.i += 2;
      return classChar(next) ?? next;
    }
    this.i++;
    return ch === '.' ? 'a' : ch;
  }

  /** A group's sample: non-capturing and named groups read as plain ones; lookarounds give up. */
  private group(): string | undefined {
    const regex = this.regex;
    this.i++;
    if (regex.startsWith('?:', this.i)) {
      this.i += 2;
    } else if (regex.startsWith('?P<', this.i) || regex.startsWith('?<', this.i)) {
      this.i = regex.indexOf('>', this.i) + 1;
      if (this.i === 0) {
        return undefined;
      }
    } else if (regex[this.i] === '?') {
      return undefined;
    }
    const atom = this.alternation();
    if (atom === undefined || regex[this.i] !== ')') {
      return undefined;
    }
    this.i++;
    return atom;
  }

  /** A character of a `[...]` class (for a negated class, one it admits). */
  private characterClass(): string | undefined {
    const regex = this.regex;
    const end = regex.indexOf(']', this.i + 2);
    if (end < 0) {
      return undefined;
    }
    const body = regex.slice(this.i + 1, end);
    this.i = end + 1;
    if (body.startsWith('^')) {
      return ['a', '0', '-', '_', 'z'].find(c => fullMatch(`[${body}]`, c));
    }
    return body.startsWith('\\') ? classChar(body[1]) ?? body[1] : body[0];
  }

  /** Quantifier: take the minimum number of repeats (a lazy mark is skipped too). */
  private repeats(): number {
    const regex = this.regex;
    let repeats = 1;
    const q = regex[this.i];
    if (q === '*' || q === '?') {
      repeats = 0;
      this.i++;
    } else if (q === '+') {
      this.i++;
    } else if (q === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(regex.slice(this.i));
      if (m) {
        repeats = Number(m[1]);
        this.i += m[0].length;
      }
    }
    if (regex[this.i] === '?') {
      this.i++; // lazy
    }
    return repeats;
  }
}
