/**
 * The layering of docs/ARCHITECTURE.md is enforced by lint (`import/no-restricted-paths`
 * zones and `import/no-cycle`, generated into .eslintrc.json from .projenrc.ts). These tests
 * prove the rules fire: each lints a real source file with one upward import added (the
 * file on disk is never changed) and expects the zone's error; the unchanged file passes.
 * The whole tree is linted by `npm test` (the `eslint` task).
 */
import * as fs from 'fs';
import * as path from 'path';
// eslint 9 keeps the eslintrc engine (what `npx projen eslint` runs) as LegacyESLint.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LegacyESLint } = require('eslint/use-at-your-own-risk');

const ROOT = path.resolve(__dirname, '..', '..');

interface LintMessage { readonly ruleId: string | null; readonly message: string }

/** The project's lint configuration, as `npx projen eslint` reads it. */
const eslint = new LegacyESLint({ cwd: ROOT, useEslintrc: true });
/**
 * The same configuration for the upward-import tests, without `import/no-cycle`: that rule
 * walks the whole import graph from each file (most of this suite's time) and the zone
 * errors these tests expect come from `import/no-restricted-paths` alone. One engine for
 * all of them, so resolver and parser caches are shared.
 */
const zones = new LegacyESLint({ cwd: ROOT, useEslintrc: true, overrideConfig: { rules: { 'import/no-cycle': 'off' } } });

async function lintWith(file: string, extraImport?: string): Promise<LintMessage[]> {
  const filePath = path.join(ROOT, file);
  const text = fs.readFileSync(filePath, 'utf8');
  const [result] = await zones.lintText(extraImport ? `${extraImport}\n${text}` : text, { filePath });
  return result.messages;
}

function layeringErrors(messages: readonly LintMessage[]): string[] {
  return messages.filter(m => m.ruleId === 'import/no-restricted-paths' || m.ruleId === 'import/no-cycle').map(m => `${m.ruleId}: ${m.message}`);
}

describe('imports run one way (lint)', () => {
  const upward: Array<[string, string, RegExp]> = [
    ['src/layers/namespaces.ts', "import '../phases/registry';", /src\/layers\/ import only emit and the model/],
    ['src/emit/common.ts', "import '../layers/namespaces';", /src\/emit\/ imports only the model/],
    ['src/model/names.ts', "import '../emit/common';", /src\/model\/ imports nothing above it/],
    ['src/analysis/phases.ts', "import '../phases/registry';", /src\/analysis\/ reads emitted manifests and the model only/],
    ['src/phases/linkerd/names.ts', "import '../istio/names';", /Backends never import each other/],
    ['src/chart.ts', "import './cli/io';", /The library never imports its CLI/],
  ];

  test.each(upward)('%s importing upward (%s) fails lint', async (file, extraImport, expected) => {
    const errors = layeringErrors(await lintWith(file, extraImport));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  test('import/no-cycle is an error on every source file', async () => {
    // The rule follows the other files from disk, so lintText cannot stage a circle without
    // writing one; this checks the rule is in force where the circles would be (the CLI
    // included). A real circle was shown failing `npx eslint` in the issue-17 note.
    for (const file of ['src/cli/main.ts', 'src/cli/plan.ts', 'src/model/routes.ts', 'src/phases/linkerd/server-decisions.ts']) {
      const config = await eslint.calculateConfigForFile(path.join(ROOT, file));
      const [severity] = config.rules['import/no-cycle'];
      expect([file, severity === 2 ? 'error' : severity]).toEqual([file, 'error']);
    }
  });

  // The files as committed pass: the `eslint` step of `npm test` lints the whole tree.
});
