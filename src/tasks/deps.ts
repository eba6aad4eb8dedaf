/**
 * What every task gets besides its event: clock, sleep, environment, AWS ports, progress.
 * The local runtime builds it with {@link createTaskDeps} (every AWS service); a Lambda handler
 * with {@link createTaskDepsFor} and only its task's services, so its bundle holds only those
 * SDK clients.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { ALL_AWS_SERVICES } from '../aws/clients.js';
import { type AwsPorts, type AwsServices, createAwsPortsFor } from '../aws/create-ports.js';
import type { AttemptInfo, RetryPolicy } from '../aws/retry.js';
import type { StaticCredentials } from '../aws/service.js';
import type { ExecutorsPort, TaskCallbacksPort } from '../aws/task-ports.js';
// Not the contract barrel nor staging-accounts.ts: they would bundle ajv and the schemas into
// every handler, and compile them when it loads.
import { DEFAULT_STAGING_ACCOUNTS_PATH } from '../contract/staging-accounts-path.js';
import type { AccountProgress } from '../core/model.js';
import { maxPollSecondsFrom } from '../core/poll-cadence.js';
import { type RuntimeNames, runtimeNamesFrom } from './names.js';

/** The ports and progress shape live below the tasks (the local runtime serves them too). */
export type { AccountProgress, ExecutorsPort, TaskCallbacksPort };
/** Default SSM path of the staging-account registry (one parameter per account under it). */
export { DEFAULT_STAGING_ACCOUNTS_PATH };

/** Settings read from the environment. */
export interface TaskEnv {
  /** SSM path of the staging-account registry, one parameter per account (`DRS_STAGING_ACCOUNTS_PATH`). */
  stagingAccountsPath: string;
  /** Results bucket (`RESULTS_BUCKET`); absent: records travel inline. */
  resultsBucket?: string;
  /**
   * Longest wait between two polls of an account's jobs (`MAX_POLL_INTERVAL_SECONDS`, default
   * 300); 30 or less polls every 30 s throughout. See `src/core/poll-cadence.ts`.
   */
  maxPollSeconds?: number;
  /** Names of the resources the tasks reach (a prefixed deployment's); @default DEFAULT_RUNTIME_NAMES */
  names?: RuntimeNames;
}

// The two ports a runtime may provide itself; their SDK implementations are callbacks.ts and
// executors.ts, which build on TaskDeps.

/** Minimal structured logger the tasks write to (Powertools Logger fits). */
export interface TaskLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** The dependencies of a task. */
export interface TaskDeps {
  /** Current time: the emulator's virtual clock locally, wall time in Lambda. */
  now(): Date;
  /** Waits (scaled to virtual time locally). */
  sleep(ms: number): Promise<void>;
  env: TaskEnv;
  aws: AwsPorts;
  /**
   * Starts and watches the staging accounts' executors. The local runtime runs them in-process;
   * absent (Lambda), the SDK is used through each account's executor-starter role.
   */
  executors?: ExecutorsPort;
  /**
   * Answers the main execution's waiting Task. The local runtime answers its own tokens when the
   * tasks run against real AWS; absent, the SDK is used through the orchestrator's callback role.
   */
  callbacks?: TaskCallbacksPort;
  progress?: (event: AccountProgress) => void;
  log?: TaskLogger;
}

/** Options of {@link createTaskDeps}. */
export interface TaskDepsConfig {
  /** @default () => new Date() */
  now?: () => Date;
  /** @default a real timer */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Environment the settings are read from.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides `DRS_STAGING_ACCOUNTS_PATH`. */
  stagingAccountsPath?: string;
  /** Overrides `RESULTS_BUCKET`. */
  resultsBucket?: string;
  /** Overrides `MAX_POLL_INTERVAL_SECONDS`. */
  maxPollSeconds?: number;
  /** One endpoint for every AWS service (the emulator). @default the SDK's resolution */
  endpoint?: string;
  /** Orchestrator credentials. @default the SDK's default chain */
  credentials?: StaticCredentials;
  /** Orchestrator region. @default env AWS_REGION, else 'us-east-1' */
  region?: string;
  /**
   * Region of the results bucket's S3 client (overrides `RESULTS_BUCKET_REGION`).
   * @default env RESULTS_BUCKET_REGION, else the orchestrator region
   */
  resultsBucketRegion?: string;
  /** @default DEFAULT_RETRY_POLICY */
  retryPolicy?: RetryPolicy;
  /** Observer of failed AWS attempts. */
  onAttempt?: (info: AttemptInfo) => void;
  /** Account whose ambient credentials are used without AssumeRole (a Lambda in that account). */
  ambientAccountId?: string;
  progress?: (event: AccountProgress) => void;
  log?: TaskLogger;
  /** Pre-built ports (tests); when given, the AWS options above are ignored. */
  aws?: AwsPorts;
}

/**
 * Builds task dependencies.
 *
 * @example
 * ```ts
 * const deps = createTaskDeps({ endpoint: emu.endpoint, credentials: emu.credentials, now: () => emu.clock.now(), sleep: async () => {} });
 * const work = await tasks.discover({ request, execution }, deps);
 * ```
 */
export function createTaskDeps(config: TaskDepsConfig = {}): TaskDeps {
  return createTaskDepsFor(ALL_AWS_SERVICES, config);
}

/**
 * Builds task dependencies whose AWS ports cover only `services` (a Lambda handler's: calling
 * any other port rejects with a `DRSServiceError` naming it). Otherwise as {@link createTaskDeps}.
 *
 * @example
 * ```ts
 * const deps = createTaskDepsFor({ s3: s3Service }, { log });
 * ```
 */
export function createTaskDepsFor(services: AwsServices, config: TaskDepsConfig = {}): TaskDeps {
  const env = config.env ?? process.env;
  const now = config.now ?? (() => new Date());
  const sleep = config.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const region = config.region ?? env.AWS_REGION;
  const resultsBucketRegion = config.resultsBucketRegion ?? (env.RESULTS_BUCKET_REGION || undefined);
  const resultsBucket = config.resultsBucket ?? (env.RESULTS_BUCKET || undefined);
  const aws =
    config.aws ??
    createAwsPortsFor(
      {
        now,
        sleep,
        ...(region ? { region } : {}),
        ...(resultsBucketRegion ? { resultsBucketRegion } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
        ...(config.retryPolicy ? { retryPolicy: config.retryPolicy } : {}),
        ...(config.onAttempt ? { onAttempt: config.onAttempt } : {}),
        ...(config.ambientAccountId ? { ambientAccountId: config.ambientAccountId } : {}),
      },
      services,
    );
  return {
    now,
    sleep,
    env: {
      stagingAccountsPath:
        config.stagingAccountsPath ?? (env.DRS_STAGING_ACCOUNTS_PATH || DEFAULT_STAGING_ACCOUNTS_PATH),
      ...(resultsBucket ? { resultsBucket } : {}),
      maxPollSeconds: config.maxPollSeconds ?? maxPollSecondsFrom(env.MAX_POLL_INTERVAL_SECONDS),
      names: runtimeNamesFrom(env),
    },
    aws,
    ...(config.progress ? { progress: config.progress } : {}),
    ...(config.log ? { log: config.log } : {}),
  };
}
