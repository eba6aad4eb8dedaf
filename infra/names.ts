/**
 * Names shared by the stacks, the tests and the local runtime: the Lambda functions, the roles the
 * accounts trust each other through, and the ASL placeholders (docs/design/data-flow.md).
 *
 * Plain data: importing this module never loads `aws-cdk-lib`.
 */

import { DEFAULT_STAGING_ACCOUNTS_PATH } from '../src/contract/staging-accounts.js';
import {
  EXECUTOR_CALLBACK_ROLE_NAME as EXECUTOR_CALLBACK_ROLE_NAME_VALUE,
  EXECUTOR_STATE_MACHINE_NAME as EXECUTOR_SM,
  EXECUTOR_STARTER_ROLE_NAME as EXECUTOR_STARTER_ROLE_NAME_VALUE,
  MAIN_STATE_MACHINE_NAME as MAIN_SM,
  METRICS_NAMESPACE as METRICS_NAMESPACE_VALUE,
  TASK_NAMES,
  type TaskName,
  WAVES_STATE_MACHINE_NAME as WAVES_SM,
} from '../src/tasks/names.js';

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
 * Role of the waves state machine: fixed, because each staging account's runbook-steps role
 * trusts exactly it (`aws:PrincipalArn`): Step Functions assumes a Task's `Credentials` role with
 * the state machine's role.
 */
export const WAVES_STATE_MACHINE_ROLE_NAME = 'drs-orchestration-waves-state-machine';

/**
 * The role in each staging account the waves workflow's SSM steps assume (where the recovered
 * instances are): the ASL placeholder `${RunbookStepsRoleName}`, the local runtime's default too.
 */
export const RUNBOOK_STEPS_ROLE_NAME = 'DRS-Orchestration-Runbook-Steps';

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
  /** Name of the executor state machine in each staging account (start-executor, monitor-executor). */
  executorStateMachine: 'DRS_EXECUTOR_STATE_MACHINE_NAME',
  /** Name of the executor-starter role in each staging account (start-executor, monitor-executor). */
  executorStarterRole: 'DRS_EXECUTOR_STARTER_ROLE_NAME',
  /** Name of the orchestrator's callback role (report-executor and the executor poll tasks). */
  executorCallbackRole: 'DRS_EXECUTOR_CALLBACK_ROLE_NAME',
  /** Name of the main state machine (write-report tells actions from runbooks by it). */
  mainStateMachine: 'DRS_MAIN_STATE_MACHINE_NAME',
  /** Name of the waves state machine (write-report). */
  wavesStateMachine: 'DRS_WAVES_STATE_MACHINE_NAME',
} as const;

/**
 * The environment that tells a deployed task the names it finds other resources by (the tasks
 * default to the default prefix's names when a variable is absent, as in local runs).
 */
export function namesEnvironment(prefix: string = DEFAULT_NAME_PREFIX): Record<string, string> {
  // The default prefix's names are the tasks' defaults: no variables, so the default templates
  // stay as they were.
  if (prefix === DEFAULT_NAME_PREFIX) return {};
  const names = resourceNames(prefix);
  return {
    [HANDLER_ENV.executorStateMachine]: names.stateMachines.executor,
    [HANDLER_ENV.executorStarterRole]: names.executorStarterRole,
    [HANDLER_ENV.executorCallbackRole]: names.executorCallbackRole,
    [HANDLER_ENV.mainStateMachine]: names.stateMachines.main,
    [HANDLER_ENV.wavesStateMachine]: names.stateMachines.waves,
  };
}

/** Name prefix of the default deployment: with it, {@link resourceNames} returns today's names. */
export const DEFAULT_NAME_PREFIX = 'drs-orchestration';

/**
 * Every fixed physical name the four stacks create or name across accounts. Fixed (not generated)
 * because the accounts' policies and the tasks find each other by them.
 */
export interface ResourceNames {
  /** Lambda function name of each task. */
  readonly functionName: (taskId: TaskName['taskId']) => string;
  /** Execution-role name of a task that another account's policy names. */
  readonly taskRoleName: (taskId: string) => string;
  /** The staging role the tasks use for DRS, EC2 and Service Quotas. */
  readonly stagingRole: string;
  /** The staging account's role start-executor and monitor-executor assume. */
  readonly executorStarterRole: string;
  /** The orchestrator role the executors answer the main execution through. */
  readonly executorCallbackRole: string;
  /** Customer-managed policies of the staging role. */
  readonly stagingPolicies: { readonly operations: string; readonly guardrails: string };
  /** State machine names. */
  readonly stateMachines: {
    readonly main: string;
    readonly waves: string;
    readonly executor: string;
    readonly drillCleanup: string;
  };
  /** Role of the main state machine. */
  readonly mainStateMachineRole: string;
  /** Role of the waves state machine (the staging accounts' runbook-steps role trusts it). */
  readonly wavesStateMachineRole: string;
  /** The staging account's role the waves workflow's SSM steps assume. */
  readonly runbookStepsRole: string;
  /** SNS topic for notifications, alarms and approval requests. */
  readonly notificationTopic: string;
  /** KMS aliases: the orchestrator key and each staging account's executor key. */
  readonly keyAliases: { readonly orchestrator: string; readonly executor: string };
  /** CloudWatch namespace of the task metrics. */
  readonly metricsNamespace: string;
  /** SSM path of the staging-account registry. */
  readonly stagingAccountsPath: string;
  /** Results bucket name of an orchestrator account and Region. */
  readonly resultsBucket: (orchestratorAccountId: string, region: string) => string;
  /** CloudWatch dashboard. */
  readonly dashboard: string;
  /** EventBridge rules: failed executions, the weekly drill, the drill cleanup. */
  readonly rules: {
    readonly executionEndedBadly: string;
    readonly weeklyDrill: string;
    readonly drillCleanup: string;
  };
  /** SSM Automation document of design 8.2. */
  readonly automationDocument: string;
}

