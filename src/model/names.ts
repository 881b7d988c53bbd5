/** Kubernetes name and label syntax checks. Each returns an error message or undefined. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) {
    return `"${value}" is longer than 63 characters`;
  }
  return DNS1123_LABEL.test(value) ? undefined : `"${value}" is not a valid DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
}

export function checkDns1035Label(value: string): string | undefined {
  if (value.length > 63) {
    return `"${value}" is longer than 63 characters`;
  }
  return DNS1035_LABEL.test(value) ? undefined : `"${value}" is not a valid DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)`;
}

export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) {
    return `"${value}" is longer than 253 characters`;
  }
  return DNS1123_SUBDOMAIN.test(value) ? undefined : `"${value}" is not a valid DNS-1123 subdomain`;
}

/** IANA service name rules, which Kubernetes applies to port names. */
export function checkPortName(value: string): string | undefined {
  if (value.length > 15) {
    return `port name "${value}" is longer than 15 characters`;
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.includes('--') || !/[a-z]/.test(value)) {
    return `port name "${value}" must be lower-case letters, digits and single '-' (containing a letter)`;
  }
  return undefined;
}

export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && checkDns1123Subdomain(prefix)) {
    return `label key "${key}" has an invalid prefix (must be a DNS-1123 subdomain)`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}" is invalid (name part: at most 63 characters, alphanumerics, '-', '_', '.')`;
  }
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (typeof value !== 'string') {
    return `label value must be a string, got ${JSON.stringify(value)}`;
  }
  if (value === '') {
    return undefined;
  }
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}" is invalid (at most 63 characters, alphanumerics, '-', '_', '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

/** A DNS name or a single leading-wildcard pattern like `*.example.com`. */
export function checkHostName(value: string): string | undefined {
  const bare = value.startsWith('*.') ? value.slice(2) : value;
  if (bare.length === 0 || bare.length > 253 || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i.test(bare) || !bare.includes('.')) {
    return `"${value}" is not a DNS name (or a "*.domain" pattern)`;
  }
  return undefined;
}

/**
 * The candidate closest to `word` (case-insensitive edit distance with transpositions,
 * within about a third of its length), or the only candidate it is a prefix of.
 */
export function suggest(word: string, candidates: string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of [...candidates].sort()) {
    const other = candidate.toLowerCase();
    const distance = other === lower ? 0 : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3))) {
    return best;
  }
  if (word.length >= 3) {
    const truncated = [...candidates].sort().filter(c => c.toLowerCase().startsWith(lower));
    if (truncated.length === 1) {
      return truncated[0];
    }
  }
  return undefined;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[i].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      }
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}
