/**
 * Turns raw measurements into the report (medians, ranges, ratios, targets) and its tables.
 */
import type { DiscoveryMeasurement } from './discovery.js';
import type { DrillMeasurement } from './drill.js';
import type { ThroughputMeasurement } from './emulator-load.js';
import type { LambdaMeasurement } from './lambda.js';
import { POLL_INTERVAL_SECONDS, SCENARIOS } from './scenarios.js';

/** Median and range of one figure over the repetitions. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median and range; `NaN`s for no values. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

/** One scenario's summary. */
export interface ScenarioSummary {
  readonly id: string;
  readonly title: string;
  readonly runs: number;
  readonly succeededRuns: number;
  readonly servers: number;
  readonly endToEndSeconds: Spread;
  readonly idealSeconds: Spread;
  readonly overheadSeconds: Spread;
  readonly rounds: Spread;
  /** `POLL_INTERVAL_SECONDS x rounds + 10`, with the median rounds. */
  readonly overheadTargetSeconds: number;
  readonly medianPollSeconds: Spread;
  readonly drsCalls: Spread;
  readonly drsCallsPerServer: Spread;
  readonly drsCallsByOperation: Readonly<Record<string, number>>;
  readonly transitionsMain: Spread;
  readonly transitionsExecutor: Spread;
  readonly costUsd: Spread;
  readonly transitionsPerAccountMinute: Spread;
  readonly largestPayloadBytes: number;
  readonly wallSeconds: Spread;
  readonly cpuSeconds: Spread;
  readonly peakRssMb: Spread;
  readonly succeeded: Spread;
  readonly failed: Spread;
  readonly naive?: {
    readonly endToEndSeconds: number;
    readonly overheadSeconds: number;
    readonly drsCalls: number;
    readonly drsCallsPerServer: number;
    readonly drsCallsByOperation: Readonly<Record<string, number>>;
    /** naive calls / our median calls. */
    readonly callsRatio: number;
    /** naive overhead / our median overhead. */
    readonly overheadRatio: number;
  };
  readonly errors: readonly string[];
}

/** A target of issue 7 and whether it is met. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Inputs of {@link buildReport}. */
export interface RawResults {
  readonly machine: { node: string; cpus: number; cpuModel: string; memoryGb: number };
  readonly startedAt: string;
  benchSeconds: number;
  readonly drills: readonly DrillMeasurement[];
  readonly discovery: readonly DiscoveryMeasurement[];
  readonly lambdas: readonly LambdaMeasurement[];
  readonly emulator: readonly ThroughputMeasurement[];
  /** Drill processes that hung or crashed and were run again. */
  readonly incidents: readonly string[];
}

/** The whole report (bench/results/latest.json). */
export interface Report extends RawResults {
  readonly scenarios: readonly ScenarioSummary[];
  readonly targets: readonly TargetCheck[];
}

function summarize(id: string, drills: readonly DrillMeasurement[]): ScenarioSummary | undefined {
  const scenario = SCENARIOS.find((s) => s.id === id);
  const ours = drills.filter((d) => d.scenario === id && d.strategy === 'ours');
  if (!scenario || ours.length === 0) return undefined;
  const of = (f: (d: DrillMeasurement) => number): Spread => spread(ours.map(f));
  const servers = Math.max(...ours.map((d) => d.servers));
  const ops = new Set(ours.flatMap((d) => Object.keys(d.drsCalls)));
  const byOp: Record<string, number> = {};
  for (const op of [...ops].sort()) byOp[op] = spread(ours.map((d) => d.drsCalls[op] ?? 0)).median;
  const rounds = of((d) => d.rounds);
  const calls = of((d) => d.drsCallsTotal);
  const overhead = of((d) => d.overheadSeconds);
  const n = drills.find((d) => d.scenario === id && d.strategy === 'naive');
  return {
    id,
    title: scenario.title,
    runs: ours.length,
    succeededRuns: ours.filter((d) => d.status === 'SUCCEEDED').length,
    servers,
    endToEndSeconds: of((d) => d.endToEndSeconds),
    idealSeconds: of((d) => d.idealSeconds),
    overheadSeconds: overhead,
    rounds,
    overheadTargetSeconds: POLL_INTERVAL_SECONDS * rounds.median + 10,
    medianPollSeconds: spread(
      ours.flatMap((d) => (d.medianPollSeconds === undefined ? [] : [d.medianPollSeconds])),
    ),
    drsCalls: calls,
    drsCallsPerServer: of((d) => d.drsCallsTotal / Math.max(1, d.servers)),
    drsCallsByOperation: byOp,
    transitionsMain: of((d) => d.transitions.main),
    transitionsExecutor: of((d) => d.transitions.executor),
    costUsd: of((d) => d.costUsd),
    transitionsPerAccountMinute: of((d) => d.transitionsPerAccountMinute),
    largestPayloadBytes: Math.max(...ours.map((d) => d.largestPayloadBytes)),
    wallSeconds: of((d) => d.wallMs / 1000),
    cpuSeconds: of((d) => d.cpuMs / 1000),
    peakRssMb: of((d) => d.peakRssMb),
    succeeded: of((d) => d.succeeded),
    failed: of((d) => d.failed),
    ...(n
      ? {
          naive: {
            endToEndSeconds: n.endToEndSeconds,
            overheadSeconds: n.overheadSeconds,
            drsCalls: n.drsCallsTotal,
            drsCallsPerServer: n.drsCallsTotal / Math.max(1, n.servers),
            drsCallsByOperation: n.drsCalls,
            callsRatio: n.drsCallsTotal / calls.median,
            overheadRatio: n.overheadSeconds / overhead.median,
          },
        }
      : {}),
    errors: ours.flatMap((d) => (d.error ? [d.error] : [])),
  };
}

