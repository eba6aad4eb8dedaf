/**
 * The `sns:publish` integration, and `sns:publish.waitForTaskToken`: publish through
 * `env.publish`, then (with a token) emit `ApprovalRequested` and wait for `env.approver`.
 */
import { namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution.js';
import { isRecord } from '../metering.js';
import { APPROVAL_WAIT, type ScheduledTask } from '../scheduler.js';
import type { ApprovalDecision } from '../types.js';
import { checkSameLocation } from './child-execution.js';

/**
 * Publishes the Task's `Parameters`; with a `token`, reports the request `submitted` and waits for
 * the approval decision.
 * @throws `SNS.<ErrorName>` when publishing fails, the decision's error when rejected
 */
export async function publishToSns(
  host: ExecutionHost,
  exec: Execution,
  stateName: string,
  input: unknown,
  token: string | undefined,
  signal: AbortSignal,
  scheduled: ScheduledTask | undefined,
  submitted: (output: unknown) => void,
): Promise<unknown> {
  const params = isRecord(input) ? input : {};
  const topicArn = String(params.TopicArn ?? '');
  // Like every integration, sns:publish reaches no topic in another Region or partition.
  checkSameLocation(stateName, exec.arn, topicArn);
  const message = typeof params.Message === 'string' ? params.Message : JSON.stringify(params.Message);
  const subject = typeof params.Subject === 'string' ? params.Subject : undefined;
  const attributes: Record<string, string> = {};
  if (isRecord(params.MessageAttributes)) {
    for (const [key, attr] of Object.entries(params.MessageAttributes)) {
      if (isRecord(attr) && typeof attr.StringValue === 'string') attributes[key] = attr.StringValue;
    }
  }
  let published: { messageId?: string };
  try {
    published = await host.env.publish({
      topicArn,
      message,
      ...(subject === undefined ? {} : { subject }),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    });
  } catch (err) {
    // Service integrations report errors as <Service>.<ExceptionName>.
    const name = err instanceof Error ? err.name : 'Error';
    throw namedError(`SNS.${name}`, err instanceof Error ? err.message : String(err));
  }
  if (token === undefined) return { MessageId: published.messageId ?? null };
  submitted({ MessageId: published.messageId ?? null });
  const request = {
    token,
    executionArn: exec.arn,
    stateName,
    topicArn,
    message,
    ...(subject === undefined ? {} : { subject }),
  };
  host.emit(exec, { type: 'ApprovalRequested', request });
  const approver = host.env.approver;
  const pending = new Promise<ApprovalDecision>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(namedError('States.Runtime', 'the approval wait ended')), {
      once: true,
    });
    // Without an approver nobody answers: the state's timeout decides, as on AWS.
    approver?.(request, signal).then(resolve, reject);
  });
  // Discrete time: a pending approval is idle, so the state's timeout can come.
  const decision = await (scheduled ? scheduled.blockOn(pending, APPROVAL_WAIT) : pending);
  if (decision.approve) return decision.output ?? { approved: true };
  throw namedError(decision.error ?? 'ApprovalRejected', decision.cause ?? 'rejected by the approver');
}
