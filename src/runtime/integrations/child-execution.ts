/**
 * The `states:startExecution.sync:2` integration: runs the child machine named by
 * `StateMachineArn` (the executor in the account and region of the ARN, with that account's task
 * deps) and answers like DescribeExecution; a failed child raises `States.TaskFailed`.
 */
import { randomUUID } from 'node:crypto';
import { namedError, statesRuntimeError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution-host.js';
import { isRecord } from '../metering.js';
import type { ScheduledTask } from '../scheduler.js';
import type { RuntimeAccount } from '../types.js';

/** Partition and Region of an ARN (`arn:<partition>:<service>:<region>:...`). */
function locationOf(arn: string): { partition: string; region: string } {
  const [, partition = '', , region = ''] = arn.split(':');
  return { partition, region };
}

/**
 * Step Functions reaches no resource in another partition or Region, `Credentials` or not
 * ("cross-Region AWS SDK integration and cross-Region AWS resource access aren't available in Step
 * Functions", developer guide, "Accessing resources in other AWS accounts"). The execution fails
 * with `States.Runtime`, which no Retry or Catch handles; the partition message is AWS's own, the
 * Region one is worded the same way.
 */
export function checkSameLocation(stateName: string, execution: string, resource: string): void {
  const here = locationOf(execution);
  const there = locationOf(resource);
  for (const what of ['partition', 'region'] as const) {
    if (here[what] !== there[what]) {
      throw statesRuntimeError(
        `An error occurred while executing the state '${stateName}'. The resource belongs to a different ${what} from the running execution. Expected '${here[what]}', was '${there[what]}'.`,
      );
    }
  }
}

/**
 * Runs the child execution a `.sync:2` Task asks for and waits for its end.
 * @param submitted told the child's ARN and start date once it has started
 */
export async function startChildExecution(
  host: ExecutionHost,
  parent: Execution,
  stateName: string,
  input: unknown,
  scheduled: ScheduledTask | undefined,
  submitted: (output: unknown) => void,
): Promise<unknown> {
  const params = isRecord(input) ? input : {};
  const arn = String(params.StateMachineArn ?? '');
  const target = host.arns.parseStateMachine(arn);
  checkSameLocation(stateName, parent.arn, arn);
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
  const name = typeof params.Name === 'string' ? params.Name : randomUUID();
  // The child is registered (its ExecutionStarted recorded) before this call returns.
  const child = host.execute(target.machine, childInput, {
    name,
    parent,
    region: target.region,
    accountId: target.accountId,
    ...(account ? { account } : {}),
  });
  submitted({
    ExecutionArn: host.arns.execution(target.machine, target.region, target.accountId, name),
    StartDate: new Date(startDate).toISOString(),
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
