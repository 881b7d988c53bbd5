/**
 * How the CLI prints a phase's warnings and notes: grouped per service (one `warning:`
 * line per service, its findings indented below), then a count line, so a reader sees
 * at once how many services need attention and which.
 */
import { CliIo } from './io';

/** Backend warnings begin with the service id (`namespace/name`), then ` ` or `:`. */
const SERVICE_PREFIX = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)(:\s*|\s+)/;

/** Warnings grouped by service id (in first-seen order); `''` holds the others. */
export function groupByService(messages: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const message of messages) {
    const match = SERVICE_PREFIX.exec(message);
    const key = match ? match[1] : '';
    const rest = match ? message.slice(match[0].length) : message;
    groups.set(key, [...(groups.get(key) ?? []), rest]);
  }
  return groups;
}

/**
 * Prints `warning: <phase>: <service> (<n>):` then `  - <finding>` lines, per service,
 * and a closing count line; nothing when there are no warnings.
 */
export function printWarnings(io: CliIo, phase: string, warnings: readonly string[]): void {
  if (warnings.length === 0) {
    return;
  }
  const groups = groupByService(warnings);
  for (const [service, findings] of groups) {
    io.stderr(`warning: ${phase}: ${service === '' ? 'catalog' : service} (${findings.length}):\n`);
    for (const finding of findings) {
      io.stderr(`  - ${finding}\n`);
    }
  }
  const services = [...groups.keys()].filter(k => k !== '').length;
  io.stderr(`${phase}: ${plural(warnings.length, 'warning')}${services > 0 ? ` on ${plural(services, 'service')}` : ''}\n`);
}

/** `; 4 settings left out as the catalog chose (l7Fallback: skip; `mesh-ladder check` lists them)`. */
export function notesSummary(notes: readonly string[]): string {
  return notes.length === 0 ? '' : `; ${plural(notes.length, 'setting')} left out as the catalog chose (l7Fallback: skip; \`mesh-ladder check\` lists them)`;
}

/** `; 2 settings degraded for the targeted releases (`mesh-ladder targets` lists them)`. */
export function degradationsSummary(degradations: readonly string[]): string {
  return degradations.length === 0 ? '' : `; ${plural(degradations.length, 'setting')} degraded for the targeted releases (\`mesh-ladder check\` and \`targets\` list them)`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
