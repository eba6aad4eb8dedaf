/**
 * `drs-orch approve EXECUTION [--reject] [--comment TEXT]`: answers a waves execution waiting in
 * its approval state, on `drs-orch serve` or on AWS Step Functions. The task token is read from
 * the execution's history (the approval state's scheduled parameters carry it as the `TaskToken`
 * message attribute), then SendTaskSuccess or SendTaskFailure records who, when and why.
 */
import { connect } from 'node:net';
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { approvedOutput, operatorName, rejectionCause } from './approvals.js';
import { credentialsFromEnv } from './aws-credentials.js';
import { UsageError, unreachable } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** `drs-orch approve`. */
export interface ApproveInvocation {
  readonly kind: 'approve';
  readonly execution: string;
  readonly reject: boolean;
  readonly comment?: string;
  readonly by?: string;
  readonly endpoint?: string;
  readonly region?: string;
}

/** The task token of the approval the execution waits on, from its history (newest first). */
export function pendingToken(events: readonly HistoryEvent[]): string | undefined {
  const resourceOf = (x: HistoryEvent): string | undefined =>
    x.taskSucceededEventDetails?.resource ??
    x.taskFailedEventDetails?.resource ??
    x.taskTimedOutEventDetails?.resource;
  for (const e of [...events].sort((a, b) => (b.id ?? 0) - (a.id ?? 0))) {
    const d = e.taskScheduledEventDetails;
    if (e.type !== 'TaskScheduled' || d?.resourceType !== 'sns' || d.resource !== 'publish.waitForTaskToken')
      continue;
    // A later TaskSucceeded/Failed/TimedOut of the same resource answered it.
    const answered = events.some(
      (x) => (x.id ?? 0) > (e.id ?? 0) && resourceOf(x) === 'publish.waitForTaskToken',
    );
    if (answered) return undefined;
    try {
      const params = JSON.parse(d.parameters ?? '{}') as {
        MessageAttributes?: { TaskToken?: { StringValue?: string } };
      };
      return params.MessageAttributes?.TaskToken?.StringValue;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Why nothing answers at `endpoint` (a connection error code such as ECONNREFUSED), or undefined
 * when something accepts a connection there. One TCP connection, bounded by a 5 s timeout.
 */
function endpointDown(endpoint: string): Promise<string | undefined> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.setTimeout(5000, () => {
      socket.destroy();
      done('no answer within 5 s');
    });
    socket.once('connect', () => {
      socket.destroy();
      done(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Answers the approval; resolves to the exit code. */
export async function runApprove(invocation: ApproveInvocation, io: CliIo): Promise<number> {
  // The answer is made (and checked against the approval schema) before anything is asked of AWS.
  const by = operatorName(invocation.by);
  const at = new Date();
  const output = invocation.reject ? undefined : JSON.stringify(approvedOutput(by, at, invocation.comment));
  const region = invocation.region ?? invocation.execution.split(':')[3];
  const credentials = credentialsFromEnv(io.env);
  const client = new SFNClient({
    ...(region !== undefined && { region }),
    ...(invocation.endpoint !== undefined && { endpoint: invocation.endpoint }),
    ...(credentials !== undefined && { credentials }),
  });
  try {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn: invocation.execution,
          maxResults: 1000,
          ...(nextToken !== undefined && { nextToken }),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const token = pendingToken(events);
    if (token === undefined) {
      throw new UsageError(`execution ${invocation.execution} is not waiting for an approval`);
    }
    if (output === undefined) {
      await client.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: 'ApprovalRejected',
          cause: rejectionCause(by, at, invocation.comment),
        }),
      );
      io.stderr.write(`rejected by ${by}: ${invocation.comment ?? ''}\n`);
    } else {
      await client.send(
        new SendTaskSuccessCommand({
          taskToken: token,
          output,
        }),
      );
      io.stderr.write(`approved by ${by}${invocation.comment ? `: ${invocation.comment}` : ''}\n`);
    }
    return ExitCode.Success;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const where = `Step Functions${invocation.endpoint ? ` at --endpoint ${invocation.endpoint}` : ''}`;
    // The SDK looks for credentials before it connects: with an endpoint that nobody answers, the
    // endpoint is the problem to name, not the credentials it never got to use.
    if ((err as Error).name === 'CredentialsProviderError' && invocation.endpoint !== undefined) {
      const down = await endpointDown(invocation.endpoint);
      if (down !== undefined) {
        throw new UsageError(
          `cannot reach ${where} (${down}); check the endpoint and that it is running (e.g. drs-orch serve)`,
        );
      }
    }
    const refused = unreachable(err, where);
    if (refused !== undefined) throw refused;
    const name = (err as Error).name;
    if (
      name === 'ExecutionDoesNotExist' ||
      name === 'TaskDoesNotExist' ||
      name === 'InvalidToken' ||
      name === 'TaskTimedOut' ||
      name === 'InvalidArn'
    ) {
      throw new UsageError(`${name}: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    client.destroy();
  }
}
