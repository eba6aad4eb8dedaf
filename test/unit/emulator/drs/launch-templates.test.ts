/**
 * DRS applies the default launch settings (the account's launch configuration template and its
 * post-launch actions) to a newly added source server, and only to it: servers that existed before
 * keep theirs, and a later template change does not reach a server already added.
 */
import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../../../src/emulator/faults.js';
import { generateFleet } from '../../../../src/emulator/fleet/generate.js';
import { DrsAccount } from '../../../../src/emulator/services/drs/account.js';
import { LAUNCH_OPERATIONS } from '../../../../src/emulator/services/drs/launch-settings.js';
import { drsStateOf } from '../../../../src/emulator/services/drs/seed.js';

const START = Date.parse('2025-01-06T09:00:00Z');
const ACTION = '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b';

function account() {
  const spec = generateFleet({ seed: 2, accounts: 1, serversPerAccount: 3 }).accounts[1];
  if (!spec) throw new Error('no staging account');
  return new DrsAccount(drsStateOf(spec, 2, START), new FaultEngine());
}

const call = (a: DrsAccount, op: string, body: Record<string, unknown>) =>
  JSON.parse(LAUNCH_OPERATIONS[op]?.(a, body) || '{}') as Record<string, unknown>;

describe('launch configuration templates', () => {
  it('become the launch settings and post-launch actions of a source server added after them', () => {
    const a = account();
    const [existing] = a.servers();
    if (!existing) throw new Error('no server');
    const created = call(a, 'CreateLaunchConfigurationTemplate', {
      launchDisposition: 'STOPPED',
      copyTags: false,
      postLaunchEnabled: true,
    });
    const templateId = (created.launchConfigurationTemplate as { launchConfigurationTemplateID: string })
      .launchConfigurationTemplateID;
    call(a, 'PutLaunchAction', {
      resourceId: templateId,
      actionId: ACTION,
      actionCode: 'AWS-RunShellScript',
      order: 2,
      optional: false,
      active: true,
      name: 'smoke',
      actionVersion: '$DEFAULT',
      category: 'VALIDATION',
      description: 'smoke',
    });

    const added = {
      ...structuredClone(existing),
      sourceServerID: 's-0aaaaaaaaaaaaaaaa',
      hostname: 'added-001',
    };
    a.addServer(added);
    // A template change after the server was added does not reach it.
    call(a, 'UpdateLaunchConfigurationTemplate', {
      launchConfigurationTemplateID: templateId,
      copyTags: true,
    });

    expect(call(a, 'GetLaunchConfiguration', { sourceServerID: added.sourceServerID })).toMatchObject({
      name: 'added-001',
      launchDisposition: 'STOPPED',
      copyTags: false,
      postLaunchEnabled: true,
    });
    expect(call(a, 'ListLaunchActions', { resourceId: added.sourceServerID }).items).toMatchObject([
      { actionId: ACTION, name: 'smoke', active: true, order: 2 },
    ]);
    // The servers that were there before keep the defaults and no actions.
    expect(call(a, 'GetLaunchConfiguration', { sourceServerID: existing.sourceServerID })).toMatchObject({
      launchDisposition: 'STARTED',
      postLaunchEnabled: false,
    });
    expect(call(a, 'ListLaunchActions', { resourceId: existing.sourceServerID }).items).toEqual([]);
  });

  it('leave a server added to an account without a template on the defaults', () => {
    const a = account();
    const [existing] = a.servers();
    if (!existing) throw new Error('no server');

    a.addServer({ ...structuredClone(existing), sourceServerID: 's-0bbbbbbbbbbbbbbbb' });

    expect(call(a, 'GetLaunchConfiguration', { sourceServerID: 's-0bbbbbbbbbbbbbbbb' })).toMatchObject({
      launchDisposition: 'STARTED',
      copyTags: true,
      postLaunchEnabled: false,
    });
  });
});
