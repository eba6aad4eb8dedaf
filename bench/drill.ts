/**
 * One measured drill, run in its own process so that its peak RSS and CPU time are its own:
 * `node --import tsx bench/drill.ts <scenario-id> <ours|naive|competent> <seed> [variant]`, where
 * the variant of ours is `scenario` (its own parallelism), `default` (parallelism 50) or `fixed`
 * (its parallelism, the fixed 30 s poll cadence). Prints one JSON line ({@link DrillMeasurement}).
 */
import { performance } from 'node:perf_hooks';
import { planLaunch } from '../src/core/partition.js';
import type { FaultPlan } from '../src/emulator/index.js';
import { type RuntimeEvent, runStateMachine } from '../src/runtime/index.js';
import { runCompetent } from './competent.js';
import {
  type DrawnJob,
  type IdealSchedule,
  idealOfRun,
  idealSchedule,
  type LaunchLimits,
  quotaLowerBoundMs,
} from './ideal.js';
import { runNaive } from './naive.js';
import {
  DEFAULT_PARALLELISM,
  POLL_INTERVAL_SECONDS,
  PRICE_PER_TRANSITION_USD,
  type Scenario,
  scenarioById,
} from './scenarios.js';
import { benchFleet, EMULATOR_ROLE, ORCHESTRATOR, ORCHESTRATOR_REGION, startBenchWorld } from './world.js';

/** Who ran the drill. */
export type Strategy = 'ours' | 'naive' | 'competent';

/** How ours ran: the scenario's parallelism, the default 50, or the fixed 30 s cadence. */
export type Variant = 'scenario' | 'default' | 'fixed';

/** Everything one drill measured. */
export interface DrillMeasurement {
  readonly scenario: string;
  readonly strategy: Strategy;
  readonly variant: Variant;
  /** `options.parallelism` of ours; the script's own limits otherwise. */
  readonly parallelism: number | 'max' | 'script';
  readonly seed: number;
  readonly status: string;
  readonly servers: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Virtual seconds from the execution's start to its end. */
  readonly endToEndSeconds: number;
  readonly idealSeconds: number;
  readonly overheadSeconds: number;
  /**
   * Quota-bound lower bound: the longest account of `max(longest launch, total launch / allJobs)`
   * over the launch durations DRS drew in this run, detection instant (`quotaLowerBoundMs`).
   */
  readonly lowerBoundSeconds: number;
  /** end-to-end / lower bound. */
  readonly ratioToLowerBound: number;
  /** Virtual seconds from the last launch job's completion to the end of the run. */
  readonly detectionDelaySeconds: number;
  /** Most history events of any one execution (AWS fails an execution at 25,000). */
  readonly largestHistoryEvents: number;
  /** Executions started (main, executors). */
  readonly executions: number;
  /** Launch rounds of the ideal schedule (most of any account; summed over accounts for naive). */
  readonly rounds: number;
  readonly jobs: number;
  readonly drsCalls: Readonly<Record<string, number>>;
  readonly drsCallsTotal: number;
  /** DRS calls per matched server. */
  readonly drsCallsPerServer?: number;
  /**
   * Virtual seconds from the execution's start to the last launch of each `DR-Wave` (a fleet with
   * several waves sharing one account's slots).
   */
  readonly waveSeconds?: Readonly<Record<string, number>>;
  /** Calls of the other services (STS, SSM, S3, Service Quotas, ...). */
  readonly otherCalls: Readonly<Record<string, number>>;
  readonly transitions: { readonly main: number; readonly executor: number; readonly total: number };
  readonly costUsd: number;
  /** (main + executor transitions) / (accounts x end-to-end minutes). */
  readonly transitionsPerAccountMinute: number;
  readonly largestPayloadBytes: number;
  readonly largestPayloadAt?: string;
  /** Median virtual seconds between two polls of one account (MonitorRecovery attempts). */
  readonly medianPollSeconds?: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
  readonly error?: string;
}

