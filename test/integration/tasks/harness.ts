/**
 * Runs the tasks in sequence the way the state machines will (data-flow.md), against the emulator
 * through the real SDK: main machine (validate, discover, partition, per-account executor,
 * aggregate) with monitor loops that retry on `JobInProgress` after 30 virtual seconds.
 */

import type { AttemptInfo } from '../../../src/aws/index.js';
import type { GenerateFleetOptions } from '../../../src/emulator/fleet/generate.js';
import type { FleetSourceServer } from '../../../src/emulator/fleet/types.js';
import {
  type Emulator,
  type Fleet,
  generateFleet,
  type StartEmulatorOptions,
} from '../../../src/emulator/index.js';
import { accountWorkOf } from '../../../src/tasks/account-servers.js';
import {
  type AccountSummary,
  type AggregateResult,
  createTaskDeps,
  type DiscoveryResult,
  type ExecutionRef,
  type OrchestrationRequest,
  type TaskDeps,
  type TaskDepsConfig,
  tasks,
} from '../../../src/tasks/index.js';
import type {
  AccountReport,
  AccountWork,
  FailbackRun,
  RecoveryRun,
  TerminateRun,
} from '../../../src/tasks/types.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

/** Results bucket of the generated fleets. */
export const RESULTS_BUCKET = 'drs-orchestration-results-123456789012';

/** Poll interval of the monitor states (ASL Retry on JobInProgress). */
export const POLL_MS = 30_000;

/** Errors the state machines retry a task on (ASL Retry), and how often. */
const RETRIED = new Set(['ThrottlingException', 'DRSServiceError']);
const MAX_TASK_RETRIES = 3;

/** An emulator with task deps bound to it. */
export interface World {
  emu: Emulator;
  deps: TaskDeps;
  attempts: AttemptInfo[];
  progress: { accountId: string; launched: number; failed: number }[];
  stop(): Promise<void>;
}

/** Starts an emulator (frozen clock) and builds task deps on it; sleeps advance the virtual clock. */
export async function startWorld(
  opts: StartEmulatorOptions = {},
  depsConfig: Partial<TaskDepsConfig> = {},
): Promise<World> {
  const emu = await startTestEmulator(opts);
  const attempts: AttemptInfo[] = [];
  const progress: World['progress'] = [];
  const deps = createTaskDeps({
    endpoint: emu.endpoint,
    credentials: emu.credentials,
    region: 'us-east-1',
    now: () => emu.clock.now(),
    sleep: async (ms) => {
      emu.clock.advance(ms);
    },
    env: {},
    resultsBucket: RESULTS_BUCKET,
    onAttempt: (info) => attempts.push(info),
    progress: (p) => progress.push({ accountId: p.accountId, launched: p.launched, failed: p.failed }),
    ...depsConfig,
  });
  return { emu, deps, attempts, progress, stop: () => emu.stop() };
}

/** Calls a task like a Task state with Retry on throttling and DRS errors. */
export async function callTask<T>(world: World, id: keyof typeof tasks, event: unknown): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await tasks[id](event, world.deps)) as T;
    } catch (err) {
      const name = (err as Error).name;
      if (!RETRIED.has(name) || attempt >= MAX_TASK_RETRIES) throw err;
      world.emu.clock.advance(5_000);
    }
  }
}

/** One account's executor, stepped one poll at a time so accounts advance together. */
interface Executor {
  account: AccountWork;
  run?: RecoveryRun | TerminateRun | FailbackRun;
  report?: AccountReport;
  summary?: AccountSummary;
  error?: Error;
  polls: number;
  /** Virtual time of the next poll: a run's `waitSeconds` (the executor's Wait state), else the Retry's 30 s. */
  nextPollMs?: number;
}

/** What one orchestration run produced, for assertions. */
export interface OrchestrationRun {
  validated: { request: OrchestrationRequest; execution: ExecutionRef };
  work?: DiscoveryResult;
  executors: Executor[];
  result: AggregateResult;
  /** Poll rounds of the monitor loops (each round: every unfinished account polled once, then 30 s). */
  rounds: number;
}

