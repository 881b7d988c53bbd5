/**
 * Benchmark: synthesis of every phase for synthetic catalogs of 250, 1,000 and 2,000
 * services, against two references:
 * - the floor: serializing the same final objects with the `yaml` package alone;
 * - cdk8s-plus: the same phase-1 NetworkPolicies built with `kplus.NetworkPolicy`.
 * Then the proof (scripts/bench-proof.ts): `check` per phase and `--phase all` at every
 * size, `plan` for one pair at 1,000, against the synthesis time of the same size; and
 * `diff` (one added call) against `check` at 1,000 per phase (scripts/bench-diff.ts).
 *
 * Each size runs in its own child processes, so peak RSS is that size's own; sizes run in
 * interleaved rounds. Times are the median of every repetition of every round, each after
 * a warm-up and starting from a collected heap.
 * The last line printed is one JSON object (see `Summary`).
 *
 *   npm run bench                      # 250, 1000, 2000
 *   npm run bench -- --quick           # 250 only (smoke)
 *   npm run bench -- --sizes 1000 --reps 5 --rounds 3 --seed 3
 *   npm run bench -- --cpu-prof        # a .cpuprofile per size (open in Chrome DevTools)
 *   npm run bench -- --no-proof        # synthesis only
 *   npm run bench -- --plan-pairs all  # also plan every ordered pair of phases at 1,000 (slow: minutes)
 *   npm run bench -- --sizes 1000 --plan-pairs linkerd:istio,istio:baseline
 *
 * Not part of the test suite: timings depend on the machine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { App, Chart, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { DiffFigures } from './bench-diff';
import { measureProof, parsePlanPairs, PLAN_PAIR, PROOF_TARGETS, ProofSamples } from './bench-proof';
import { MeshLadderChart } from '../src/chart';
import { renderPhaseFiles } from '../src/cli/output';
import { NetworkPolicyLayer } from '../src/layers/network-policy';
import { ServiceCatalog } from '../src/model/catalog';
import { ALL_PHASES, Phase } from '../src/model/phase';
import { ResolvedPeer, ResolvedPort, ResolvedService } from '../src/model/resolved';
import { CatalogSpec, PortProtocol } from '../src/model/types';
import { catalogShape, CatalogShape, syntheticCatalog } from '../test/support/synthetic-catalog';

const DEFAULT_SIZES = [250, 1000, 2000];
const TARGETS = { floorRatio1000: 2.0, scaling: 2.1, vsCdk8sPlus: 0.75, peakRssMb2000: 768, diffVsCheck1000: 2 };
/** `diff` against `check`: one size, one edit (an added call), every phase, this many interleaved repetitions. */
const DIFF_BENCH = { services: 1000, reps: 3 };
const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;
/** Where --cpu-prof writes (outside the repository). */
const PROFILE_DIR = path.join(os.tmpdir(), 'mesh-ladder-bench-profiles');

/** What one size measures (a worker prints it as its last stdout line). */
interface SizeResult {
  readonly n: number;
  readonly reps: number;
  readonly shape: CatalogShape;
  /** Median ms: fromSpec + every phase's manifests + CLI YAML rendering. */
  readonly libraryMs: number;
  readonly libraryRuns: number[];
  /** Median ms: YAML.stringify of the same objects. */
  readonly floorMs: number;
  readonly phases: Array<{ phase: Phase; objects: number; bytes: number; ms: number; floorMs: number }>;
  /** Median ms of building + synthesizing + serializing the phase-1 NetworkPolicies. */
  readonly oursPhase1Ms: number;
  readonly kplusPhase1Ms: number;
  /** The same without YAML: construct + synthesize to JSON only. */
  readonly oursPhase1BuildMs: number;
  readonly kplusPhase1BuildMs: number;
  /** YAML.stringify of our phase-1 objects alone. */
  readonly phase1FloorMs: number;
  readonly phase1Policies: number;
  /** Rules (peer × port) that differ between ours and cdk8s-plus: 0 = the same policies. */
  readonly phase1Mismatches: number;
  /** Peak RSS after the library runs (before the reference runs), MB. */
  readonly peakRssMb: number;
  /** Peak RSS at the end of the worker (with the references), MB. */
  readonly peakRssMbTotal: number;
}

/** The raw samples of one worker; rounds of workers are merged into a SizeResult. */
interface SizeSamples {
  readonly n: number;
  readonly shape: CatalogShape;
  readonly phases: Array<{ phase: Phase; objects: number; bytes: number }>;
  readonly library: number[];
  readonly floor: number[];
  readonly phaseLibrary: Array<[Phase, number[]]>;
  readonly phaseFloor: Array<[Phase, number[]]>;
  readonly ours: number[];
  readonly kplus: number[];
  readonly oursBuild: number[];
  readonly kplusBuild: number[];
  readonly phase1Floor: number[];
  readonly phase1Policies: number;
  readonly phase1Mismatches: number;
  readonly peakRssMb: number;
  readonly peakRssMbTotal: number;
}

