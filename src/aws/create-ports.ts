/**
 * Builds the ports of the orchestrator account and, on demand, of each staging account from a
 * chosen set of service modules. Nothing here imports an SDK client: a Lambda handler passes
 * only the services its task calls (and so bundles only those clients); the local runtime uses
 * all of them ({@link createAwsPorts} in `clients.ts`).
 */
import { DRSServiceError } from '../contract/errors.js';
import type {
  DrsPort,
  Ec2Port,
  OrchestratorPorts,
  QuotasPort,
  S3Port,
  SessionCredentials,
  SnsPort,
  SsmPort,
  StagingAccountPorts,
  StatesPort,
  StsPort,
  TaskTokenPort,
} from './ports.js';
import type { AttemptInfo, RetryPolicy } from './retry.js';
import {
  type AwsService,
  type ClientSettings,
  type CredentialsInput,
  createSend,
  type StaticCredentials,
} from './service.js';

/** How to reach AWS (or the emulator). */
export interface AwsConfig {
  /**
   * Region of the orchestrator account's clients.
   * @default process.env.AWS_REGION ?? 'us-east-1'
   */
  region?: string;
  /**
   * Region of the results bucket's S3 client (executor Lambdas run in the staging region, the
   * bucket lives in the orchestrator's).
   * @default the orchestrator region
   */
  resultsBucketRegion?: string;
  /**
   * One endpoint for every service (the emulator: `http://127.0.0.1:<port>`).
   * @default undefined: the SDK's endpoint resolution (including AWS_ENDPOINT_URL*)
   */
  endpoint?: string;
  /**
   * Orchestrator-account credentials.
   * @default undefined: the SDK's default credential chain
   */
  credentials?: StaticCredentials;
  /** Sleeps between retries; the local runtime scales it to virtual time. */
  sleep: (ms: number) => Promise<void>;
  /** Current time (virtual locally): decides when assumed-role credentials are refreshed. */
  now: () => Date;
  /** @default DEFAULT_RETRY_POLICY */
  retryPolicy?: RetryPolicy;
  /** Observer of failed attempts (logging, tests). */
  onAttempt?: (info: AttemptInfo) => void;
  /**
   * Account whose ambient credentials are used as they are (a Lambda already running in the
   * staging account); every other account is reached through AssumeRole.
   * @default undefined: always AssumeRole
   */
  ambientAccountId?: string;
  /** @default 'drs-orchestration' */
  roleSessionName?: string;
  /** @default 3600 */
  sessionDurationSeconds?: number;
  /**
   * Assumed-role credentials are renewed this long before they expire.
   * @default 300000 (5 minutes)
   */
  refreshBeforeMs?: number;
}

/** A staging account as the AWS layer needs it. */
export interface AccountAddress {
  accountId: string;
  region: string;
  roleArn: string;
  /**
   * Assume `roleArn` even in the ambient account: a role that grants exactly what the call needs
   * (the orchestrator's callback role), not the caller's own permissions.
   * @default false
   */
  alwaysAssume?: boolean;
  /**
   * Assume `roleArn` as this account (role chaining: a staging account calling back into the
   * orchestrator), not as the orchestrator. @default the orchestrator's credentials
   */
  via?: AccountAddress;
}

/** Cache key of an address (and the account it is reached through). */
function addressKey(ref: AccountAddress): string {
  const own = `${ref.accountId}|${ref.region}|${ref.roleArn}|${ref.alwaysAssume === true}`;
  return ref.via ? `${own}<${addressKey(ref.via)}` : own;
}

/** The ports of the orchestrator account and, on demand, of each staging account. */
export interface AwsPorts {
  orchestrator: OrchestratorPorts;
  /** Ports of a staging account; cached per account, region and role. */
  account(ref: AccountAddress): StagingAccountPorts;
}

/**
 * The service modules a set of ports is built from, by port name. A port whose module is absent
 * rejects every call with a `DRSServiceError` naming it (a handler that forgot a service).
 */
export interface AwsServices {
  sts?: AwsService<StsPort>;
  ssm?: AwsService<SsmPort>;
  s3?: AwsService<S3Port>;
  sns?: AwsService<SnsPort>;
  drs?: AwsService<DrsPort>;
  quotas?: AwsService<QuotasPort>;
  ec2?: AwsService<Ec2Port>;
  states?: AwsService<StatesPort>;
  callbacks?: AwsService<TaskTokenPort>;
}

/**
 * Credentials of one assumed role, cached and renewed `refreshBeforeMs` before they expire, by
 * the injected clock (so virtual time expires them locally just as wall time does in Lambda).
 * Concurrent callers share one AssumeRole call.
 */
export class AssumedRoleSession {
  private current: SessionCredentials | undefined;
  private pending: Promise<SessionCredentials> | undefined;

  constructor(
    private readonly sts: StsPort,
    private readonly roleArn: string,
    private readonly options: {
      now: () => Date;
      sessionName: string;
      durationSeconds: number;
      refreshBeforeMs: number;
    },
  ) {}

