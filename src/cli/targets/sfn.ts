/**
 * `--target sfn`: start the deployed state machine (main for an action, waves for a runbook) and
 * follow the execution tree until it ends (sfn-follow.ts), turning the histories into the same
 * progress and report events the local runtime emits. A runbook's approvals are answered from here
 * (SendTaskSuccess / SendTaskFailure with the token read from the history, as `drs-orch approve`
 * does), and Ctrl-C stops the execution (StopExecution). The workflow's own report and any
 * truncated result are read from the results bucket.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ApprovalAnswer, ApprovalDecider, ApprovalQuestion } from '../approvals.js';
import { pendingToken } from '../approve.js';
import { credentialsFromEnv } from '../aws-credentials.js';
import { unreachable } from '../errors.js';
import { executionName } from '../execution-name.js';
import type { TargetOptions } from '../invocations.js';
import type { RunHistoryListener } from '../reports.js';
import { bucketRunRecords, deployedResultsBucket } from '../runbook-runs.js';
import type { PlanReport, RunOutcome, RunProgress, Session, WavesRunOptions } from '../session.js';
import { ExecutionFollower, parseJson } from './sfn-follow.js';

/** The SNS topic the deployed stack's waves workflow may publish approvals to (infra NOTIFICATION_TOPIC_NAME). */
export const DEPLOYED_NOTIFICATION_TOPIC = 'drs-orchestration-notifications';

/** The region inside a state machine ARN (`arn:aws:states:<region>:...`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** What a waiting waves execution asks (its RequestApproval's published subject and message). */
export function approvalQuestionOf(events: readonly HistoryEvent[], token: string): ApprovalQuestion {
  for (const e of [...events].reverse()) {
    const d = e.taskScheduledEventDetails;
    if (e.type !== 'TaskScheduled' || d?.resource !== 'publish.waitForTaskToken') continue;
    const p = parseJson(d.parameters) as
      | { Subject?: string; Message?: string; MessageAttributes?: unknown }
      | undefined;
    if (!JSON.stringify(p?.MessageAttributes ?? {}).includes(token)) continue;
    return { ...(p?.Subject !== undefined && { subject: p.Subject }), message: p?.Message ?? '' };
  }
  return { message: '' };
}

