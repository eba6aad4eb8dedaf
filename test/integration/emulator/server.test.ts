import { DescribeSourceServersCommand, StartRecoveryCommand } from '@aws-sdk/client-drs';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, Fleet } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  drsClient,
  drsMismatches,
  recordResponses,
  signedFetch,
  startTestEmulator,
} from '../../_helpers/emulator.js';

const fleet = generateFleet({ seed: 41, accounts: 2, serversPerAccount: 8 });

describe('Emulator: one endpoint, routed by SigV4 service, accounts from access keys', () => {
  let emu: Emulator;

  afterEach(async () => {
    await emu.stop();
  });

  async function assume(accountId: string) {
    const sts = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: emu.credentials });
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/DRS-Orchestration-Role`,
        RoleSessionName: 'drs-orch',
      }),
    );
    return {
      accessKeyId: out.Credentials?.AccessKeyId as string,
      secretAccessKey: out.Credentials?.SecretAccessKey as string,
      sessionToken: out.Credentials?.SessionToken as string,
    };
  }

  it('assumes a staging role with test/test and sees only that account', async () => {
    emu = await startTestEmulator({ fleet });
    const creds = await assume('222222222222');
    const drs = drsClient(emu, creds);
    const records = recordResponses(drs);

    const who = await new STSClient({ endpoint: emu.endpoint, region: 'us-east-2', credentials: creds }).send(
      new GetCallerIdentityCommand({}),
    );
    const servers = await drs.send(new DescribeSourceServersCommand({}));

    expect(who.Account).toBe('222222222222');
    expect(servers.items).toHaveLength(8);
    expect(servers.items?.every((s) => s.arn?.includes(':222222222222:'))).toBe(true);
    expect(drsMismatches(records)).toEqual([]);
  });

  it('denies AssumeRole into accounts the fault plan names', async () => {
    emu = await startTestEmulator({ fleet, faults: { assumeRoleDenied: ['111111111111'] } });

    const denied = await assume('111111111111').catch((e: Error) => e.name);
    const allowed = await assume('222222222222');

    expect(denied).toBe('AccessDenied');
    expect(allowed.accessKeyId).toMatch(/^ASIA/);
  });

  it('rejects unsigned and tampered DRS requests with the service signature errors', async () => {
    emu = await startTestEmulator({ fleet });
    const unsigned = await fetch(`${emu.endpoint}/DescribeJobs`, { method: 'POST', body: '{}' });
    const tampered = await signedFetch(
      emu,
      { accessKeyId: 'test', secretAccessKey: 'wrong' },
      { path: '/DescribeJobs', body: '{}', region: 'us-east-1' },
    );

    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(tampered.status).toBe(403);
    expect(tampered.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
  });

  it('denies a DRS call the role policy does not allow, including dependent actions', async () => {
    const base = generateFleet({ seed: 41, accounts: 1, serversPerAccount: 4 });
    const restricted: Fleet = {
      ...base,
      accounts: base.accounts.map((a) =>
        a.roles
          ? {
              ...a,
              roles: a.roles.map((r) => ({
                ...r,
                policies: [
                  {
                    Version: '2012-10-17',
                    Statement: [
                      { Effect: 'Allow', Action: ['drs:Describe*', 'drs:StartRecovery'], Resource: '*' },
                    ],
                  },
                ],
              })),
            }
          : a,
      ),
    };
    emu = await startTestEmulator({ fleet: restricted });
    const drs = drsClient(emu, await assume('111111111111'));
    const records = recordResponses(drs);

    const listed = await drs.send(new DescribeSourceServersCommand({}));
    const launch = await drs
      .send(
        new StartRecoveryCommand({ sourceServers: [{ sourceServerID: listed.items?.[0]?.sourceServerID }] }),
      )
      .catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);

    expect(listed.items).toHaveLength(4);
    expect(launch).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect(drsMismatches(records)).toEqual([]);
  });

  it('serves the neighbours: SSM parameter, Service Quotas, SNS publish, EC2 instances', async () => {
    emu = await startTestEmulator({ fleet, timeScale: 0 });
    const region = 'us-east-1';
    const ssm = new SSMClient({ endpoint: emu.endpoint, region, credentials: emu.credentials });
    const registry = await ssm.send(
      new GetParametersByPathCommand({ Path: '/drs-orchestration/staging-accounts' }),
    );
    const creds = await assume('111111111111');
    const quota = await new ServiceQuotasClient({
      endpoint: emu.endpoint,
      region: 'us-east-2',
      credentials: creds,
    }).send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-B827C881' }));
    await new SNSClient({ endpoint: emu.endpoint, region, credentials: emu.credentials }).send(
      new PublishCommand({
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:dr-notifications',
        Subject: 's',
        Message: 'm',
      }),
    );
    const drs = drsClient(emu, creds);
    const id = (await drs.send(new DescribeSourceServersCommand({ maxResults: 1 }))).items?.[0]
      ?.sourceServerID;
    await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }));
    emu.clock.advance(3_600_000);
    const ec2 = await new EC2Client({ endpoint: emu.endpoint, region: 'us-east-2', credentials: creds }).send(
      new DescribeInstancesCommand({}),
    );
    const messages = (await (await fetch(`${emu.endpoint}/_emulator/sns/messages`)).json()) as {
      messages: unknown[];
    };
    const calls = (await (
      await fetch(`${emu.endpoint}/_emulator/calls?service=drs&accountId=111111111111`)
    ).json()) as {
      calls: { operation: string; count: number }[];
    };

    expect(registry.Parameters?.map((p) => JSON.parse(p.Value ?? '{}').accountId)).toHaveLength(2);
    expect(quota.Quota?.Value).toBe(100);
    expect(messages.messages).toHaveLength(1);
    expect(ec2.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual([
      'running',
    ]);
    expect(calls.calls.map((c) => [c.operation, c.count]).sort()).toEqual([
      ['DescribeSourceServers', 1],
      ['StartRecovery', 1],
    ]);
  });

  it('reports and advances virtual time through /_emulator/time', async () => {
    emu = await startTestEmulator({ fleet });
    const before = (await (await fetch(`${emu.endpoint}/_emulator/time`)).json()) as { now: string };
    const advanced = await fetch(`${emu.endpoint}/_emulator/time/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 90 }),
    });
    const after = (await (await fetch(`${emu.endpoint}/_emulator/time`)).json()) as { now: string };
    const bad = await fetch(`${emu.endpoint}/_emulator/time/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

    expect(before.now).toBe('2025-01-06T09:00:00.000Z');
    expect(advanced.status).toBe(200);
    expect(after.now).toBe('2025-01-06T10:30:00.000Z');
    expect(bad.status).toBe(400);
  });
});
