import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

describe('Emulator: Service Quotas', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("returns the account's DRS quota value with AWS's fields", async () => {
    h.quotas.set('111111111111', { 'L-B827C881': 200 });
    const sq = new ServiceQuotasClient(sdkConfig(h, sessionKeys(h, '111111111111'), 'us-east-2'));

    const out = await sq.send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-B827C881' }));

    expect(out.Quota).toMatchObject({
      ServiceCode: 'drs',
      ServiceName: 'AWS Elastic Disaster Recovery',
      QuotaArn: 'arn:aws:servicequotas:us-east-2:111111111111:drs/L-B827C881',
      QuotaCode: 'L-B827C881',
      QuotaName: 'Max number of source servers in a single Job',
      Value: 200,
      Unit: 'None',
      Adjustable: false,
      GlobalQuota: false,
      QuotaAppliedAtLevel: 'ACCOUNT',
    });
  });

  it.each([
    ['L-B827C881', 100],
    ['L-05AFA8C6', 500],
    ['L-D88FAC3A', 20],
    ['L-DD6D028C', 1],
    ['L-C1D14A2B', 300],
  ])('answers the default for %s when the fleet sets none (%d)', async (code, value) => {
    const sq = new ServiceQuotasClient(sdkConfig(h));

    const out = await sq.send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: code }));

    expect(out.Quota?.Value).toBe(value);
  });

  it('answers the AWS default regardless of the applied value', async () => {
    h.quotas.set('123456789012', { 'L-D88FAC3A': 5 });
    const sq = new ServiceQuotasClient(sdkConfig(h));

    const applied = await sq.send(
      new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-D88FAC3A' }),
    );
    const aws = await sq.send(
      new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-D88FAC3A' }),
    );

    expect([applied.Quota?.Value, aws.Quota?.Value]).toEqual([5, 20]);
  });

  it('lists the DRS quotas', async () => {
    const sq = new ServiceQuotasClient(sdkConfig(h));

    const out = await sq.send(new ListServiceQuotasCommand({ ServiceCode: 'drs' }));

    expect(out.Quotas?.map((q) => q.QuotaCode)).toEqual([
      'L-B827C881',
      'L-05AFA8C6',
      'L-D88FAC3A',
      'L-DD6D028C',
      'L-C1D14A2B',
    ]);
  });

  it('answers NoSuchResourceException for another service or an unknown quota code', async () => {
    const sq = new ServiceQuotasClient(sdkConfig(h));

    const service = await sq
      .send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }))
      .catch((e: unknown) => e);
    const code = await sq
      .send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-00000000' }))
      .catch((e: unknown) => e);

    expect(service).toMatchObject({ name: 'NoSuchResourceException', $metadata: { httpStatusCode: 400 } });
    expect((service as Error).message).toBe(
      'The request failed because the specified service does not exist.',
    );
    expect(code).toMatchObject({ name: 'NoSuchResourceException' });
  });
});
