import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import { errorMismatches, outputMismatches } from '../../_helpers/aws-model-shape.js';
import { sessionFor, signedFetch, startTestEmulator, type TestCredentials } from '../../_helpers/emulator.js';

const OPERATIONS = [
  'DescribeSourceServers',
  'StartRecovery',
  'DescribeJobs',
  'DescribeJobLogItems',
  'DescribeRecoveryInstances',
  'TerminateRecoveryInstances',
  'StartFailbackLaunch',
  'ReverseReplication',
  'DescribeRecoverySnapshots',
];
/** Errors the DRS model defines (the only ones a request may ever get). */
const MODELLED = new Set([
  'ValidationException',
  'ConflictException',
  'ServiceQuotaExceededException',
  'ResourceNotFoundException',
  'UninitializedAccountException',
  'AccessDeniedException',
  'ThrottlingException',
]);

describe('Emulator: DRS input validation as the model defines it', () => {
  let emu: Emulator;
  let creds: TestCredentials;

  beforeAll(async () => {
    emu = await startTestEmulator({ fleet: generateFleet({ seed: 5, accounts: 1, serversPerAccount: 10 }) });
    creds = sessionFor(emu, '111111111111');
  });

  afterAll(async () => {
    await emu.stop();
  });

  async function call(path: string, body?: string, method = 'POST') {
    const res = await signedFetch(emu, creds, { path, method, ...(body === undefined ? {} : { body }) });
    const parsed = res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>);
    return { ...res, json: parsed, type: res.headers['x-amzn-errortype'] };
  }

  it('answers malformed JSON with ValidationException reason cannotParse', async () => {
    const res = await call('/DescribeJobs', '{"filters":');

    expect(res.status).toBe(400);
    expect(res.type).toBe('ValidationException');
    expect(res.json).toMatchObject({ reason: 'cannotParse', code: 'ValidationException' });
    expect(errorMismatches('drs', 'ValidationException', res.json)).toEqual([]);
  });

  it('answers an unknown operation with ValidationException reason unknownOperation', async () => {
    const res = await call('/LaunchEverything', '{}');

    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ reason: 'unknownOperation' });
  });

  it('names a missing required member in fieldList', async () => {
    const res = await call('/StartRecovery', '{"isDrill":true}');

    expect(res.status).toBe(400);
    expect(res.json.reason).toBe('fieldValidationFailed');
    expect(res.json.fieldList).toEqual([
      { name: 'sourceServers', message: "Member 'sourceServers' must not be null" },
    ]);
  });

  it('rejects wrong types, IDs that break their pattern and lists that are too long', async () => {
    const wrongType = await call('/DescribeJobs', '{"maxResults":"ten"}');
    const badId = await call(
      '/StartRecovery',
      JSON.stringify({ sourceServers: [{ sourceServerID: 'server-1' }] }),
    );
    const tooMany = await call(
      '/StartRecovery',
      JSON.stringify({
        sourceServers: Array.from({ length: 201 }, (_, i) => ({
          sourceServerID: `s-${String(i).padStart(17, '0')}`,
        })),
      }),
    );
    const empty = await call('/TerminateRecoveryInstances', JSON.stringify({ recoveryInstanceIDs: [] }));
    const zero = await call('/DescribeSourceServers', JSON.stringify({ maxResults: 0 }));

    expect(wrongType.json.fieldList).toEqual([expect.objectContaining({ name: 'maxResults' })]);
    expect(badId.json.fieldList).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'sourceServers.0.sourceServerID',
          message: expect.stringContaining('s-[0-9a-zA-Z]{17}'),
        }),
      ]),
    );
    expect(tooMany.json.fieldList).toEqual([
      expect.objectContaining({
        name: 'sourceServers',
        message: expect.stringContaining('less than or equal to 200'),
      }),
    ]);
    expect(empty.json.fieldList).toEqual([expect.objectContaining({ name: 'recoveryInstanceIDs' })]);
    expect(zero.json.fieldList).toEqual([expect.objectContaining({ name: 'maxResults' })]);
    for (const r of [wrongType, badId, tooMany, empty, zero]) {
      expect(r.status).toBe(400);
      expect(errorMismatches('drs', 'ValidationException', r.json)).toEqual([]);
    }
  });

  it('rejects a DescribeJobs filter of more than 1000 job IDs and a sourceServerIDs filter over 200', async () => {
    const jobs = await call(
      '/DescribeJobs',
      JSON.stringify({ filters: { jobIDs: Array.from({ length: 1001 }, () => 'drsjob-00000000000000000') } }),
    );
    const servers = await call(
      '/DescribeSourceServers',
      JSON.stringify({
        filters: { sourceServerIDs: Array.from({ length: 201 }, () => 's-00000000000000000') },
      }),
    );

    expect(jobs.json.fieldList).toEqual([expect.objectContaining({ name: 'filters.jobIDs' })]);
    expect(servers.json.fieldList).toEqual([expect.objectContaining({ name: 'filters.sourceServerIDs' })]);
  });

  it('requires tagKeys on UntagResource and a well-formed ARN on the tags paths', async () => {
    const arn = encodeURIComponent('arn:aws:drs:us-east-2:111111111111:source-server/s-00000000000000000');
    const noKeys = await call(`/tags/${arn}`, undefined, 'DELETE');
    const shortArn = await call(`/tags/${encodeURIComponent('arn:x')}`, undefined, 'GET');

    expect(noKeys.json.fieldList).toEqual([expect.objectContaining({ name: 'tagKeys' })]);
    expect(shortArn.status).toBe(400);
    expect(shortArn.json.fieldList).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'resourceArn' })]),
    );
  });

  it('answers only modelled errors (never a crash) to random bodies on every DRS operation', async () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom(
          's-00000000000000000',
          'drsjob-00000000000000000',
          'i-0123456789abcdef0',
          'pit-00000000000000000',
        ),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(
          fc.constantFrom(
            'sourceServers',
            'sourceServerID',
            'filters',
            'jobIDs',
            'maxResults',
            'nextToken',
            'isDrill',
            'tags',
            'recoveryInstanceIDs',
            'recoveryInstanceID',
            'order',
            'x',
          ),
          tie('any'),
          { maxKeys: 4 },
        ),
      ),
    }));
    const body = fc.oneof(
      value.any.map((v) => JSON.stringify(v)),
      fc.string(),
      fc
        .dictionary(
          fc.constantFrom(
            'sourceServers',
            'filters',
            'maxResults',
            'nextToken',
            'jobID',
            'recoveryInstanceIDs',
            'recoveryInstanceID',
            'sourceServerID',
            'isDrill',
            'tags',
            'order',
          ),
          value.any,
        )
        .map((v) => JSON.stringify(v)),
    );
    const seen = new Set<string>();

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), body, async (operation, text) => {
        const res = await call(`/${operation}`, text);
        if (res.status < 300) {
          expect(outputMismatches('drs', operation, res.json)).toEqual([]);
          seen.add('ok');
          return;
        }
        expect(res.status).toBeLessThan(500);
        expect(MODELLED.has(res.type ?? '')).toBe(true);
        expect(errorMismatches('drs', res.type ?? '', res.json)).toEqual([]);
        seen.add(res.type ?? '');
      }),
      { numRuns: 300, seed: 42 },
    );

    expect(seen.has('ValidationException')).toBe(true);
  });

  it('answers random ARNs, bodies and tag keys on the three tag operations with modelled errors only', async () => {
    const server = emu.drs.account('111111111111')?.servers()[0];
    const arn = fc.oneof(
      fc.constant(server?.arn ?? 'arn:aws:drs:us-east-2:111111111111:source-server/s-00000000000000000'),
      fc.constant('arn:aws:drs:us-east-2:222222222222:source-server/s-00000000000000000'),
      fc.string({ maxLength: 80 }),
      fc.string({ minLength: 1, maxLength: 40 }).map((s) => `arn:aws:drs:us-east-2:111111111111:${s}`),
    );
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .dictionary(fc.string({ maxLength: 130 }), fc.string({ maxLength: 260 }), { maxKeys: 60 })
        .map((tags) => JSON.stringify({ tags })),
      fc.string(),
    );
    const operation = fc.constantFrom(
      { name: 'TagResource', method: 'POST' },
      { name: 'ListTagsForResource', method: 'GET' },
      { name: 'UntagResource', method: 'DELETE' },
    );
    const tagKeys = fc.array(fc.string({ maxLength: 130 }), { maxLength: 60 });
    const seen = new Set<string>();

    await fc.assert(
      fc.asyncProperty(operation, arn, body, tagKeys, async (op, target, text, keys) => {
        const query =
          op.name === 'UntagResource'
            ? `?${keys.map((k) => `tagKeys=${encodeURIComponent(k)}`).join('&')}`
            : '';
        const res = await call(
          `/tags/${encodeURIComponent(target)}${query}`,
          op.method === 'POST' ? text : undefined,
          op.method,
        );
        if (res.status < 300) {
          expect(outputMismatches('drs', op.name, res.json)).toEqual([]);
          seen.add(`${op.name} ok`);
          return;
        }
        expect(res.status).toBeLessThan(500);
        expect(MODELLED.has(res.type ?? '')).toBe(true);
        expect(errorMismatches('drs', res.type ?? '', res.json)).toEqual([]);
        seen.add(res.type ?? '');
      }),
      { numRuns: 200, seed: 7 },
    );

    // The generator reaches both the accepted and the rejected side.
    expect(seen.has('ValidationException') || seen.has('ResourceNotFoundException')).toBe(true);
    expect([...seen].some((k) => k.endsWith(' ok'))).toBe(true);
  });
});
