/**
 * The `states:startExecution.sync:2` integration: runs the child machine named by
 * `StateMachineArn` (the executor in the account and region of the ARN, with that account's task
 * deps) and answers like DescribeExecution; a failed child raises `States.TaskFailed`.
 */
import { namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution.js';
import type { ScheduledTask } from '../scheduler.js';
import type { RuntimeAccount } from '../types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs the child execution a `.sync:2` Task asks for and waits for its end. */
export async function startChildExecution(
  host: ExecutionHost,
  parent: Execution,
  input: unknown,
  scheduled: ScheduledTask | undefined,
): Promise<unknown> {
  const params = isRecord(input) ? input : {};
  const arn = String(params.StateMachineArn ?? '');
  const target = host.arns.parseStateMachine(arn);
  const childInput = typeof params.Input === 'string' ? JSON.parse(params.Input) : (params.Input ?? {});
  let account: RuntimeAccount | undefined;
  if (target.machine === 'executor') {
    const given = isRecord(childInput) && isRecord(childInput.account) ? childInput.account : {};
    account = {
      accountId: target.accountId,
      region: target.region,
      roleArn: typeof given.roleArn === 'string' ? given.roleArn : '',
    };
  }
  const startDate = host.env.now().getTime();
  const child = host.execute(target.machine, childInput, {
    ...(typeof params.Name === 'string' ? { name: params.Name } : {}),
    parent,
    region: target.region,
    accountId: target.accountId,
    ...(account ? { account } : {}),
  });
  // The parent's Task waits for its child: idle for the scheduler while the child works.
  const { exec, outcome } = await (scheduled
    ? scheduled.blockOn(child, `its child ${target.machine} execution in ${target.accountId}`)
    : child);
  const description = {
    ExecutionArn: exec.arn,
    StateMachineArn: exec.stateMachineArn,
    Name: exec.name,
    Status: outcome.status,
    StartDate: startDate,
    StopDate: host.env.now().getTime(),
    Input: childInput,
  };
  if (outcome.status === 'SUCCEEDED') return { ...description, Output: outcome.output ?? null };
  throw namedError(
    'States.TaskFailed',
    JSON.stringify({ ...description, Error: outcome.error ?? '', Cause: outcome.cause ?? '' }),
  );
}
