import { describe, expect, it } from 'vitest';
import { parseStagingAccountRegistry } from '../../../../src/contract/index.js';
import { generateFleet, stagingAccountRoleName } from '../../../../src/emulator/fleet/generate.js';
import { checkFleet } from '../../../../src/emulator/fleet/load.js';

const TARGET = '999999999999';

describe('Function: generateFleet (recoveryAccount)', () => {
  it('makes a valid fleet whose registry recovers every staging account into the target account', () => {
    const fleet = generateFleet({
      accounts: 3,
      serversPerAccount: 5,
      recoveryAccount: { accountId: TARGET },
    });
    checkFleet(fleet);

    const orchestrator = fleet.accounts[0];
    const registry = parseStagingAccountRegistry(
      (orchestrator?.ssmParameters ?? []).map((p) => ({ name: p.name, value: p.value })),
    );
    expect(registry.map((a) => a.recoveryAccount?.accountId)).toEqual([TARGET, TARGET, TARGET]);
    const target = fleet.accounts.find((a) => a.accountId === TARGET);
    expect(target?.extendedFrom).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(target?.sourceServers ?? []).toHaveLength(0);
  });

  it('gives each staging account the staging role DRS assumes for the target, trusting DRS on its behalf only', () => {
    const fleet = generateFleet({
      accounts: 2,
      serversPerAccount: 1,
      recoveryAccount: { accountId: TARGET },
    });
    const staging = fleet.accounts.filter((a) => a.name?.startsWith('staging-'));

    for (const account of staging) {
      const role = account.roles?.find((r) => r.name === stagingAccountRoleName(TARGET));
      expect(role?.trustPolicy).toMatchObject({
        Statement: [
          {
            Principal: { Service: 'drs.amazonaws.com' },
            Condition: { StringLike: { 'aws:SourceAccount': TARGET } },
          },
        ],
      });
    }
  });

  it('leaves the servers unextended when asked (the extend action makes them)', () => {
    const fleet = generateFleet({
      accounts: 1,
      serversPerAccount: 1,
      recoveryAccount: { accountId: TARGET, extended: false },
    });

    expect(fleet.accounts.find((a) => a.accountId === TARGET)?.extendedFrom).toBeUndefined();
  });
});