interface Summary {
  readonly floorRatio1000: number | null;
  readonly scaling: number | null;
  readonly vsCdk8sPlus: number | null;
  readonly peakRssMb2000: number | null;
  /** `check --phase all` at 2,000 services, median ms. */
  readonly checkAllMs2000: number | null;
  /** time(2,000) / time(1,000) of `check --phase all`. */
  readonly checkScaling: number | null;
  /** `check --phase all` / synthesis of all phases (libraryMs), at 2,000. */
  readonly checkVsSynth2000: number | null;
  /** Peak RSS of a process that ran `check --phase all` at 2,000, MB. */
  readonly peakRssMbCheckAll2000: number | null;
  /** `plan` for PLAN_PAIR at 1,000 services, median ms. */
  readonly planMs1000: number | null;
  /** With `--plan-pairs`: the slowest of the pairs asked for at 1,000 (median per pair), ms; absent otherwise. */
  readonly planMaxMs1000?: number;
  /** Every `check --phase all` and `plan` run exited 0 (the synthetic catalogs prove). */
  readonly proofOk: boolean | null;
  /** `diff` (one added call) / `check`, at 1,000 services, of the worst phase (scripts/bench-diff.ts). */
  readonly diffVsCheck1000: number | null;
}

// ---------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

interface LibraryRun {
  readonly totalMs: number;
  readonly phaseMs: Map<Phase, number>;
  /** Only when asked for: holding every phase's objects is more than the CLI holds. */
  readonly objects?: Map<Phase, any[]>;
  readonly counts: Map<Phase, number>;
  readonly bytes: Map<Phase, number>;
}

/** What the CLI does for `synth --phase all`, minus the disk: it keeps the rendered files. */
function runLibrary(spec: CatalogSpec, keepObjects = false): LibraryRun {
  const phaseMs = new Map<Phase, number>();
  const objects = new Map<Phase, any[]>();
  const counts = new Map<Phase, number>();
  const rendered = new Map<Phase, Map<string, string>>();
  const start = now();
  const catalog = ServiceCatalog.fromSpec(spec);
  for (const phase of ALL_PHASES) {
    const phaseStart = now();
    const manifests = MeshLadderChart.manifests(catalog, phase);
    rendered.set(phase, renderPhaseFiles(manifests));
    phaseMs.set(phase, now() - phaseStart);
    counts.set(phase, manifests.length);
    if (keepObjects) {
      objects.set(phase, manifests);
    }
  }
  const totalMs = now() - start;
  const bytes = new Map<Phase, number>();
  for (const [phase, files] of rendered) {
    let total = 0;
    for (const content of files.values()) {
      total += Buffer.byteLength(content, 'utf8');
    }
    bytes.set(phase, total);
  }
  return { totalMs, phaseMs, objects: keepObjects ? objects : undefined, counts, bytes };
}

/** The floor: the same objects through the `yaml` package and nothing else. */
function runFloor(objects: ReadonlyMap<Phase, any[]>): Map<Phase, number> {
  const ms = new Map<Phase, number>();
  for (const [phase, list] of objects) {
    const start = now();
    for (const obj of list) {
      YAML.stringify(obj, YAML_OPTIONS);
    }
    ms.set(phase, now() - start);
  }
  return ms;
}

/** Our phase-1 NetworkPolicies, alone in a chart like MeshLadderChart's, rendered as the CLI does. */
export function oursPhase1(catalog: ServiceCatalog, render = true): any[] {
  const app = new App();
  const chart = new Chart(app, Phase.BASELINE, { labels: { 'mesh-ladder.dev/phase': Phase.BASELINE } });
  new NetworkPolicyLayer(chart, 'network-policies', { catalog });
  const objects = chart.toJson();
  if (render) {
    renderPhaseFiles(objects);
  }
  return objects;
}

/**
 * The same policies with cdk8s-plus: one `kplus.NetworkPolicy` per owned namespace for
 * default-deny and DNS, one per service with a rule per peer (namespace + pod selector,
 * pod ports), built the idiomatic way (one `Pods` peer per service, reused).
 */
