/**
 * The AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`) and `lambda:invoke`:
 * the call the Task's Parameters describe, made through the real SDK (`env.awsSdkCall`,
 * `env.invokeFunction`) against the emulator or AWS; errors named as Step Functions names them.
 */
import { type AwsSdkService, bindingOf } from '../definitions.js';
import { ASSUME_ROLE_FAILED, namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution-host.js';
import { asJson, isRecord } from '../metering.js';
import type { ScheduledTask } from '../scheduler.js';
import { checkSameLocation } from './child-execution.js';
import { invokeLambda } from './lambda.js';

/** How Step Functions prefixes an SDK integration's errors (`Ssm.ParameterNotFound`, `Route53.NoSuchChange`). */
const ERROR_PREFIX: Readonly<Record<AwsSdkService, string>> = { ssm: 'Ssm', route53: 'Route53' };

/**
 * Runs an `aws-sdk:<service>:<action>` Task, with the credentials of `roleArn` when the Task has
 * `Credentials` (Step Functions assumes that role for the call: developer guide, "Accessing
 * resources in other AWS accounts in Step Functions").
 * @throws `<Service>.<ErrorName>` when the call fails, as Step Functions reports it;
 *   `States.TaskFailed` when the role cannot be assumed
 */
export async function callAwsSdk(
  host: ExecutionHost,
  service: AwsSdkService,
  action: string,
  input: unknown,
  roleArn?: string,
): Promise<unknown> {
  const call = host.env.awsSdkCall;
  if (call === undefined) {
    throw namedError('States.Runtime', `this runtime makes no AWS SDK calls (aws-sdk:${service}:${action})`);
  }
  try {
    const parameters = isRecord(input) ? input : {};
    return asJson(await call(service, action, parameters, roleArn === undefined ? undefined : { roleArn }));
  } catch (err) {
    if (err instanceof Error && err.name === ASSUME_ROLE_FAILED) {
      throw namedError('States.TaskFailed', err.message);
    }
    const name = err instanceof Error ? err.name : 'Error';
    throw namedError(`${ERROR_PREFIX[service]}.${name}`, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Runs a `lambda:invoke` Task: one of our functions locally (as `invokeLambda`), any other through
 * `env.invokeFunction`. The answer is Step Functions': `{ ExecutedVersion, Payload, StatusCode }`;
 * a function error fails the Task with the error's type and the payload as its cause.
 *
 * @throws the function's `errorType`; `Lambda.<ErrorName>` when the invocation itself fails
 */
export async function invokeFunctionTask(
  host: ExecutionHost,
  exec: Execution,
  stateName: string,
  input: unknown,
  scheduled: ScheduledTask | undefined,
): Promise<unknown> {
  const params = isRecord(input) ? input : {};
  const functionName = String(params.FunctionName ?? '');
  if (functionName.startsWith('arn:')) checkSameLocation(stateName, exec.arn, functionName);
  const ours = bindingOf(functionName);
  if (ours?.kind === 'task') {
    const payload = await invokeLambda(host, exec, ours.taskId, params.Payload ?? {}, scheduled);
    return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
  }
  const invoke = host.env.invokeFunction;
  if (invoke === undefined) {
    throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
  }
  let answer: Awaited<ReturnType<typeof invoke>>;
  try {
    answer = await invoke(functionName, params.Payload ?? {});
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw namedError(`Lambda.${name}`, err instanceof Error ? err.message : String(err));
  }
  if (answer.functionError !== undefined) {
    // Step Functions fails the Task with the function's errorType and the whole payload as cause.
    const p = isRecord(answer.payload) ? answer.payload : {};
    const type = typeof p.errorType === 'string' ? p.errorType : 'Lambda.Unknown';
    throw namedError(type, JSON.stringify(answer.payload));
  }
  return {
    ExecutedVersion: answer.executedVersion ?? '$LATEST',
    Payload: answer.payload ?? null,
    StatusCode: answer.statusCode,
  };
}
