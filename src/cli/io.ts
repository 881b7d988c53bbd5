/**
 * What every command shares: where output goes, the exit codes, and the usage error.
 * Its own module so commands never import `main.ts` (which imports them).
 */

import * as fs from 'fs';
import * as path from 'path';

/** Where the CLI writes; replaceable in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Bad command-line usage or input: exit code 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** The version of this package (from its package.json), or `unknown`. */
export function packageVersion(): string {
  for (const candidate of [path.join(__dirname, '..', '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    if (fs.existsSync(candidate)) {
      return JSON.parse(fs.readFileSync(candidate, 'utf8')).version;
    }
  }
  return 'unknown';
}
