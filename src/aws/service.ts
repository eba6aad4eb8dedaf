/**
 * What every per-service port module shares: client settings, the retrying sender, and a lazily
 * loaded SDK client. A service module imports its `@aws-sdk/client-*` package only through
 * `import()` inside {@link sdkCaller}, so a Lambda bundle holds exactly the clients its handler
 * names, and no client package is evaluated before its first call.
 */
import type { CallSite } from './errors.js';
import { type AttemptInfo, callWithRetry, type RetryPolicy } from './retry.js';

/** Static credentials (the orchestrator's, or the emulator's `test`/`test`). */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Credentials as an SDK client takes them: fixed, or a provider asked before each call. */
export type CredentialsInput = StaticCredentials | (() => Promise<StaticCredentials & { expiration?: Date }>);

/** Settings of one SDK client (any service). */
export interface ClientSettings {
  region: string;
  /** Always 1: retries are ours (design 11.2), so counts and waits are visible. */
  maxAttempts: number;
  endpoint?: string;
  credentials?: CredentialsInput;
}

/** Runs one AWS call under the retry policy and error mapping, naming the operation. */
export type Send = <T>(operation: string, call: () => Promise<T>) => Promise<T>;

/** What a service module gets to build its port for one account and region. */
export interface ServiceScope {
  settings: ClientSettings;
  send: Send;
  /** True when every service goes to one custom endpoint (the emulator): S3 then needs path-style URLs. */
  customEndpoint: boolean;
}

/**
 * One AWS service: builds its port; the SDK client behind it is created on first use.
 *
 * @example
 * ```ts
 * const ssm = ssmService.create(scope); // no SDK loaded yet
 * await ssm.getParameter('/x');          // loads @aws-sdk/client-ssm, creates the client, calls
 * ```
 */
export interface AwsService<Port> {
  /** Service prefix as in IAM (`drs`, `servicequotas`, ...): used in error messages. */
  readonly service: string;
  create(scope: ServiceScope): Port;
}

/** Settings of the retrying sender. */
export interface SendOptions {
  sleep: (ms: number) => Promise<void>;
  retryPolicy?: RetryPolicy;
  onAttempt?: (info: AttemptInfo) => void;
}

/** A {@link Send} for one service and account. */
export function createSend(options: SendOptions, service: string, accountId: string | undefined): Send {
  return <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const site: CallSite = { service, operation, ...(accountId ? { accountId } : {}) };
    return callWithRetry(call, site, {
      sleep: options.sleep,
      ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
      ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
    });
  };
}

/**
 * Calls through a client that is created, with its SDK package loaded, on the first call. A
 * failed load is not cached, so a later call tries again. Loading happens before the retry
 * loop: only the AWS call itself is retried and mapped.
 *
 * @example
 * ```ts
 * const call = sdkCaller(send, () => import('./services/sdk/ssm.js'), (sdk) => new sdk.Client(settings));
 * const out = await call('GetParameter', (sdk, client) => client.send(new sdk.GetParameterCommand({ Name })));
 * ```
 */
export function sdkCaller<Sdk, Client>(
  send: Send,
  load: () => Promise<Sdk>,
  create: (sdk: Sdk) => Client,
): <T>(operation: string, run: (sdk: Sdk, client: Client) => Promise<T>) => Promise<T> {
  let ready: Promise<{ sdk: Sdk; client: Client }> | undefined;
  const get = (): Promise<{ sdk: Sdk; client: Client }> => {
    ready ??= load().then(
      (sdk) => ({ sdk, client: create(sdk) }),
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };
  return async (operation, run) => {
    const { sdk, client } = await get();
    return send(operation, () => run(sdk, client));
  };
}

/** The call function a port module gets from {@link sdkService}. */
export type SdkCall<Sdk> = <T>(
  operation: string,
  run: (sdk: Sdk, client: SdkClientOf<Sdk>) => Promise<T>,
) => Promise<T>;

/** The client type of an SDK module that exports its client as `Client`. */
export type SdkClientOf<Sdk> = Sdk extends { Client: new (settings: ClientSettings) => infer C } ? C : never;

/**
 * One AWS service whose SDK module (`./services/sdk/<name>.ts`) exports its client as `Client`:
 * the port is built from a {@link sdkCaller} over that client, created on the first call.
 *
 * @example
 * ```ts
 * export const snsService: AwsService<SnsPort> = sdkService('sns', () => import('./sdk/sns.js'), (call) => ({
 *   async publish(m) { ... call('Publish', (sdk, client) => client.send(new sdk.PublishCommand(...))) ... },
 * }));
 * ```
 */
export function sdkService<Port, Sdk extends { Client: new (settings: ClientSettings) => unknown }>(
  service: string,
  load: () => Promise<Sdk>,
  port: (call: SdkCall<Sdk>, scope: ServiceScope) => Port,
): AwsService<Port> {
  return {
    service,
    create(scope) {
      const call = sdkCaller(scope.send, load, (sdk) => new sdk.Client(scope.settings) as SdkClientOf<Sdk>);
      return port(call, scope);
    },
  };
}