/** Everything the sfn session needs; `sleep` is injectable so tests do not wait. */
export interface SfnSessionOptions {
  readonly target: TargetOptions;
  /** The command's environment: AWS keys there win over the default credential chain. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly client?: SFNClient;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Sleeps `ms`, or less when `signal` aborts. */
function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The S3 location `s3://bucket/key` split, or undefined. */
function s3Location(location: string): { Bucket: string; Key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { Bucket: m[1] as string, Key: m[2] as string } : undefined;
}

/**
 * Opens a session on a deployed state machine: `--state-machine-arn` names the main machine for an
 * action and the waves machine for a runbook (the CLI checks which before it gets here).
 *
 * @example
 * ```ts
 * const session = openSfnSession({ target: { ...t, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main' } });
 * const outcome = await session.run({ action: 'status', tags: { 'DR-Wave': '1' } }, console.log);
 * ```
 */
export function openSfnSession(opts: SfnSessionOptions): Session & {
  /** API calls of the last run, by operation (the polling cost, measured). */
  readonly calls: Record<string, number>;
  /** Polls of the last run. */
  readonly polls: number;
} {
  const { target } = opts;
  const arn = target.stateMachineArn;
  if (arn === undefined) throw new Error('sfn target needs a state machine ARN');
  const region = target.region ?? regionOfArn(arn);
  const credentials = credentialsFromEnv(opts.env ?? {});
  const config = {
    ...(region !== undefined && { region }),
    ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
    ...(credentials !== undefined && { credentials }),
  };
  const client = opts.client ?? new SFNClient(config);
  let s3: S3Client | undefined;
  const sleep = opts.sleep ?? sleepReal;
  /** Calls of the last run made here (start, answers, stop) and by its follower (polling). */
  let own: Record<string, number> = {};
  let last: ExecutionFollower | undefined;
  const count = (operation: string): void => {
    own[operation] = (own[operation] ?? 0) + 1;
  };
  const [, partition = 'aws', , , account = ''] = arn.split(':');
  let onSigint = (): void => {};

  const s3Client = (): S3Client => {
    s3 ??= new S3Client({ ...config, ...(target.endpoint !== undefined && { forcePathStyle: true }) });
    return s3;
  };
  const getObject = async (location: string): Promise<string> => {
    const where = s3Location(location);
    if (where === undefined) throw new Error(`not an S3 location: ${location}`);
    const got = await s3Client().send(new GetObjectCommand(where));
    if (got.Body === undefined) throw new Error(`s3://${where.Bucket}/${where.Key} is empty`);
    return got.Body.transformToString('utf8');
  };
  const recordsBucket = region !== undefined ? deployedResultsBucket(account, region) : undefined;

  /** Starts `input` on the state machine and follows it to its end, answering approvals. */
  const follow = async (
    input: Record<string, unknown>,
    machine: 'main' | 'waves',
    progress: RunProgress,
    onHistory: RunHistoryListener | undefined,
    waves?: WavesRunOptions,
  ): Promise<RunOutcome & { executionArn: string }> => {
    own = {};
    count('StartExecution');
    const started = await client
      .send(
        new StartExecutionCommand({
          stateMachineArn: arn,
          input: JSON.stringify(input),
          name: waves?.name ?? executionName(input.action, new Date()),
        }),
      )
      .catch((err: unknown) => {
        // No credentials or nobody answering: nothing started, a refusal rather than a crash.
        const where = `Step Functions${target.endpoint !== undefined ? ` at --endpoint ${target.endpoint}` : ` in ${region ?? 'the default Region'}`}`;
        throw unreachable(err, where) ?? err;
      });
    const executionArn = started.executionArn;
    if (executionArn === undefined) throw new Error('StartExecution returned no executionArn');
    progress.message(`execution ${executionArn}`);
    const follower = new ExecutionFollower({
      client,
      rootArn: executionArn,
      rootMachine: machine,
      onEvent: progress.onEvent,
      ...(onHistory !== undefined && { onHistory }),
    });
    last = follower;
    /** The approval being asked, if any: its token and how to call the question off. */
    let asking: { token: string; stop: AbortController } | undefined;
    let stopped = false;
    let settling = 0;
    /** Cut short the sleep between polls: an answer was sent, or Ctrl-C. */
    let wake = new AbortController();
    const wakeUp = (): void => wake.abort();
    waves?.signal.addEventListener('abort', wakeUp, { once: true });
    const deliver = async (token: string, answer: ApprovalAnswer): Promise<void> => {
      try {
        if (answer.kind === 'success') {
          count('SendTaskSuccess');
          await client.send(
            new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(answer.output) }),
          );
        } else {
          count('SendTaskFailure');
          await client.send(
            new SendTaskFailureCommand({ taskToken: token, error: answer.error, cause: answer.cause }),
          );
        }
      } catch (err) {
        // Answered elsewhere (drs-orch approve, the console) or timed out meanwhile: the history tells.
        progress.message(
          `the decision was not delivered (${(err as Error).name}: ${(err as Error).message.split('\n')[0]})`,
        );
      }
    };
    const ask = (decide: ApprovalDecider, token: string): void => {
      const stop = new AbortController();
      asking = { token, stop };
      void decide(approvalQuestionOf(follower.rootEvents, token), stop.signal)
        .then(
          (answer) => (stop.signal.aborted ? undefined : deliver(token, answer)),
          (err: unknown) => {
            // Withdrawn because the wait ended: nothing to answer. Otherwise the approval step
            // itself failed (the terminal went away): the wave fails with that error, as locally.
            if (stop.signal.aborted) return undefined;
            const error = err instanceof Error ? err : new Error(String(err));
            count('SendTaskFailure');
            return client
              .send(new SendTaskFailureCommand({ taskToken: token, error: error.name, cause: error.message }))
              .then(() => undefined);
          },
        )
        .catch(() => undefined)
        .finally(wakeUp);
    };
    try {
      for (;;) {
        wake = new AbortController();
        await follower.poll();
        if (waves?.signal.aborted && !stopped && !follower.ended) {
          stopped = true;
          asking?.stop.abort();
          count('StopExecution');
          // No error or cause: with them, Step Functions encrypts both with the execution's KMS
          // key and the caller needs that key; the record notes who cancelled and why.
          await client.send(new StopExecutionCommand({ executionArn }));
          follower.watchRoot();
          continue;
        }
        // A few more polls let the children of a stopped or failed root record their end too.
        if (follower.ended && (follower.settled || settling++ >= 3)) break;
        if (follower.ended) {
          await sleep(target.pollSeconds * 1000);
          continue;
        }
        if (waves !== undefined && !stopped) {
          const token = pendingToken(follower.rootEvents);
          if (asking !== undefined && asking.token !== token) {
            // Answered (here or elsewhere) or timed out: a prompt still open is called off.
            asking.stop.abort();
            asking = undefined;
          }
          if (token !== undefined && asking === undefined) ask(waves.decide, token);
        }
        await sleep(target.pollSeconds * 1000, wake.signal);
      }
    } finally {
      asking?.stop.abort();
      waves?.signal.removeEventListener('abort', wakeUp);
    }
    const outcome = follower.outcome as RunOutcome;
    return { executionArn, ...outcome };
  };

  return {
    get calls() {
      const all = { ...own };
      for (const [k, v] of Object.entries(last?.calls ?? {})) all[k] = (all[k] ?? 0) + v;
      return all;
    },
    get polls() {
      return last?.polls ?? 0;
    },
    label: `sfn ${arn.split(':').pop() ?? arn} (${region ?? 'default region'})`,
    hostedBySfn: true,
    now: () => new Date(),
    defaultTopicArn: `arn:${partition}:sns:${region ?? ''}:${account}:${DEPLOYED_NOTIFICATION_TOPIC}`,
    ...(region !== undefined && { orchestrator: { accountId: account, region } }),
    // Runbook run records live in the deployed stack's results bucket.
    ...(recordsBucket !== undefined && {
      runRecords: bucketRunRecords(
        recordsBucket,
        (key) => getObject(`s3://${recordsBucket}/${key}`),
        async (key, body) => {
          await s3Client().send(
            new PutObjectCommand({
              Bucket: recordsBucket,
              Key: key,
              Body: body,
              ContentType: 'application/json',
            }),
          );
        },
      ),
    }),
    async run(input, progress, onHistory): Promise<RunOutcome> {
      const { executionArn: _, ...outcome } = await follow(input, 'main', progress, onHistory);
      return outcome;
    },
    runWaves: (input, options) => follow(input, 'waves', options, options.onHistory, options),
    async fetchResult(location) {
      return JSON.parse(await getObject(location)) as unknown;
    },
    async fetchReport(location) {
      const html = await getObject(location);
      const json = await getObject(location.replace(/\.html$/, '.json'));
      return { html, json };
    },
    async plan(): Promise<PlanReport> {
      throw new Error('plan runs locally; use --target sim or --target aws');
    },
    interceptInterrupt(handler) {
      // First Ctrl-C: the runbook stops its execution (StopExecution) and writes its record.
      // Again: quit at once (the execution has been asked to stop already).
      process.off('SIGINT', onSigint);
      onSigint = (): void => {
        if (handler()) process.once('SIGINT', onSigint);
        else process.exit(130);
      };
      process.once('SIGINT', onSigint);
    },
    async close(): Promise<void> {
      process.off('SIGINT', onSigint);
      client.destroy();
      s3?.destroy();
    },
  };
}
