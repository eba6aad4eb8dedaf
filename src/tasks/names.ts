/**
 * The one table of task names (docs/design/data-flow.md, "Names"): the task id the local runtime
 * binds, the Lambda function name CDK deploys, and the ASL `Resource` placeholder. The runtime,
 * the CDK stacks and the handlers all read it from here. Plain data, no imports.
 */

/** Task function ids (design 9.1): the keys of the task registry and the handler file names. */
export type TaskId =
  | 'validate'
  | 'discover'
  | 'partition'
  | 'aggregate'
  | 'start-recovery'
  | 'monitor-job'
  | 'get-recovery-instances'
  | 'start-failback'
  | 'monitor-failback'
  | 'terminate-instances'
  | 'get-status'
  | 'format-output'
  | 'start-executor'
  | 'monitor-executor'
  | 'write-report'
  | 'describe-wave'
  | 'check-approval'
  | 'run-step'
  | 'report-executor';

/** One row of the task table. */
export interface TaskName {
  readonly taskId: TaskId;
  /** Lambda function name CDK deploys (design 9.1). */
  readonly functionName: string;
  /** ASL `Resource` placeholder name (without `${}`). */
  readonly placeholder: string;
  /** Machine whose Task states use it. */
  readonly machine: 'main' | 'executor' | 'waves';
}

/** Every task, in the order of design 9.1. */
export const TASK_NAMES: readonly TaskName[] = [
  {
    taskId: 'validate',
    functionName: 'drs-orchestration-validate',
    placeholder: 'ValidateFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'discover',
    functionName: 'drs-orchestration-discover',
    placeholder: 'DiscoverFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'partition',
    functionName: 'drs-orchestration-partition',
    placeholder: 'PartitionFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'aggregate',
    functionName: 'drs-orchestration-aggregate',
    placeholder: 'AggregateFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'start-recovery',
    functionName: 'drs-start-recovery',
    placeholder: 'StartRecoveryFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'monitor-job',
    functionName: 'drs-monitor-job',
    placeholder: 'MonitorJobFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'get-recovery-instances',
    functionName: 'drs-get-recovery-instances',
    placeholder: 'GetRecoveryInstancesFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'start-failback',
    functionName: 'drs-start-failback',
    placeholder: 'StartFailbackFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'monitor-failback',
    functionName: 'drs-monitor-failback',
    placeholder: 'MonitorFailbackFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'terminate-instances',
    functionName: 'drs-terminate-instances',
    placeholder: 'TerminateInstancesFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'get-status',
    functionName: 'drs-get-status',
    placeholder: 'GetStatusFunctionArn',
    machine: 'executor',
  },
  {
    taskId: 'format-output',
    functionName: 'drs-format-output',
    placeholder: 'FormatOutputFunctionArn',
    machine: 'executor',
  },
  // Not in design 9.1: they start each account's executor in its own Region and watch it, which
  // the main machine cannot do itself (Step Functions integrations do not cross Regions).
  {
    taskId: 'start-executor',
    functionName: 'drs-orchestration-start-executor',
    placeholder: 'StartExecutorFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'monitor-executor',
    functionName: 'drs-orchestration-monitor-executor',
    placeholder: 'MonitorExecutorFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'write-report',
    functionName: 'drs-orchestration-write-report',
    placeholder: 'WriteReportFunctionArn',
    machine: 'main',
  },
  {
    taskId: 'describe-wave',
    functionName: 'drs-orchestration-describe-wave',
    placeholder: 'DescribeWaveFunctionArn',
    machine: 'waves',
  },
  // Reads each approval answer through the one approval schema before the wave may run.
  {
    taskId: 'check-approval',
    functionName: 'drs-orchestration-check-approval',
    placeholder: 'CheckApprovalFunctionArn',
    machine: 'waves',
  },
  // Decides each runbook step's next call (the waves workflow makes the calls itself).
  {
    taskId: 'run-step',
    functionName: 'drs-orchestration-run-step',
    placeholder: 'RunStepFunctionArn',
    machine: 'waves',
  },
  // The executor's last task: answers the main execution's waiting Task across Regions.
  {
    taskId: 'report-executor',
    functionName: 'drs-report-executor',
    placeholder: 'ReportExecutorFunctionArn',
    machine: 'executor',
  },
];

