/**
 * Lambda entry points: a task wrapped with Powertools Logger (correlation id on every line, never
 * credentials) and Metrics (namespace `DRS/Orchestration`, design 10.1, as EMF). Nothing else.
 *
 * Each `src/handlers/<task-id>.ts` imports its own task module and the AWS service modules that
 * task calls, never the task registry or every client: esbuild then bundles only those.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AwsServices } from '../aws/create-ports.js';
import { ErrorNames } from '../contract/errors.js';
import { createTaskDepsFor, type TaskDeps } from '../tasks/deps.js';
import type { TaskFn } from '../tasks/index.js';
/** CloudWatch namespace of every metric (design 10.1). */
import { METRICS_NAMESPACE } from '../tasks/names.js';
import type { AccountReport, AggregateResult, TaskId } from '../tasks/types.js';

export { METRICS_NAMESPACE };

/** Actions whose failed servers the per-account `FailedServers` alarms watch. */
const LAUNCHING_ACTIONS: ReadonlySet<string> = new Set(['failover', 'drill', 'failback']);

/** Service name on log lines. */
export const SERVICE_NAME = 'drs-orchestration';

/** The part of the Lambda context we read. */
export interface LambdaContextLike {
  invokedFunctionArn?: string;
  awsRequestId?: string;
}

/** A Lambda handler. */
export type LambdaHandler = (event: unknown, context?: LambdaContextLike) => Promise<unknown>;

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  /**
   * The AWS services the task calls; a call to any other port rejects naming it.
   * @default {} (no AWS access)
   */
  services?: AwsServices;
  /** Pre-built dependencies (tests); when given, `services` is ignored. */
  deps?: TaskDeps;
  logger?: Logger;
  metrics?: Metrics;
}

interface EventShape {
  request?: { action?: string; metadata?: { correlationId?: string } };
  execution?: { name?: string; startTime?: string };
  account?: { accountId?: string };
  input?: { action?: string; metadata?: { correlationId?: string } };
}

function shapeOf(event: unknown): EventShape {
  return typeof event === 'object' && event !== null ? (event as EventShape) : {};
}

/** The correlation id of an event: the request's, else the raw input's, else the execution name. */
export function correlationIdOfEvent(event: unknown): string {
  const e = shapeOf(event);
  return (
    e.request?.metadata?.correlationId ?? e.input?.metadata?.correlationId ?? e.execution?.name ?? 'unknown'
  );
}

function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Emits the design 10.1 metrics a task's result carries. */
export function emitTaskMetrics(metrics: Metrics, id: TaskId, event: unknown, result: unknown): void {
  const e = shapeOf(event);
  const action = e.request?.action ?? 'unknown';
  const single = (
    dimensions: Record<string, string>,
    name: string,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
  ): void => {
    // One EMF document per dimension set (singleMetric() would bring back the `service` dimension).
    metrics.addDimensions(dimensions);
    metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
    metrics.clearDimensions();
  };
  if (id === 'aggregate') {
    const { output } = result as AggregateResult;
    single({ Action: action, Status: output.status }, 'ExecutionCount', MetricUnit.Count, 1);
    single({ Action: action }, 'ExecutionDuration', MetricUnit.Seconds, output.timing.durationSeconds);
    // Per staging account, from the orchestrator account: the dashboard and the FailedServers
    // alarms live here, and alarms cannot read another Region (the executors run in theirs).
    for (const account of output.stagingAccountResults) {
      const dimensions = { Action: action, StagingAccount: account.accountId };
      single(dimensions, 'ServersProcessed', MetricUnit.Count, account.serversProcessed);
      const failed = account.failed + (account.timedOut ?? 0);
      single(dimensions, 'FailedServers', MetricUnit.Count, failed);
      // The per-account alarm's metric: status and terminate launch nothing.
      if (LAUNCHING_ACTIONS.has(action)) {
        single({ StagingAccount: account.accountId }, 'FailedServers', MetricUnit.Count, failed);
      }
    }
  } else if (id === 'get-recovery-instances') {
    const account = e.account?.accountId ?? 'unknown';
    // Time from the start of the recovery to each instance's launch, averaged over the account.
    const seconds = (result as AccountReport).meanLaunchSeconds;
    if (seconds !== undefined) {
      single({ StagingAccount: account }, 'RecoveryLaunchTime', MetricUnit.Seconds, seconds);
    }
  }
}

/**
 * Wraps a task as a Lambda handler. The task's errors are rethrown unchanged: Lambda reports their
 * `name` as the error type that the state machine's Retry/Catch match on. Dependencies are built
 * on the first invocation from the environment, with only `options.services` behind the AWS ports.
 *
 * @example
 * ```ts
 * export const handler = createHandler('aggregate', aggregate, { services: { s3: s3Service } });
 * ```
 */
export function createHandler(id: TaskId, task: TaskFn, options: HandlerOptions = {}): LambdaHandler {
  const logger = options.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics =
    options.metrics ??
    new Metrics({
      // A prefixed deployment sets its own namespace (infra task-function.ts); locally the default.
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
    });
  // Design 10.1 dimension sets are exact: no implicit `service` dimension.
  metrics.clearDefaultDimensions();
  let deps = options.deps;
  const log = {
    debug: (message: string, extra?: Record<string, unknown>) => logger.debug(message, extra ?? {}),
    info: (message: string, extra?: Record<string, unknown>) => logger.info(message, extra ?? {}),
    warn: (message: string, extra?: Record<string, unknown>) => logger.warn(message, extra ?? {}),
  };
  return async (event, context) => {
    logger.resetKeys();
    logger.appendKeys({
      correlationId: correlationIdOfEvent(event),
      task: id,
      ...(shapeOf(event).account?.accountId ? { stagingAccount: shapeOf(event).account?.accountId } : {}),
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
    });
    const ambientAccountId = accountOfArn(context?.invokedFunctionArn);
    deps ??= createTaskDepsFor(options.services ?? {}, {
      log,
      ...(ambientAccountId ? { ambientAccountId } : {}),
    });
    logger.info('task started');
    try {
      const result = await task(event, deps);
      emitTaskMetrics(metrics, id, event, result);
      logger.info('task finished');
      return result;
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      const message = err instanceof Error ? err.message : String(err);
      if (name === ErrorNames.JobInProgress) logger.info('still in progress', { reason: message });
      else logger.error('task failed', { errorName: name, errorMessage: message });
      throw err;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
