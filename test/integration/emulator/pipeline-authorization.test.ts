/**
 * IAM runs in the server pipeline for every emulated service, from one table of operation → IAM
 * action + resource: a role whose policies lack the action gets that service's own access-denied
 * error (code, status, message) over the real SDK client, and the same call passes once the
 * action is allowed.
 */
import { DescribeSourceServersCommand, DrsClient } from '@aws-sdk/client-drs';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type Fleet, generateFleet } from '../../../src/emulator/index.js';
import { sessionFor, startTestEmulator, type TestCredentials } from '../../_helpers/emulator.js';

const ORCHESTRATOR = '123456789012';
const STAGING = '111111111111';
const REGION = 'us-east-2';
const BUCKET = `drs-orchestration-results-${ORCHESTRATOR}`;
const MACHINE = `arn:aws:states:${REGION}:${STAGING}:stateMachine:drs-staging-account-executor`;
const TARGET_ROLE = `arn:aws:iam::${STAGING}:role/Target-Role`;

/** The actions the allowed role gets: exactly the ones the calls below need. */
const ACTIONS = [
  'drs:DescribeSourceServers',
  'states:ListExecutions',
  'ssm:PutParameter',
  'sns:CreateTopic',
  's3:PutObject',
  'sts:AssumeRole',
  'servicequotas:GetServiceQuota',
  'ec2:DescribeInstances',
];

const policy = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});

/** The generated fleet plus, in the staging account, a denied, an allowed and a target role. */
function fleet(): Fleet {
  const base = generateFleet({ seed: 5, accounts: 1, serversPerAccount: 2 });
  const trustStaging = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: 'sts:AssumeRole' },
    ],
  };
  return {
    ...base,
    accounts: base.accounts.map((a) =>
      a.accountId === STAGING
        ? {
            ...a,
            roles: [
              ...(a.roles ?? []),
              { name: 'Denied-Role', trustPolicy: trustStaging, policies: [policy(['drs:DescribeJobs'])] },
              { name: 'Allowed-Role', trustPolicy: trustStaging, policies: [policy(ACTIONS)] },
              { name: 'Target-Role', trustPolicy: trustStaging, policies: [policy(['drs:DescribeJobs'])] },
            ],
          }
        : a,
    ),
  };
}

interface Case {
  readonly service: string;
  readonly action: string;
  /** SDK error name and HTTP status the service answers a denial with on AWS. */
  readonly name: string;
  readonly status: number;
  call(credentials: TestCredentials): Promise<unknown>;
}

describe('Emulator: authorization in the pipeline for every service', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ fleet: fleet() });
  });
  afterAll(async () => {
    await emu.stop();
  });
  const config = (credentials: TestCredentials, region = REGION) => ({
    endpoint: emu.endpoint,
    region,
    credentials,
    maxAttempts: 1,
  });

  const cases: Case[] = [
    {
      service: 'drs',
      action: 'drs:DescribeSourceServers',
      name: 'AccessDeniedException',
      status: 403,
      call: (c) => new DrsClient(config(c)).send(new DescribeSourceServersCommand({})),
    },
    {
      service: 'states',
      action: 'states:ListExecutions',
      name: 'AccessDeniedException',
      status: 400,
      call: (c) => new SFNClient(config(c)).send(new ListExecutionsCommand({ stateMachineArn: MACHINE })),
    },
    {
      service: 'ssm',
      action: 'ssm:PutParameter',
      name: 'AccessDeniedException',
      status: 400,
      call: (c) =>
        new SSMClient(config(c)).send(new PutParameterCommand({ Name: '/x', Value: 'v', Type: 'String' })),
    },
    {
      service: 'sns',
      action: 'sns:CreateTopic',
      name: 'AuthorizationErrorException',
      status: 403,
      call: (c) => new SNSClient(config(c)).send(new CreateTopicCommand({ Name: 'alerts' })),
    },
    {
      service: 's3',
      action: 's3:PutObject',
      name: 'AccessDenied',
      status: 403,
      call: (c) =>
        new S3Client({ ...config(c, 'us-east-1'), forcePathStyle: true }).send(
          new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/x.json', Body: '{}' }),
        ),
    },
    {
      service: 'sts',
      action: 'sts:AssumeRole',
      name: 'AccessDenied',
      status: 403,
      call: (c) =>
        new STSClient(config(c)).send(
          new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'probe' }),
        ),
    },
    {
      service: 'servicequotas',
      action: 'servicequotas:GetServiceQuota',
      name: 'AccessDeniedException',
      status: 400,
      call: (c) =>
        new ServiceQuotasClient(config(c)).send(
          new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-B827C881' }),
        ),
    },
    {
      service: 'ec2',
      action: 'ec2:DescribeInstances',
      name: 'UnauthorizedOperation',
      status: 403,
      call: (c) => new EC2Client(config(c)).send(new DescribeInstancesCommand({})),
    },
  ];

  it.each(cases)('$service: a role without $action gets $name ($status)', async (c) => {
    const error = await c.call(sessionFor(emu, STAGING, 'Denied-Role')).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: c.name, $metadata: { httpStatusCode: c.status } });
    // S3 never names the action ("Access Denied"); every other service says who and what.
    if (c.service !== 's3') {
      expect((error as Error).message).toContain(
        `arn:aws:sts::${STAGING}:assumed-role/Denied-Role/test is not authorized to perform: ${c.action}`,
      );
    }
  });

  it.each(cases)('$service: a role allowed $action passes authorization', async (c) => {
    const outcome = await c.call(sessionFor(emu, STAGING, 'Allowed-Role')).catch((e: unknown) => e);

    // Step Functions has no backend here, so its service answers for a machine it does not host.
    if (c.service === 'states') expect(outcome).toMatchObject({ name: 'StateMachineDoesNotExist' });
    else expect(outcome).not.toBeInstanceOf(Error);
  });

  it('lets sts:GetCallerIdentity through without any permission, as AWS does', async () => {
    const sts = new STSClient(config(sessionFor(emu, STAGING, 'Denied-Role')));

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/Denied-Role/test`);
  });
});
