/**
 * Authorization lives in one place: the pipeline's operation table. No service handler imports
 * or calls the authorizer, and the table names the IAM action and resource of each served
 * operation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../../src/emulator/auth/credentials.js';
import { authorizationOf } from '../../../../src/emulator/auth/operations.js';
import { DEFAULT_QUOTAS } from '../../../../src/emulator/fleet/load.js';
import { createDrsService } from '../../../../src/emulator/services/drs/service.js';
import {
  createS3Handler,
  createServiceQuotasHandler,
  createSnsHandler,
  createSsmHandler,
  createStsHandler,
  S3State,
  SERVICES,
  SnsState,
  SsmState,
} from '../../../../src/emulator/services/index.js';
import {
  createStepFunctionsHandler,
  StepFunctionsState,
} from '../../../../src/emulator/services/states/stepfunctions.js';
import type { EmulatorRequest, Operations, Principal } from '../../../../src/emulator/types.js';

const ROOT = join(import.meta.dirname, '../../../../src/emulator');
const SERVICES_DIR = join(ROOT, 'services');

/** Each service's operations over empty state (their IAM rules are what is asked here). */
const OPERATIONS: Readonly<Record<string, Operations>> = {
  ssm: createSsmHandler({ state: new SsmState() }),
  sns: createSnsHandler({ state: new SnsState() }),
  sts: createStsHandler({ findRole: () => undefined, credentials: new CredentialStore() }),
  s3: createS3Handler({ state: new S3State() }),
  servicequotas: createServiceQuotasHandler({ quotas: () => ({}) }),
  states: createStepFunctionsHandler({ state: new StepFunctionsState(), nowMs: () => 0 }),
  drs: createDrsService({ account: () => undefined, quotas: () => DEFAULT_QUOTAS }),
};

/** A service as the pipeline sees it: its descriptor and its operations. */
function serviceOf(name: string) {
  const descriptor = SERVICES.get(name);
  const operations = OPERATIONS[name];
  return descriptor === undefined
    ? undefined
    : { descriptor, ...(operations === undefined ? {} : { instance: { operations } }) };
}

const principal: Principal = {
  accountId: '111111111111',
  arn: 'arn:aws:sts::111111111111:assumed-role/R/s',
  accessKeyId: 'ASIA',
  roleArn: 'arn:aws:iam::111111111111:role/R',
};

function request(service: string, over: Partial<EmulatorRequest> = {}): EmulatorRequest {
  return {
    method: 'POST',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: {},
    body: Buffer.alloc(0),
    service,
    region: 'us-east-2',
    ...over,
  };
}

describe('pipeline authorization table', () => {
  it('is the only authorization: no service handler imports the authorizer or checks IAM itself', () => {
    const offenders: string[] = [];
    const files = readdirSync(SERVICES_DIR, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const file of files) {
      const text = readFileSync(join(SERVICES_DIR, file), 'utf8');
      if (/auth\/authorizer|auth\/operations|\bAuthorizer\b|authorizer\.check|accessDenied\(/.test(text))
        offenders.push(`services/${file}`);
    }

    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it.each([
    [
      'ssm',
      'GetParameter',
      { body: Buffer.from('{"Name":"/drs/x:3"}') },
      'ssm:GetParameter',
      'arn:aws:ssm:us-east-2:111111111111:parameter/drs/x',
    ],
    [
      'ssm',
      'GetParameter',
      { body: Buffer.from('{"Name":"arn:aws:ssm:us-east-1:123456789012:parameter/shared"}') },
      'ssm:GetParameter',
      'arn:aws:ssm:us-east-1:123456789012:parameter/shared',
    ],
    [
      'ssm',
      'PutParameter',
      { body: Buffer.from('{"Name":"plain"}') },
      'ssm:PutParameter',
      'arn:aws:ssm:us-east-2:111111111111:parameter/plain',
    ],
    [
      'sns',
      'Publish',
      { body: Buffer.from('Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-2%3A1%3At&Message=m') },
      'sns:Publish',
      'arn:aws:sns:us-east-2:1:t',
    ],
    [
      'sns',
      'CreateTopic',
      { body: Buffer.from('Action=CreateTopic&Name=alerts') },
      'sns:CreateTopic',
      'arn:aws:sns:us-east-2:111111111111:alerts',
    ],
    [
      'sts',
      'AssumeRole',
      { body: Buffer.from('Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A2%3Arole%2FX') },
      'sts:AssumeRole',
      'arn:aws:iam::2:role/X',
    ],
    [
      'servicequotas',
      'GetServiceQuota',
      { body: Buffer.from('{"ServiceCode":"drs","QuotaCode":"L-B827C881"}') },
      'servicequotas:GetServiceQuota',
      'arn:aws:servicequotas:us-east-2:111111111111:drs/L-B827C881',
    ],
    [
      'servicequotas',
      'ListServiceQuotas',
      { body: Buffer.from('{"ServiceCode":"drs"}') },
      'servicequotas:ListServiceQuotas',
      '*',
    ],
    ['ec2', 'DescribeInstanceStatus', {}, 'ec2:DescribeInstanceStatus', '*'],
    ['s3', 'HeadBucket', { method: 'HEAD', path: '/b' }, 's3:ListBucket', 'arn:aws:s3:::b'],
    ['s3', 'ListObjectsV2', { method: 'GET', path: '/b/' }, 's3:ListBucket', 'arn:aws:s3:::b'],
    ['s3', 'HeadObject', { method: 'HEAD', path: '/b/k/1.json' }, 's3:GetObject', 'arn:aws:s3:::b/k/1.json'],
    ['s3', 'PutObject', { method: 'PUT', path: '/b/k' }, 's3:PutObject', 'arn:aws:s3:::b/k'],
    [
      'states',
      'DescribeExecution',
      { body: Buffer.from('{"executionArn":"arn:aws:states:us-east-2:1:execution:m:e"}') },
      'states:DescribeExecution',
      'arn:aws:states:us-east-2:1:execution:m:e',
    ],
    [
      'drs',
      'StartRecovery',
      { body: Buffer.from('{"sourceServers":[{"sourceServerID":"s-1"}]}') },
      'drs:StartRecovery',
      ['arn:aws:drs:us-east-2:111111111111:source-server/s-1'],
    ],
  ] as const)('%s %s asks IAM for %s on its resource', (service, operation, over, action, resources) => {
    expect(authorizationOf(serviceOf(service), request(service, over), principal, operation)).toMatchObject({
      action,
      resources,
      region: 'us-east-2',
    });
  });

  it('asks nothing of IAM for sts:GetCallerIdentity, which needs no permission', () => {
    expect(authorizationOf(serviceOf('sts'), request('sts'), principal, 'GetCallerIdentity')).toBe('none');
  });

  it('checks an operation the table does not list as <service>:<Operation> rather than letting it through', () => {
    expect(authorizationOf(serviceOf('ssm'), request('ssm'), principal, 'DeleteParameter')).toMatchObject({
      action: 'ssm:DeleteParameter',
      resources: '*',
    });
  });
});
