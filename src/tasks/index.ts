/**
 * The orchestration tasks (design 9.1): `(event, deps) => Promise<result>`, JSON in and out.
 * The local runtime binds Task states to {@link tasks} by task id; the Lambda handlers wrap them.
 */
import { aggregate } from './aggregate.js';
import { checkApproval } from './check-approval.js';
import type { TaskDeps } from './deps.js';
import { describeWave } from './describe-wave.js';
import { discover } from './discover.js';
import { formatOutput } from './format-output.js';
import { getRecoveryInstances } from './get-recovery-instances.js';
import { getStatus } from './get-status.js';
import { monitorExecutor } from './monitor-executor.js';
import { monitorFailback } from './monitor-failback.js';
import { monitorJob } from './monitor-job.js';
import type { TaskId } from './names.js';
import { partition } from './partition.js';
import { reportExecutor } from './report-executor.js';
import { runStep } from './run-step.js';
import { startExecutor } from './start-executor.js';
import { startFailback } from './start-failback.js';
import { startRecovery } from './start-recovery.js';
import { terminateInstances } from './terminate-instances.js';
import { validate } from './validate.js';
import { writeReport } from './write-report.js';

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
  'start-executor': startExecutor,
  'monitor-executor': monitorExecutor,
  'write-report': writeReport,
  'describe-wave': describeWave,
  'check-approval': checkApproval,
  'run-step': runStep,
  'report-executor': reportExecutor,
};

export {
  type AccountProgress,
  createTaskDeps,
  createTaskDepsFor,
  DEFAULT_STAGING_ACCOUNTS_PATH,
  type TaskDeps,
  type TaskDepsConfig,
  type TaskEnv,
  type TaskLogger,
} from './deps.js';
export { TASK_NAMES, type TaskName } from './names.js';
export { accountResultKey, outputKey, resultPrefix } from './results.js';
export type * from './types.js';
export {
  aggregate,
  checkApproval,
  describeWave,
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
  writeReport,
};