export function kplusPhase1(catalog: ServiceCatalog, render = true): any[] {
  const model = catalog._resolved;
  const app = new App();
  const chart = new Chart(app, Phase.BASELINE, { labels: { 'mesh-ladder.dev/phase': Phase.BASELINE } });
  const managed = { 'app.kubernetes.io/managed-by': 'cdk8s-mesh-ladder' };
  const namespaces = new Map<string, kplus.Namespaces>();
  const namespaceOf = (name: string) => {
    let found = namespaces.get(name);
    if (!found) {
      found = kplus.Namespaces.select(chart, `ns-${name}`, { names: [name] });
      namespaces.set(name, found);
    }
    return found;
  };
  const peers = new Map<string, kplus.Pods>();
  const peerOf = (key: string, namespace: string, labels: Record<string, string>) => {
    let found = peers.get(key);
    if (!found) {
      found = kplus.Pods.select(chart, `pods-${key.replace(/\//g, '--')}`, { labels, namespaces: namespaceOf(namespace) });
      peers.set(key, found);
    }
    return found;
  };
  const servicePeer = (s: ResolvedService) => peerOf(s.id, s.namespace, s.selector);
  const ipBlocks = new Map<string, kplus.NetworkPolicyIpBlock>();
  const ipBlock = (cidr: string, except: string[]) => {
    const key = `${cidr}|${except.join(',')}`;
    let found = ipBlocks.get(key);
    if (!found) {
      const make = cidr.includes(':') ? kplus.NetworkPolicyIpBlock.ipv6 : kplus.NetworkPolicyIpBlock.ipv4;
      found = make(chart, `ip-${ipBlocks.size}`, cidr, except.length > 0 ? except : undefined);
      ipBlocks.set(key, found);
    }
    return found;
  };
  const port = (p: number, protocol: PortProtocol) =>
    (protocol === PortProtocol.UDP ? kplus.NetworkPolicyPort.udp(p) : kplus.NetworkPolicyPort.tcp(p));
  const podPorts = (ports: readonly ResolvedPort[]) => {
    const unique = new Map<string, ResolvedPort>();
    for (const p of ports) {
      unique.set(`${p.targetPort}/${p.protocol === PortProtocol.UDP ? 'UDP' : 'TCP'}`, p);
    }
    return [...unique.values()].sort((a, b) => a.targetPort - b.targetPort).map(p => port(p.targetPort, p.protocol));
  };
  const dns = peerOf('dns', model.dns.namespace, model.dns.selector);
  const ingress = peerOf('ingress', model.ingressController.namespace, model.ingressController.selector);
  const deny = { default: kplus.NetworkPolicyTrafficDefault.DENY };

  for (const ns of model.namespaces.filter(n => n.owned)) {
    new kplus.NetworkPolicy(chart, `${ns.name}-default-deny`, {
      metadata: { name: 'default-deny', namespace: ns.name, labels: managed },
      selector: kplus.Pods.all(chart, `${ns.name}-all-1`),
      ingress: deny,
      egress: deny,
    });
    const allowDns = new kplus.NetworkPolicy(chart, `${ns.name}-allow-dns`, {
      metadata: { name: 'allow-dns', namespace: ns.name, labels: managed },
      selector: kplus.Pods.all(chart, `${ns.name}-all-2`),
    });
    allowDns.addEgressRule(dns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
  }
  for (const service of model.services) {
    const policy = new kplus.NetworkPolicy(chart, service.id.replace(/\//g, '--'), {
      metadata: { name: service.name, namespace: service.namespace, labels: { ...managed, 'mesh-ladder.dev/service': service.name } },
      selector: servicePeer(service),
      ingress: deny,
      egress: deny,
    });
    // Peers: the ingress controller, pods of another namespace, addresses (one rule per range).
    const peerRules = (peer: ResolvedPeer): kplus.INetworkPolicyPeer[] => {
      if (peer.name === 'ingress-controller') {
        return [ingress];
      }
      if (peer.kind === 'pods' && peer.namespace !== undefined) {
        return [peerOf(`peer:${peer.name}`, peer.namespace, peer.selector)];
      }
      if (peer.kind !== 'pods') {
        return peer.cidrs.map(cidr => ipBlock(cidr, []));
      }
      throw new Error(`bench: the cdk8s-plus reference has no rule for peer ${peer.name}`);
    };
    for (const caller of service.callers) {
      peerRules(caller.peer).forEach(p => policy.addIngressRule(p, podPorts(caller.ports)));
    }
    const callers = new Map<string, ResolvedPort[]>();
    for (const inbound of service.inbound) {
      callers.set(inbound.fromId, [...(callers.get(inbound.fromId) ?? []), ...inbound.call.ports]);
    }
    for (const [fromId, ports] of [...callers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      policy.addIngressRule(servicePeer(model.service(fromId)), podPorts(ports));
    }
    const callees = new Map<string, ResolvedPort[]>();
    for (const call of service.calls) {
      if (call.kind === 'service') {
        callees.set(call.targetId, [...(callees.get(call.targetId) ?? []), ...call.ports]);
      }
    }
    for (const [targetId, ports] of [...callees].sort(([a], [b]) => (a < b ? -1 : 1))) {
      policy.addEgressRule(servicePeer(model.service(targetId)), podPorts(ports));
    }
    for (const call of service.calls) {
      if (call.kind === 'cidr') {
        policy.addEgressRule(ipBlock(call.cidr, call.except), call.ports.map(p => port(p.port, p.protocol)));
      } else if (call.kind === 'host') {
        // cdk8s-plus takes one peer per rule: one rule per address range.
        for (const cidr of call.cidrs) {
          policy.addEgressRule(ipBlock(cidr, []), call.ports.map(p => port(p.port, p.protocol)));
        }
      }
    }
    for (const call of service.peerCalls) {
      peerRules(call.peer).forEach(p => policy.addEgressRule(p, call.ports.map(q => port(q.port, q.protocol))));
    }
  }
  const objects = chart.toJson();
  if (render) {
    // What `app.synth()` writes for a chart.
    Yaml.stringify(...objects);
  }
  return objects;
}

/** Every (policy, direction, peer, port) a set of NetworkPolicies allows, as strings. */
function policyFacts(objects: readonly any[]): Set<string> {
  const facts = new Set<string>();
  for (const policy of objects) {
    const id = `${policy.metadata.namespace}/${policy.metadata.name}`;
    facts.add(`${id} selects ${JSON.stringify(policy.spec.podSelector?.matchLabels ?? {})} types ${[...policy.spec.policyTypes].sort().join(',')}`);
    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of policy.spec[direction] ?? []) {
        for (const peer of rule[direction === 'ingress' ? 'from' : 'to'] ?? []) {
          for (const p of rule.ports ?? []) {
            facts.add(`${id} ${direction} ${canonical(peer)} ${p.protocol}/${p.port}`);
          }
        }
      }
    }
  }
  return facts;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)))
    : v));
}