/** Options of {@link runOrchestration}. */
export interface RunOptions {
  /** Execution name (the default correlation id). @default 'exec-1' */
  executionName?: string;
  /** Stop after this many poll rounds (a safety net for tests). @default 2000 */
  maxRounds?: number;
  /** Called after each poll round (e.g. to measure calls per poll). */
  onRound?: (round: number, polled: string[]) => void;
}

/** Runs one orchestration end to end through the tasks, like the main + executor machines. */
export async function runOrchestration(
  world: World,
  input: unknown,
  options: RunOptions = {},
): Promise<OrchestrationRun> {
  const name = options.executionName ?? 'exec-1';
  const execution: ExecutionRef = {
    id: `arn:aws:states:us-east-1:123456789012:execution:drs-orchestration:${name}`,
    name,
    startTime: world.emu.clock.now().toISOString(),
  };
  const validated = await callTask<{ request: OrchestrationRequest; execution: ExecutionRef }>(
    world,
    'validate',
    {
      input,
      execution,
    },
  );
  const { request } = validated;
  const base = { request, execution };
  let work: DiscoveryResult;
  try {
    work = await callTask<DiscoveryResult>(world, 'discover', base);
    if (work.totalServers === 0) {
      const result = await callTask<AggregateResult>(world, 'aggregate', {
        ...base,
        work,
        accountResults: [],
      });
      return { validated, work, executors: [], result, rounds: 0 };
    }
    work = await callTask<DiscoveryResult>(world, 'partition', { ...base, work });
  } catch (err) {
    const error = { Error: (err as Error).name, Cause: (err as Error).message };
    const result = await callTask<AggregateResult>(world, 'aggregate', { ...base, error });
    return { validated, executors: [], result, rounds: 0 };
  }

  // What start-executor does: the executor's account carries the ids discover stored.
  const executors: Executor[] = await Promise.all(
    work.accounts.map(async (item) => ({ account: await accountWorkOf(item, world.deps), polls: 0 })),
  );
  const action = request.action;
  const eventOf = (ex: Executor) => ({ ...base, account: ex.account });

  // Start step of every account (in parallel, like the Map state).
  await Promise.all(
    executors.map(async (ex) => {
      try {
        if (action === 'failover' || action === 'drill')
          ex.run = await callTask(world, 'start-recovery', eventOf(ex));
        else if (action === 'terminate') ex.run = await callTask(world, 'terminate-instances', eventOf(ex));
        else if (action === 'failback') ex.run = await callTask(world, 'start-failback', eventOf(ex));
        else ex.report = await callTask(world, 'get-status', eventOf(ex));
      } catch (err) {
        ex.error = err as Error;
      }
    }),
  );

  // Monitor loops, as the executor runs them: after a run is returned, its `waitSeconds` (the Wait
  // state) or at once; after JobInProgress, the Retry's 30 s. Each round polls the accounts due.
  const maxRounds = options.maxRounds ?? 2000;
  let rounds = 0;
  const monitorId = action === 'failback' ? 'monitor-failback' : 'monitor-job';
  const afterReturn = (ex: Executor) => {
    const wait = ex.run && 'waitSeconds' in ex.run ? ex.run.waitSeconds : undefined;
    ex.nextPollMs = world.emu.clock.nowMs() + (wait ?? 0) * 1000;
  };
  for (const ex of executors) afterReturn(ex);
  for (;;) {
    const open = executors.filter((ex) => !ex.error && ex.run && !ex.run.done);
    if (open.length === 0 || rounds >= maxRounds) break;
    const next = Math.min(...open.map((ex) => ex.nextPollMs ?? 0));
    if (next > world.emu.clock.nowMs()) world.emu.clock.advance(next - world.emu.clock.nowMs());
    const due = open.filter((ex) => (ex.nextPollMs ?? 0) <= world.emu.clock.nowMs());
    rounds += 1;
    await Promise.all(
      due.map(async (ex) => {
        try {
          ex.run = await callTask(world, monitorId, { ...eventOf(ex), run: ex.run });
          afterReturn(ex);
        } catch (err) {
          if ((err as Error).name !== 'JobInProgress') ex.error = err as Error;
          ex.nextPollMs = world.emu.clock.nowMs() + POLL_MS;
        }
        ex.polls += 1;
      }),
    );
    options.onRound?.(
      rounds,
      due.map((ex) => ex.account.accountId),
    );
  }

  // Report and format steps.
  await Promise.all(
    executors.map(async (ex) => {
      if (ex.error) return;
      try {
        if (!ex.report) {
          if (ex.run?.kind === 'recovery') {
            ex.report = await callTask(world, 'get-recovery-instances', { ...eventOf(ex), run: ex.run });
          } else {
            // Failback and terminate runs carry their report once done, as the ASL expects.
            if (!ex.run?.report) throw new Error(`account ${ex.account.accountId} finished without a report`);
            ex.report = ex.run.report;
          }
        }
        ex.summary = await callTask(world, 'format-output', { ...eventOf(ex), report: ex.report });
      } catch (err) {
        ex.error = err as Error;
      }
    }),
  );
  const accountResults: AccountSummary[] = executors.map(
    (ex) =>
      ex.summary ?? {
        accountId: ex.account.accountId,
        region: ex.account.region,
        status: 'failed',
        serversProcessed: 0,
        succeeded: 0,
        failed: 0,
        timedOut: 0,
        skipped: 0,
        jobIds: [],
        errorCode: ex.error?.name ?? 'States.TaskFailed',
        errorMessage: ex.error?.message ?? 'the executor failed',
      },
  );
  const result = await callTask<AggregateResult>(world, 'aggregate', { ...base, work, accountResults });
  return { validated, work, executors, result, rounds };
}

