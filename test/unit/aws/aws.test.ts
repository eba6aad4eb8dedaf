import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConflictException,
  ThrottlingException as DrsThrottling,
  InternalServerException,
} from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AssumedRoleSession,
  awsErrorCode,
  callWithRetry,
  classifyAwsError,
  createAwsPorts,
  createAwsPortsFor,
  DEFAULT_RETRY_POLICY,
  isTransientAwsError,
  type SessionCredentials,
  type StsPort,
  s3Service,
  toOrchestrationError,
} from '../../../src/aws/index.js';
import {
  AccessDenied,
  CrossAccountAccessDenied,
  DRSServiceError,
  ThrottlingException,
} from '../../../src/contract/index.js';
import type { Emulator } from '../../../src/emulator/index.js';
import { createTaskDeps } from '../../../src/tasks/index.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const throttle = (retryAfterSeconds?: number) =>
  new DrsThrottling({
    message: 'Rate exceeded',
    ...meta(429),
    ...(retryAfterSeconds ? { retryAfterSeconds: String(retryAfterSeconds) } : {}),
  });
const serverError = () =>
  new InternalServerException({ message: 'Internal failure', ...meta(500) } as ConstructorParameters<
    typeof InternalServerException
  >[0]);
const site = { service: 'drs', operation: 'StartRecovery', accountId: '111111111111' };

function failing(errors: unknown[], value = 'ok') {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fn: async () => {
      const err = errors[calls];
      calls += 1;
      if (err) throw err;
      return value;
    },
  };
}

