/**
 * Durations in Go notation (`300ms`, `1.5s`, `1h30m`, `2160h`): what cert-manager and
 * Linkerd read, and what YAML authors write. Internally everything is milliseconds.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go duration into milliseconds; returns undefined when it is not one.
 * Negative durations are refused: no field of ours accepts them.
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  const s = text.trim();
  if (s === '0') {
    return 0;
  }
  if (s === '') {
    return undefined;
  }
  let total = 0;
  COMPONENT.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    COMPONENT.lastIndex = pos;
    const m = COMPONENT.exec(s);
    if (!m) {
      return undefined;
    }
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    pos = COMPONENT.lastIndex;
  }
  // Sub-millisecond precision is meaningless for the timeouts we emit.
  return Math.round(total);
}

/** Formats milliseconds in Go notation, largest units first: `2160h`, `1h30m`, `2s500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}

/**
 * Formats milliseconds as a protobuf JSON Duration (`1.5s`, `30s`): the form Istio's
 * APIs read.
 */
export function formatSeconds(ms: number): string {
  const seconds = Math.round(ms) / 1000;
  return `${Number.isInteger(seconds) ? seconds.toFixed(0) : String(seconds)}s`;
}
