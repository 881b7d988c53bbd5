#!/usr/bin/env node
// Proves every phase of a catalog: `mesh-ladder check --phase all` (one line per phase),
// then `mesh-ladder certs` per phase (certificates over time); fails if any fails.
// The phases' warnings were printed by `synth` already, so stderr is shown only on failure.
const { execFileSync } = require('child_process');
const path = require('path');
const { ALL_PHASES } = require('../lib/src/phases/phase.js');

const catalog = process.argv[2];
const cli = path.join(__dirname, '..', 'bin', 'mesh-ladder');
let failed = 0;

function run(args, summarize) {
  try {
    const out = execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    console.log(summarize(out));
  } catch (e) {
    failed++;
    console.error(`${args.join(' ')}: FAILED (exit ${e.status})\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

run(['check', catalog, '--phase', 'all'], out => out.trimEnd());
for (const phase of ALL_PHASES) {
  // The summary is the last line of the report.
  run(['certs', catalog, '--phase', phase], out => `${phase}: ${out.trim().split('\n').pop()}`);
}
process.exit(failed > 0 ? 1 : 0);
