/**
 * The `sns:publish` integration, and `sns:publish.waitForTaskToken` (approvals): publish through
 * `env.publish`; with a token, emit `ApprovalRequested` and wait for the answer to the token like
 * every `.waitForTaskToken` Task ({@link waitForTaskToken}).
 */
import { namedError } from '../errors.js';
import { isRecord } from '../metering.js';
import { APPROVAL_WAIT } from '../scheduler.js';
import { checkSameLocation } from './child-execution.js';
import { type TokenTaskCall, waitForTaskToken } from './task-tokens.js';

/**
 * Publishes the Task's `Parameters`; with a `token`, reports the request `submitted`, emits
 * `ApprovalRequested` and waits for SendTaskSuccess / SendTaskFailure on the token (each
 * SendTaskHeartbeat restarting the `heartbeatSeconds` clock).
 * @throws `SNS.<ErrorName>` when publishing fails; the failure's error (`ApprovalRejected`);
 *   `States.HeartbeatTimeout`
 */
export async function publishToSns(call: TokenTaskCall, token: string | undefined): Promise<unknown> {
  const { host, exec, stateName, input, submitted } = call;
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
  const publish = async (): Promise<{ MessageId: string | null }> => {
    try {
      const published = await host.env.publish({
        topicArn,
        message,
        ...(subject === undefined ? {} : { subject }),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      });
      return { MessageId: published.messageId ?? null };
    } catch (err) {
      // Service integrations report errors as <Service>.<ExceptionName>.
      const name = err instanceof Error ? err.name : 'Error';
      throw namedError(`SNS.${name}`, err instanceof Error ? err.message : String(err));
    }
  };
  if (token === undefined) return publish();
  // Nobody answering is not an error: the state's TimeoutSeconds (or HeartbeatSeconds) decides, as on AWS.
  return waitForTaskToken({ ...call, token, waitingFor: APPROVAL_WAIT }, async () => {
    submitted(await publish());
    host.emit(exec, {
      type: 'ApprovalRequested',
      request: {
        token,
        executionArn: exec.arn,
        stateName,
        topicArn,
        message,
        ...(subject === undefined ? {} : { subject }),
      },
    });
  });
}