describe('Function: toOrchestrationError', () => {
  it('maps throttling, 5xx, denied AssumeRole and other denials to the design 11.1 names', () => {
    expect(toOrchestrationError(throttle(), site)).toBeInstanceOf(ThrottlingException);
    expect(toOrchestrationError(serverError(), site)).toBeInstanceOf(DRSServiceError);
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied', ...meta(403) });
    expect(toOrchestrationError(denied, { service: 'sts', operation: 'AssumeRole' })).toBeInstanceOf(
      CrossAccountAccessDenied,
    );
    expect(toOrchestrationError(denied, site)).toBeInstanceOf(AccessDenied);
  });
  it('names the operation and account in the message and keeps the SDK error as cause', () => {
    const err = toOrchestrationError(throttle(7), site);
    expect(err.message).toBe(
      'drs:StartRecovery in account 111111111111 failed: ThrottlingException: rate exceeded',
    );
    expect(err.context).toEqual({
      operation: 'drs:StartRecovery',
      accountId: '111111111111',
      retryAfterSeconds: 7,
    });
    expect(awsErrorCode(err)).toBe('ThrottlingException');
  });
  it('keeps the AWS error code of unexpected answers reachable (ConflictException)', () => {
    const conflict = new ConflictException({ message: 'busy', resourceId: 's-1', ...meta(409) });
    const err = toOrchestrationError(conflict, site);
    expect(err).toBeInstanceOf(DRSServiceError);
    expect(awsErrorCode(err)).toBe('ConflictException');
    expect(isTransientAwsError(err)).toBe(false);
    expect(isTransientAwsError(toOrchestrationError(serverError(), site))).toBe(true);
    expect(classifyAwsError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('server');
  });
});

describe('Function: callWithRetry', () => {
  it('retries throttling 5 s x2 over 5 attempts, then throws ThrottlingException', async () => {
    const slept: number[] = [];
    const call = failing(Array(10).fill(throttle()));
    await expect(
      callWithRetry(call.fn, site, { sleep: async (ms) => void slept.push(ms) }),
    ).rejects.toBeInstanceOf(ThrottlingException);
    expect(call.calls).toBe(5);
    expect(slept).toEqual([5000, 10000, 20000, 40000]);
  });
  it('retries 5xx 3 attempts (30 s x1.5) and succeeds when the service recovers', async () => {
    const slept: number[] = [];
    const call = failing([serverError(), serverError()]);
    await expect(callWithRetry(call.fn, site, { sleep: async (ms) => void slept.push(ms) })).resolves.toBe(
      'ok',
    );
    expect(call.calls).toBe(3);
    expect(slept).toEqual([30000, 45000]);
  });
  it('honours a Retry-After longer than the computed wait', async () => {
    const slept: number[] = [];
    const call = failing([throttle(12)]);
    await callWithRetry(call.fn, site, { sleep: async (ms) => void slept.push(ms) });
    expect(slept).toEqual([12000]);
  });
  it('does not retry other errors', async () => {
    const call = failing([new ConflictException({ message: 'busy', ...meta(409) })]);
    await expect(callWithRetry(call.fn, site, { sleep: async () => {} })).rejects.toBeInstanceOf(
      DRSServiceError,
    );
    expect(call.calls).toBe(1);
    expect(DEFAULT_RETRY_POLICY.throttling.maxAttempts).toBe(5);
  });
});

describe('Class: AssumedRoleSession', () => {
  function fakeSts(now: () => number) {
    const calls: string[] = [];
    const sts: StsPort = {
      assumeRole: async ({ roleArn }): Promise<SessionCredentials> => {
        calls.push(roleArn);
        return {
          accessKeyId: `AK${calls.length}`,
          secretAccessKey: 's',
          sessionToken: 't',
          expiration: new Date(now() + 3_600_000),
        };
      },
      getCallerIdentity: async () => ({ account: '123456789012', arn: 'arn' }),
    };
    return { sts, calls };
  }
  it('caches credentials, shares one call between concurrent callers and renews before expiry', async () => {
    let t = 0;
    const { sts, calls } = fakeSts(() => t);
    const session = new AssumedRoleSession(sts, 'arn:aws:iam::111111111111:role/R', {
      now: () => new Date(t),
      sessionName: 's',
      durationSeconds: 3600,
      refreshBeforeMs: 300_000,
    });
    const [a, b] = await Promise.all([session.credentials(), session.credentials()]);
    expect(a).toBe(b);
    t += 3_000_000;
    expect((await session.credentials()).accessKeyId).toBe('AK1');
    t += 400_000;
    expect((await session.credentials()).accessKeyId).toBe('AK2');
    expect(calls).toHaveLength(2);
  });
});

describe('Function: createAwsPorts (emulator)', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
  });
  it('reaches a staging account through AssumeRole and renews the session as virtual time passes', async () => {
    // A virtual time ahead of the wall clock: the emulator then dates session expiry by virtual time.
    emu = await startTestEmulator({ fleet: 'demo', startTime: '2099-01-01T00:00:00.000Z' });
    const current = emu;
    const aws = createAwsPorts({
      endpoint: current.endpoint,
      credentials: current.credentials,
      region: 'us-east-1',
      now: () => current.clock.now(),
      sleep: async () => {},
    });
    const account = aws.account({
      accountId: '111111111111',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
    });
    expect(
      aws.account({
        accountId: '111111111111',
        region: 'us-east-2',
        roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      }),
    ).toBe(account);
    const first = await account.drs.describeSourceServers({ filters: {}, maxResults: 5 });
    current.clock.advance(2 * 3_600_000);
    const second = await account.drs.describeSourceServers({ filters: {}, maxResults: 5 });
    expect(first.items).toHaveLength(5);
    expect(second.items).toHaveLength(5);
    expect(current.state.callTotal({ service: 'sts', operation: 'AssumeRole' })).toBe(2);
    expect(
      await aws.orchestrator.ssm.getParametersByPath('/drs-orchestration/staging-accounts'),
    ).toContainEqual(expect.objectContaining({ name: '/drs-orchestration/staging-accounts/111111111111' }));
  });
  it('reports a denied AssumeRole as CrossAccountAccessDenied naming the operation', async () => {
    emu = await startTestEmulator({ fleet: 'demo', faults: { assumeRoleDenied: ['222222222222'] } });
    const current = emu;
    const aws = createAwsPorts({
      endpoint: current.endpoint,
      credentials: current.credentials,
      now: () => current.clock.now(),
      sleep: async () => {},
    });
    const account = aws.account({
      accountId: '222222222222',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::222222222222:role/DRS-Orchestration-Role',
    });
    const err = await account.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrossAccountAccessDenied);
    expect((err as Error).message).toMatch(/^sts:AssumeRole failed: AccessDenied/);
  });
});

