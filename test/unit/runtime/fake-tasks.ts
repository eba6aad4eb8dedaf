/**
 * Small fake tasks that follow docs/design/data-flow.md closely enough to drive the real state
 * machines through the runtime without AWS: the runtime's behaviour is what these tests are about.
 */
import { VirtualClock } from '../../../src/emulator/clock.js';
import {
  type ApprovalRequest,
  answerTaskToken,
  DiscreteScheduler,
  type DiscreteSchedulerOptions,
  type RuntimeEnv,
  type RuntimeEvent,
  type SnsMessage,
  type TaskRegistry,
  type TaskScope,
  type TaskTokenAnswer,
} from '../../../src/runtime/index.js';
import { sendHeartbeat } from '../../../src/tasks/callbacks.js';
import { checkApproval } from '../../../src/tasks/check-approval.js';
import { monitorExecutor } from '../../../src/tasks/monitor-executor.js';
import { reportExecutor } from '../../../src/tasks/report-executor.js';
import { startExecutor } from '../../../src/tasks/start-executor.js';

/** A fake staging account: its servers and how many polls its launch takes. */
export interface FakeAccount {
  accountId: string;
  region: string;
  serverIds: string[];
  /** JobInProgress polls before the monitor returns done. @default 2 */
  polls?: number;
  /** The executor fails in start-recovery with this error name. */
  failWith?: string;
}

