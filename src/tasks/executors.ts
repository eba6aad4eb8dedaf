/**
 * Starting and watching a staging account's executor in that account's own Region. Step Functions
 * cannot: its integrations (`startExecution.sync:2` with `Credentials` included) reach no other
 * Region, and the orchestrator usually runs outside the DR Region. So two task functions do it
 * with the SDK, through the account's executor-starter role.
 */
import type { AccountRef } from '../core/model.js';
import type { ExecutorsPort, TaskDeps } from './deps.js';

export type { ExecutorsPort } from './deps.js';

import { DEFAULT_RUNTIME_NAMES, type RuntimeNames } from './names.js';

/** The partition of an account's role ARN (`aws`, `aws-cn`, `aws-us-gov`). */
function partitionOf(account: AccountRef): string {
  return /^arn:([a-z-]+):/.exec(account.roleArn)?.[1] ?? 'aws';
}

/** The ARN of the executor state machine of an account, in its Region. */
export function executorStateMachineArn(
  account: AccountRef,
  names: RuntimeNames = DEFAULT_RUNTIME_NAMES,
): string {
  return `arn:${partitionOf(account)}:states:${account.region}:${account.accountId}:stateMachine:${names.executorStateMachine}`;
}

/** The ARN of an execution of the account's executor. */
export function executorExecutionArn(
  account: AccountRef,
  name: string,
  names: RuntimeNames = DEFAULT_RUNTIME_NAMES,
): string {
  return `arn:${partitionOf(account)}:states:${account.region}:${account.accountId}:execution:${names.executorStateMachine}:${name}`;
}

/** The executor-starter role of an account. */
export function executorStarterRoleArn(
  account: AccountRef,
  names: RuntimeNames = DEFAULT_RUNTIME_NAMES,
): string {
  return `arn:${partitionOf(account)}:iam::${account.accountId}:role/${names.executorStarterRole}`;
}

/**
 * The name of an account's executor for one main execution: stable (a retried start-executor
 * finds the same execution), unique per main execution and account, and within Step Functions'
 * 80 characters.
 *
 * @example executorExecutionName('drill-2026', '111111111111') // 'drill-2026-111111111111'
 */
export function executorExecutionName(mainExecutionName: string, accountId: string): string {
  const plain = `${mainExecutionName}-${accountId}`;
  if (plain.length <= 80) return plain;
  // FNV-1a of the whole name keeps two long names that share their first 58 characters apart.
  let hash = 0x811c9dc5;
  for (const ch of mainExecutionName) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${mainExecutionName.slice(0, 58)}-${hash.toString(16).padStart(8, '0')}-${accountId}`;
}

/** The executors port over the SDK: Step Functions in the account's Region, as its starter role. */
export function awsExecutors(deps: TaskDeps): ExecutorsPort {
  const ports = async (account: AccountRef) => {
    const p = deps.aws.account({
      accountId: account.accountId,
      region: account.region,
      roleArn: executorStarterRoleArn(account, deps.env.names),
    });
    await p.connect();
    return p.states;
  };
  return {
    async start(account, name, input) {
      return (await ports(account)).startExecution({
        stateMachineArn: executorStateMachineArn(account, deps.env.names),
        name,
        input,
      });
    },
    async describe(account, executionArn) {
      return (await ports(account)).describeExecution({ executionArn });
    },
    async stop(account, executionArn, error, cause) {
      await (await ports(account)).stopExecution({ executionArn, error, cause });
    },
  };
}

/** The executors port of a task: the runtime's own (local runs) or the SDK's (Lambda). */
export function executorsOf(deps: TaskDeps): ExecutorsPort {
  return deps.executors ?? awsExecutors(deps);
}