function measureSize(n: number, reps: number, seed: number): SizeSamples {
  const spec = syntheticCatalog({ services: n, seed });
  const shape = catalogShape(spec);
  const warmups = n <= 250 ? 2 : 1;
  for (let i = 0; i < warmups; i++) {
    runLibrary(spec);
  }
  const libraryRuns: number[] = [];
  const phaseRuns = new Map<Phase, number[]>(ALL_PHASES.map(p => [p, []]));
  let last: LibraryRun | undefined;
  for (let i = 0; i < reps; i++) {
    last = undefined;
    collect();
    last = runLibrary(spec);
    libraryRuns.push(last.totalMs);
    for (const [phase, ms] of last.phaseMs) {
      phaseRuns.get(phase)!.push(ms);
    }
  }
  const peakLibrary = peakRssMb();

  // The floor, on the objects of one more run.
  const { bytes, counts } = last!;
  last = undefined;
  collect();
  const objects = runLibrary(spec, true).objects!;
  runFloor(objects);
  const floorRuns: number[] = [];
  const phaseFloorRuns = new Map<Phase, number[]>(ALL_PHASES.map(p => [p, []]));
  for (let i = 0; i < reps; i++) {
    collect();
    const start = now();
    const perPhase = runFloor(objects);
    floorRuns.push(now() - start);
    for (const [phase, ms] of perPhase) {
      phaseFloorRuns.get(phase)!.push(ms);
    }
  }
  const phases = ALL_PHASES.map(phase => ({ phase, objects: counts.get(phase)!, bytes: bytes.get(phase)! }));
  objects.clear();

  // Phase-1 NetworkPolicies: ours against cdk8s-plus, alternating to share any drift.
  const catalog = ServiceCatalog.fromSpec(spec);
  const ours = oursPhase1(catalog);
  const theirs = kplusPhase1(catalog);
  const ourFacts = policyFacts(ours);
  const theirFacts = policyFacts(theirs);
  let mismatches = 0;
  for (const fact of ourFacts) {
    mismatches += theirFacts.has(fact) ? 0 : 1;
  }
  for (const fact of theirFacts) {
    mismatches += ourFacts.has(fact) ? 0 : 1;
  }
  const oursRuns: number[] = [];
  const kplusRuns: number[] = [];
  const oursBuildRuns: number[] = [];
  const kplusBuildRuns: number[] = [];
  const phase1FloorRuns: number[] = [];
  const time = (runs: number[], fn: () => unknown) => {
    collect();
    const start = now();
    fn();
    runs.push(now() - start);
  };
  for (let i = 0; i < reps; i++) {
    time(oursRuns, () => oursPhase1(catalog));
    time(kplusRuns, () => kplusPhase1(catalog));
    time(oursBuildRuns, () => oursPhase1(catalog, false));
    time(kplusBuildRuns, () => kplusPhase1(catalog, false));
    time(phase1FloorRuns, () => ours.forEach(obj => YAML.stringify(obj, YAML_OPTIONS)));
  }

  return {
    n,
    shape,
    phases,
    library: libraryRuns,
    floor: floorRuns,
    phaseLibrary: [...phaseRuns],
    phaseFloor: [...phaseFloorRuns],
    ours: oursRuns,
    kplus: kplusRuns,
    oursBuild: oursBuildRuns,
    kplusBuild: kplusBuildRuns,
    phase1Floor: phase1FloorRuns,
    phase1Policies: ours.length,
    phase1Mismatches: mismatches,
    peakRssMb: peakLibrary,
    peakRssMbTotal: peakRssMb(),
  };
}

