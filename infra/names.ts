/**
 * Names shared by the stacks, the tests and the local runtime: the Lambda functions, the roles the
 * accounts trust each other through, and the ASL placeholders (docs/design/data-flow.md).
 *
 * Plain data: importing this module never loads `aws-cdk-lib`.
 */

import { DEFAULT_STAGING_ACCOUNTS_PATH } from '../src/contract/staging-accounts.js';
import { TASK_NAMES, type TaskName } from '../src/tasks/names.js';

/** Which state machine a task belongs to. */
export type MachineKind = TaskName['machine'];

/** One Lambda-backed task of design 9.1 (the shared table of src/tasks/names.ts). */
export type TaskFunctionSpec = TaskName;

/** Every task function, in the order of design 9.1. */
export const TASK_FUNCTIONS: readonly TaskFunctionSpec[] = TASK_NAMES;

/** The role in each staging account that the tasks use for DRS, EC2 and Service Quotas. */
export const STAGING_ROLE_NAME = 'DRS-Orchestration-Role';

/** The role in each staging account that start-executor and monitor-executor assume. */
export { EXECUTOR_STARTER_ROLE_NAME } from '../src/tasks/names.js';

/**
 * Executor tasks that write per-server records to the results bucket: the tasks that finish an
 * action's report (get-recovery-instances, get-status, the terminate and failback monitors and
 * starts, which finish at once when there is nothing to do). format-output only summarises. They are the only
 * staging-account principals the results bucket and its key let write (under `results/`);
 * `test/infra/bundle.test.ts` checks this list against the handlers that bundle the S3 client.
 */
export const RESULTS_WRITER_TASKS: readonly TaskName['taskId'][] = [
  'monitor-job',
  'get-recovery-instances',
  'start-failback',
  'monitor-failback',
  'terminate-instances',
  'get-status',
];

/**
 * Main-machine tasks that start and watch the executors through each staging account's
 * executor-starter role, which trusts exactly their (fixed-name) roles.
 */
export const EXECUTOR_STARTING_TASKS: readonly TaskName['taskId'][] = ['start-executor', 'monitor-executor'];

/** The orchestrator-account role the executors answer the main execution's waiting Task through. */
export { EXECUTOR_CALLBACK_ROLE_NAME } from '../src/tasks/names.js';

/**
 * Executor tasks that answer the main execution's waiting Task (report-executor: its result; the
 * poll tasks: heartbeats) through the orchestrator's callback role, which trusts exactly their
 * (fixed-name) roles in the staging accounts.
 */
export const EXECUTOR_CALLBACK_TASKS: readonly TaskName['taskId'][] = [
  'report-executor',
  'monitor-job',
  'monitor-failback',
];

/**
 * Main-machine tasks that assume each staging account's `DRS-Orchestration-Role` (discover and
 * describe-wave list source servers, partition reads the DRS quotas). Their roles have fixed
 * names, and the staging role trusts exactly these roles (`aws:PrincipalArn`), not the
 * orchestrator account as a whole.
 */
export const STAGING_ROLE_USERS: readonly TaskName['taskId'][] = ['discover', 'partition', 'describe-wave'];

/**
 * Fixed execution-role name of a task whose role another account's policy names (the executor
 * tasks the orchestrator trusts, the orchestrator tasks the staging accounts trust).
 */
export function executorTaskRoleName(taskId: string): string {
  return `DRS-Orchestration-Task-${taskId}`;
}

/** State machine names: the executor's (placeholder `${ExecutorStateMachineName}`), main, waves. */
export {
  EXECUTOR_STATE_MACHINE_NAME,
  MAIN_STATE_MACHINE_NAME,
  WAVES_STATE_MACHINE_NAME,
} from '../src/tasks/names.js';

/** Drill-cleanup workflow. */
export const DRILL_CLEANUP_STATE_MACHINE_NAME = 'drs-orchestration-drill-cleanup';

/** Role of the main state machine (fixed name, for the staging accounts' audit trails). */
export const MAIN_STATE_MACHINE_ROLE_NAME = 'drs-orchestration-main-state-machine';

/**
 * SSM path of the staging-account registry: one parameter per account, `<path>/<accountId>`,
 * read with GetParametersByPath (a single document would pass SSM's 4 KB standard and 8 KB
 * advanced value limits before the schema's 50 accounts).
 */
export const STAGING_ACCOUNTS_PATH = DEFAULT_STAGING_ACCOUNTS_PATH;

/** SNS topic for notifications, alarms and approval requests. */
export const NOTIFICATION_TOPIC_NAME = 'drs-orchestration-notifications';

/** KMS alias of the orchestrator account's key. */
export const ORCHESTRATOR_KEY_ALIAS = 'alias/drs-orchestration';

/** KMS alias of each staging account's executor key (the starter role is granted the key by it). */
export const EXECUTOR_KEY_ALIAS = 'alias/drs-orchestration-executor';

/** CloudWatch namespace of the task metrics (design 10.1). */
export { METRICS_NAMESPACE } from '../src/tasks/names.js';

/** Key prefix the executors write their per-account records under. */
export const RESULTS_PREFIX = 'results/';

/**
 * Results bucket name: fixed, so staging accounts can be told where to write before it exists.
 *
 * @example resultsBucketName('123456789012', 'us-east-1') // 'drs-orchestration-results-123456789012-us-east-1'
 */
export function resultsBucketName(orchestratorAccountId: string, region: string): string {
  return `drs-orchestration-results-${orchestratorAccountId}-${region}`;
}

/**
 * Environment variables the deployed handlers read (the Lambda side of the local `RuntimeEnv`).
 */
export const HANDLER_ENV = {
  /** Name of the SSM parameter with the staging accounts (read by `discover`). */
  stagingAccountsPath: 'DRS_STAGING_ACCOUNTS_PATH',
  /** Results bucket name; absent means records travel inline. */
  resultsBucket: 'RESULTS_BUCKET',
  /** Region of the results bucket: the executors run in the staging region and write across regions. */
  resultsBucketRegion: 'RESULTS_BUCKET_REGION',
} as const;
