/**
 * SDK v3 implementations of the ports, with our retry policy and error mapping around every call,
 * and per-staging-account clients acting through AssumeRole.
 */
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  DrsClient,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  TerminateRecoveryInstancesCommand,
} from '@aws-sdk/client-drs';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DRSServiceError } from '../contract/index.js';
import { awsErrorCode, type CallSite } from './errors.js';
import type {
  DrsPort,
  Ec2InstanceInfo,
  Ec2Port,
  OrchestratorPorts,
  QuotasPort,
  S3Port,
  SessionCredentials,
  SnsPort,
  SsmPort,
  StagingAccountPorts,
  StsPort,
} from './ports.js';
import { type AttemptInfo, callWithRetry, type RetryPolicy } from './retry.js';

/** Static credentials (the orchestrator's, or the emulator's `test`/`test`). */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How to reach AWS (or the emulator). */
export interface AwsConfig {
  /**
   * Region of the orchestrator account's clients.
   * @default process.env.AWS_REGION ?? 'us-east-1'
   */
  region?: string;
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
}

/** The ports of the orchestrator account and, on demand, of each staging account. */
export interface AwsPorts {
  orchestrator: OrchestratorPorts;
  /** Ports of a staging account; cached per account, region and role. */
  account(ref: AccountAddress): StagingAccountPorts;
}

type Send = <T>(operation: string, call: () => Promise<T>) => Promise<T>;

function sender(config: AwsConfig, service: string, accountId: string | undefined): Send {
  return <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const site: CallSite = { service, operation, ...(accountId ? { accountId } : {}) };
    return callWithRetry(call, site, {
      sleep: config.sleep,
      ...(config.retryPolicy ? { policy: config.retryPolicy } : {}),
      ...(config.onAttempt ? { onAttempt: config.onAttempt } : {}),
    });
  };
}

type CredentialsInput = StaticCredentials | (() => Promise<StaticCredentials & { expiration?: Date }>);

function clientConfig(config: AwsConfig, region: string, credentials: CredentialsInput | undefined) {
  return {
    region,
    // Retries are ours (design 11.2): one SDK attempt per call, so counts and waits are visible.
    maxAttempts: 1,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

function drsPort(client: DrsClient, send: Send): DrsPort {
  return {
    describeSourceServers: (input) =>
      send('DescribeSourceServers', () => client.send(new DescribeSourceServersCommand(input))),
    describeJobs: (input) => send('DescribeJobs', () => client.send(new DescribeJobsCommand(input))),
    describeRecoveryInstances: (input) =>
      send('DescribeRecoveryInstances', () => client.send(new DescribeRecoveryInstancesCommand(input))),
    describeRecoverySnapshots: (input) =>
      send('DescribeRecoverySnapshots', () => client.send(new DescribeRecoverySnapshotsCommand(input))),
    startRecovery: (input) => send('StartRecovery', () => client.send(new StartRecoveryCommand(input))),
    startFailbackLaunch: (input) =>
      send('StartFailbackLaunch', () => client.send(new StartFailbackLaunchCommand(input))),
    terminateRecoveryInstances: (input) =>
      send('TerminateRecoveryInstances', () => client.send(new TerminateRecoveryInstancesCommand(input))),
  };
}

function quotasPort(client: ServiceQuotasClient, send: Send): QuotasPort {
  return {
    async getServiceQuota({ serviceCode, quotaCode }) {
      const out = await send('GetServiceQuota', () =>
        client.send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })),
      );
      const value = out.Quota?.Value;
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    },
  };
}

