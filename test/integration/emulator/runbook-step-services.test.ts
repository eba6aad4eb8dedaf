/**
 * The emulator's services for runbook steps, over the real SDK: Route 53 (zones, record sets,
 * PENDING -> INSYNC in virtual time, health checks), Lambda Invoke of the fleet's functions, SSM
 * Automation and Run Command; and the fault plan's stepFailures making each fail.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DescribeAutomationExecutionsCommand,
  GetAutomationExecutionCommand,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import type { Fleet } from '../../../src/emulator/fleet/types.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';

let emu: Emulator;
let dir: string;
const config = () => ({
  endpoint: emu.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drs-orch-fn-'));
  await writeFile(
    join(dir, 'handler.mjs'),
    "export async function handler(event) { if (event?.fail) throw new TypeError('asked to fail'); return { ok: true, echoed: event?.payload ?? null }; }\n",
  );
  const base = generateFleet({ seed: 3, accounts: ['111111111111'], serversPerAccount: 2 });
  const fleet: Fleet = {
    ...base,
    accounts: base.accounts.map((a) =>
      a.accountId === base.orchestratorAccountId
        ? {
            ...a,
            hostedZones: [
              {
                id: 'Z0TEST',
                name: 'example.com',
                records: [{ name: 'app.example.com', type: 'A', ttl: 300, values: ['192.0.2.1'] }],
              },
            ],
            healthChecks: [{ id: 'hc-1', healthyAfterSeconds: 120, checkers: 4 }],
            lambdaFunctions: [
              { name: 'canned', answer: { ok: true, n: 1 } },
              { name: 'broken', error: { type: 'DatabaseDown', message: 'db is down' } },
              { name: 'module', module: join(dir, 'handler.mjs') },
            ],
            ssmDocuments: [{ name: 'Warm', type: 'Automation', durationSeconds: 60 }],
          }
        : a,
    ),
  };
  emu = await startEmulator({ fleet, timeScale: 0.000001 });
});
afterAll(async () => {
  await emu?.stop();
});
beforeEach(() => {
  emu.faults.set({});
});

describe('Emulator: Route 53', () => {
  it('changes records as one batch, reports the change PENDING then INSYNC after 30 virtual seconds', async () => {
    const r53 = new Route53Client(config());
    const zones = await r53.send(new ListHostedZonesCommand({}));
    expect(zones.HostedZones?.map((z) => [z.Id, z.Name])).toEqual([['/hostedzone/Z0TEST', 'example.com.']]);
    const change = await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'Z0TEST',
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.0.1' }],
              },
            },
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                SetIdentifier: 'dr',
                Weight: 10,
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.0.2' }],
              },
            },
          ],
        },
      }),
    );
    expect(change.ChangeInfo?.Status).toBe('PENDING');
    const id = change.ChangeInfo?.Id ?? '';
    expect((await r53.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('PENDING');
    emu.clock.advance(30_000);
    expect((await r53.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('INSYNC');
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z0TEST' })))
      .ResourceRecordSets;
    expect(
      sets?.map((s) => [
        s.Name,
        s.SetIdentifier ?? '',
        s.Weight ?? null,
        s.ResourceRecords?.map((r) => r.Value),
      ]),
    ).toEqual([
      ['app.example.com.', '', null, ['10.0.0.1']],
      ['app.example.com.', 'dr', 10, ['10.0.0.2']],
    ]);
    // A batch with one bad change changes nothing: CREATE of an existing set, then a DELETE that does not match.
    const bad = r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'Z0TEST',
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '10.9.9.9' }],
              },
            },
            {
              Action: 'DELETE',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                SetIdentifier: 'dr',
                Weight: 10,
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.0.3' }],
              },
            },
          ],
        },
      }),
    );
    await expect(bad).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    const after = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z0TEST' })))
      .ResourceRecordSets;
    expect(after?.[0]?.ResourceRecords).toEqual([{ Value: '10.0.0.1' }]);
    await expect(
      r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z0NONE' })),
    ).rejects.toMatchObject({
      name: 'NoSuchHostedZone',
    });
  });

  it('a health check turns healthy healthyAfterSeconds after it was first asked; a fault keeps it unhealthy; a zone fault refuses changes', async () => {
    const r53 = new Route53Client(config());
    const statuses = async () =>
      (
        (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'hc-1' })))
          .HealthCheckObservations ?? []
      ).map((o) => o.StatusReport?.Status?.split(':')[0]);
    expect(await statuses()).toEqual(['Failure', 'Failure', 'Failure', 'Failure']);
    emu.clock.advance(120_000);
    expect(await statuses()).toEqual(['Success', 'Success', 'Success', 'Success']);
    emu.faults.set({
      stepFailures: [
        { target: 'health-check', name: 'hc-1' },
        { target: 'hosted-zone', name: 'Z0TEST', reason: 'zone locked' },
      ],
    });
    expect(await statuses()).toEqual(['Failure', 'Failure', 'Failure', 'Failure']);
    await expect(
      r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: 'Z0TEST',
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: 'x.example.com',
                  Type: 'A',
                  TTL: 1,
                  ResourceRecords: [{ Value: '10.1.1.1' }],
                },
              },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: 'zone locked' });
    await expect(
      r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'hc-none' })),
    ).rejects.toMatchObject({
      name: 'NoSuchHealthCheck',
    });
  });
});

describe('Emulator: Lambda Invoke', () => {
  const invoke = async (name: string, payload: unknown) => {
    const out = await new LambdaClient(config()).send(
      new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    return {
      error: out.FunctionError,
      payload: JSON.parse(new TextDecoder().decode(out.Payload)) as unknown,
    };
  };

  it('answers with the canned answer, the declared error, or the named module; a fault makes any fail', async () => {
    expect(await invoke('canned', {})).toEqual({ error: undefined, payload: { ok: true, n: 1 } });
    expect(await invoke('broken', {})).toEqual({
      error: 'Unhandled',
      payload: { errorType: 'DatabaseDown', errorMessage: 'db is down' },
    });
    expect(await invoke('arn:aws:lambda:us-east-1:123456789012:function:module', { payload: 7 })).toEqual({
      error: undefined,
      payload: { ok: true, echoed: 7 },
    });
    expect(await invoke('module', { fail: true })).toEqual({
      error: 'Unhandled',
      payload: { errorType: 'TypeError', errorMessage: 'asked to fail' },
    });
    emu.faults.set({ stepFailures: [{ target: 'lambda', name: 'canned' }] });
    expect((await invoke('canned', {})).error).toBe('Unhandled');
    await expect(invoke('missing', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('Emulator: SSM Automation and Run Command', () => {
  it('runs an automation Pending -> InProgress -> Success in virtual time, and Failed under a fault', async () => {
    const ssm = new SSMClient(config());
    const { AutomationExecutionId: id } = await ssm.send(
      new StartAutomationExecutionCommand({ DocumentName: 'Warm', Parameters: { InstanceIds: ['i-1'] } }),
    );
    const status = async (execId: string | undefined) =>
      (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: execId })))
        .AutomationExecution?.AutomationExecutionStatus;
    expect(await status(id)).toBe('Pending');
    emu.clock.advance(5_000);
    expect(await status(id)).toBe('InProgress');
    emu.clock.advance(60_000);
    expect(await status(id)).toBe('Success');
    emu.faults.set({
      stepFailures: [{ target: 'ssm-automation', name: 'Warm', reason: 'cache cluster unreachable' }],
    });
    const failed = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'Warm' }));
    emu.clock.advance(61_000);
    const got = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: failed.AutomationExecutionId }),
    );
    expect(got.AutomationExecution).toMatchObject({
      AutomationExecutionStatus: 'Failed',
      FailureMessage: 'cache cluster unreachable',
    });
    const listed = await ssm.send(
      new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'ExecutionStatus', Values: ['Failed'] }] }),
    );
    expect(listed.AutomationExecutionMetadataList?.map((a) => a.AutomationExecutionId)).toEqual([
      failed.AutomationExecutionId,
    ]);
    await expect(
      ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'Nope' })),
    ).rejects.toMatchObject({
      name: 'AutomationDefinitionNotFoundException',
    });
  });

  it('keeps its runs in the saved world: restarted from the file, the automation is still there to poll', async () => {
    const ssm = new SSMClient(config());
    const { AutomationExecutionId: id } = await ssm.send(
      new StartAutomationExecutionCommand({ DocumentName: 'Warm' }),
    );
    const path = join(dir, 'world.json');
    await emu.state.save(path);
    const saved = JSON.parse(await readFile(path, 'utf8')) as {
      services: { ssm: { runs: { automations: { id: string }[] } } };
    };
    const again = await startEmulator({ state: path, timeScale: 0 });
    try {
      const got = await new SSMClient({ ...config(), endpoint: again.endpoint }).send(
        new GetAutomationExecutionCommand({ AutomationExecutionId: id }),
      );

      expect(saved.services.ssm.runs.automations.map((a) => a.id)).toContain(id);
      expect(got.AutomationExecution?.DocumentName).toBe('Warm');
    } finally {
      await again.stop();
    }
  });

  it('refuses a command for an instance SSM does not manage, and a document that does not exist', async () => {
    const ssm = new SSMClient(config());
    await expect(
      ssm.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-0123456789abcdef0'] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId' });
    await expect(
      ssm.send(
        new SendCommandCommand({ DocumentName: 'Custom-Missing', InstanceIds: ['i-0123456789abcdef0'] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDocument' });
  });
});
