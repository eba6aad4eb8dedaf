import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { failbackDecision } from '../../../src/tasks/eligibility.js';

const ORIGIN = {
  accountId: '222222222222',
  region: 'us-west-2',
  roleArn: 'arn:aws:iam::222222222222:role/DRS-Orchestration-Role',
};
const ri = (over: Partial<RecoveryInstance> = {}): RecoveryInstance => ({
  recoveryInstanceID: 'i-0123456789abcdef0',
  sourceServerID: 's-1',
  isDrill: false,
  originEnvironment: 'ON_PREMISES',
  ...over,
});
const awsServer = (over: Partial<SourceServer> = {}): SourceServer => ({
  sourceServerID: 's-1',
  sourceCloudProperties: { originAccountID: ORIGIN.accountId, originRegion: ORIGIN.region },
  ...over,
});

describe('failbackDecision (the one decision of the failback action and plan)', () => {
  it('skips a server without a recovery instance and a drill instance, whatever its origin', () => {
    expect(failbackDecision('s-1', undefined)).toMatchObject({ kind: 'skip', code: 'NoRecoveryInstance' });
    for (const originEnvironment of ['ON_PREMISES', 'AWS'] as const) {
      expect(
        failbackDecision('s-1', ri({ isDrill: true, originEnvironment }), {
          server: awsServer(),
          origins: [ORIGIN],
        }),
      ).toMatchObject({
        kind: 'skip',
        code: 'DrillInstance',
        message: expect.stringMatching(/can never fail back/),
      });
    }
  });

  it('on premises: launches when FAILBACK_READY_FOR_LAUNCH, watches a started failback, waits otherwise', () => {
    expect(failbackDecision('s-1', ri({ failback: { state: 'FAILBACK_READY_FOR_LAUNCH' } })).kind).toBe(
      'launch',
    );
    expect(
      failbackDecision('s-1', ri({ failback: { state: 'FAILBACK_IN_PROGRESS', failbackJobID: 'drsjob-1' } })),
    ).toEqual({ kind: 'watch', recoveryInstanceId: 'i-0123456789abcdef0', jobId: 'drsjob-1' });
    expect(failbackDecision('s-1', ri({ failback: { state: 'FAILBACK_NOT_STARTED' } }))).toMatchObject({
      kind: 'wait',
      state: 'FAILBACK_NOT_STARTED',
    });
  });

  it('AWS origin: fails back Region to Region into its registered origin, adopting a reverse replication already started', () => {
    const aws = ri({ originEnvironment: 'AWS' });
    expect(failbackDecision('s-1', aws, { server: awsServer(), origins: [ORIGIN] })).toEqual({
      kind: 'reverse',
      recoveryInstanceId: 'i-0123456789abcdef0',
      origin: ORIGIN,
    });
    const arn = 'arn:aws:drs:us-west-2:222222222222:source-server/s-0123456789abcdef0';
    expect(
      failbackDecision('s-1', aws, {
        server: awsServer({ reversedDirectionSourceServerArn: arn }),
        origins: [ORIGIN],
      }),
    ).toMatchObject({ kind: 'reverse', reversedServerArn: arn });
  });

  it('AWS origin: fails at once with OriginNotRegistered when the origin account and Region are not registered or unknown', () => {
    const aws = ri({ originEnvironment: 'AWS' });
    const elsewhere = { ...ORIGIN, region: 'us-east-1' };
    expect(failbackDecision('s-1', aws, { server: awsServer(), origins: [elsewhere] })).toMatchObject({
      kind: 'fail',
      code: 'OriginNotRegistered',
      message: expect.stringMatching(
        /account 222222222222 in us-west-2, which is not a registered staging account/,
      ),
    });
    expect(
      failbackDecision('s-1', aws, { server: { sourceServerID: 's-1' }, origins: [ORIGIN] }),
    ).toMatchObject({
      kind: 'fail',
      code: 'OriginNotRegistered',
      message: expect.stringMatching(/names no origin account and Region/),
    });
  });
});
