/**
 * `--target sim` and `--target aws`: the local Step Functions runtime running the real ASL, against
 * the embedded emulator or against real AWS. This file only wires the environment together; the
 * orchestration is the state machines' and the tasks'.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Fleet } from '../../emulator/index.js';
import { isMapRunChild } from '../../runtime/arns.js';
import { createRuntimeEnv, type LocalRuntimeEnv } from '../../runtime/env.js';
import type { HistoryListener } from '../../runtime/history.js';
import { answerTaskToken, taskTokenWaitSignal } from '../../runtime/integrations/task-tokens.js';
import { runStateMachine } from '../../runtime/run.js';
import type { DiscreteScheduler } from '../../runtime/scheduler.js';
import type { ApprovalRequest } from '../../runtime/types.js';
import type { ApprovalDecider } from '../approvals.js';
import { UsageError } from '../errors.js';
import { executionName } from '../execution-name.js';
import type { CliIo } from '../io.js';
import type { RunInvocation } from '../program.js';
import type { RunHistoryListener } from '../reports.js';
import { bucketRunRecords, deployedResultsBucket } from '../runbook-runs.js';
import type { ProgressListener, RunOutcome, Session } from '../session.js';
import { extendServers, planOrchestration } from './plan.js';
import { openSimWorld, type SimWorld } from './sim-world.js';

/**
 * The run's history as the CLI reads it, whatever the target: every history event of the root, of
 * each wave's main execution and of each account's executor goes to the live progress (a
 * Distributed Map's iterations are executions too, but the executors say what they wait for), and
 * those of the root and the wave mains to the evidence report.
 */
export function runHistory(
  progress: ProgressListener,
  report: RunHistoryListener | undefined,
): HistoryListener {
  const toReport = reportHistory(report);
  return (execution, event) => {
    if (isMapRunChild(execution.executionArn)) return;
    progress(
      {
        arn: execution.executionArn,
        machine: execution.machine,
        ...(execution.accountId !== undefined && { accountId: execution.accountId }),
      },
      event,
    );
    toReport?.(execution, event);
  };
}

/**
 * The history events the evidence report reads: those of the root and of each wave's main
 * execution, as Step Functions records them (the executors and the accounts' map children are
 * left out, as the workflow's own report task cannot read them).
 */
export function reportHistory(listener: RunHistoryListener | undefined): HistoryListener | undefined {
  if (listener === undefined) return undefined;
  return (execution, event) => {
    if (execution.machine === 'executor' || isMapRunChild(execution.executionArn)) return;
    listener(execution.executionArn, event);
  };
}

