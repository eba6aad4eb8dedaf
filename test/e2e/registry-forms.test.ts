/**
 * Issue 21 point 5: the staging-account registry of design 6.1 (one SSM parameter holding the
 * whole document) still works next to the per-account form main-orchestrator deploys; both at
 * once is a clear error. Real ASL, tasks and SDK against the emulator's Parameter Store.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGING_ACCOUNTS_PATH } from '../../src/contract/staging-accounts.js';
import { demoFleet } from '../../src/emulator/fleet/demo.js';
import type { Fleet, FleetSsmParameter } from '../../src/emulator/fleet/types.js';
import { output } from './helpers.js';
import { startWorld } from './world.js';

/** The demo fleet with its registry rewritten: per-account parameters, the design document, or both. */
function fleetWithRegistry(form: 'document' | 'both'): { fleet: Fleet; accounts: number } {
  const fleet = demoFleet();
  let accounts = 0;
  const rewritten = fleet.accounts.map((account) => {
    const params = account.ssmParameters ?? [];
    const perAccount = params.filter((p) => p.name.startsWith(`${DEFAULT_STAGING_ACCOUNTS_PATH}/`));
    if (perAccount.length === 0) return account;
    accounts = perAccount.length;
    const document: FleetSsmParameter = {
      name: DEFAULT_STAGING_ACCOUNTS_PATH,
      value: JSON.stringify({ stagingAccounts: perAccount.map((p) => JSON.parse(p.value)) }),
    };
    const others = params.filter((p) => !perAccount.includes(p));
    return { ...account, ssmParameters: [...others, document, ...(form === 'both' ? perAccount : [])] };
  });
  return { fleet: { ...fleet, accounts: rewritten }, accounts };
}

describe('E2E: the staging-account registry in either form', () => {
  it('reads the single document of design 6.1 when the per-account parameters do not exist', async () => {
    const { fleet, accounts } = fleetWithRegistry('document');
    expect(accounts).toBeGreaterThan(1);
    const world = await startWorld({ fleet });
    try {
      const result = await world.run('main', { action: 'status', tags: { 'DR-Wave': '1' } });
      expect(result.status).toBe('SUCCEEDED');
      const out = output(result.output);
      expect(out.status).toBe('success');
      expect(out.stagingAccountResults.length).toBeGreaterThan(0);
    } finally {
      await world.stop();
    }
  });

  it('refuses a registry that exists in both forms, naming both and what to do', async () => {
    const { fleet } = fleetWithRegistry('both');
    const world = await startWorld({ fleet });
    try {
      const result = await world.run('main', { action: 'status', tags: { 'DR-Wave': '1' } });
      const text = JSON.stringify(result.output ?? result.cause ?? result.error ?? '');
      expect(text).toContain('exists both as the single document of design 6.1');
      expect(text).toContain('drs-orch registry convert');
      expect(text).not.toMatch(/\bat \w+ \(/); // no stack trace
    } finally {
      await world.stop();
    }
  });
});
