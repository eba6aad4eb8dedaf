/**
 * The local Step Functions runtime: runs the ASL workflows of `statemachines/` in-process
 * (emulator or real AWS), streaming events. Used by the CLI and the benchmark.
 */
export {
  type AslObject,
  bindingOf,
  DEFAULT_STATE_MACHINE_NAMES,
  INTEGRATIONS,
  loadDefinition,
  MACHINE_FILES,
  MACHINE_NAMES,
  type MachineName,
  placeholdersOf,
  substitutePlaceholders,
  TASK_NAMES,
  type TaskBinding,
  type TaskId,
  type TaskName,
  walkStates,
} from './definitions.js';
export { createRuntimeEnv, type LocalRuntimeEnv, type RuntimeEnvConfig } from './env.js';
export {
  type HistoryEvent,
  type HistoryExecution,
  type HistoryListener,
  historyJson,
  TERMINAL_EVENT,
} from './history.js';
export {
  answerTaskToken,
  fromWireAnswer,
  TASK_TOKEN_FORMAT,
  type TaskTokenAnswer,
  type TaskTokenResult,
  taskTokenBackend,
  taskTokenOwner,
  taskTokenWaitSignal,
} from './integrations/task-tokens.js';
export {
  LOCAL_WAIT_RESOURCE,
  type LocalBinding,
  type LocalDefinition,
  type LocalRetrier,
  type LocalTask,
  localizeDefinition,
} from './localize.js';
export {
  DEFAULT_EXECUTOR_START_ROLE_NAME,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  RUNTIME_ERROR_NAMES,
  runStateMachine,
  type StartedExecution,
  startStateMachine,
} from './run.js';
export {
  APPROVAL_WAIT,
  type BeginExecutionOptions,
  DiscreteScheduler,
  type DiscreteSchedulerOptions,
  SCHEDULER_STALLED,
  type ScheduledExecution,
  type ScheduledTask,
  type SchedulerClock,
  SchedulerStalled,
  type SchedulerStats,
} from './scheduler.js';
export type * from './types.js';