/** The samples of every round of one size, summarized by medians (peak RSS: the highest). */
function summarize(rounds: readonly SizeSamples[]): SizeResult {
  const all = (pick: (s: SizeSamples) => number[]) => rounds.flatMap(pick);
  const perPhase = (pick: (s: SizeSamples) => Array<[Phase, number[]]>, phase: Phase) =>
    rounds.flatMap(r => pick(r).find(([p]) => p === phase)?.[1] ?? []);
  const first = rounds[0];
  return {
    n: first.n,
    reps: all(r => r.library).length,
    shape: first.shape,
    libraryMs: median(all(r => r.library)),
    libraryRuns: all(r => r.library),
    floorMs: median(all(r => r.floor)),
    phases: first.phases.map(p => ({
      ...p,
      ms: median(perPhase(r => r.phaseLibrary, p.phase)),
      floorMs: median(perPhase(r => r.phaseFloor, p.phase)),
    })),
    oursPhase1Ms: median(all(r => r.ours)),
    kplusPhase1Ms: median(all(r => r.kplus)),
    oursPhase1BuildMs: median(all(r => r.oursBuild)),
    kplusPhase1BuildMs: median(all(r => r.kplusBuild)),
    phase1FloorMs: median(all(r => r.phase1Floor)),
    phase1Policies: first.phase1Policies,
    phase1Mismatches: Math.max(...rounds.map(r => r.phase1Mismatches)),
    peakRssMb: Math.max(...rounds.map(r => r.peakRssMb)),
    peakRssMbTotal: Math.max(...rounds.map(r => r.peakRssMbTotal)),
  };
}

// ---------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (nproc ${os.availableParallelism?.() ?? os.cpus().length}), ${cpu.trim()}, node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** Repetitions per worker; every size runs in ROUNDS workers, interleaved with the others. */
function defaultReps(n: number): number {
  return n <= 250 ? 4 : 3;
}

/**
 * Sizes run in rounds (250, 1000, 2000, 250, 1000, 2000): a load change on the machine then
 * hits every size alike instead of skewing time(2,000) / time(1,000).
 */
const ROUNDS = 2;

/** Runs one size in a fresh process: its own heap, its own peak RSS. */
function runWorker(n: number, reps: number, seed: number, cpuProf: boolean, roundNumber: number): SizeSamples {
  const profArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=bench-${n}-${roundNumber}.cpuprofile`] : [];
  const result = spawnSync(process.execPath, [...process.execArgv, ...profArgs, __filename, '--worker', String(n), '--reps', String(reps), '--seed', String(seed)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`benchmark worker for N=${n} failed (exit ${result.status}, signal ${result.signal})`);
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as SizeSamples;
}

/** Runs the proof of one size in a fresh process (its own peak RSS). */
function runProofWorker(n: number, seed: number, planPairs: string | undefined, cpuProf: boolean, roundNumber: number): ProofSamples {
  const profArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=bench-proof-${n}-${roundNumber}.cpuprofile`] : [];
  const result = spawnSync(process.execPath, [
    ...process.execArgv, ...profArgs, __filename, '--proof-worker', String(n), '--seed', String(seed), ...(planPairs !== undefined ? ['--plan-pairs', planPairs] : []),
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`proof worker for N=${n} failed (exit ${result.status}, signal ${result.signal})`);
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as ProofSamples;
}

/** Runs scripts/bench-diff.ts in a fresh process: one JSON line per phase. */
function runDiffBench(): DiffFigures[] {
  const result = spawnSync(process.execPath, [
    ...process.execArgv, path.join(__dirname, 'bench-diff.ts'), '--sizes', String(DIFF_BENCH.services), '--phases', ALL_PHASES.join(','), '--reps', String(DIFF_BENCH.reps),
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`diff benchmark failed (exit ${result.status}, signal ${result.signal})`);
  }
  return result.stdout.trim().split('\n').map(line => JSON.parse(line) as DiffFigures);
}

/** Prints rows under headers, right-aligned, two spaces apart. */
function table(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map(row => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map(row => row[i].length)));
  for (const row of cells) {
    process.stdout.write('  ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ') + '\n');
  }
}

