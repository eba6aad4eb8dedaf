/**
 * Builds a {@link RuntimeEnv} from connection settings: the real tasks with their real deps
 * (AWS SDK v3 clients against the emulator or AWS), a time-scaled sleep and SNS publishing.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  AssumedRoleSession,
  type AttemptInfo,
  type AwsPorts,
  createAwsPorts,
  type RetryPolicy,
  type StaticCredentials,
} from '../aws/index.js';
import { createTaskDeps, type TaskLogger } from '../tasks/deps.js';
import { AWS_SDK_SERVICES, type AwsSdkService, type MachineName } from './definitions.js';
import { ASSUME_ROLE_FAILED } from './errors.js';
import type { DiscreteScheduler } from './scheduler.js';
import type { FunctionAnswer, RuntimeEnv, RuntimeLimits, SnsMessage, TaskRegistry } from './types.js';

/** `startAutomationExecution` -> `StartAutomationExecutionCommand`. */
function commandName(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
}

type SdkModule = Record<string, unknown>;
type SdkClient = { send(command: unknown): Promise<Record<string, unknown>> };

/** Options of {@link createRuntimeEnv}. */
export interface RuntimeEnvConfig {
  /** One endpoint for every AWS service (the emulator). @default the SDK's resolution */
  readonly endpoint?: string;
  /**
   * How executors answer the main execution's task tokens (RuntimeEnv.taskTokenAnswers):
   * `emulator` only when `endpoint` is an emulator of this process started with `taskTokenBackend`.
   * @default 'emulator' with an endpoint, else 'in-process'
   */
  readonly taskTokenAnswers?: 'emulator' | 'in-process';
  /** Orchestrator-account credentials. @default the SDK's default chain */
  readonly credentials?: StaticCredentials;
  /** Orchestrator region. @default 'us-east-1' */
  readonly region?: string;
  /** Orchestrator account id. @default asked from STS GetCallerIdentity */
  readonly accountId?: string;
  /** Virtual seconds per wall second (the emulator clock's). Ignored with a `scheduler`. @default 1 */
  readonly timeScale?: number;
  /** Virtual now. @default the scheduler's clock, else the wall clock */
  readonly now?: () => Date;
  /**
   * Discrete virtual time over a frozen clock: the tasks sleep in it and the runtime waits out
   * Retry intervals, Waits and timeouts in it (see `DiscreteScheduler`).
   * @default none: time-scaled mode
   */
  readonly scheduler?: DiscreteScheduler;
  /** Results bucket (S3). @default none: records travel inline */
  readonly resultsBucket?: string;
  /** SSM path of the staging-account registry. @default '/drs-orchestration/staging-accounts' */
  readonly stagingAccountsPath?: string;
  /**
   * Environment the tasks read their settings from (`DRS_STAGING_ACCOUNTS_PATH`,
   * `RESULTS_BUCKET`, ...). The CLI passes the shell's on `--target aws` only.
   * @default {}: a local run must not pick up a Lambda's environment
   */
  readonly taskEnv?: Readonly<Record<string, string | undefined>>;
  /** @default the tasks' own retry policy */
  readonly retryPolicy?: RetryPolicy;
  readonly onAttempt?: (info: AttemptInfo) => void;
  readonly log?: TaskLogger;
  readonly limits?: RuntimeLimits;
  readonly stateMachineNames?: Partial<Record<MachineName, string>>;
  readonly placeholders?: Readonly<Record<string, string>>;
  /** @default the registry of `src/tasks` */
  readonly tasks?: TaskRegistry;
}

/** A runtime environment plus the AWS ports it shares between executions (tests inspect them). */
export interface LocalRuntimeEnv extends RuntimeEnv {
  readonly aws: AwsPorts;
}

/**
 * Creates the environment the CLI and the tests run workflows in.
 *
 * @example
 * const env = await createRuntimeEnv({
 *   endpoint: emu.endpoint, credentials: emu.credentials, accountId: '123456789012',
 *   timeScale: emu.clock.timeScale, now: () => emu.clock.now(),
 *   resultsBucket: 'drs-orchestration-results-123456789012',
 * });
 * const result = await runStateMachine({ machine: 'main', input, env });
 * // Discrete time (deterministic): an emulator started with timeScale 0 and
 * // createRuntimeEnv({ ..., scheduler: new DiscreteScheduler({ clock: emu.clock }) }).
 */
