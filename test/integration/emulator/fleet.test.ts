import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeSourceServersCommand,
  paginateDescribeSourceServers,
  type SourceServer,
} from '@aws-sdk/client-drs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateFleet, startEmulator } from '../../../src/emulator/index.js';
import { drsMismatches, recordResponses, stagingDrs, startTestEmulator } from '../../_helpers/emulator.js';

describe('Emulator: the built-in demo fleet over the wire', () => {
  let emu: Emulator;
  const servers: SourceServer[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    for (const account of ['111111111111', '222222222222', '333333333333']) {
      const drs = stagingDrs(emu, account);
      const records = recordResponses(drs);
      for await (const page of paginateDescribeSourceServers({ client: drs, pageSize: 100 }, {}))
        servers.push(...(page.items ?? []));
      expect(drsMismatches(records)).toEqual([]);
    }
  });

  afterAll(async () => {
    await emu.stop();
  });

  it('has about 600 servers over HRP, HealthEdge and Connectors in waves 1-4 with the design tags', () => {
    const tag = (k: string) => new Set(servers.map((s) => s.tags?.[k]));

    expect(servers).toHaveLength(600);
    expect(tag('DR-Application')).toEqual(new Set(['HRP', 'HealthEdge', 'Connectors']));
    expect(tag('DR-Wave')).toEqual(new Set(['1', '2', '3', '4']));
    expect(tag('DR-Role')).toEqual(new Set(['DBServer', 'AppServer', 'WebServer']));
    expect(tag('DR-Tier')).toEqual(new Set(['Critical', 'Standard', 'NonCritical']));
    expect(tag('DR-Enabled')).toEqual(new Set(['true', 'false']));
    expect(tag('DR-StagingAccount')).toEqual(new Set(['staging-1', 'staging-2', 'staging-3']));
  });

  it('tags exactly one server DR-Test=single and keeps a handful out of CONTINUOUS, none in wave 1', () => {
    const single = servers.filter((s) => s.tags?.['DR-Test'] === 'single');
    const notContinuous = servers.filter((s) => s.dataReplicationInfo?.dataReplicationState !== 'CONTINUOUS');

    expect(single).toHaveLength(1);
    expect(single[0]?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
    expect(notContinuous).toHaveLength(6);
    expect(notContinuous.some((s) => s.tags?.['DR-Wave'] === '1')).toBe(false);
  });

  it("defines the orchestrator's staging-account registry (one SSM parameter per account), roles, results bucket and topic", () => {
    const orchestrator = emu.state.account('123456789012');
    const params = orchestrator?.fleet.ssmParameters ?? [];
    const doc = {
      stagingAccounts: params.map((p) => JSON.parse(p.value) as { roleArn: string; region: string }),
    };

    expect(orchestrator?.region).toBe('us-east-1');
    expect(params.map((p) => p.name)).toEqual(
      ['111111111111', '222222222222', '333333333333'].map(
        (id) => `/drs-orchestration/staging-accounts/${id}`,
      ),
    );
    expect(doc.stagingAccounts.map((a) => a.roleArn)).toEqual([
      'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      'arn:aws:iam::222222222222:role/DRS-Orchestration-Role',
      'arn:aws:iam::333333333333:role/DRS-Orchestration-Role',
    ]);
    expect(doc.stagingAccounts.every((a) => a.region === 'us-east-2')).toBe(true);
    expect(orchestrator?.fleet.s3Buckets).toEqual([
      {
        name: 'drs-orchestration-results-123456789012',
        allowAccounts: ['111111111111', '222222222222', '333333333333'],
      },
    ]);
    expect(orchestrator?.fleet.snsTopics).toEqual(['dr-notifications']);
    expect(emu.state.account('222222222222')?.roles[0]?.name).toBe('DRS-Orchestration-Role');
  });
});

describe('Emulator: fleet files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emu-fleet-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a fleet file by path and serves its servers with the IDs it gives', async () => {
    const path = join(dir, 'fleet.json');
    await writeFile(
      path,
      JSON.stringify({
        accounts: [
          {
            accountId: '444444444444',
            region: 'eu-west-1',
            roles: [
              {
                name: 'R',
                trustPolicy: {
                  Statement: [
                    { Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' },
                  ],
                },
              },
            ],
            sourceServers: [
              { sourceServerID: 's-abcdefghij0123456', hostname: 'db01', tags: { 'DR-Wave': '1' } },
            ],
          },
        ],
      }),
    );
    const emu = await startEmulator({ fleet: path, timeScale: 0 });
    const { drsClient, sessionFor } = await import('../../_helpers/emulator.js');
    const drs = drsClient(emu, sessionFor(emu, '444444444444', 'R'), { region: 'eu-west-1' });

    const out = await drs.send(new DescribeSourceServersCommand({}));
    await emu.stop();

    expect(
      out.items?.map((s) => [s.sourceServerID, s.sourceProperties?.identificationHints?.hostname]),
    ).toEqual([['s-abcdefghij0123456', 'db01']]);
  });

  it('makes test/test the root of the orchestrator account the fleet names', async () => {
    const fleet = generateFleet({
      seed: 3,
      accounts: 1,
      serversPerAccount: 2,
      orchestratorAccountId: '999999999999',
    });
    const emu = await startEmulator({ fleet, timeScale: 0 });
    const sts = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: emu.credentials });

    const me = await sts.send(new GetCallerIdentityCommand({}));
    await emu.stop();

    expect(me.Account).toBe('999999999999');
    expect(me.Arn).toBe('arn:aws:iam::999999999999:root');
  });

  it('rejects a fleet with more than 300 replicating servers in one account', async () => {
    const fleet = generateFleet({ accounts: 1, serversPerAccount: 301 });

    await expect(startEmulator({ fleet })).rejects.toThrow(
      /301 replicating source servers; DRS allows at most 300/,
    );
  });

  it('rejects a fleet file that breaks the schema, naming the field', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ accounts: [{ accountId: '12', region: 'us-east-2' }] }));

    await expect(startEmulator({ fleet: path })).rejects.toThrow(/accountId/);
  });
});