const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const range = (s: Spread, digits = 0): string =>
  s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`;

function targetsOf(scenarios: readonly ScenarioSummary[], raw: RawResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const s of scenarios) {
    checks.push({
      target: `overhead <= ${POLL_INTERVAL_SECONDS} s x launch rounds + 10 s (${s.title})`,
      measured: `${fmt(s.overheadSeconds.max, 1)} s worst run vs ${fmt(s.overheadTargetSeconds)} s (${fmt(s.rounds.median)} rounds)`,
      met: s.overheadSeconds.max <= s.overheadTargetSeconds,
    });
  }
  const at900 = scenarios.find((s) => s.id === 'scale-900');
  if (at900) {
    checks.push({
      target: 'DRS API calls per server <= 0.5 at 900 servers',
      measured: `${fmt(at900.drsCallsPerServer.max, 2)} worst run`,
      met: at900.drsCallsPerServer.max <= 0.5,
    });
  }
  // The issue sets the naive ratio target at scale (900 servers); smaller fleets are shown in the
  // naive table only (one server polled by one job costs the same either way).
  for (const s of scenarios.filter((x) => x.id === 'scale-900' || x.id === 'scale-3000')) {
    if (!s.naive) continue;
    checks.push({
      target: `>= 50x fewer DRS calls than the naive baseline (${s.title})`,
      measured: `${fmt(s.naive.callsRatio, 1)}x`,
      met: s.naive.callsRatio >= 50,
    });
  }
  const worstRate = Math.max(...scenarios.map((s) => s.transitionsPerAccountMinute.max));
  checks.push({
    target: '<= 4 state transitions per account per polling minute (every scenario)',
    measured: `${fmt(worstRate, 2)} worst run`,
    met: worstRate <= 4,
  });
  const at3000 = scenarios.find((s) => s.id === 'scale-3000');
  if (at3000) {
    checks.push({
      target: 'every payload < 256 KiB at 3,000 servers',
      measured: `${fmt(at3000.largestPayloadBytes)} bytes`,
      met: at3000.largestPayloadBytes < 262_144,
    });
    checks.push({
      target: '3,000-server drill <= 20 s wall locally',
      measured: `${fmt(at3000.wallSeconds.median, 1)} s median (CPU ${fmt(at3000.cpuSeconds.median, 1)} s)`,
      met: at3000.wallSeconds.median <= 20,
    });
    checks.push({
      target: '3,000-server drill <= 400 MB peak RSS',
      measured: `${fmt(at3000.peakRssMb.max)} MB worst run`,
      met: at3000.peakRssMb.max <= 400,
    });
  }
  const biggest = Math.max(...raw.lambdas.map((l) => l.bundleBytes));
  checks.push({
    target: 'each Lambda bundle <= 1 MB minified',
    measured: `${fmt(biggest / 1e6, 2)} MB largest`,
    met: biggest <= 1e6,
  });
  const slowest = Math.max(...raw.lambdas.map((l) => spread(l.loadMs).median));
  checks.push({
    target: 'cold module load <= 250 ms per handler',
    measured: `${fmt(slowest)} ms slowest median`,
    met: slowest <= 250,
  });
  return checks;
}

/** Summaries, ratios and target checks of the raw results. */
export function buildReport(raw: RawResults): Report {
  const scenarios = SCENARIOS.flatMap((s) => summarize(s.id, raw.drills) ?? []);
  return { ...raw, scenarios, targets: targetsOf(scenarios, raw) };
}

/** A Markdown table with padded columns (the layout Biome's Markdown formatter keeps). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report as Markdown tables (printed and put into bench/README.md). */
export function renderTables(r: Report): string {
  const s = r.scenarios;
  const out: string[] = [];
  out.push(
    `Measured ${r.startedAt} on ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}; whole bench ${fmt(r.benchSeconds)} s. Median (min-max) over ${s[0]?.runs ?? 0} runs.`,
  );
  out.push('\n**Drills** (virtual seconds unless said otherwise)\n');
  out.push(
    table(
      ['scenario', 'servers ok / failed', 'end-to-end', 'ideal', 'overhead', 'target', 'rounds', 'poll gap'],
      s.map((x) => [
        x.title,
        `${range(x.succeeded)} / ${range(x.failed)}`,
        range(x.endToEndSeconds),
        range(x.idealSeconds),
        range(x.overheadSeconds, 1),
        `<= ${fmt(x.overheadTargetSeconds)}`,
        range(x.rounds),
        range(x.medianPollSeconds, 1),
      ]),
    ),
  );
  out.push('\n**DRS API calls and Step Functions**\n');
  out.push(
    table(
      [
        'scenario',
        'DRS calls',
        'per server',
        'by operation (median)',
        'transitions main + executors',
        'per account-minute',
        'cost / execution',
        'largest payload',
      ],
      s.map((x) => [
        x.title,
        range(x.drsCalls),
        range(x.drsCallsPerServer, 2),
        Object.entries(x.drsCallsByOperation)
          .map(([op, n]) => `${op} ${fmt(n)}`)
          .join(', '),
        `${range(x.transitionsMain)} + ${range(x.transitionsExecutor)}`,
        range(x.transitionsPerAccountMinute, 2),
        `$${range(x.costUsd, 4)}`,
        `${fmt(x.largestPayloadBytes)} B`,
      ]),
    ),
  );
  out.push('\n**Local run** (whole process of one drill)\n');
  out.push(
    table(
      ['scenario', 'wall s', 'CPU s', 'peak RSS MB'],
      s.map((x) => [x.title, range(x.wallSeconds, 1), range(x.cpuSeconds, 1), range(x.peakRssMb)]),
    ),
  );
  const naive = s.filter((x) => x.naive);
  if (naive.length) {
    out.push('\n**Naive baseline** (same emulator and fleet; one run, deterministic)\n');
    out.push(
      table(
        [
          'scenario',
          'naive DRS calls',
          'per server',
          'naive / ours calls',
          'naive end-to-end',
          'naive overhead',
          'naive / ours overhead',
        ],
        naive.map((x) => {
          const n = x.naive as NonNullable<ScenarioSummary['naive']>;
          return [
            x.title,
            `${fmt(n.drsCalls)} (${Object.entries(n.drsCallsByOperation)
              .map(([op, c]) => `${op} ${fmt(c)}`)
              .join(', ')})`,
            fmt(n.drsCallsPerServer, 1),
            `${fmt(n.callsRatio, 1)}x`,
            fmt(n.endToEndSeconds),
            fmt(n.overheadSeconds, 1),
            `${fmt(n.overheadRatio, 1)}x`,
          ];
        }),
      ),
    );
  }
  out.push(
    '\n**Discovery alone** (300 servers per account, 100 ms emulated latency on every DRS/STS/SSM call; wall ms)\n',
  );
  out.push(
    table(
      ['accounts', 'servers', 'parallel (discover task)', 'sequential scan', 'speed-up', 'calls per scan'],
      r.discovery.map((d) => {
        const p = spread(d.parallelMs);
        const q = spread(d.sequentialMs);
        return [
          String(d.accounts),
          fmt(d.servers),
          range(p),
          range(q),
          `${fmt(q.median / p.median, 1)}x`,
          String(d.callsPerScan),
        ];
      }),
    ),
  );
  out.push(
    '\n**Lambda handlers** (esbuild, minified, ESM, node22; cold module load = fresh `node` importing the bundle)\n',
  );
  out.push(
    table(
      ['handler', 'bundle', 'bundle without @aws-sdk/*', 'cold module load ms'],
      r.lambdas.map((l) => [
        l.handler,
        `${fmt(l.bundleBytes / 1e6, 2)} MB`,
        `${fmt(l.bundleBytesSdkExternal / 1e3)} KB`,
        range(spread(l.loadMs)),
      ]),
    ),
  );
  out.push(
    '\n**Emulator throughput** (replayed signed requests, 16 keep-alive connections, emulator in its own process)\n',
  );
  out.push(
    table(
      ['request', 'req/s', 'response'],
      r.emulator.map((e) => [e.request, fmt(e.requestsPerSecond), `${fmt(e.responseBytes / 1024)} KiB`]),
    ),
  );
  if (r.incidents.length) out.push(`\n**Incidents** (drills run again): ${r.incidents.join('; ')}\n`);
  out.push('\n**Targets of issue 7**\n');
  out.push(
    table(
      ['target', 'measured', 'met'],
      r.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
    ),
  );
  return out.join('\n');
}
