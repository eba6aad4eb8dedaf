import { describe, expect, it } from 'vitest';
import { demoFleet } from '../../../../src/emulator/fleet/demo.js';
import { generateFleet, stagingAccountId } from '../../../../src/emulator/fleet/generate.js';
import { checkFleet, FleetError } from '../../../../src/emulator/fleet/load.js';
import { drsStateOf } from '../../../../src/emulator/services/drs/seed.js';

describe('Function: generateFleet', () => {
  it('is deterministic for a seed and different across seeds', () => {
    expect(generateFleet({ seed: 5 })).toEqual(generateFleet({ seed: 5 }));
    expect(generateFleet({ seed: 5 })).not.toEqual(generateFleet({ seed: 6 }));
  });

  it('makes accounts x servers and a valid fleet', () => {
    const fleet = generateFleet({ accounts: 10, serversPerAccount: 300 });

    expect(fleet.accounts).toHaveLength(11);
    expect(new Set(fleet.accounts.map((a) => a.accountId)).size).toBe(11);
    expect(fleet.accounts.slice(1).every((a) => a.sourceServers?.length === 300)).toBe(true);
    expect(() => checkFleet(fleet)).not.toThrow();
  });

  it('names staging accounts uniquely', () => {
    expect(stagingAccountId(1)).toBe('111111111111');
    expect(stagingAccountId(11)).toBe('900000000011');
  });
});

describe('Function: checkFleet', () => {
  it('lists duplicate accounts, servers and roles', () => {
    const server = { sourceServerID: 's-aaaaaaaaaaaaaaaaa', hostname: 'h' };
    const role = { name: 'R', trustPolicy: { Statement: [] } };
    const account = {
      accountId: '111111111111',
      region: 'us-east-2',
      sourceServers: [server, server],
      roles: [role, role],
    };

    let problems: readonly string[] = [];
    try {
      checkFleet({ accounts: [account, account] });
    } catch (err) {
      problems = (err as FleetError).problems;
    }

    expect(problems).toEqual(
      expect.arrayContaining([
        'account 111111111111 is listed twice',
        'source server s-aaaaaaaaaaaaaaaaa is listed twice',
        'role R is listed twice in account 111111111111',
      ]),
    );
  });

  it('counts only replicating servers against the per-account limit', () => {
    const fleet = generateFleet({ accounts: 1, serversPerAccount: 301 });
    const staging = fleet.accounts[1];
    const servers = staging?.sourceServers ?? [];
    const stopped = {
      ...fleet,
      accounts: [
        {
          ...staging,
          accountId: '111111111111',
          region: 'us-east-2',
          sourceServers: [
            { ...servers[0], hostname: 'x', replicationState: 'STOPPED' as const },
            ...servers.slice(1),
          ],
        },
      ],
    };

    expect(() => checkFleet(fleet)).toThrow(FleetError);
    expect(() => checkFleet(stopped)).not.toThrow();
  });
});

describe('Function: drsStateOf', () => {
  it('normalizes servers with seeded defaults and model-shaped IDs', () => {
    const demo = demoFleet();
    const account = demo.accounts[1];
    if (!account) throw new Error('demo fleet has no staging account');

    const a = drsStateOf(account, 1, Date.parse('2025-01-01T00:00:00Z'));
    const b = drsStateOf(account, 1, Date.parse('2025-01-01T00:00:00Z'));

    expect(a).toEqual(b);
    expect(a.servers).toHaveLength(200);
    expect(a.servers.every((s) => /^s-[0-9a-zA-Z]{17}$/.test(s.sourceServerID))).toBe(true);
    expect(new Set(a.servers.map((s) => s.sourceServerID)).size).toBe(200);
  });
});
