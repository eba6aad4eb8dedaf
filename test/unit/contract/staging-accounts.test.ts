import { describe, expect, it } from 'vitest';
import { parseStagingAccounts, ValidationError } from '../../../src/contract/index.js';
import { designStagingAccounts } from '../../_fixtures/design/inputs.js';

function problemsOf(raw: unknown): string[] {
  try {
    parseStagingAccounts(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems.map((p) => `${p.pointer} ${p.message}`);
  }
  throw new Error('expected a ValidationError');
}

const account = (id: string, extra: object = {}) => ({
  accountId: id,
  region: 'us-east-2',
  roleArn: `arn:aws:iam::${id}:role/DRS-Orchestration-Role`,
  ...extra,
});

describe('Function: parseStagingAccounts', () => {
  it('accepts the design document (6.1)', () => {
    expect(parseStagingAccounts(designStagingAccounts)).toHaveLength(3);
  });

  it('accepts the JSON text of an SSM parameter and defaults maxServers to 300', () => {
    const accounts = parseStagingAccounts(JSON.stringify({ stagingAccounts: [account('111111111111')] }));

    expect(accounts[0]?.maxServers).toBe(300);
  });

  it('rejects duplicate account ids', () => {
    const problems = problemsOf({ stagingAccounts: [account('111111111111'), account('111111111111')] });

    expect(problems).toEqual([expect.stringMatching(/^\/stagingAccounts\/1\/accountId must be unique/)]);
  });

  it('rejects a role ARN that names another account', () => {
    const problems = problemsOf({
      stagingAccounts: [account('111111111111', { roleArn: 'arn:aws:iam::999999999999:role/R' })],
    });

    expect(problems).toEqual([
      '/stagingAccounts/0/roleArn must name account 111111111111, got a role in account 999999999999',
    ]);
  });

  it.each([
    ['an 11-digit account id', account('11111111111'), '/stagingAccounts/0/accountId'],
    ['maxServers above 300', account('111111111111', { maxServers: 301 }), '/stagingAccounts/0/maxServers'],
    ['a bad region', account('111111111111', { region: 'Ohio' }), '/stagingAccounts/0/region'],
    ['an unknown field', account('111111111111', { maxservers: 1 }), '/stagingAccounts/0/maxservers'],
  ])('rejects %s', (_case, entry, pointer) => {
    expect(problemsOf({ stagingAccounts: [entry] }).join('\n')).toContain(pointer);
  });

  it('rejects invalid JSON text with a clear message', () => {
    expect(problemsOf('{not json')[0]).toContain('invalid JSON');
  });

  it('rejects an empty account list', () => {
    expect(problemsOf({ stagingAccounts: [] })[0]).toContain('at least 1');
  });
});