function faultPlanOf(scenario: Scenario, serverIds: readonly string[]): FaultPlan | undefined {
  const every = scenario.launchFailures ? Math.round(1 / scenario.launchFailures) : 0;
  const plan: FaultPlan = {
    ...(scenario.throttle ? { throttle: [{ service: 'drs', probability: scenario.throttle }] } : {}),
    ...(every ? { launchFailures: serverIds.filter((_, i) => i % every === every - 1) } : {}),
  };
  return Object.keys(plan).length > 0 ? plan : undefined;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Virtual gaps between consecutive MonitorRecovery attempts of each executor. */
function pollGaps(events: readonly RuntimeEvent[]): number[] {
  const last = new Map<string, number>();
  const gaps: number[] = [];
  for (const e of events) {
    if ((e.type !== 'StateEntered' && e.type !== 'StateRetried') || e.state !== 'MonitorRecovery') continue;
    const t = Date.parse(e.time);
    const prev = last.get(e.executionArn);
    if (prev !== undefined) gaps.push((t - prev) / 1000);
    last.set(e.executionArn, t);
  }
  return gaps;
}

async function measure(
  scenario: Scenario,
  strategy: Strategy,
  seed: number,
  variant: Variant,
): Promise<DrillMeasurement> {
  const parallelism = variant === 'default' ? DEFAULT_PARALLELISM : scenario.parallelism;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const fleet = benchFleet({ ...scenario.fleet, seed });
  const tags: Record<string, string> = scenario.tags
    ? { ...scenario.tags }
    : scenario.fleet.single
      ? { 'DR-Test': 'single' }
      : { 'DR-Wave': '1' };
  // Every account but the orchestrator: the staging accounts, and a recovery account when there is one.
  const staging = fleet.accounts.filter((a) => a.accountId !== ORCHESTRATOR);
  const world = await startBenchWorld(
    fleet,
    variant === 'fixed' ? { MAX_POLL_INTERVAL_SECONDS: String(POLL_INTERVAL_SECONDS) } : {},
  );
  const { emu } = world;
  const serverIds = staging.flatMap((a) => emu.drs.account(a.accountId)?.servers() ?? []);
  const faults = faultPlanOf(
    scenario,
    serverIds.map((s) => s.sourceServerID),
  );
  if (faults) emu.faults.set(faults);
  const events: RuntimeEvent[] = [];
  let status: string;
  let servers: number;
  let succeeded: number;
  let failedCount: number;
  let startMs: number;
  let stopMs: number;
  let transitions = { main: 0, executor: 0, total: 0 };
  let largestPayloadBytes = 0;
  let largestPayloadAt: string | undefined;
  let largestHistoryEvents = 0;
  let executions = 0;
  let error: string | undefined;
  const waveEnds: Record<string, number> = {};
  if (strategy === 'ours') {
    const result = await runStateMachine({
      machine: 'main',
      input: {
        action: 'drill',
        tags,
        options: {
          parallelism,
          continueOnFailure: scenario.continueOnFailure,
          maxWaitMinutes: 1440,
          // Launch time only: the scripts and the optimum stop at LAUNCHED; EC2 status checks
          // (issue 10) add their own minutes after it, measured on their own scenario.
          ...(scenario.healthCheck ? {} : { healthCheckMinutes: 0 }),
        },
      },
      env: world.env,
      onEvent: (e) => events.push(e),
    });
    status = result.status;
    if (result.error) error = `${result.error}: ${result.cause ?? ''}`.slice(0, 500);
    const main = result.stats.executions.find((e) => e.executionArn === result.executionArn);
    startMs = Date.parse(main?.startTime ?? '');
    stopMs = Date.parse(main?.stopTime ?? '');
    const t = result.stats.transitions;
    transitions = { main: t.main, executor: t.executor, total: t.main + t.executor };
    largestPayloadBytes = result.stats.largestPayloadBytes;
    largestHistoryEvents = Math.max(0, ...result.stats.executions.map((e) => e.historyEvents));
    executions = result.stats.executions.length;
    const at = result.stats.largestPayload;
    if (at) largestPayloadAt = `${at.machine}/${at.state} (${at.kind})`;
    const summary = (result.output as { summary?: Record<string, number> } | undefined)?.summary ?? {};
    servers = summary.totalServers ?? 0;
    succeeded = summary.succeeded ?? 0;
    failedCount = (summary.failed ?? 0) + (summary.timedOut ?? 0);
  } else {
    startMs = emu.clock.nowMs();
    const r = await (strategy === 'naive' ? runNaive : runCompetent)({
      endpoint: emu.endpoint,
      credentials: emu.credentials,
      region: ORCHESTRATOR_REGION,
      accounts: staging.map((a) => ({
        accountId: a.accountId,
        region: a.region,
        roleArn: `arn:aws:iam::${a.accountId}:role/${EMULATOR_ROLE}`,
      })),
      tags,
      isDrill: true,
      sleep: world.scheduler.sleep,
    });
    stopMs = emu.clock.nowMs();
    status = 'SUCCEEDED';
    servers = r.servers;
    succeeded = r.launched;
    failedCount = r.failed;
  }

  // The ideal: the jobs DRS drew for this run, replayed under the same limits.
  const perAccount = staging.map((a) => {
    const acc = emu.state.account(a.accountId);
    const jobs: DrawnJob[] = (emu.drs.account(a.accountId)?.jobs() ?? [])
      .filter((j) => j.type === 'LAUNCH' && j.endMs !== null)
      .map((j) => ({ createdMs: j.createdMs, endMs: j.endMs as number, servers: j.servers.length }));
    const q = acc?.quotas;
    const limits: LaunchLimits =
      strategy === 'ours'
        ? planLaunch(parallelism, {
            perJob: q?.serversPerJob ?? 100,
            allJobs: q?.serversInAllActiveJobs ?? 500,
            concurrentJobs: q?.concurrentJobs ?? 20,
            source: 'service-quotas',
          })
        : { maxInFlight: q?.serversInAllActiveJobs ?? 500, maxConcurrentJobs: q?.concurrentJobs ?? 20 };
    return { jobs, limits };
  });
  // The optimum: every server as early as the quotas allow, its drawn launch, seen at once.
  const lowerBoundMs = Math.max(
    0,
    ...staging.map((a) => {
      const acc = emu.state.account(a.accountId);
      const durations = (emu.drs.account(a.accountId)?.jobs() ?? [])
        .filter((j) => j.type === 'LAUNCH')
        .flatMap((j) => j.servers.flatMap((p) => (p.endMs === null ? [] : [p.endMs - j.createdMs])));
      return quotaLowerBoundMs(durations, acc?.quotas.serversInAllActiveJobs ?? 500);
    }),
  );
  const lastJobEndMs = Math.max(
    startMs,
    ...staging.flatMap((a) =>
      (emu.drs.account(a.accountId)?.jobs() ?? []).flatMap((j) =>
        j.type === 'LAUNCH' && j.endMs !== null ? [j.endMs] : [],
      ),
    ),
  );
  let ideal: IdealSchedule;
  if (strategy !== 'naive') ideal = idealOfRun(perAccount);
  else {
    // Sequential accounts: the next account starts the instant the previous one is done.
    const each = perAccount.map((a) => idealSchedule(a.jobs, a.limits));
    ideal = {
      makespanMs: each.reduce((n, s) => n + s.makespanMs, 0),
      rounds: each.reduce((n, s) => n + s.rounds, 0),
    };
  }
  // Each wave's last launch, from what DRS did (the output keeps its records in the results bucket).
  for (const a of staging) {
    const drs = emu.drs.account(a.accountId);
    for (const j of drs?.jobs() ?? []) {
      if (j.type !== 'LAUNCH') continue;
      for (const p of j.servers) {
        const wave = drs?.server(p.sourceServerID)?.tags['DR-Wave'];
        if (wave === undefined || p.endMs === null || p.outcome !== 'LAUNCHED') continue;
        waveEnds[wave] = Math.max(waveEnds[wave] ?? 0, p.endMs);
      }
    }
  }
  const endToEndSeconds = (stopMs - startMs) / 1000;
  const idealSeconds = ideal.makespanMs / 1000;
  const drsCalls: Record<string, number> = {};
  const otherCalls: Record<string, number> = {};
  for (const c of emu.state.calls()) {
    if (c.service === 'drs') drsCalls[c.operation] = (drsCalls[c.operation] ?? 0) + c.count;
    else
      otherCalls[`${c.service}:${c.operation}`] = (otherCalls[`${c.service}:${c.operation}`] ?? 0) + c.count;
  }
  const jobs = perAccount.reduce((n, a) => n + a.jobs.length, 0);
  const accounts = Math.max(1, staging.length);
  await world.stop();
  const cpu = process.cpuUsage(cpu0);
  const medianPoll = median(pollGaps(events));
  return {
    scenario: scenario.id,
    strategy,
    variant,
    parallelism: strategy === 'ours' ? parallelism : 'script',
    seed,
    status,
    servers,
    succeeded,
    failed: failedCount,
    endToEndSeconds,
    idealSeconds,
    overheadSeconds: endToEndSeconds - idealSeconds,
    lowerBoundSeconds: lowerBoundMs / 1000,
    ratioToLowerBound: lowerBoundMs > 0 ? (stopMs - startMs) / lowerBoundMs : Number.NaN,
    detectionDelaySeconds: (stopMs - lastJobEndMs) / 1000,
    largestHistoryEvents,
    executions,
    rounds: ideal.rounds,
    jobs,
    drsCalls,
    drsCallsTotal: Object.values(drsCalls).reduce((n, v) => n + v, 0),
    ...(servers > 0 && {
      drsCallsPerServer: Object.values(drsCalls).reduce((n, v) => n + v, 0) / servers,
    }),
    ...(Object.keys(waveEnds).length > 1 && {
      waveSeconds: Object.fromEntries(
        Object.entries(waveEnds)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([wave, end]) => [wave, (end - startMs) / 1000]),
      ),
    }),
    otherCalls,
    transitions,
    costUsd: transitions.total * PRICE_PER_TRANSITION_USD,
    transitionsPerAccountMinute: transitions.total / (accounts * Math.max(endToEndSeconds / 60, 1 / 60)),
    largestPayloadBytes,
    ...(largestPayloadAt ? { largestPayloadAt } : {}),
    ...(medianPoll !== undefined ? { medianPollSeconds: medianPoll } : {}),
    wallMs: performance.now() - wall0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(error ? { error } : {}),
  };
}

const [id, strategy, seedText, variantText = 'scenario'] = process.argv.slice(2);
if (strategy !== 'ours' && strategy !== 'naive' && strategy !== 'competent') {
  throw new RangeError(`strategy ${JSON.stringify(strategy)} is unknown; expected ours, naive or competent`);
}
if (variantText !== 'scenario' && variantText !== 'default' && variantText !== 'fixed') {
  throw new RangeError(
    `variant ${JSON.stringify(variantText)} is unknown; expected scenario, default or fixed`,
  );
}
const result = await measure(scenarioById(id ?? ''), strategy, Number(seedText ?? '1'), variantText);
process.stdout.write(`${JSON.stringify(result)}\n`);
// Lingering keep-alive sockets must not hold the measurement up.
process.exit(0);