  /** Valid credentials, assuming the role when there are none or they are about to expire. */
  async credentials(): Promise<SessionCredentials> {
    const now = this.options.now().getTime();
    if (this.current && this.current.expiration.getTime() - now > this.options.refreshBeforeMs) {
      return this.current;
    }
    if (!this.pending) {
      this.pending = this.sts
        .assumeRole({
          roleArn: this.roleArn,
          sessionName: this.options.sessionName,
          durationSeconds: this.options.durationSeconds,
        })
        .then(
          (creds) => {
            this.current = creds;
            this.pending = undefined;
            return creds;
          },
          (err: unknown) => {
            this.pending = undefined;
            throw err;
          },
        );
    }
    return this.pending;
  }
}

function settingsOf(
  config: AwsConfig,
  region: string,
  credentials: CredentialsInput | undefined,
): ClientSettings {
  return {
    region,
    // Retries are ours (design 11.2): one SDK attempt per call, so counts and waits are visible.
    maxAttempts: 1,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** A port whose every method rejects: the service was not given to {@link createAwsPortsFor}. */
function unavailablePort<Port>(name: keyof AwsServices, accountId: string | undefined): Port {
  return new Proxy(
    {},
    {
      get(_target, property) {
        // Not a thenable, not a method for symbols: only real method names reject.
        if (typeof property !== 'string' || property === 'then') return undefined;
        return () =>
          Promise.reject(
            new DRSServiceError(
              `aws port '${name}' (${property}) is not available here: ` +
                `expected the handler to pass the '${name}' service to createAwsPortsFor`,
              { operation: `${name}:${property}`, ...(accountId ? { accountId } : {}) },
            ),
          );
      },
    },
  ) as Port;
}

/**
 * Creates the ports of the orchestrator account and a cache of staging-account ports from the
 * given service modules. No client exists, and no SDK package is loaded, until a port is called.
 *
 * @example
 * ```ts
 * const aws = createAwsPortsFor({ sleep, now }, { s3: s3Service });
 * await aws.orchestrator.s3.getObject({ bucket, key }); // loads @aws-sdk/client-s3 now
 * ```
 */
export function createAwsPortsFor(config: AwsConfig, services: AwsServices): AwsPorts {
  const region = config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const customEndpoint = config.endpoint !== undefined;
  const build = <Port>(
    name: keyof AwsServices,
    module: AwsService<Port> | undefined,
    settings: ClientSettings,
    accountId: string | undefined,
  ): Port =>
    module
      ? module.create({ settings, customEndpoint, send: createSend(config, module.service, accountId) })
      : unavailablePort<Port>(name, accountId);
  const base = settingsOf(config, region, config.credentials);
  const orchestrator: OrchestratorPorts = {
    region,
    sts: build('sts', services.sts, base, undefined),
    ssm: build('ssm', services.ssm, base, undefined),
    s3: build(
      's3',
      services.s3,
      settingsOf(config, config.resultsBucketRegion ?? region, config.credentials),
      undefined,
    ),
    sns: build('sns', services.sns, base, undefined),
    states: build('states', services.states, base, undefined),
  };
  const cache = new Map<string, StagingAccountPorts>();
  const access = new Map<
    string,
    { credentials: CredentialsInput | undefined; connect: () => Promise<void> }
  >();

  /** The credentials an address acts with: ambient, or a session of its role (cached per address). */
  function accessOf(ref: AccountAddress): {
    credentials: CredentialsInput | undefined;
    connect: () => Promise<void>;
  } {
    const key = addressKey(ref);
    const known = access.get(key);
    if (known) return known;
    let found: { credentials: CredentialsInput | undefined; connect: () => Promise<void> } = {
      credentials: config.credentials,
      connect: async () => {},
    };
    if (ref.accountId !== config.ambientAccountId || ref.alwaysAssume === true) {
      // Role chaining: a staging account's own session assumes a role elsewhere (its callback).
      const sts = ref.via
        ? build(
            'sts',
            services.sts,
            settingsOf(config, ref.via.region, accessOf(ref.via).credentials),
            ref.via.accountId,
          )
        : orchestrator.sts;
      const session = new AssumedRoleSession(sts, ref.roleArn, {
        now: config.now,
        sessionName: config.roleSessionName ?? 'drs-orchestration',
        durationSeconds: config.sessionDurationSeconds ?? 3600,
        refreshBeforeMs: config.refreshBeforeMs ?? 300_000,
      });
      const via = ref.via ? accessOf(ref.via) : undefined;
      found = {
        // The SDK caches what a provider returns until its `expiration` (by wall time); an expiration
        // of "now" makes it ask every time, so the session's own (virtual-time) cache decides.
        credentials: async () => ({ ...(await session.credentials()), expiration: new Date() }),
        connect: async () => {
          await via?.connect();
          await session.credentials();
        },
      };
    }
    access.set(key, found);
    return found;
  }

  function account(ref: AccountAddress): StagingAccountPorts {
    const key = addressKey(ref);
    const cached = cache.get(key);
    if (cached) return cached;
    const { credentials, connect } = accessOf(ref);
    const settings = settingsOf(config, ref.region, credentials);
    const ports: StagingAccountPorts = {
      accountId: ref.accountId,
      region: ref.region,
      connect,
      drs: build('drs', services.drs, settings, ref.accountId),
      quotas: build('quotas', services.quotas, settings, ref.accountId),
      ec2: build('ec2', services.ec2, settings, ref.accountId),
      states: build('states', services.states, settings, ref.accountId),
      callbacks: build('callbacks', services.callbacks, settings, ref.accountId),
    };
    cache.set(key, ports);
    return ports;
  }

  return { orchestrator, account };
}
