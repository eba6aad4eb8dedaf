import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Keys,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
  tamperAfterSigning,
} from '../../_helpers/service-harness.js';

type AnyClient = { send: (c: never) => Promise<unknown> };

interface Case {
  readonly service: string;
  client(h: ServiceHarness, keys?: Keys): AnyClient & Parameters<typeof tamperAfterSigning>[0];
  command(): unknown;
  /** SDK error name and status for each failure. */
  readonly unsigned: readonly [string, number];
  readonly badSignature: readonly [string, number];
  readonly unknownKey: readonly [string, number];
}

const cases: readonly Case[] = [
  {
    service: 'sts (query)',
    client: (h, k) => new STSClient(sdkConfig(h, k)),
    command: () => new GetCallerIdentityCommand({}),
    unsigned: ['MissingAuthenticationToken', 403],
    badSignature: ['SignatureDoesNotMatch', 403],
    unknownKey: ['InvalidClientTokenId', 403],
  },
  {
    service: 'sns (query)',
    client: (h, k) => new SNSClient(sdkConfig(h, k)),
    command: () => new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'm' }),
    unsigned: ['MissingAuthenticationToken', 403],
    badSignature: ['SignatureDoesNotMatch', 403],
    unknownKey: ['InvalidClientTokenId', 403],
  },
  {
    service: 'ssm (json 1.1)',
    client: (h, k) => new SSMClient(sdkConfig(h, k)),
    command: () => new GetParameterCommand({ Name: '/x' }),
    unsigned: ['MissingAuthenticationTokenException', 400],
    badSignature: ['InvalidSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400],
  },
  {
    service: 'servicequotas (json 1.1)',
    client: (h, k) => new ServiceQuotasClient(sdkConfig(h, k)),
    command: () => new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-D88FAC3A' }),
    unsigned: ['MissingAuthenticationTokenException', 400],
    badSignature: ['InvalidSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400],
  },
  {
    service: 'ec2 (ec2 query)',
    client: (h, k) => new EC2Client(sdkConfig(h, k)),
    command: () => new DescribeInstancesCommand({}),
    unsigned: ['MissingAuthenticationToken', 401],
    badSignature: ['SignatureDoesNotMatch', 403],
    unknownKey: ['AuthFailure', 401],
  },
  {
    service: 's3 (rest-xml)',
    client: (h, k) => new S3Client({ ...sdkConfig(h, k), forcePathStyle: true }),
    command: () => new GetObjectCommand({ Bucket: 'results', Key: 'k' }),
    unsigned: ['AccessDenied', 403],
    badSignature: ['SignatureDoesNotMatch', 403],
    unknownKey: ['InvalidAccessKeyId', 403],
  },
];

async function failure(
  client: AnyClient,
  command: unknown,
): Promise<{ name: string; status: number | undefined }> {
  const error = (await client.send(command as never).then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (error === undefined) throw new Error('expected the call to fail');
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

describe('Emulator: SigV4 authentication', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe.each(cases)('$service', (c) => {
    it('rejects a request whose signature was made with the wrong secret', async () => {
      const client = c.client(h, { accessKeyId: 'test', secretAccessKey: 'not-the-secret' });

      const { name, status } = await failure(client, c.command());

      expect([name, status]).toEqual([...c.badSignature]);
    });

    it('rejects a request altered after it was signed', async () => {
      const client = c.client(h);
      tamperAfterSigning(client, (r) => {
        r.headers['x-amz-date'] = '20200101T000000Z';
      });

      const { name, status } = await failure(client, c.command());

      expect([name, status]).toEqual([...c.badSignature]);
    });

    it('rejects an unsigned request', async () => {
      const client = c.client(h);
      tamperAfterSigning(client, (r) => {
        delete r.headers.authorization;
      });

      const { name, status } = await failure(client, c.command());

      expect([name, status]).toEqual([...c.unsigned]);
    });

    it('rejects an access key the emulator never issued', async () => {
      const client = c.client(h, { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'x' });

      const { name, status } = await failure(client, c.command());

      expect([name, status]).toEqual([...c.unknownKey]);
    });
  });

  it('rejects session keys sent without their session token', async () => {
    const keys = sessionKeys(h, '111111111111');
    const sts = new STSClient(
      sdkConfig(h, { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }),
    );

    const { name, status } = await failure(sts, new GetCallerIdentityCommand({}));

    expect([name, status]).toEqual(['InvalidClientTokenId', 403]);
  });

  it('rejects a tampered body on a json service', async () => {
    const ssm = new SSMClient(sdkConfig(h));
    tamperAfterSigning(ssm, (r) => {
      // Same length, so only the signature can tell.
      r.body = JSON.stringify({ Name: '/y' });
    });

    const { name } = await failure(ssm, new GetParameterCommand({ Name: '/x' }));

    expect(name).toBe('InvalidSignatureException');
  });

  it('accepts a correctly signed request whatever its date (virtual time is not wall time)', async () => {
    const sts = new STSClient({ ...sdkConfig(h), systemClockOffset: -400 * 24 * 3600 * 1000 });

    const me = await sts.send(new GetCallerIdentityCommand({}));

    expect(me.Account).toBe('123456789012');
  });
});