function report(results: SizeResult[], proof: Map<number, ProofSamples[]>, diffs: DiffFigures[]): Summary {
  const by = new Map(results.map(r => [r.n, r]));
  const out = (line = '') => process.stdout.write(line + '\n');
  const r1000 = by.get(1000);
  const r2000 = by.get(2000);
  const checkAll = (n: number) => (proof.get(n)?.length ? median(proof.get(n)!.map(p => p.checkAllMs)) : undefined);
  const plans = (proof.get(1000) ?? []).flatMap(p => (p.planMs !== undefined ? [p.planMs] : []));
  const proofRuns = [...proof.values()].flat();
  const pairMedians = planPairMedians(proof.get(1000) ?? []);
  const all1000 = checkAll(1000);
  const all2000 = checkAll(2000);
  const summary: Summary = {
    floorRatio1000: r1000 ? round(r1000.libraryMs / r1000.floorMs) : null,
    scaling: r1000 && r2000 ? round(r2000.libraryMs / r1000.libraryMs) : null,
    vsCdk8sPlus: r1000 ? round(r1000.oursPhase1Ms / r1000.kplusPhase1Ms) : null,
    peakRssMb2000: r2000 ? round(r2000.peakRssMb, 0) : null,
    checkAllMs2000: all2000 !== undefined ? round(all2000, 0) : null,
    checkScaling: all1000 !== undefined && all2000 !== undefined ? round(all2000 / all1000) : null,
    checkVsSynth2000: all2000 !== undefined && r2000 ? round(all2000 / r2000.libraryMs) : null,
    peakRssMbCheckAll2000: proof.get(2000)?.length ? round(Math.max(...proof.get(2000)!.map(p => p.peakRssMbCheckAll)), 0) : null,
    planMs1000: plans.length > 0 ? round(median(plans), 0) : null,
    ...(pairMedians.length > 1 ? { planMaxMs1000: round(Math.max(...pairMedians.map(p => p.ms)), 0) } : {}),
    proofOk: proofRuns.length > 0 ? proofRuns.every(p => p.checkAllExit === 0 && p.planPairs.every(plan => plan.exit === 0)) : null,
    diffVsCheck1000: diffs.length > 0 ? Math.max(...diffs.map(d => d.ratio)) : null,
  };

  out('');
  out('Ratios');
  const check = (value: number | null, target: number) => (value === null ? 'n/a' : `${value} (target <= ${target}: ${value <= target ? 'ok' : 'MISSED'})`);
  out(`  library / yaml floor at 1,000      ${check(summary.floorRatio1000, TARGETS.floorRatio1000)}`);
  out(`  time(2,000) / time(1,000)          ${check(summary.scaling, TARGETS.scaling)}`);
  out(`  phase 1: ours / cdk8s-plus (1,000) ${check(summary.vsCdk8sPlus, TARGETS.vsCdk8sPlus)}`);
  out(`  peak RSS at 2,000, MB              ${check(summary.peakRssMb2000, TARGETS.peakRssMb2000)}`);
  if (proof.size > 0) {
    out(`  check --phase all at 2,000, ms     ${check(summary.checkAllMs2000, PROOF_TARGETS.checkAllMs2000)}`);
    out(`  check all: time(2,000)/time(1,000) ${check(summary.checkScaling, PROOF_TARGETS.checkScaling)}`);
    out(`  check all / synthesis at 2,000     ${check(summary.checkVsSynth2000, PROOF_TARGETS.checkVsSynth2000)}`);
    out(`  check all: peak RSS at 2,000, MB   ${check(summary.peakRssMbCheckAll2000, PROOF_TARGETS.peakRssMbCheckAll2000)}`);
    out(`  plan ${PLAN_PAIR.join(' -> ')} at 1,000, ms ${check(summary.planMs1000, PROOF_TARGETS.planMs1000)}`);
    if (summary.planMaxMs1000 !== undefined) {
      out(`  plan, slowest of ${pairMedians.length} pairs at 1,000, ms ${check(summary.planMaxMs1000, PROOF_TARGETS.planMaxMs1000)}`);
    }
    out(`  every check and plan exited 0      ${summary.proofOk ? 'yes' : 'NO: a synthetic catalog failed its proof'}`);
  }
  if (diffs.length > 0) {
    out(`  diff / check at 1,000, worst phase ${check(summary.diffVsCheck1000, TARGETS.diffVsCheck1000)} `
      + `(${diffs.map(d => `${d.phase} ${d.ratio}: ${fmt(d.diffMs)}/${fmt(d.checkMs)} ms, base by ${d.baseProof}`).join('; ')})`);
  }
  out('');
  out('All phases, through the library (fromSpec, manifests, YAML as the CLI renders it) against the yaml floor');
  table(['N', 'objects', 'MB', 'library ms', 'floor ms', 'library/floor', 'peak RSS MB'], results.map(r => [
    r.n, r.phases.reduce((n, p) => n + p.objects, 0), (r.phases.reduce((n, p) => n + p.bytes, 0) / 1048576).toFixed(1),
    fmt(r.libraryMs), fmt(r.floorMs), (r.libraryMs / r.floorMs).toFixed(2), r.peakRssMb.toFixed(0),
  ]));
  out('');
  out('Phase-1 NetworkPolicies: ours against cdk8s-plus (kplus.NetworkPolicy), built, synthesized and rendered to YAML');
  out('(ours: renderPhaseFiles as the CLI; cdk8s-plus: cdk8s Yaml.stringify as app.synth; "build" columns stop at JSON)');
  table(['N', 'policies', 'same rules', 'ours ms', 'plus ms', 'ours/plus', 'yaml floor ms', 'plus/floor', 'ours build ms', 'plus build ms', 'build ours/plus'], results.map(r => [
    r.n, r.phase1Policies, r.phase1Mismatches === 0 ? 'yes' : `${r.phase1Mismatches} differ`, fmt(r.oursPhase1Ms), fmt(r.kplusPhase1Ms),
    (r.oursPhase1Ms / r.kplusPhase1Ms).toFixed(2), fmt(r.phase1FloorMs), (r.kplusPhase1Ms / r.phase1FloorMs).toFixed(2),
    fmt(r.oursPhase1BuildMs), fmt(r.kplusPhase1BuildMs), (r.oursPhase1BuildMs / r.kplusPhase1BuildMs).toFixed(2),
  ]));
  out('');
  out('Per phase (median ms; bytes of the rendered directory, kustomization included)');
  table(['N', 'phase', 'objects', 'bytes', 'library ms', 'floor ms', 'library/floor'], results.flatMap(r => r.phases.map(p => [
    r.n, p.phase, p.objects, p.bytes, fmt(p.ms), fmt(p.floorMs), (p.ms / p.floorMs).toFixed(2),
  ])));
  if (proof.size > 0) {
    out('');
    out('The proof: mesh-ladder check (catalog file, synthesis, lint, proof, text report) per phase and --phase all, median ms');
    table(['N', ...ALL_PHASES, 'all', 'all/synthesis', 'peak RSS MB', `plan ${PLAN_PAIR.join('->')}`], [...proof].map(([n, runs]) => {
      const perPhase = ALL_PHASES.map(phase => fmt(median(runs.map(r => r.checkMs.find(([p]) => p === phase)![1]))));
      const all = median(runs.map(r => r.checkAllMs));
      const synth = by.get(n)?.libraryMs;
      const planRuns = runs.flatMap(r => (r.planMs !== undefined ? [r.planMs] : []));
      return [n, ...perPhase, fmt(all), synth ? (all / synth).toFixed(2) : 'n/a', Math.max(...runs.map(r => r.peakRssMbCheckAll)).toFixed(0),
        planRuns.length > 0 ? fmt(median(planRuns)) : '-'];
    }));
  }
  if (pairMedians.length > 1) {
    out('');
    out('mesh-ladder plan at 1,000 services, every pair asked for (--plan-pairs), median ms');
    table(['from', 'to', 'ms', 'exit'], pairMedians.map(p => [p.from, p.to, fmt(p.ms), p.exits.join(',')]));
  }
  return summary;
}

