import { cdk8s, javascript, JsonFile } from 'projen';

// One source of truth for the build: edit this file, then run `npx projen`.
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-mesh-ladder',
  description: 'Describe each service once; synthesize Kubernetes manifests for every phase of service-mesh adoption (NetworkPolicy + cert-manager, Cilium, Linkerd, Istio), with proof that the emitted policies allow exactly the declared flows.',
  author: 'cdk8s-mesh-ladder developers',
  authorAddress: 'dev@example.com',
  repositoryUrl: 'https://example.invalid/cdk8s-mesh-ladder.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'service-mesh', 'networkpolicy', 'cilium', 'linkerd', 'istio', 'cert-manager'],

  cdk8sVersion: '2.70.0',
  constructsVersion: '10.8.0',
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  minNodeVersion: '20.16.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // No GitHub here: CI is `.ci/run`.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  // Runtime dependencies that are not jsii libraries are bundled.
  bundledDeps: ['yaml@^2.8.0', 'ajv@^8.17.0'],
  // kubernetes-models 5+ is ESM-only; 4.x loads under ts-jest (CommonJS).
  devDeps: [
    'cdk8s-cli@~2.207.0',
    'fast-check@^4.3.0',
    'kubernetes-models@^4.5.1',
    '@kubernetes-models/cert-manager@^4.4.4',
    '@kubernetes-models/prometheus-operator@^4.0.0',
    'ts-json-schema-generator@^2.4.0',
    // Ships the SARIF 2.1.0 JSON Schema the SARIF tests validate against (read from node_modules, never copied).
    '@microsoft/jest-sarif@1.0.0-beta.0',
    // Tests strip types with swc (type-checking is its own step in the test task).
    '@swc/core@^1.15.0',
    '@swc/jest@^0.2.39',
    // Coverage counters inserted by swc (istanbul format): V8's precise coverage more than
    // doubled the suite's time on two cores.
    'swc-plugin-coverage-instrument@^0.0.33',
  ],

  entrypoint: 'lib/src/index.js',
  entrypointTypes: 'lib/src/index.d.ts',
  bin: { 'mesh-ladder': 'bin/mesh-ladder' },

  tsconfig: {
    compilerOptions: { rootDir: '.' },
    include: ['imports/**/*.ts'],
  },
  // The dev tsconfig lives in test/ (jsii projects keep the root one for jsii).
  tsconfigDev: {
    compilerOptions: { rootDir: '..' },
    include: ['../src/**/*.ts', '../imports/**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts'],
  },
  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 60_000,
      // Two cores: jest's default (cores - 1) runs one worker beside an idle main process.
      maxWorkers: 2,
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts'],
    ignorePatterns: ['imports/', 'lib/', 'dist/', 'node_modules/', '*.generated.ts'],
    // `npm test` must not rewrite the tree: lint reports, `npx projen eslint:fix` fixes.
    // The cache (.tmp/eslintcache, ignored) keeps a warm loop to the files that changed.
    commandOptions: { fix: false, extraArgs: ['--cache', '--cache-location', '.tmp/eslintcache'] },
  },
  // .swc/: the swc plugin cache of the coverage instrumentation.
  gitignore: ['/synth-out/', '/examples/*/dist/', '/.tmp/', '/.swc/', '/mesh-ladder-report/'],
  npmignoreEnabled: true,
});

// swc instead of ts-jest: types are only stripped (tsc --noEmit type-checks in the test
// task), and coverage counters are inserted by swc's istanbul plugin (babel provider)
// rather than V8's precise coverage, which slows every test file down: together what
// makes the suite fit the 150 s budget on two cores.
project.jest!.config.transform = {
  '^.+\\.tsx?$': new javascript.Transform('@swc/jest', {
    experimental: { customCoverageInstrumentation: { enabled: true } },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  }),
};
project.jest!.config.coverageProvider = 'babel';
// The generated CRD bindings are data, not logic: out of the coverage figures.
project.jest!.config.coveragePathIgnorePatterns = ['/node_modules/', '/imports/'];

// Coverage: one screen in the terminal (projen adds the wide `text` table; replace it),
// the full reports in coverage/ (lcov HTML, json, clover, cobertura).
project.jest!.config.coverageReporters = ['json', 'lcov', 'clover', 'cobertura', 'text-summary'];

// jsii prints a banner on Node 20; keep CI output readable.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// The catalog's JSON Schema is generated from the model's TypeScript types. Both outputs
// are committed (marked generated), so a fresh clone builds with no earlier task: every
// task that compiles regenerates them first, and the tests fail when they are stale.
const genSchema = project.addTask('gen:schema', {
  description: 'Generate the catalog JSON Schema (catalog.schema.json, src/model/catalog-schema.generated.ts) from src/model/types.ts',
  exec: 'ts-node --project test/tsconfig.json scripts/gen-schema.ts',
});
const checkSchema = project.addTask('check:schema', {
  description: 'Fail when the committed catalog schema differs from src/model/types.ts (writes nothing)',
  exec: 'ts-node --project test/tsconfig.json scripts/gen-schema.ts --check',
});
// projen's `compile` does not run `pre-compile`: generate inside `compile` (and `watch`).
project.compileTask.prependSpawn(genSchema);
// lib/ from scratch: a module that became a folder (analysis/cilium.ts -> analysis/cilium/)
// leaves its old lib/ file behind, and Node resolves `./cilium` to that stale file before
// the folder's index.js, so the compiled CLI would run old code without a word.
project.compileTask.prependExec('node -e "require(\'fs\').rmSync(\'lib\', { recursive: true, force: true })"');
project.tasks.tryFind('watch')!.prependSpawn(genSchema);
for (const file of ['/catalog.schema.json', '/src/model/catalog-schema.generated.ts']) {
  project.gitattributes.addAttributes(file, 'linguist-generated');
}