/** Where the orchestrator lives and how to reach AWS (emulated or real). */
interface Wiring {
  readonly accountId: string;
  readonly region: string;
  readonly timeScale: number;
  readonly now: () => Date;
  /** Discrete virtual time (embedded emulator): sleeps and waits happen in it. */
  readonly scheduler?: DiscreteScheduler;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly resultsBucket?: string;
  /** How executors answer the main execution's task tokens (see RuntimeEnv.taskTokenAnswers). */
  readonly taskTokenAnswers?: 'emulator' | 'in-process';
  /** Environment the task settings are read from (the real one only on `aws`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the runtime environment the CLI runs in: the runtime's own factory, so the CLI, the
 * benchmark and the e2e tests exercise one wiring (shared AWS ports, SNS per topic region, the
 * orchestrator's account reached without AssumeRole).
 */
export function runtimeEnv(w: Wiring): Promise<LocalRuntimeEnv> {
  return createRuntimeEnv({
    accountId: w.accountId,
    region: w.region,
    timeScale: w.timeScale,
    now: w.now,
    taskEnv: w.env,
    ...(w.scheduler !== undefined && { scheduler: w.scheduler }),
    ...(w.endpoint !== undefined && { endpoint: w.endpoint }),
    ...(w.taskTokenAnswers !== undefined && { taskTokenAnswers: w.taskTokenAnswers }),
    ...(w.credentials !== undefined && { credentials: w.credentials }),
    ...(w.resultsBucket !== undefined && { resultsBucket: w.resultsBucket }),
  });
}

/** The orchestrator account of a fleet, its region and its results bucket. */
export function orchestratorOf(fleet: Fleet): { accountId: string; region: string; resultsBucket?: string } {
  const accountId = fleet.orchestratorAccountId ?? '123456789012';
  const account = fleet.accounts.find((a) => a.accountId === accountId);
  const bucket = account?.s3Buckets?.[0]?.name;
  return {
    accountId,
    region: account?.region ?? 'us-east-1',
    ...(bucket !== undefined && { resultsBucket: bucket }),
  };
}

/** Reads the fleet of a running emulator (its saved-state view). */
async function remoteFleet(endpoint: string): Promise<Fleet> {
  const res = await fetch(`${endpoint}/_emulator/state`);
  if (!res.ok) throw new UsageError(`--endpoint ${endpoint} did not return its state (HTTP ${res.status})`);
  return ((await res.json()) as { fleet: Fleet }).fleet;
}

/**
 * Answers an approval the local runtime announced (`ApprovalRequested`) like any task token:
 * `decide` asks (or pre-approves), then the answer goes to the waiting Task through
 * answerTaskToken. Discrete time holds still while the operator decides, so the approval's
 * virtual timeout cannot run out under a person reading the message; the question is withdrawn
 * when the Task stops waiting (timed out, execution stopped). Called synchronously from the event.
 */
function answerApproval(env: LocalRuntimeEnv, decide: ApprovalDecider, request: ApprovalRequest): void {
  const over = taskTokenWaitSignal(request.token);
  if (over === undefined) return;
  const release = env.scheduler?.hold(`the operator decides on ${request.subject ?? request.stateName}`);
  decide(request, over)
    .then(
      (answer) => answerTaskToken(request.token, answer),
      (err: unknown) => {
        // Withdrawn because the wait ended: nothing to answer. Otherwise the approval step itself
        // failed (the terminal went away): the wave fails with that error rather than wait.
        if (over.aborted) return;
        const error = err instanceof Error ? err : new Error(String(err));
        answerTaskToken(request.token, { kind: 'failure', error: error.name, cause: error.message });
      },
    )
    .finally(() => release?.());
}

/** A session on the local runtime. */
function localSession(
  env: LocalRuntimeEnv,
  label: string,
  close: () => Promise<void>,
  extra: Pick<Session, 'defaultTopicArn' | 'interceptInterrupt'> = {},
  resultsBucket?: string,
): Session {
  /** Stops the action running now (see Session.stopRun). */
  let stopping: AbortController | undefined;
  const s3 = env.aws.orchestrator.s3;
  return {
    label,
    now: env.now,
    orchestrator: { accountId: env.accountId, region: env.region },
    // Runbook run records live in the world's results bucket, through the orchestrator's S3 client.
    ...(resultsBucket !== undefined && {
      runRecords: bucketRunRecords(
        resultsBucket,
        (key) => s3.getObject({ bucket: resultsBucket, key }),
        (key, body) => s3.putObject({ bucket: resultsBucket, key, body }),
      ),
    }),
    async run(input, progress, onHistory): Promise<RunOutcome> {
      // stopRun (Ctrl-C) aborts this execution.
      stopping = new AbortController();
      const result = await runStateMachine({
        machine: 'main',
        input,
        env,
        onHistory: runHistory(progress.onEvent, onHistory),
        name: executionName(input.action, env.now()),
        signal: stopping.signal,
      });
      return {
        status: result.status,
        ...(result.output !== undefined && { output: result.output }),
        ...(result.error !== undefined && { error: result.error }),
        ...(result.cause !== undefined && { cause: result.cause }),
      };
    },
    stopRun(): void {
      stopping?.abort();
    },
    async runWaves(input, options) {
      const result = await runStateMachine({
        machine: 'waves',
        input,
        env,
        onHistory: runHistory(options.onEvent, options.onHistory),
        // The runtime's own signal that a task token waits for the operator (not a description
        // of the run: the history has the approval's request too).
        onEvent: (event) => {
          if (event.type === 'ApprovalRequested') answerApproval(env, options.decide, event.request);
        },
        name: options.name,
        signal: options.signal,
      });
      return {
        executionArn: result.executionArn,
        status: result.status,
        ...(result.output !== undefined && { output: result.output }),
        ...(result.error !== undefined && { error: result.error }),
        ...(result.cause !== undefined && { cause: result.cause }),
      };
    },
    async fetchResult(location) {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
      if (!m) throw new Error(`not an S3 location: ${location}`);
      const text = await env.aws.orchestrator.s3.getObject({ bucket: m[1] as string, key: m[2] as string });
      return JSON.parse(text) as unknown;
    },
    plan: (input, progress) => planOrchestration(input, env, progress.onEvent),
    extend: (tags) => extendServers(tags, env),
    close,
    ...extra,
  };
}

/** `--target sim`: the embedded emulator (or `--endpoint`), world saved on close. */
export async function openSimSession(
  invocation: RunInvocation,
  io: CliIo,
  say: (text: string) => void,
): Promise<Session> {
  const world: SimWorld = await openSimWorld(
    invocation.target,
    io.cwd ?? process.cwd(),
    say,
    `drs-orch ${invocation.kind === 'plan' ? 'plan' : (invocation.action ?? 'run')}`,
  );
  try {
    const fleet = world.emulator?.state.fleet ?? (await remoteFleet(world.endpoint));
    const orchestrator = orchestratorOf(fleet);
    const env = await runtimeEnv({
      ...orchestrator,
      // With a scheduler the scheduler decides when the clock moves; the scale is not used here.
      timeScale: world.scheduler ? 1 : world.clock.timeScale,
      now: () => world.clock.now(),
      ...(world.scheduler !== undefined && { scheduler: world.scheduler }),
      endpoint: world.endpoint,
      credentials: world.credentials,
      // Only this process's own emulator routes SendTask* to its runs (a serve process cannot).
      taskTokenAnswers: world.emulator ? 'emulator' : 'in-process',
      // The simulated run must not pick up settings meant for real AWS from the shell.
      env: {},
    });
    // Ctrl-C or SIGTERM mid-run compacts the world and releases its lock. (A SIGKILL cannot be
    // caught: the write-ahead journal already holds every change, and the next run replays it.)
    // A runbook handles the first Ctrl-C itself (it stops the execution and writes its report).
    let intercept: (() => boolean) | undefined;
    const onInterrupt = (signal: NodeJS.Signals): void => {
      if (signal === 'SIGINT' && intercept?.()) {
        process.once('SIGINT', onInterrupt);
        return;
      }
      say(`interrupted (${signal}): saving the simulated world`);
      void world.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    if (world.emulator) {
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
    }
    const topic = fleet.accounts.find((a) => a.accountId === orchestrator.accountId)?.snsTopics?.[0];
    return localSession(
      env,
      world.label,
      async () => {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
        await world.close();
      },
      {
        ...(topic !== undefined && {
          defaultTopicArn: `arn:aws:sns:${orchestrator.region}:${orchestrator.accountId}:${topic}`,
        }),
        interceptInterrupt: (handler) => {
          intercept = handler;
        },
      },
      orchestrator.resultsBucket,
    );
  } catch (err) {
    await world.close();
    throw err;
  }
}

/** `--target aws`: real AWS through the default credential chain. */
export async function openAwsSession(invocation: RunInvocation, io: CliIo): Promise<Session> {
  const t = invocation.target;
  const region = t.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    throw new UsageError('--target aws needs a region: pass --region or set AWS_REGION');
  }
  const sts = new STSClient({ region, ...(t.endpoint !== undefined && { endpoint: t.endpoint }) });
  let accountId: string | undefined;
  try {
    accountId = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (err) {
    throw new UsageError(
      `--target aws found no usable AWS credentials (${(err as Error).message.split('\n')[0]}); configure the default credential chain (AWS_PROFILE, aws sso login, ...)`,
    );
  } finally {
    sts.destroy();
  }
  if (accountId === undefined) throw new UsageError('--target aws: GetCallerIdentity returned no account');
  const env = await runtimeEnv({
    accountId,
    region,
    timeScale: 1,
    now: () => new Date(),
    ...(t.endpoint !== undefined && { endpoint: t.endpoint }),
    ...(t.resultsBucket !== undefined && { resultsBucket: t.resultsBucket }),
    // AWS cannot know this process's task tokens.
    taskTokenAnswers: 'in-process',
    env: io.env,
  });
  // Runbook run records: in --results-bucket, else the deployed stack's bucket (a world without
  // it keeps them in a folder, and the runbook says so).
  return localSession(
    env,
    `aws ${accountId} ${region}`,
    async () => {},
    {},
    t.resultsBucket ?? deployedResultsBucket(accountId, region),
  );
}
