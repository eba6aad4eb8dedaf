/**
 * IAM for the runbook steps' services, as for any other operation: a role calling Route 53,
 * Lambda or SSM Automation and Run Command needs the action on the resource the call names
 * (`route53:ChangeResourceRecordSets` on the hosted zone, `lambda:InvokeFunction` on the
 * function, `ssm:StartAutomationExecution` on the automation definition, `ssm:SendCommand` on
 * the document and every instance), the resources the deployed stack grants (infra/step-permissions.ts).
 * Real SDK clients, an assumed role of the fleet.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { SendCommandCommand, SSMClient, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import type { Fleet, FleetHostedZone, FleetRole } from '../../../src/emulator/fleet/types.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';

const ACCOUNT = '123456789012';

/** What the deployed waves role gets for a runbook that changes Z0ALLOWED and runs Warm/Probe. */
const STEP_RUNNER: readonly Record<string, unknown>[] = [
  {
    Effect: 'Allow',
    Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
    Resource: 'arn:aws:route53:::hostedzone/Z0ALLOWED',
  },
  { Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
  {
    Effect: 'Allow',
    Action: 'lambda:InvokeFunction',
    Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:canned`,
  },
  {
    Effect: 'Allow',
    Action: 'ssm:StartAutomationExecution',
    Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:automation-definition/Warm:*`,
  },
  {
    Effect: 'Allow',
    Action: 'ssm:SendCommand',
    Resource: [
      `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Probe`,
      `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
    ],
  },
];

function role(name: string, statements: readonly Record<string, unknown>[]): FleetRole {
  return {
    name,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    },
    policies: [{ Version: '2012-10-17', Statement: statements }],
  } as FleetRole;
}

const zone = (id: string): FleetHostedZone => ({
  id,
  name: `${id.toLowerCase()}.example.com`,
  records: [{ name: `app.${id.toLowerCase()}.example.com`, type: 'A', ttl: 300, values: ['192.0.2.1'] }],
});

let emu: Emulator;
/** The Step-Runner role's clients (made once it is assumed). */
const clients: { route53?: Route53Client; lambda?: LambdaClient; ssm?: SSMClient } = {};

beforeAll(async () => {
  const base = generateFleet({ seed: 3, accounts: [], serversPerAccount: 1 });
  const fleet: Fleet = {
    ...base,
    accounts: base.accounts.map((a) =>
      a.accountId === ACCOUNT
        ? {
            ...a,
            hostedZones: [zone('Z0ALLOWED'), zone('Z0OTHER')],
            lambdaFunctions: [{ name: 'canned', answer: { ok: true } }, { name: 'other' }],
            ssmDocuments: [
              { name: 'Warm', type: 'Automation' },
              { name: 'Cold', type: 'Automation' },
              { name: 'Probe', type: 'Command' },
              { name: 'Wipe', type: 'Command' },
            ],
            roles: [...(a.roles ?? []), role('Step-Runner', STEP_RUNNER)],
          }
        : a,
    ),
  };
  emu = await startEmulator({ fleet, timeScale: 0.000001 });
  const sts = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: emu.credentials });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/Step-Runner`, RoleSessionName: 'steps' }),
  );
  const config = {
    endpoint: emu.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken as string,
    },
  };
  clients.route53 = new Route53Client(config);
  clients.lambda = new LambdaClient(config);
  clients.ssm = new SSMClient(config);
});
afterAll(async () => {
  await emu?.stop();
});

const route53 = () => clients.route53 as Route53Client;
const lambda = () => clients.lambda as LambdaClient;
const ssm = () => clients.ssm as SSMClient;

/** The error name and message of a call that must fail. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  const err = (await call.then(
    () => new Error('the call was allowed'),
    (e: unknown) => e,
  )) as Error;
  return { name: err.name, message: err.message };
}

const upsert = (zoneId: string) =>
  new ChangeResourceRecordSetsCommand({
    HostedZoneId: zoneId,
    ChangeBatch: {
      Changes: [
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: `app.${zoneId.toLowerCase()}.example.com`,
            Type: 'A',
            TTL: 60,
            ResourceRecords: [{ Value: '198.51.100.7' }],
          },
        },
      ],
    },
  });

describe('Emulator: IAM for the runbook steps’ services', () => {
  it('lets a role change the records of the zone it is granted, and refuses another zone without route53:ChangeResourceRecordSets on it', async () => {
    const granted = await route53().send(upsert('Z0ALLOWED'));
    expect(granted.ChangeInfo?.Status).toBe('PENDING');

    const denied = await refusal(route53().send(upsert('Z0OTHER')));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toContain('route53:ChangeResourceRecordSets');
    expect(denied.message).toContain('arn:aws:route53:::hostedzone/Z0OTHER');
    const listing = await refusal(
      route53().send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z0OTHER' })),
    );
    expect(listing.name).toBe('AccessDenied');
  });

  it('invokes the function it is granted and refuses another without lambda:InvokeFunction on it', async () => {
    const granted = await lambda().send(new InvokeCommand({ FunctionName: 'canned' }));
    expect(granted.StatusCode).toBe(200);

    const denied = await refusal(lambda().send(new InvokeCommand({ FunctionName: 'other' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('lambda:InvokeFunction');
    expect(denied.message).toContain(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:other`);
  });

  it('starts the automation it is granted and refuses another without ssm:StartAutomationExecution on its definition', async () => {
    const granted = await ssm().send(new StartAutomationExecutionCommand({ DocumentName: 'Warm' }));
    expect(granted.AutomationExecutionId).toMatch(/^[0-9a-f-]{36}$/);

    const denied = await refusal(ssm().send(new StartAutomationExecutionCommand({ DocumentName: 'Cold' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('ssm:StartAutomationExecution');
    expect(denied.message).toContain(`automation-definition/Cold`);
  });

  it('refuses SendCommand of a document it is not granted, even on instances it may target', async () => {
    const denied = await refusal(
      ssm().send(new SendCommandCommand({ DocumentName: 'Wipe', InstanceIds: ['i-0123456789abcdef0'] })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('ssm:SendCommand');
    expect(denied.message).toContain(`document/Wipe`);
  });
});