/** Per pair of phases, in the order asked: the median ms over the rounds and every exit code. */
function planPairMedians(runs: readonly ProofSamples[]): Array<{ from: Phase; to: Phase; ms: number; exits: number[] }> {
  const pairs = new Map<string, { from: Phase; to: Phase; ms: number[]; exits: number[] }>();
  for (const plan of runs.flatMap(r => r.planPairs)) {
    const key = `${plan.from}:${plan.to}`;
    const entry = pairs.get(key) ?? { from: plan.from, to: plan.to, ms: [], exits: [] };
    entry.ms.push(plan.ms);
    entry.exits.push(plan.exit);
    pairs.set(key, entry);
  }
  return [...pairs.values()].map(p => ({ from: p.from, to: p.to, ms: median(p.ms), exits: p.exits }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      'sizes': { type: 'string' },
      'quick': { type: 'boolean', default: false },
      'reps': { type: 'string' },
      'rounds': { type: 'string' },
      'seed': { type: 'string', default: '1' },
      'cpu-prof': { type: 'boolean', default: false },
      'worker': { type: 'string' },
      'proof-worker': { type: 'string' },
      'plan-pairs': { type: 'string' },
      'no-proof': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  });
  const seed = Number(values.seed);
  if (values.worker !== undefined) {
    const n = Number(values.worker);
    const result = measureSize(n, Number(values.reps ?? defaultReps(n)), seed);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (values['proof-worker'] !== undefined) {
    const pairs = values['plan-pairs'] !== undefined ? parsePlanPairs(values['plan-pairs']) : [];
    const result = await measureProof(Number(values['proof-worker']), seed, pairs);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (values.help) {
    process.stdout.write('usage: npm run bench -- [--sizes 250,1000,2000] [--quick] [--reps N] [--rounds R] [--seed S] [--cpu-prof] [--no-proof] [--plan-pairs all|from:to,...]\n');
    return;
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    process.stderr.write('note: run with --expose-gc (npm run bench does) for steadier timings\n');
  }
  const sizes = values.quick ? [250] : values.sizes ? values.sizes.split(',').map(s => Number(s.trim())) : DEFAULT_SIZES;
  if (sizes.some(n => !Number.isInteger(n) || n < 2)) {
    throw new Error(`--sizes takes whole numbers of at least 2, got ${values.sizes}`);
  }
  const out = (line = '') => process.stdout.write(line + '\n');
  out(`mesh-ladder benchmark: phases ${ALL_PHASES.join(', ')}; seed ${seed}`);
  out(`machine: ${machine()}`);
  const rounds = values.quick ? 1 : Number(values.rounds ?? ROUNDS);
  const samples = new Map<number, SizeSamples[]>(sizes.map(n => [n, []]));
  for (let roundNumber = 1; roundNumber <= rounds; roundNumber++) {
    for (const n of sizes) {
      const reps = values.reps !== undefined ? Number(values.reps) : values.quick ? 3 : defaultReps(n);
      const start = now();
      samples.get(n)!.push(runWorker(n, reps, seed, values['cpu-prof']!, roundNumber));
      out(`  round ${roundNumber}/${rounds}, N=${n}: ${reps} repetitions in ${((now() - start) / 1000).toFixed(1)} s`);
    }
  }
  // The proof, in rounds like synthesis; plan at 1,000 (at the only size with --quick):
  // PLAN_PAIR, and every pair --plan-pairs names (off by default: minutes at 1,000).
  const proof = new Map<number, ProofSamples[]>();
  if (!values['no-proof']) {
    const planSize = values.quick ? sizes[0] : 1000;
    const planPairs = values['plan-pairs'] !== undefined ? parsePlanPairs(values['plan-pairs']) : [];
    if (!planPairs.some(([from, to]) => from === PLAN_PAIR[0] && to === PLAN_PAIR[1])) {
      planPairs.unshift(PLAN_PAIR);
    }
    const planArg = planPairs.map(([from, to]) => `${from}:${to}`).join(',');
    for (let roundNumber = 1; roundNumber <= rounds; roundNumber++) {
      for (const n of sizes) {
        const start = now();
        const runs = proof.get(n) ?? [];
        runs.push(runProofWorker(n, seed, n === planSize ? planArg : undefined, values['cpu-prof']!, roundNumber));
        proof.set(n, runs);
        out(`  proof round ${roundNumber}/${rounds}, N=${n}: ${((now() - start) / 1000).toFixed(1)} s`);
      }
    }
  }
  // diff against check: one size, one edit (not with --quick or --no-proof).
  let diffs: DiffFigures[] = [];
  if (!values['no-proof'] && !values.quick) {
    const start = now();
    diffs = runDiffBench();
    out(`  diff against check at ${DIFF_BENCH.services}: ${((now() - start) / 1000).toFixed(1)} s`);
  }
  const results = sizes.map(n => summarize(samples.get(n)!));
  for (const r of results) {
    const s = r.shape;
    out(`N=${r.n}: ${s.services} services in ${s.namespaces} namespaces, ${s.callsPerService.toFixed(2)} calls and ${s.routesPerService.toFixed(2)} routes per service, ` +
      `${(s.canaryShare * 100).toFixed(0)}% canaries, ${s.hostCalls} host calls (all with cidrs), ${s.cidrCalls} cidr calls, ${s.exposed} exposed, ${s.clientOnly} client-only, ${s.peerCallers} peer callers (metrics scrapes, a batch system), ${s.peerCalls} API-server calls; ` +
      `median of ${r.reps}: library ${fmt(r.libraryMs)} ms [${r.libraryRuns.map(fmt).join(', ')}], floor ${fmt(r.floorMs)} ms; ` +
      `phase-1 policies ${r.phase1Policies} (${r.phase1Mismatches === 0 ? 'same as cdk8s-plus' : `${r.phase1Mismatches} rules differ from cdk8s-plus`}); ` +
      `peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.peakRssMbTotal.toFixed(0)} MB with the references)`);
  }
  const summary = report(results, proof, diffs);
  if (values['cpu-prof']) {
    out(`CPU profiles: ${PROFILE_DIR}/bench-<N>-<round>.cpuprofile`);
  }
  out(JSON.stringify(summary));
}

if (require.main === module) {
  main().catch(e => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}