/** An HTTP endpoint that answers 200 to everything and keeps each request's signing scope. */
async function signingScopeRecorder(): Promise<{ endpoint: string; scopes: string[]; server: Server }> {
  const scopes: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    // "AWS4-HMAC-SHA256 Credential=AK/20240101/<region>/<service>/aws4_request, ..."
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+\/[^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    scopes.push(`${req.method} ${scope ?? 'unsigned'}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, scopes, server };
}

describe('S3 port region (results bucket)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

  it('signs results-bucket calls for RESULTS_BUCKET_REGION while the other clients stay in AWS_REGION', async () => {
    const recorder = await signingScopeRecorder();
    server = recorder.server;
    const deps = createTaskDeps({
      env: { AWS_REGION: 'eu-central-1', RESULTS_BUCKET_REGION: 'us-west-2', RESULTS_BUCKET: 'results' },
      endpoint: recorder.endpoint,
      credentials,
      sleep: async () => {},
    });

    await deps.aws.orchestrator.s3.putObject({ bucket: 'results', key: 'a.json', body: '{}' });
    await deps.aws.orchestrator.ssm.getParameter('/p').catch(() => undefined);

    expect(recorder.scopes).toEqual(['PUT us-west-2/s3', 'POST eu-central-1/ssm']);
    expect(deps.aws.orchestrator.region).toBe('eu-central-1');
  });

  it('falls back to the orchestrator region when RESULTS_BUCKET_REGION is unset or empty', async () => {
    const recorder = await signingScopeRecorder();
    server = recorder.server;
    for (const env of [
      { AWS_REGION: 'ap-southeast-2' },
      { AWS_REGION: 'ap-southeast-2', RESULTS_BUCKET_REGION: '' },
    ]) {
      const deps = createTaskDeps({ env, endpoint: recorder.endpoint, credentials, sleep: async () => {} });
      await deps.aws.orchestrator.s3.putObject({ bucket: 'results', key: 'b.json', body: '{}' });
    }
    expect(recorder.scopes).toEqual(['PUT ap-southeast-2/s3', 'PUT ap-southeast-2/s3']);
  });

  it('lets an explicit resultsBucketRegion override the environment', async () => {
    const recorder = await signingScopeRecorder();
    server = recorder.server;
    const deps = createTaskDeps({
      env: { AWS_REGION: 'eu-central-1', RESULTS_BUCKET_REGION: 'us-west-2' },
      resultsBucketRegion: 'sa-east-1',
      endpoint: recorder.endpoint,
      credentials,
      sleep: async () => {},
    });
    await deps.aws.orchestrator.s3.putObject({ bucket: 'results', key: 'c.json', body: '{}' });
    expect(recorder.scopes).toEqual(['PUT sa-east-1/s3']);
  });
});

describe('Function: createAwsPortsFor', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('serves the given services and rejects calls to any other port with a DRSServiceError naming it', async () => {
    const recorder = await signingScopeRecorder();
    server = recorder.server;
    const aws = createAwsPortsFor(
      {
        endpoint: recorder.endpoint,
        credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
        region: 'us-east-1',
        now: () => new Date(),
        sleep: async () => {},
      },
      { s3: s3Service },
    );
    const drs = aws.account({ accountId: '111111111111', region: 'us-east-2', roleArn: 'arn:r' }).drs;

    await aws.orchestrator.s3.putObject({ bucket: 'results', key: 'k', body: '{}' });
    const err = await drs.describeJobs({}).catch((e: unknown) => e);

    expect(recorder.scopes).toEqual(['PUT us-east-1/s3']);
    expect(err).toBeInstanceOf(DRSServiceError);
    expect((err as DRSServiceError).context).toEqual({
      operation: 'drs:describeJobs',
      accountId: '111111111111',
    });
    expect((err as Error).message).toMatch(/^aws port 'drs' \(describeJobs\) is not available here/);
  });

  it('builds staging-account ports without any AWS request: no AssumeRole before the first call', async () => {
    const recorder = await signingScopeRecorder();
    server = recorder.server;
    const aws = createAwsPorts({
      endpoint: recorder.endpoint,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      now: () => new Date(),
      sleep: async () => {},
    });
    const account = aws.account({ accountId: '111111111111', region: 'us-east-2', roleArn: 'arn:r' });

    expect(Object.keys(account).sort()).toEqual([
      'accountId',
      'callbacks',
      'connect',
      'drs',
      'ec2',
      'quotas',
      'region',
      'states',
    ]);
    expect(recorder.scopes).toEqual([]);
  });
});
