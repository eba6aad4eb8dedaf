import { describe, expect, it } from 'vitest';
import {
  parseStagingAccountRegistry,
  parseStagingAccounts,
  registryParameters,
  ValidationError,
} from '../../../src/contract/index.js';
import { resolveStagingAccountRegistry } from '../../../src/contract/staging-accounts.js';
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

describe('Function: parseStagingAccountRegistry', () => {
  const PATH = '/drs-orchestration/staging-accounts';
  const problemsOfRegistry = (params: { name: string; value: string }[]): string[] => {
    try {
      parseStagingAccountRegistry(params, PATH);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).problems.map((p) => `${p.pointer} ${p.message}`);
    }
    throw new Error('expected a ValidationError');
  };

  it('reads back the schema maximum of 400 accounts, each a standard-tier parameter under 4 KB', () => {
    const accounts = Array.from({ length: 400 }, (_, i) =>
      account(String(100000000000 + i), { maxServers: 300, priority: i }),
    );
    const params = registryParameters(accounts, PATH);

    expect(params.every((p) => p.value.length < 4096)).toBe(true);
    // The single document the fleets used to store (pretty-printed) passes SSM's 8 KB advanced limit.
    expect(JSON.stringify({ stagingAccounts: accounts }, null, 2).length).toBeGreaterThan(8192);
    expect(parseStagingAccountRegistry(params, PATH)).toEqual(accounts);
  });

  it('names the parameter of a bad entry, not a document position', () => {
    const params = registryParameters(
      [account('111111111111'), account('222222222222', { region: 'Ohio' })],
      PATH,
    );

    expect(problemsOfRegistry(params).join('\n')).toContain(`${PATH}/222222222222/region`);
  });

  it('refuses a parameter whose name does not end in its accountId, and invalid JSON', () => {
    expect(
      problemsOfRegistry([{ name: `${PATH}/333333333333`, value: JSON.stringify(account('111111111111')) }]),
    ).toEqual([
      `${PATH}/333333333333/accountId must be 333333333333, the last segment of its parameter name, got 111111111111`,
    ]);
    expect(problemsOfRegistry([{ name: `${PATH}/111111111111`, value: '{' }])[0]).toContain(
      `${PATH}/111111111111 must be a JSON object, got invalid JSON`,
    );
  });

  it('refuses a registry parameter or document that gives a key twice (JSON.parse read the last one)', () => {
    // Parameter .../111111111111 says account 222222222222 and then 111111111111, with 111's role.
    const twice = JSON.stringify(account('111111111111')).replace('{', '{"accountId":"222222222222",');

    expect(problemsOfRegistry([{ name: `${PATH}/111111111111`, value: twice }])).toEqual([
      `${PATH}/111111111111 must be a JSON object read strictly: duplicate key "accountId" at /accountId (line 1)`,
    ]);
    expect(
      problemsOf(`{"stagingAccounts":[],"stagingAccounts":[${JSON.stringify(account('111111111111'))}]}`),
    ).toEqual([
      ' must be a JSON document read strictly: duplicate key "stagingAccounts" at /stagingAccounts (line 1)',
    ]);
  });

  it('refuses an empty registry with where the accounts belong', () => {
    expect(problemsOfRegistry([])).toEqual([
      `${PATH} has no parameters: expected one per staging account, named ${PATH}/<accountId>, each a JSON object with accountId, region and roleArn`,
    ]);
  });

  it('refuses more accounts than the schema allows', () => {
    const params = registryParameters(
      Array.from({ length: 401 }, (_, i) => account(String(100000000000 + i))),
      PATH,
    );
    expect(problemsOfRegistry(params)).toEqual([`${PATH} must have at most 400 items`]);
  });
});

describe('Function: resolveStagingAccountRegistry', () => {
  const path = '/drs-orchestration/staging-accounts';
  const document = { name: path, value: JSON.stringify(designStagingAccounts) };

  it('reads the single document of design 6.1 when no per-account parameter exists', () => {
    expect(resolveStagingAccountRegistry({ document, parameters: [] }, path)).toEqual({
      form: 'document',
      accounts: parseStagingAccounts(designStagingAccounts),
    });
  });

  it('reads the per-account parameters when the document does not exist', () => {
    const parameters = registryParameters(parseStagingAccounts(designStagingAccounts), path);
    expect(resolveStagingAccountRegistry({ parameters }, path).form).toBe('parameters');
  });

  it('refuses both forms at once, naming the document and counting the parameters', () => {
    const parameters = registryParameters(parseStagingAccounts(designStagingAccounts), path);
    expect(() => resolveStagingAccountRegistry({ document, parameters }, path)).toThrow(
      /exists both as the single document of design 6\.1 \(parameter \/drs-orchestration\/staging-accounts\) and as 3 per-account parameter\(s\)/,
    );
  });

  it('names the document parameter in each problem of an invalid document', () => {
    const bad = {
      name: path,
      value: JSON.stringify({ stagingAccounts: [account('111111111111', { region: 'nowhere' })] }),
    };
    expect(() => resolveStagingAccountRegistry({ document: bad, parameters: [] }, path)).toThrow(
      /\/drs-orchestration\/staging-accounts\/stagingAccounts\/0\/region/,
    );
  });
});