// Typed bindings for the CRDs we emit, from ../shared/crds (not committed).
project.addTask('import:crds', {
  description: 'Regenerate imports/ from ../shared/crds with cdk8s import',
  exec: 'ts-node --project test/tsconfig.json scripts/import-crds.ts',
});

// Tests: verify the committed schema, type-check (the jest transform only strips types),
// jest, then lint without fixing: `npm test` never modifies the tree.
project.testTask.reset();
project.testTask.spawn(checkSchema);
// Incremental: a warm loop re-checks only what changed (build info in .tmp/, ignored).
project.testTask.exec('tsc --noEmit --incremental --tsBuildInfoFile .tmp/test.tsbuildinfo -p test/tsconfig.json');
// Coverage is collected by `test:deep` (CI), not here: its counters cost the loop ~15%.
project.testTask.exec('jest --passWithNoTests --coverage=false', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);
// The same suite with every property test at full strength (test/support/property-runs.ts)
// and coverage (reports in coverage/): `npm test` runs a quarter of each property's runs,
// without coverage; CI runs this.
project.addTask('test:deep', {
  description: 'Run the tests with full-strength property runs (MESH_LADDER_DEEP=1) and coverage; CI runs it',
  exec: 'jest --passWithNoTests',
  env: { MESH_LADDER_DEEP: '1' },
  receiveArgs: true,
});
project.addTask('eslint:fix', {
  description: 'Run eslint with --fix (the test task only reports)',
  exec: 'eslint --ext .ts,.tsx --fix --no-error-on-unmatched-pattern src test examples scripts projenrc .projenrc.ts',
  env: { ESLINT_USE_FLAT_CONFIG: 'false', NODE_NO_WARNINGS: '1' },
});

// Benchmark (not part of the tests): prints ratios and a JSON line; see README.
project.addTask('bench', {
  description: 'Benchmark synthesis against the yaml-only floor and cdk8s-plus',
  exec: 'node --expose-gc -r ts-node/register/transpile-only scripts/bench.ts',
  env: { TS_NODE_PROJECT: 'test/tsconfig.json' },
  receiveArgs: true,
});

// The main job: synthesize the examples with the CLI and the cdk8s app.
project.addTask('synth:example', {
  description: 'Synthesize the shop example for every phase (CLI), as a cdk8s app, and the cdk8s-plus example',
  steps: [
    { spawn: 'compile' },
    { exec: 'node bin/mesh-ladder synth examples/shop/catalog.yaml --phase all --out synth-out/shop' },
    { exec: 'node bin/mesh-ladder synth examples/minimal/catalog.yaml --phase all --out synth-out/minimal' },
    { exec: 'node scripts/check-all-phases.js examples/shop/catalog.yaml' },
    { exec: 'cdk8s synth --no-check-upgrade --app "ts-node --project test/tsconfig.json examples/shop/app.ts" --output synth-out/cdk8s-app', cwd: '.' },
    { exec: 'cdk8s synth --no-check-upgrade --app "ts-node --project test/tsconfig.json examples/kplus/main.ts" --output synth-out/kplus', cwd: '.' },
  ],
});

// Imports run one way (docs/ARCHITECTURE.md): model <- emit <- layers <- phases <- chart/api
// (src/*.ts, src/mesh/) <- cli, and model <- analysis. Each zone forbids `target` to import `from`;
// backends never import each other. No import circles anywhere in src/.
// Globs throughout: the rule refuses a `from` list that mixes globs and plain paths.
const TOP_LEVEL_API = ['./src/*.ts', './src/mesh/**'];
const BACKENDS = ['baseline', 'cilium', 'linkerd', 'istio'];
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src/model/**', from: ['./src/emit/**', './src/layers/**', './src/phases/**', './src/analysis/**', './src/cli/**', ...TOP_LEVEL_API], message: 'src/model/ imports nothing above it.' },
      { target: './src/emit/**', from: ['./src/layers/**', './src/phases/**', './src/analysis/**', './src/cli/**', ...TOP_LEVEL_API], message: 'src/emit/ imports only the model.' },
      { target: './src/layers/**', from: ['./src/phases/**', './src/analysis/**', './src/cli/**', ...TOP_LEVEL_API], message: 'src/layers/ import only emit and the model.' },
      { target: './src/phases/**', from: ['./src/analysis/**', './src/cli/**', ...TOP_LEVEL_API], message: 'src/phases/ import only layers, emit and the model.' },
      { target: './src/analysis/**', from: ['./src/emit/**', './src/layers/**', './src/phases/**', './src/cli/**', ...TOP_LEVEL_API], message: 'src/analysis/ reads emitted manifests and the model only.' },
      { target: TOP_LEVEL_API, from: './src/cli/**', message: 'The library never imports its CLI.' },
      ...BACKENDS.map(backend => ({
        target: `./src/phases/${backend}/**`,
        from: BACKENDS.filter(other => other !== backend).map(other => `./src/phases/${other}/**`),
        message: 'Backends never import each other: share through src/layers/ or src/emit/.',
      })),
    ],
  }],
  'import/no-cycle': ['error', { ignoreExternal: true }],
});

// eslint's project service looks for the nearest tsconfig.json: give scripts/ and
// examples/ one that extends the test config (which type-checks them).
for (const dir of ['scripts', 'examples']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'] },
  });
}

project.npmignore?.exclude('/synth-out/', '/examples/', '/scripts/', '/.ci/', '/imports/', '/.tmp/');
project.npmignore?.include('/catalog.schema.json', '/bin/');
project.package.addField('types', 'lib/src/index.d.ts');

project.synth();