function ec2Port(client: EC2Client, send: Send): Ec2Port {
  return {
    async describeInstances(instanceIds) {
      if (instanceIds.length === 0) return [];
      const found: Ec2InstanceInfo[] = [];
      let nextToken: string | undefined;
      do {
        let out: DescribeInstancesCommandOutput;
        try {
          // A filter (not InstanceIds) so that ids EC2 no longer knows are absent instead of an error.
          out = await send('DescribeInstances', () =>
            client.send(
              new DescribeInstancesCommand({
                Filters: [{ Name: 'instance-id', Values: [...instanceIds] }],
                ...(nextToken ? { NextToken: nextToken } : {}),
              }),
            ),
          );
        } catch (err) {
          if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return found;
          throw err;
        }
        for (const reservation of out.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            if (!instance.InstanceId) continue;
            found.push({
              instanceId: instance.InstanceId,
              ...(instance.State?.Name ? { state: instance.State.Name } : {}),
              ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
              ...(instance.LaunchTime ? { launchTime: new Date(instance.LaunchTime).toISOString() } : {}),
            });
          }
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return found;
    },
  };
}

function stsPort(client: STSClient, send: Send): StsPort {
  return {
    async assumeRole({ roleArn, sessionName, durationSeconds }) {
      const out = await send('AssumeRole', () =>
        client.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new DRSServiceError(`sts:AssumeRole of ${roleArn} returned no credentials`, {
          operation: 'sts:AssumeRole',
        });
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ? new Date(c.Expiration) : new Date(8.64e15),
      };
    },
    async getCallerIdentity() {
      const out = await send('GetCallerIdentity', () => client.send(new GetCallerIdentityCommand({})));
      return { account: out.Account ?? '', arn: out.Arn ?? '' };
    },
  };
}

function ssmPort(client: SSMClient, send: Send): SsmPort {
  return {
    async getParameter(name) {
      const out = await send('GetParameter', () =>
        client.send(new GetParameterCommand({ Name: name, WithDecryption: true })),
      );
      return out.Parameter?.Value ?? '';
    },
  };
}

function s3Port(client: S3Client, send: Send): S3Port {
  return {
    async putObject({ bucket, key, body, contentType }) {
      await send('PutObject', () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType ?? 'application/json',
          }),
        ),
      );
    },
    async getObject({ bucket, key }) {
      return send('GetObject', async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToString('utf8') : '';
      });
    },
  };
}

function snsPort(client: SNSClient, send: Send): SnsPort {
  return {
    async publish({ topicArn, subject, message }) {
      const out = await send('Publish', () =>
        client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message })),
      );
      return out.MessageId ? { messageId: out.MessageId } : {};
    },
  };
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

/**
 * Creates the ports of the orchestrator account and a cache of staging-account ports.
 *
 * @example
 * ```ts
 * const aws = createAwsPorts({ endpoint: emu.endpoint, credentials: emu.credentials, sleep, now });
 * const drs = aws.account({ accountId, region, roleArn }).drs;
 * ```
 */
export function createAwsPorts(config: AwsConfig): AwsPorts {
  const region = config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const base = clientConfig(config, region, config.credentials);
  const stsClient = new STSClient(base);
  const orchestrator: OrchestratorPorts = {
    region,
    sts: stsPort(stsClient, sender(config, 'sts', undefined)),
    ssm: ssmPort(new SSMClient(base), sender(config, 'ssm', undefined)),
    s3: s3Port(
      new S3Client({ ...base, forcePathStyle: config.endpoint !== undefined }),
      sender(config, 's3', undefined),
    ),
    sns: snsPort(new SNSClient(base), sender(config, 'sns', undefined)),
  };
  const cache = new Map<string, StagingAccountPorts>();

  function account(ref: AccountAddress): StagingAccountPorts {
    const key = `${ref.accountId}|${ref.region}|${ref.roleArn}`;
    const cached = cache.get(key);
    if (cached) return cached;
    let credentials: CredentialsInput | undefined = config.credentials;
    let connect = async (): Promise<void> => {};
    if (ref.accountId !== config.ambientAccountId) {
      const session = new AssumedRoleSession(orchestrator.sts, ref.roleArn, {
        now: config.now,
        sessionName: config.roleSessionName ?? 'drs-orchestration',
        durationSeconds: config.sessionDurationSeconds ?? 3600,
        refreshBeforeMs: config.refreshBeforeMs ?? 300_000,
      });
      // The SDK caches what a provider returns until its `expiration` (by wall time); an expiration
      // of "now" makes it ask every time, so the session's own (virtual-time) cache decides.
      credentials = async () => ({ ...(await session.credentials()), expiration: new Date() });
      connect = async () => {
        await session.credentials();
      };
    }
    const cfg = clientConfig(config, ref.region, credentials);
    const ports: StagingAccountPorts = {
      accountId: ref.accountId,
      region: ref.region,
      connect,
      drs: drsPort(new DrsClient(cfg), sender(config, 'drs', ref.accountId)),
      quotas: quotasPort(new ServiceQuotasClient(cfg), sender(config, 'servicequotas', ref.accountId)),
      ec2: ec2Port(new EC2Client(cfg), sender(config, 'ec2', ref.accountId)),
    };
    cache.set(key, ports);
    return ports;
  }

  return { orchestrator, account };
}