export async function createRuntimeEnv(config: RuntimeEnvConfig = {}): Promise<LocalRuntimeEnv> {
  const timeScale = config.timeScale ?? 1;
  const scheduler = config.scheduler;
  if (!scheduler && (!(timeScale > 0) || !Number.isFinite(timeScale))) {
    throw new RangeError(`time scale ${timeScale} is invalid; expected a finite number > 0`);
  }
  const region = config.region ?? 'us-east-1';
  const now = config.now ?? (scheduler ? () => scheduler.now() : () => new Date());
  // Tasks sleep in virtual milliseconds (SDK backoff, Retry-After): in the scheduler, or the
  // wall waits timeScale times less.
  const sleep = scheduler
    ? scheduler.sleep
    : (ms: number): Promise<void> => delay(ms / timeScale).then(() => undefined);
  const taskEnv = config.taskEnv ?? {};
  const portsConfig = {
    region,
    now,
    sleep,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.retryPolicy ? { retryPolicy: config.retryPolicy } : {}),
    ...(config.onAttempt ? { onAttempt: config.onAttempt } : {}),
    ...(taskEnv.RESULTS_BUCKET_REGION ? { resultsBucketRegion: taskEnv.RESULTS_BUCKET_REGION } : {}),
  };
  const accountId =
    config.accountId ?? (await createAwsPorts(portsConfig).orchestrator.sts.getCallerIdentity()).account;
  // One set of ports for every execution (assumed-role sessions are cached across them); the
  // orchestrator's own account is reached with its own credentials, never by AssumeRole.
  const aws = createAwsPorts({ ...portsConfig, ambientAccountId: accountId });
  // One SNS client per topic region: a notification topic may live outside the orchestrator's region.
  const sns = new Map<string, SNSClient>();
  const snsFor = (topicRegion: string): SNSClient => {
    let client = sns.get(topicRegion);
    if (!client) {
      client = new SNSClient({
        region: topicRegion,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
      });
      sns.set(topicRegion, client);
    }
    return client;
  };
  const publish = async (message: SnsMessage): Promise<{ messageId?: string }> => {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [key, value] of Object.entries(message.attributes ?? {})) {
      attributes[key] = { DataType: 'String', StringValue: value };
    }
    const out = await snsFor(message.topicArn.split(':')[3] || region).send(
      new PublishCommand({
        TopicArn: message.topicArn,
        Message: message.message,
        ...(message.subject === undefined ? {} : { Subject: message.subject }),
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      }),
    );
    return out.MessageId === undefined ? {} : { messageId: out.MessageId };
  };
  // The runbook steps' SDK integrations: one client per service, loaded on first use (most runs make none).
  const clientOptions = {
    region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
  // Keyed by service, and for a Task with Credentials by service and role: a renewed session
  // replaces its client (the SDK would keep static credentials forever), so a long serve keeps one
  // client per service and role, not one per renewal.
  const sdkClients = new Map<
    string,
    { readonly generation: string; readonly entry: Promise<{ mod: SdkModule; client: SdkClient }> }
  >();
  const sdkClient = (
    service: AwsSdkService,
    session?: { role: string; key: string; credentials: StaticCredentials },
  ): Promise<{ mod: SdkModule; client: SdkClient }> => {
    const key = session === undefined ? service : `${service} ${session.role}`;
    const generation = session?.key ?? '';
    const cached = sdkClients.get(key);
    if (cached?.generation === generation) return cached.entry;
    const entry = (async () => {
      const mod = (await import(AWS_SDK_SERVICES[service])) as SdkModule;
      const ctor = Object.entries(mod).find(
        ([name, value]) => name.endsWith('Client') && !name.startsWith('_') && typeof value === 'function',
      )?.[1] as new (
        options: unknown,
      ) => SdkClient;
      const options =
        session === undefined ? clientOptions : { ...clientOptions, credentials: session.credentials };
      return { mod, client: new ctor(options) };
    })();
    sdkClients.set(key, { generation, entry });
    return entry;
  };
  // The Credentials roles of the SDK integrations, assumed with the orchestrator's credentials and
  // renewed by the (virtual) clock, like the tasks' cross-account sessions.
  const roleSessions = new Map<string, AssumedRoleSession>();
  const roleCredentials = async (
    roleArn: string,
  ): Promise<{ role: string; key: string; credentials: StaticCredentials }> => {
    let session = roleSessions.get(roleArn);
    if (!session) {
      session = new AssumedRoleSession(aws.orchestrator.sts, roleArn, {
        now,
        sessionName: 'drs-orch-runbook-step',
        durationSeconds: 3600,
        refreshBeforeMs: 5 * 60_000,
      });
      roleSessions.set(roleArn, session);
    }
    try {
      const c = await session.credentials();
      return {
        role: roleArn,
        key: c.accessKeyId,
        credentials: {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
        },
      };
    } catch (err) {
      throw Object.assign(
        new Error(
          `could not assume role ${roleArn} for the task's Credentials: ${err instanceof Error ? err.message : String(err)}`,
        ),
        { name: ASSUME_ROLE_FAILED },
      );
    }
  };
  const awsSdkCall = async (
    service: string,
    action: string,
    parameters: Readonly<Record<string, unknown>>,
    options?: { readonly roleArn?: string },
  ): Promise<unknown> => {
    if (!Object.hasOwn(AWS_SDK_SERVICES, service)) throw new Error(`no SDK integration for ${service}`);
    const session = options?.roleArn === undefined ? undefined : await roleCredentials(options.roleArn);
    const { mod, client } = await sdkClient(service as AwsSdkService, session);
    const Command = mod[commandName(action)] as (new (input: unknown) => unknown) | undefined;
    if (Command === undefined) {
      throw Object.assign(new Error(`${service} has no action ${action}`), { name: 'InvalidAction' });
    }
    const { $metadata: _metadata, ...output } = await client.send(new Command(parameters));
    return output;
  };
  let lambda: Promise<{ client: SdkClient; Invoke: new (input: unknown) => unknown }> | undefined;
  const invokeFunction = async (functionName: string, payload: unknown): Promise<FunctionAnswer> => {
    lambda ??= import('@aws-sdk/client-lambda').then((m) => ({
      client: new m.LambdaClient(clientOptions) as unknown as SdkClient,
      Invoke: m.InvokeCommand as unknown as new (input: unknown) => unknown,
    }));
    const { client, Invoke } = await lambda;
    const out = await client.send(
      new Invoke({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    const bytes = out.Payload as Uint8Array | undefined;
    const text = bytes === undefined ? '' : new TextDecoder().decode(bytes);
    let answer: unknown = null;
    try {
      answer = text === '' ? null : JSON.parse(text);
    } catch {
      answer = text;
    }
    return {
      statusCode: typeof out.StatusCode === 'number' ? out.StatusCode : 200,
      payload: answer,
      ...(typeof out.FunctionError === 'string' && { functionError: out.FunctionError }),
      ...(typeof out.ExecutedVersion === 'string' && { executedVersion: out.ExecutedVersion }),
    };
  };
  return {
    accountId,
    region,
    timeScale,
    now,
    awsSdkCall,
    invokeFunction,
    ...(scheduler ? { scheduler } : {}),
    aws,
    publish,
    taskDeps: (scope) =>
      createTaskDeps({
        aws,
        now,
        sleep,
        region,
        env: taskEnv,
        progress: scope.progress,
        ...(config.resultsBucket ? { resultsBucket: config.resultsBucket } : {}),
        ...(config.stagingAccountsPath ? { stagingAccountsPath: config.stagingAccountsPath } : {}),
        ...(config.log ? { log: config.log } : {}),
      }),
    // The emulator routes SendTask* to this process; real AWS does not know local tokens.
    taskTokenAnswers: config.taskTokenAnswers ?? (config.endpoint ? 'emulator' : 'in-process'),
    ...(config.tasks ? { tasks: config.tasks } : {}),
    ...(config.limits ? { limits: config.limits } : {}),
    ...(config.stateMachineNames ? { stateMachineNames: config.stateMachineNames } : {}),
    ...(config.placeholders ? { placeholders: config.placeholders } : {}),
  };
}