const functionNames = new Map<string, string>(TASK_FUNCTIONS.map((t) => [t.taskId, t.functionName]));

/**
 * The physical names for a name prefix. The default prefix gives exactly today's names (so the
 * default templates and local runs do not change); any other prefix starts every name with it
 * (`acme-dr-discover`, `acme-dr-executor-starter`, ...), so two deployments in one account do not
 * collide.
 *
 * @example resourceNames('acme-dr').stateMachines.main // 'acme-dr-main'
 */
export function resourceNames(prefix: string = DEFAULT_NAME_PREFIX): ResourceNames {
  if (prefix === DEFAULT_NAME_PREFIX) {
    return {
      functionName: (taskId) => functionNames.get(taskId) ?? `drs-${taskId}`,
      taskRoleName: executorTaskRoleName,
      stagingRole: STAGING_ROLE_NAME,
      executorStarterRole: EXECUTOR_STARTER_ROLE_NAME_VALUE,
      executorCallbackRole: EXECUTOR_CALLBACK_ROLE_NAME_VALUE,
      stagingPolicies: {
        operations: 'DRS-Orchestration-Operations',
        guardrails: 'DRS-Orchestration-Guardrails',
      },
      stateMachines: {
        main: MAIN_SM,
        waves: WAVES_SM,
        executor: EXECUTOR_SM,
        drillCleanup: DRILL_CLEANUP_STATE_MACHINE_NAME,
      },
      mainStateMachineRole: MAIN_STATE_MACHINE_ROLE_NAME,
      wavesStateMachineRole: WAVES_STATE_MACHINE_ROLE_NAME,
      runbookStepsRole: RUNBOOK_STEPS_ROLE_NAME,
      notificationTopic: NOTIFICATION_TOPIC_NAME,
      keyAliases: { orchestrator: ORCHESTRATOR_KEY_ALIAS, executor: EXECUTOR_KEY_ALIAS },
      metricsNamespace: METRICS_NAMESPACE_VALUE,
      stagingAccountsPath: STAGING_ACCOUNTS_PATH,
      resultsBucket: resultsBucketName,
      dashboard: 'DRS-Orchestration',
      rules: {
        executionEndedBadly: 'drs-orchestration-execution-ended-badly',
        weeklyDrill: 'drs-weekly-drill',
        drillCleanup: 'drs-drill-cleanup',
      },
      automationDocument: 'DRS-Orchestration-Invoke',
    };
  }
  const p = prefix;
  return {
    functionName: (taskId) => `${p}-${taskId}`,
    taskRoleName: (taskId) => `${p}-task-${taskId}`,
    stagingRole: `${p}-role`,
    executorStarterRole: `${p}-executor-starter`,
    executorCallbackRole: `${p}-executor-callback`,
    stagingPolicies: { operations: `${p}-operations`, guardrails: `${p}-guardrails` },
    stateMachines: {
      main: `${p}-main`,
      waves: `${p}-waves`,
      executor: `${p}-executor`,
      drillCleanup: `${p}-drill-cleanup`,
    },
    mainStateMachineRole: `${p}-main-state-machine`,
    wavesStateMachineRole: `${p}-waves-state-machine`,
    runbookStepsRole: `${p}-runbook-steps`,
    notificationTopic: `${p}-notifications`,
    keyAliases: { orchestrator: `alias/${p}`, executor: `alias/${p}-executor` },
    metricsNamespace: p,
    stagingAccountsPath: `/${p}/staging-accounts`,
    resultsBucket: (accountId, region) => `${p}-results-${accountId}-${region}`,
    dashboard: p,
    rules: {
      executionEndedBadly: `${p}-execution-ended-badly`,
      weeklyDrill: `${p}-weekly-drill`,
      drillCleanup: `${p}-drill-cleanup-schedule`,
    },
    automationDocument: `${p}-invoke`,
  };
}
