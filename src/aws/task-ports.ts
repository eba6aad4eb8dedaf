/**
 * The cross-account Step Functions ports of the tasks: starting a staging account's executor and
 * answering the main execution's task token. On AWS the tasks serve them with the SDK
 * (src/tasks/executors.ts, src/tasks/callbacks.ts); the local runtime serves them in-process.
 * They live here, below both, so the generic runtime need not import the app's tasks.
 */
import type { AccountRef, ExecutorCallback } from '../core/model.js';
import type { ExecutionDescription } from './ports.js';

/** Answers the waiting Task's token. */
export interface TaskCallbacksPort {
  success(callback: ExecutorCallback, output: unknown): Promise<void>;
  failure(callback: ExecutorCallback, error: string, cause: string): Promise<void>;
  heartbeat(callback: ExecutorCallback): Promise<void>;
}

/** Starts, describes and stops the executor of a staging account. */
export interface ExecutorsPort {
  /** Starts the account's executor under `name` (idempotent while it runs with the same input). */
  start(
    account: AccountRef,
    name: string,
    input: unknown,
  ): Promise<{ executionArn: string; startDate: Date }>;
  describe(account: AccountRef, executionArn: string): Promise<ExecutionDescription>;
  stop(account: AccountRef, executionArn: string, error: string, cause: string): Promise<void>;
}