/** The executor state machine's name in every staging account. */
export const EXECUTOR_STATE_MACHINE_NAME = 'drs-staging-account-executor';

/** Main state machine name (design 8.2 invokes it by this name). */
export const MAIN_STATE_MACHINE_NAME = 'drs-orchestration-main';

/** Waves workflow (design 8.4 made general); write-report tells its stopped executions by it. */
export const WAVES_STATE_MACHINE_NAME = 'drs-orchestration-waves';

/**
 * The orchestrator-account role the executors answer the main execution's waiting Task through
 * (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat on the main state machine only).
 */
export const EXECUTOR_CALLBACK_ROLE_NAME = 'DRS-Orchestration-Executor-Callback';

/** The role in each staging account that start-executor and monitor-executor assume. */
export const EXECUTOR_STARTER_ROLE_NAME = 'DRS-Orchestration-Executor-Starter';

/** CloudWatch namespace of the metrics the handlers emit and the alarms and dashboard read (design 10.1). */
export const METRICS_NAMESPACE = 'DRS/Orchestration';

/**
 * The names the tasks find other resources by at run time. A deployment with a name prefix
 * tells its Lambdas these through environment variables (infra `namesEnvironment`); absent, the
 * default deployment's names apply (local runs, the default stacks).
 */
export interface RuntimeNames {
  /** Executor state machine in each staging account (`DRS_EXECUTOR_STATE_MACHINE_NAME`). */
  readonly executorStateMachine: string;
  /** Executor-starter role in each staging account (`DRS_EXECUTOR_STARTER_ROLE_NAME`). */
  readonly executorStarterRole: string;
  /** Orchestrator callback role (`DRS_EXECUTOR_CALLBACK_ROLE_NAME`). */
  readonly executorCallbackRole: string;
  /** Main state machine (`DRS_MAIN_STATE_MACHINE_NAME`). */
  readonly mainStateMachine: string;
  /** Waves state machine (`DRS_WAVES_STATE_MACHINE_NAME`). */
  readonly wavesStateMachine: string;
}

/** The default deployment's runtime names. */
export const DEFAULT_RUNTIME_NAMES: RuntimeNames = {
  executorStateMachine: EXECUTOR_STATE_MACHINE_NAME,
  executorStarterRole: EXECUTOR_STARTER_ROLE_NAME,
  executorCallbackRole: EXECUTOR_CALLBACK_ROLE_NAME,
  mainStateMachine: MAIN_STATE_MACHINE_NAME,
  wavesStateMachine: WAVES_STATE_MACHINE_NAME,
};

/**
 * Runtime names from environment variables, each defaulting to {@link DEFAULT_RUNTIME_NAMES}.
 *
 * @example runtimeNamesFrom({ DRS_MAIN_STATE_MACHINE_NAME: 'acme-dr-main' }).mainStateMachine // 'acme-dr-main'
 */
export function runtimeNamesFrom(env: Readonly<Record<string, string | undefined>>): RuntimeNames {
  const d = DEFAULT_RUNTIME_NAMES;
  return {
    executorStateMachine: env.DRS_EXECUTOR_STATE_MACHINE_NAME || d.executorStateMachine,
    executorStarterRole: env.DRS_EXECUTOR_STARTER_ROLE_NAME || d.executorStarterRole,
    executorCallbackRole: env.DRS_EXECUTOR_CALLBACK_ROLE_NAME || d.executorCallbackRole,
    mainStateMachine: env.DRS_MAIN_STATE_MACHINE_NAME || d.mainStateMachine,
    wavesStateMachine: env.DRS_WAVES_STATE_MACHINE_NAME || d.wavesStateMachine,
  };
}
