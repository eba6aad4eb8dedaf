/**
 * SSM and Service Quotas answers are model-true: every raw response of every operation the
 * emulator serves for them (successes and errors) matches the official model's output or error
 * shape, from the subsets kept in the repository (test/_fixtures/aws-models).
 */
import type { DrsClient } from '@aws-sdk/client-drs';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { errorMismatches, outputMismatches } from '../../_helpers/aws-model-shape.js';
import { type RecordedResponse, recordResponses, startTestEmulator } from '../../_helpers/emulator.js';

/** Model mismatches of JSON-protocol responses (errors carry `__type`). */
function mismatches(service: string, records: readonly RecordedResponse[]): string[] {
  return records.flatMap((r) => {
    const body: unknown = r.body.trim() === '' ? {} : JSON.parse(r.body);
    if (r.status < 300) return outputMismatches(service, r.operation, body);
    const { __type: type = '', ...members } = body as { __type?: string };
    return errorMismatches(service, type.slice(type.lastIndexOf('#') + 1), members);
  });
}

describe('Emulator: SSM and Service Quotas responses follow their models', () => {
  let emu: Emulator;
  afterEach(async () => {
    await emu.stop();
  });

  const config = () => ({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: emu.credentials,
    maxAttempts: 1,
  });

  it('answers every SSM operation it serves, and its errors, in the model shapes', async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    const ssm = new SSMClient(config());
    const records = recordResponses(ssm as unknown as DrsClient);

    await ssm.send(new PutParameterCommand({ Name: '/drs-orchestration/probe', Value: 'v', Type: 'String' }));
    await ssm.send(new GetParameterCommand({ Name: '/drs-orchestration/probe' }));
    await ssm.send(
      new GetParametersByPathCommand({ Path: '/drs-orchestration', Recursive: true, MaxResults: 2 }),
    );
    const missing = await ssm.send(new GetParameterCommand({ Name: '/nope' })).catch((e: Error) => e.name);

    expect(missing).toBe('ParameterNotFound');
    expect(records.map((r) => r.operation)).toEqual([
      'PutParameter',
      'GetParameter',
      'GetParametersByPath',
      'GetParameter',
    ]);
    expect(mismatches('ssm', records)).toEqual([]);
  });

  it('answers every Service Quotas operation it serves, and its errors, in the model shapes', async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    const quotas = new ServiceQuotasClient(config());
    const records = recordResponses(quotas as unknown as DrsClient);

    await quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-B827C881' }));
    await quotas.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-B827C881' }));
    await quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'drs' }));
    const missing = await quotas
      .send(new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-00000000' }))
      .catch((e: Error) => e.name);

    expect(missing).toBe('NoSuchResourceException');
    expect(records).toHaveLength(4);
    expect(mismatches('service-quotas', records)).toEqual([]);
  });
});