/** DRS call counts by operation (all accounts), from the emulator's counters. */
export function drsCallsByOperation(emu: Emulator, accountId?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of emu.state.calls({ service: 'drs', ...(accountId ? { accountId } : {}) })) {
    out[c.operation] = (out[c.operation] ?? 0) + c.count;
  }
  return out;
}

/** How many LAUNCH jobs (recovery/drill) each source server took part in. */
export function launchesPerServer(emu: Emulator, accountId?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { job } of emu.drs.jobs(accountId)) {
    if (job.type !== 'LAUNCH' || job.initiatedBy === 'FAILBACK') continue;
    for (const p of job.servers) out.set(p.sourceServerID, (out.get(p.sourceServerID) ?? 0) + 1);
  }
  return out;
}

/** Total calls of mutating DRS operations. */
export function mutatingDrsCalls(emu: Emulator): number {
  const mutating = new Set([
    'StartRecovery',
    'StartFailbackLaunch',
    'TerminateRecoveryInstances',
    'TagResource',
    'UntagResource',
    'StopReplication',
    'ReverseReplication',
    'DisconnectSourceServer',
    'DeleteJob',
    'DeleteRecoveryInstance',
  ]);
  return emu.state
    .calls({ service: 'drs' })
    .reduce((n, c) => n + (mutating.has(c.operation) ? c.count : 0), 0);
}

/** A generated fleet whose servers all carry `extraTags` (plus the generator's own tags). */
export function taggedFleet(opts: GenerateFleetOptions, extraTags: Record<string, string>): Fleet {
  const fleet = generateFleet(opts);
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) => ({
      ...a,
      ...(a.sourceServers
        ? { sourceServers: a.sourceServers.map((s) => ({ ...s, tags: { ...(s.tags ?? {}), ...extraTags } })) }
        : {}),
    })),
  };
}

/**
 * A small fleet: 111111111111 and 222222222222 (us-east-2) with the given servers (ids fixed so
 * tests can name them in fault plans), and the orchestrator account of the generator.
 */
export function smallFleet(servers: Record<string, readonly FleetSourceServer[]>): Fleet {
  const fleet = generateFleet({ seed: 7, accounts: Object.keys(servers), serversPerAccount: 0 });
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) => {
      const list = servers[a.accountId];
      return list ? { ...a, sourceServers: list } : a;
    }),
  };
}

/** A source server with a fixed id `s-` + 17 characters built from `n`. */
export function server(
  accountDigit: number,
  n: number,
  tags: Record<string, string>,
  extra: Partial<FleetSourceServer> = {},
): FleetSourceServer {
  const id = `s-${String(accountDigit)}${String(n).padStart(16, '0')}`;
  return { sourceServerID: id, hostname: `host-${accountDigit}-${n}`, tags, ...extra };
}
