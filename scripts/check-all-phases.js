#!/usr/bin/env node
// Runs `mesh-ladder check` and `mesh-ladder certs` for every phase the CLI knows; fails if any fails.
// Prints each phase's summary line; the phase's warnings were printed by `synth` already,
// so stderr is shown only when a check fails.
const { execFileSync } = require('child_process');
const path = require('path');
const { ALL_PHASES } = require('../lib/src/phases/phase.js');

const catalog = process.argv[2];
let failed = 0;
// Each phase: the reachability proof (`check`), then the certificates over time (`certs`).
for (const phase of ALL_PHASES) {
  for (const command of ['check', 'certs']) {
    try {
      const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'mesh-ladder'), command, catalog, '--phase', phase], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      // The summary is the last line of the report.
      console.log(`${phase}: ${out.trim().split('\n').pop()}`);
    } catch (e) {
      failed++;
      console.error(`${phase}: ${command} FAILED (exit ${e.status})\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
