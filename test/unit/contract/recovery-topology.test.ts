import { describe, expect, it } from 'vitest';
import {
  parseStagingAccountRegistry,
  parseStagingAccounts,
  recoveryTargets,
  registryParameters,
  ValidationError,
} from '../../../src/contract/index.js';

const TARGET = '999999999999';

const target = (extra: object = {}) => ({
  accountId: TARGET,
  region: 'us-east-1',
  roleArn: `arn:aws:iam::${TARGET}:role/DRS-Orchestration-Role`,
  ...extra,
});

const account = (id: string, extra: object = {}) => ({
  accountId: id,
  region: 'us-east-1',
  roleArn: `arn:aws:iam::${id}:role/DRS-Orchestration-Role`,
  ...extra,
});

function problemsOf(raw: unknown): string[] {
  try {
    parseStagingAccounts(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems.map((p) => `${p.pointer} ${p.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('Function: parseStagingAccounts (recovery topology)', () => {
  it('accepts a registry mixing both topologies and defaults the target quota to 3000', () => {
    const accounts = parseStagingAccounts({
      stagingAccounts: [
        account('111111111111', { recoveryAccount: target() }),
        account('222222222222', { recoveryAccount: target() }),
        account('333333333333'),
      ],
    });

    expect(accounts.map((a) => a.recoveryAccount?.accountId)).toEqual([TARGET, TARGET, undefined]);
    expect(accounts[0]?.recoveryAccount?.maxSourceServers).toBe(3000);
  });

  it('refuses a target account that is also listed as a staging account, naming its entry', () => {
    const problems = problemsOf({
      stagingAccounts: [account('111111111111', { recoveryAccount: target() }), account(TARGET)],
    });

    expect(problems).toEqual([
      expect.stringMatching(
        /^\/stagingAccounts\/1\/accountId must not be listed as a staging account: 999999999999 is the recovery account of \/stagingAccounts\/0 \(111111111111\)/,
      ),
    ]);
  });

  it('refuses two targets for one staging account', () => {
    const problems = problemsOf({
      stagingAccounts: [
        account('111111111111', { recoveryAccount: target() }),
        account('111111111111', {
          recoveryAccount: target({ accountId: '888888888888', roleArn: 'arn:aws:iam::888888888888:role/r' }),
        }),
      ],
    });

    expect(problems).toContain(
      '/stagingAccounts/1/recoveryAccount names a second recovery account (888888888888) for staging account 111111111111, whose entry /stagingAccounts/0 names 999999999999: a staging account recovers into one target account',
    );
  });

  it('refuses one target named with two Regions or two quotas', () => {
    const problems = problemsOf({
      stagingAccounts: [
        account('111111111111', { recoveryAccount: target() }),
        account('222222222222', { recoveryAccount: target({ region: 'us-west-2', maxSourceServers: 500 }) }),
      ],
    });

    expect(problems).toEqual([
      '/stagingAccounts/1/recoveryAccount/region must be "us-east-1" like /stagingAccounts/0/recoveryAccount/region, which names the same recovery account 999999999999, got "us-west-2"',
      '/stagingAccounts/1/recoveryAccount/maxSourceServers must be 3000 like /stagingAccounts/0/recoveryAccount/maxSourceServers, which names the same recovery account 999999999999, got 500',
    ]);
  });

  it('refuses a target role in another account and a staging account that targets itself', () => {
    const problems = problemsOf({
      stagingAccounts: [
        account('111111111111', { recoveryAccount: target({ roleArn: 'arn:aws:iam::777777777777:role/r' }) }),
        account('222222222222', {
          recoveryAccount: target({ accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/r' }),
        }),
      ],
    });

    expect(problems).toEqual([
      '/stagingAccounts/0/recoveryAccount/roleArn must name the recovery account 999999999999, got a role in account 777777777777',
      '/stagingAccounts/1/recoveryAccount/accountId must be another account than the staging account 222222222222 itself; omit recoveryAccount for servers that recover in their staging account',
    ]);
  });

  it('names the registry parameter of the bad entry in the per-account form', () => {
    const parameters = registryParameters([
      account('111111111111', { recoveryAccount: target() }),
      account(TARGET),
    ] as never);

    expect(() => parseStagingAccountRegistry(parameters)).toThrow(
      /\/drs-orchestration\/staging-accounts\/999999999999\/accountId must not be listed as a staging account/,
    );
  });
});

describe('Function: recoveryTargets', () => {
  it('groups staging accounts by target, lowest priority first, then registry order', () => {
    const accounts = parseStagingAccounts({
      stagingAccounts: [
        account('111111111111', { recoveryAccount: target() }),
        account('222222222222', { recoveryAccount: target(), priority: 2 }),
        account('333333333333'),
        account('444444444444', { recoveryAccount: target(), priority: 1 }),
        account('555555555555', { recoveryAccount: target() }),
      ],
    });

    expect(recoveryTargets(accounts as never)).toEqual([
      {
        account: { ...target(), maxSourceServers: 3000 },
        stagingAccountIds: ['444444444444', '222222222222', '111111111111', '555555555555'],
      },
    ]);
  });
});
