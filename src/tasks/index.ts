/**
 * The orchestration tasks (design 9.1): `(event, deps) => Promise<result>`, JSON in and out.
 * The local runtime binds Task states to {@link tasks} by task id; the Lambda handlers wrap them.
 */
import { aggregate } from './aggregate.js';
import type { TaskDeps } from './deps.js';
import { discover } from './discover.js';
import { formatOutput } from './format-output.js';
import { getRecoveryInstances } from './get-recovery-instances.js';
import { getStatus } from './get-status.js';
import { monitorFailback } from './monitor-failback.js';
import { monitorJob } from './monitor-job.js';
import { partition } from './partition.js';
import { startFailback } from './start-failback.js';
import { startRecovery } from './start-recovery.js';
import { terminateInstances } from './terminate-instances.js';
import type { TaskId } from './types.js';
import { validate } from './validate.js';

/** A task: JSON event in, JSON result out; signals with errors named in `src/contract/errors.ts`. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds tasks of different event types; each is typed at its definition.
export type TaskFn = (event: any, deps: TaskDeps) => Promise<unknown>;

/**
 * Every task by id (data-flow.md, "Names").
 *
 * @example
 * ```ts
 * const run = await tasks['start-recovery']({ request, execution, account }, deps);
 * ```
 */
export const tasks: Record<TaskId, TaskFn> = {
  validate,
  discover,
  partition,
  aggregate,
  'start-recovery': startRecovery,
  'monitor-job': monitorJob,
  'get-recovery-instances': getRecoveryInstances,
  'start-failback': startFailback,
  'monitor-failback': monitorFailback,
  'terminate-instances': terminateInstances,
  'get-status': getStatus,
  'format-output': formatOutput,
};

/** Lambda function name of each task (data-flow.md). */
export const TASK_FUNCTION_NAMES: Readonly<Record<TaskId, string>> = {
  validate: 'drs-orchestration-validate',
  discover: 'drs-orchestration-discover',
  partition: 'drs-orchestration-partition',
  aggregate: 'drs-orchestration-aggregate',
  'start-recovery': 'drs-start-recovery',
  'monitor-job': 'drs-monitor-job',
  'get-recovery-instances': 'drs-get-recovery-instances',
  'start-failback': 'drs-start-failback',
  'monitor-failback': 'drs-monitor-failback',
  'terminate-instances': 'drs-terminate-instances',
  'get-status': 'drs-get-status',
  'format-output': 'drs-format-output',
};

export {
  type AccountProgress,
  createTaskDeps,
  createTaskDepsFor,
  DEFAULT_STAGING_ACCOUNTS_PARAMETER,
  type TaskDeps,
  type TaskDepsConfig,
  type TaskEnv,
  type TaskLogger,
} from './deps.js';
export { accountResultKey, outputKey, resultPrefix } from './results.js';
export type * from './types.js';
export {
  aggregate,
  discover,
  formatOutput,
  getRecoveryInstances,
  getStatus,
  monitorFailback,
  monitorJob,
  partition,
  startFailback,
  startRecovery,
  terminateInstances,
  validate,
};
