/**
 * `--target sfn`: start the deployed main state machine and follow the execution until it ends,
 * turning its history into the same progress events the local runtime emits.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { TargetOptions } from '../program.js';
import type { PlanReport, ProgressEvent, ProgressListener, RunOutcome, Session } from '../session.js';

/** The region inside a state machine ARN (`arn:aws:states:<region>:...`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Maps Step Functions history events to progress events. Stateful: a child execution's account is
 * learned from its `TaskScheduled` parameters and found again through `previousEventId`.
 *
 * @example
 * ```ts
 * const tracker = new HistoryTracker();
 * for (const e of page.events ?? []) for (const p of tracker.map(e)) render(p);
 * ```
 */
export class HistoryTracker {
  readonly #accountOfEvent = new Map<number, string>();

  /** Progress events for one history event (often none). */
  map(event: HistoryEvent): ProgressEvent[] {
    const id = event.id ?? 0;
    const inherited =
      event.previousEventId !== undefined ? this.#accountOfEvent.get(event.previousEventId) : undefined;
    if (inherited !== undefined) this.#accountOfEvent.set(id, inherited);
    switch (event.type) {
      case 'ExecutionStarted':
        return [{ type: 'ExecutionStarted', machine: 'main' }];
      case 'ExecutionSucceeded':
        return [{ type: 'ExecutionSucceeded', machine: 'main' }];
      case 'ExecutionFailed':
      case 'ExecutionTimedOut':
      case 'ExecutionAborted': {
        const d =
          event.executionFailedEventDetails ??
          event.executionTimedOutEventDetails ??
          event.executionAbortedEventDetails ??
          {};
        return [
          {
            type: 'ExecutionFailed',
            machine: 'main',
            error: d.error ?? event.type,
            ...(d.cause !== undefined && { cause: d.cause }),
          },
        ];
      }
      case 'TaskScheduled': {
        const d = event.taskScheduledEventDetails;
        if (d?.resourceType !== 'states' || !d.resource?.startsWith('startExecution')) return [];
        const params = parseJson(d.parameters);
        const rawInput = field(params, 'Input');
        const input = typeof rawInput === 'string' ? parseJson(rawInput) : rawInput;
        const accountId = field(field(input, 'account'), 'accountId');
        if (typeof accountId !== 'string') return [];
        this.#accountOfEvent.set(id, accountId);
        return [{ type: 'ExecutionStarted', machine: 'executor', accountId }];
      }
      case 'TaskSucceeded': {
        const accountId = inherited;
        if (accountId === undefined || event.taskSucceededEventDetails?.resourceType !== 'states') return [];
        const output = parseJson(event.taskSucceededEventDetails.output);
        const rawSummary = field(output, 'Output');
        const summary = typeof rawSummary === 'string' ? parseJson(rawSummary) : rawSummary;
        const events: ProgressEvent[] = [];
        const processed = field(summary, 'serversProcessed');
        if (typeof processed === 'number') {
          events.push({
            type: 'AccountProgress',
            accountId,
            discovered: processed,
            launching: 0,
            launched: Number(field(summary, 'succeeded') ?? 0),
            failed: Number(field(summary, 'failed') ?? 0),
          });
        }
        events.push({ type: 'ExecutionSucceeded', machine: 'executor', accountId });
        return events;
      }
      case 'TaskFailed':
      case 'TaskTimedOut': {
        const accountId = inherited;
        if (accountId === undefined) return [];
        const d: { error?: string | undefined; cause?: string | undefined } =
          event.taskFailedEventDetails ?? event.taskTimedOutEventDetails ?? {};
        return [
          {
            type: 'ExecutionFailed',
            machine: 'executor',
            accountId,
            error: d.error ?? event.type,
            ...(d.cause !== undefined && { cause: d.cause }),
          },
        ];
      }
      default: {
        const name = event.stateEnteredEventDetails?.name;
        if (event.type?.endsWith('StateEntered') && name !== undefined) {
          return [{ type: 'StateEntered', machine: 'main', state: name }];
        }
        return [];
      }
    }
  }
}

/** Everything the sfn session needs; `sleep` is injectable so tests do not wait. */
export interface SfnSessionOptions {
  readonly target: TargetOptions;
  readonly client?: SFNClient;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a session on a deployed main state machine (default credential chain).
 *
 * @example
 * ```ts
 * const session = openSfnSession({ target: { ...t, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:main' } });
 * const outcome = await session.run({ action: 'status', tags: { 'DR-Wave': '1' } }, console.log);
 * ```
 */
export function openSfnSession(opts: SfnSessionOptions): Session {
  const { target } = opts;
  const arn = target.stateMachineArn;
  if (arn === undefined) throw new Error('sfn target needs a state machine ARN');
  const region = target.region ?? regionOfArn(arn);
  const client =
    opts.client ??
    new SFNClient({
      ...(region !== undefined && { region }),
      ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
    });
  const sleep = opts.sleep ?? sleepReal;
  return {
    label: `sfn ${arn.split(':').pop() ?? arn} (${region ?? 'default region'})`,
    now: () => new Date(),
    async run(input: Record<string, unknown>, onEvent: ProgressListener): Promise<RunOutcome> {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }),
      );
      const executionArn = started.executionArn;
      if (executionArn === undefined) throw new Error('StartExecution returned no executionArn');
      onEvent({ type: 'Message', text: `execution ${executionArn}` });
      const tracker = new HistoryTracker();
      // A page without nextToken is the end of the history so far. The next poll re-reads that
      // page (its token is kept) and skips the events already seen.
      let resumeToken: string | undefined;
      let lastSeenId = 0;
      const drainHistory = async (): Promise<void> => {
        let token = resumeToken;
        for (;;) {
          const page = await client.send(
            new GetExecutionHistoryCommand({
              executionArn,
              maxResults: 1000,
              ...(token !== undefined && { nextToken: token }),
            }),
          );
          for (const event of page.events ?? []) {
            if ((event.id ?? 0) <= lastSeenId) continue;
            lastSeenId = event.id ?? lastSeenId;
            for (const p of tracker.map(event)) onEvent(p);
          }
          if (page.nextToken === undefined) {
            resumeToken = token;
            return;
          }
          token = page.nextToken;
        }
      };
      for (;;) {
        await drainHistory();
        const described = await client.send(new DescribeExecutionCommand({ executionArn }));
        const status = described.status;
        if (status !== undefined && status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
          await drainHistory();
          const output = parseJson(described.output);
          return {
            status:
              status === 'SUCCEEDED' || status === 'TIMED_OUT' || status === 'ABORTED' ? status : 'FAILED',
            ...(output !== undefined && { output }),
            ...(described.error !== undefined && { error: described.error }),
            ...(described.cause !== undefined && { cause: described.cause }),
          };
        }
        await sleep(target.pollSeconds * 1000);
      }
    },
    async plan(): Promise<PlanReport> {
      throw new Error('plan runs locally; use --target sim or --target aws');
    },
    async close(): Promise<void> {
      client.destroy();
    },
  };
}
