import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

export const ROOT = path.join(__dirname, '..', '..');
export const SHOP_CATALOG = path.join(ROOT, 'examples', 'shop', 'catalog.yaml');
export const ISSUE_CATALOG = path.join(ROOT, 'test', 'fixtures', 'catalogs', 'issue-example.yaml');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; } });
  return { code, stdout, stderr };
}

/** A fresh temporary directory. */
export function tmpDir(prefix = 'mesh-ladder-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