/** What the fakes recorded. */
export interface FakeLog {
  calls: { taskId: string; accountId?: string; event: unknown }[];
  published: SnsMessage[];
  scopes: TaskScope[];
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

type Json = Record<string, unknown>;

/** Builds a registry over `accounts`; `overrides` replace single tasks. */
export function fakeTasks(
  accounts: FakeAccount[],
  log: FakeLog,
  overrides: Partial<Record<string, (event: Json, deps: Json) => unknown>> = {},
): TaskRegistry {
  const polled = new Map<string, number>();
  const record = (taskId: string, event: Json): void => {
    const account = event.account as Json | undefined;
    log.calls.push({ taskId, event, ...(account ? { accountId: String(account.accountId) } : {}) });
  };
  const byId = (event: Json): FakeAccount => {
    const id = String((event.account as Json).accountId);
    const found = accounts.find((a) => a.accountId === id);
    if (!found) throw new Error(`no fake account ${id}`);
    return found;
  };
  const base: Record<string, (event: Json, deps: Json) => unknown> = {
    validate: (event) => {
      const input = event.input as Json;
      if (typeof input.action !== 'string')
        throw namedError('ValidationError', 'invalid input: /action is required');
      const execution = event.execution as Json;
      const options: Json = { maxWaitMinutes: 120, ...((input.options as Json | undefined) ?? {}) };
      return {
        request: {
          ...input,
          options,
          metadata: { correlationId: execution.name, ...(input.metadata as Json) },
        },
        execution,
        ...(typeof options.notificationArn === 'string'
          ? { notification: { topicArn: options.notificationArn, subject: 'started', message: 'started' } }
          : {}),
      };
    },
    discover: () => {
      const matching = accounts.filter((a) => a.serverIds.length > 0);
      return {
        totalServers: matching.reduce((n, a) => n + a.serverIds.length, 0),
        accounts: matching.map((a) => ({
          accountId: a.accountId,
          region: a.region,
          roleArn: `arn:aws:iam::${a.accountId}:role/DRS-Orchestration-Role`,
          serverCount: a.serverIds.length,
          serverIds: a.serverIds,
        })),
        deniedAccounts: [],
        scannedAccounts: accounts.length,
      };
    },
    partition: (event) => {
      const work = event.work as Json;
      return {
        ...work,
        accounts: (work.accounts as Json[]).map((a) => ({
          ...a,
          plan: {
            batchSize: 100,
            maxInFlight: 50,
            maxConcurrentJobs: 1,
            quotas: { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'default' },
          },
        })),
        rejectedAccounts: [],
      };
    },
    'start-recovery': (event) => {
      const account = byId(event);
      if (account.failWith) throw namedError(account.failWith, `cannot act in ${account.accountId}`);
      return {
        kind: 'recovery',
        deadline: '2100-01-01T00:00:00.000Z',
        pending: account.serverIds,
        waiting: [],
        jobs: [],
        failed: [],
        done: false,
        polls: 0,
      };
    },
    'monitor-job': async (event, deps) => {
      // Each poll is the main execution's heartbeat, as in the real task.
      await sendHeartbeat(event as never, deps as never);
      const account = byId(event);
      const n = (polled.get(account.accountId) ?? 0) + 1;
      polled.set(account.accountId, n);
      const progress = deps.progress as ((p: unknown) => void) | undefined;
      progress?.({
        accountId: account.accountId,
        discovered: account.serverIds.length,
        launching: account.serverIds.length,
        launched: 0,
        failed: 0,
      });
      if (n <= (account.polls ?? 2)) throw namedError('JobInProgress', `poll ${n}`);
      const run = event.run as Json;
      return {
        ...run,
        pending: [],
        jobs: [{ jobId: `drsjob-${account.accountId}`, serverIds: account.serverIds, finished: true }],
        done: true,
        polls: n,
      };
    },
    'get-recovery-instances': (event) => ({
      records: byId(event).serverIds.map((id) => ({
        sourceServerId: id,
        hostname: `host-${id}`,
        stagingAccountId: byId(event).accountId,
        status: 'launched',
      })),
    }),
    'format-output': (event) => {
      const account = byId(event);
      const records = (event.report as Json).records as Json[];
      return {
        accountId: account.accountId,
        region: account.region,
        status: 'success',
        serversProcessed: records.length,
        succeeded: records.length,
        failed: 0,
        timedOut: 0,
        skipped: 0,
        jobIds: [`drsjob-${account.accountId}`],
        resultKey: `results/${account.accountId}.json`,
      };
    },
    // The real ones: they only use the runtime's executors port and the clock.
    'start-executor': (event, deps) => startExecutor(event as never, deps as never),
    'monitor-executor': (event, deps) => monitorExecutor(event as never, deps as never),
    'report-executor': (event, deps) => reportExecutor(event as never, deps as never),
    // The real one: an approval's answer means what the approval schema says, also here.
    'check-approval': (event, deps) => checkApproval(event as never, deps as never),
    aggregate: (event) => {
      const request = event.request as Json;
      if (event.error) {
        return {
          output: { status: 'failed', action: request.action, error: event.error, nextPhaseReady: false },
        };
      }
      const results = event.accountResults as Json[];
      const succeeded = results.reduce((n, r) => n + Number(r.succeeded), 0);
      const failed = results.reduce((n, r) => n + Number(r.failed), 0);
      const options = request.options as Json;
      return {
        output: {
          status: failed > 0 ? (succeeded > 0 ? 'partial' : 'failed') : 'success',
          action: request.action,
          summary: { totalServers: succeeded + failed, succeeded, failed, skipped: 0 },
          stagingAccountResults: results,
          nextPhaseReady: failed === 0,
        },
        ...(typeof options.notificationArn === 'string'
          ? { notification: { topicArn: options.notificationArn, subject: 'done', message: 'done' } }
          : {}),
      };
    },
  };
  const wrapped: Record<string, (event: Json, deps: Json) => unknown> = {};
  for (const [taskId, fn] of Object.entries({ ...base, ...overrides })) {
    wrapped[taskId] = async (event, deps) => {
      record(taskId, event);
      return (fn as (event: Json, deps: Json) => unknown)(event, deps);
    };
  }
  for (const taskId of ['start-failback', 'monitor-failback', 'terminate-instances', 'get-status']) {
    wrapped[taskId] ??= async (event) => {
      record(taskId, event);
      if (taskId === 'get-status')
        return { records: byId(event).serverIds.map((id) => ({ sourceServerId: id, status: 'reported' })) };
      return { kind: taskId, done: true, report: { records: [] } };
    };
  }
  return wrapped as unknown as TaskRegistry;
}

/** Start of the fakes' virtual clock. */
export const FAKE_START_MS = Date.parse('2025-01-06T09:00:00.000Z');

/**
 * A runtime environment over the fakes, with a virtual clock at `timeScale`, or with `discrete`
 * a frozen clock moved by a {@link DiscreteScheduler}. The fakes' deps carry `now` and `sleep`.
 */
export function fakeEnv(
  accounts: FakeAccount[],
  opts: {
    timeScale?: number;
    discrete?: boolean;
    /** Scheduler options besides the clock (discrete only). */
    scheduler?: Omit<DiscreteSchedulerOptions, 'clock'>;
    overrides?: Partial<Record<string, (event: Json, deps: Json) => unknown>>;
    env?: Partial<RuntimeEnv>;
  } = {},
): { env: RuntimeEnv; log: FakeLog; clock: VirtualClock; scheduler?: DiscreteScheduler } {
  const timeScale = opts.discrete ? 0 : (opts.timeScale ?? 10_000);
  const clock = new VirtualClock(FAKE_START_MS, timeScale);
  const scheduler = opts.discrete ? new DiscreteScheduler({ ...opts.scheduler, clock }) : undefined;
  const sleep = scheduler?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms / timeScale)));
  const log: FakeLog = { calls: [], published: [], scopes: [] };
  const env: RuntimeEnv = {
    accountId: '123456789012',
    region: 'us-east-1',
    timeScale: scheduler ? 1 : timeScale,
    now: () => clock.now(),
    ...(scheduler ? { scheduler } : {}),
    taskDeps: (scope) => {
      log.scopes.push(scope);
      return { scope, progress: scope.progress, now: () => clock.now(), sleep };
    },
    publish: async (message) => {
      log.published.push(message);
      return { messageId: `m-${log.published.length}` };
    },
    tasks: fakeTasks(accounts, log, opts.overrides),
    ...opts.env,
  };
  return { env, log, clock, ...(scheduler ? { scheduler } : {}) };
}

/** `count` realistic source server ids (`s-` + 17 characters). */
export function serverIds(count: number, seed = 0): string[] {
  return Array.from({ length: count }, (_, i) => `s-${(seed * 100_000 + i).toString(16).padStart(17, '0')}`);
}

/**
 * An `onEvent` listener that answers every approval the run announces (`ApprovalRequested`)
 * through the task-token registry, as the CLI does: `answer` may be async (a person deciding).
 */
export function answerApprovals(
  answer: (request: ApprovalRequest) => TaskTokenAnswer | Promise<TaskTokenAnswer>,
  onEvent?: (event: RuntimeEvent) => void,
): (event: RuntimeEvent) => void {
  return (event) => {
    onEvent?.(event);
    if (event.type !== 'ApprovalRequested') return;
    void Promise.resolve(answer(event.request)).then((a) => answerTaskToken(event.request.token, a));
  };
}
