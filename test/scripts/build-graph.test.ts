/**
 * The build graph a newcomer relies on (.projen/tasks.json, generated from .projenrc.ts):
 * every task that compiles generates what it compiles, and `npm test` never rewrites the
 * tree. A fresh clone runs the README's commands with no earlier task (`.ci/run` proves it
 * end to end; these tests name the rule that broke when it fails).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SCHEMA_JSON_FILE, SCHEMA_MODULE_FILE } from '../../scripts/gen-schema';

const ROOT = path.join(__dirname, '..', '..');
const tasks: Record<string, { steps?: Array<{ spawn?: string; exec?: string; execArgs?: string[] }> }> =
  JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
const commandOf = (step: { exec?: string; execArgs?: string[] }) => step.exec ?? (step.execArgs ?? []).join(' ');

describe('tasks that compile generate the catalog schema first', () => {
  test.each(['compile', 'watch'])('%s spawns gen:schema before jsii', name => {
    // compile empties lib/ first (a stale file of a module turned folder shadows its index.js)
    const steps = (tasks[name].steps ?? []).filter(s => !/rmSync\('lib'/.test(commandOf(s)));
    expect(steps[0]).toEqual({ spawn: 'gen:schema' });
    expect(commandOf(steps[1])).toMatch(/^jsii /);
  });

  test('compile starts from an empty lib/, so no stale module shadows a folder of the same name', () => {
    expect(commandOf(tasks.compile.steps![0])).toMatch(/rmSync\('lib', \{ recursive: true, force: true \}\)/);
  });

  test('synth:example and bench need no earlier task: the schema module is committed, not ignored', () => {
    expect(tasks['synth:example'].steps?.[0]).toEqual({ spawn: 'compile' });
    const ignored = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n').map(l => l.trim());
    for (const file of [SCHEMA_JSON_FILE, SCHEMA_MODULE_FILE]) {
      const rel = path.relative(ROOT, file);
      expect(fs.existsSync(file)).toBe(true);
      expect(ignored.filter(l => l === rel || l === `/${rel}`)).toEqual([]);
    }
  });
});

describe('npm test does not modify the tree', () => {
  const testSteps = tasks.test.steps ?? [];

  test('it checks the committed schema instead of regenerating it', () => {
    expect(testSteps).toContainEqual({ spawn: 'check:schema' });
    expect(testSteps).not.toContainEqual({ spawn: 'gen:schema' });
    expect(commandOf(tasks['check:schema'].steps![0])).toMatch(/gen-schema\.ts --check$/);
  });

  test('lint reports without --fix; fixing is its own task', () => {
    expect(testSteps).toContainEqual({ spawn: 'eslint' });
    expect((tasks.eslint.steps ?? []).map(commandOf).join(' ')).not.toMatch(/--fix/);
    expect((tasks['eslint:fix'].steps ?? []).map(commandOf).join(' ')).toMatch(/--fix/);
  });

  test('test:deep runs the suite with full-strength property runs (MESH_LADDER_DEEP=1), and CI runs it', () => {
    expect((tasks['test:deep'] as { env?: Record<string, string> }).env).toEqual({ MESH_LADDER_DEEP: '1' });
    expect(commandOf(tasks['test:deep'].steps![0])).toMatch(/^jest /);
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/npx projen test:deep/);
  });

  test('coverage prints a summary in the terminal; full reports go to files', () => {
    const jest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).jest;
    expect(jest.coverageReporters).toContain('text-summary');
    expect(jest.coverageReporters).not.toContain('text');
    expect(jest.coverageReporters).toEqual(expect.arrayContaining(['lcov', 'json']));
  });
});
