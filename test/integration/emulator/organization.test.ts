/**
 * Issue 21 acceptance: the emulator enforces `aws:PrincipalOrgPaths` and `aws:PrincipalArn` in
 * trust policies, so the orchestrator's deployed callback role (its trust policy read from the
 * synthesized main-orchestrator template) admits the callback tasks' roles of any account in the
 * DR OU, and refuses the same role in an account outside it. Real STS SDK over HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../../infra/config.js';
import { loadTemplateRoles } from '../../../infra/policies.js';
import { templateToYaml } from '../../../infra/synth.js';
import {
  FLEET_DR_OU_PATH,
  FLEET_ORGANIZATION_ID,
  FLEET_PLATFORM_OU_PATH,
} from '../../../src/emulator/auth/organization.js';
import type { Fleet, FleetRole } from '../../../src/emulator/fleet/types.js';
import { type Emulator, generateFleet, startEmulator } from '../../../src/emulator/index.js';
import { synthesize } from '../../infra/support.js';

const ORCHESTRATOR = '123456789012';
const IN_OU = '111111111111';
const NESTED_OU = '222222222222';
const OUTSIDE_OU = '333333333333';
const CALLBACK = `arn:aws:iam::${ORCHESTRATOR}:role/DRS-Orchestration-Executor-Callback`;

/** The callback role exactly as main-orchestrator deploys it, for the fleet's organization. */
function deployedCallbackRole(): FleetRole {
  const config = {
    ...loadDeploymentConfig(),
    orchestratorAccountId: ORCHESTRATOR,
    organizationId: FLEET_ORGANIZATION_ID,
    drOrganizationalUnitPath: FLEET_DR_OU_PATH,
  };
  const built = synthesize({ stacks: ['main-orchestrator'], config });
  const path = join(mkdtempSync(join(tmpdir(), 'drs-org-')), 'main-orchestrator.yaml');
  writeFileSync(path, templateToYaml(built.template(built.main as NonNullable<typeof built.main>).toJSON()));
  const role = loadTemplateRoles(path, { accountId: ORCHESTRATOR, region: 'us-east-1' }).find((r) =>
    r.roleArn.endsWith('/DRS-Orchestration-Executor-Callback'),
  );
  if (role === undefined) throw new Error('main-orchestrator has no callback role');
  return {
    name: 'DRS-Orchestration-Executor-Callback',
    trustPolicy: role.trustPolicy as FleetRole['trustPolicy'],
  };
}

/** A role the orchestrator's root may assume (to act as that role in its account). */
function stagingRole(name: string): FleetRole {
  return {
    name,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ORCHESTRATOR}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    },
  };
}

function fleet(): Fleet {
  const base = generateFleet({ seed: 3, accounts: 3, serversPerAccount: 1 });
  const paths: Record<string, string> = {
    [NESTED_OU]: `${FLEET_DR_OU_PATH}ou-emu0-dr000002/`,
    [OUTSIDE_OU]: FLEET_PLATFORM_OU_PATH,
  };
  const ids = [IN_OU, NESTED_OU, OUTSIDE_OU];
  const accounts = base.accounts.map((account) => {
    if (account.accountId === ORCHESTRATOR) {
      return {
        ...account,
        roles: [
          ...(account.roles ?? []).filter((r) => !r.name.endsWith('-Callback')),
          deployedCallbackRole(),
        ],
      };
    }
    const accountId = ids[
      base.accounts.filter((a) => a.accountId !== ORCHESTRATOR).indexOf(account)
    ] as string;
    return {
      ...account,
      accountId,
      ...(paths[accountId] ? { organizationPath: paths[accountId] } : {}),
      roles: [stagingRole('DRS-Orchestration-Task-report-executor'), stagingRole('Someone-Else')],
      sourceServers: [],
      ssmParameters: [],
    };
  });
  return { ...base, orchestratorAccountId: ORCHESTRATOR, accounts };
}

describe('Emulator: organization conditions in trust policies (the deployed callback role)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ fleet: fleet(), timeScale: 0 });
  });
  afterAll(async () => {
    await emu.stop();
  });

  /** Assumes `roleName` in `accountId` as the orchestrator root, then the callback role from there. */
  async function callbackFrom(accountId: string, roleName: string): Promise<string> {
    const config = { endpoint: emu.endpoint, region: 'us-east-1' };
    const root = new STSClient({ ...config, credentials: emu.credentials });
    const first = await root.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
        RoleSessionName: 'task',
      }),
    );
    const c = first.Credentials;
    const asTask = new STSClient({
      ...config,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    try {
      const out = await asTask.send(
        new AssumeRoleCommand({ RoleArn: CALLBACK, RoleSessionName: 'callback' }),
      );
      return `allowed ${out.AssumedRoleUser?.Arn}`;
    } catch (err) {
      return `${(err as Error).name}`;
    }
  }

  it('admits a callback task role of an account in the DR OU, nested OUs included', async () => {
    expect(await callbackFrom(IN_OU, 'DRS-Orchestration-Task-report-executor')).toBe(
      `allowed arn:aws:sts::${ORCHESTRATOR}:assumed-role/DRS-Orchestration-Executor-Callback/callback`,
    );
    expect(await callbackFrom(NESTED_OU, 'DRS-Orchestration-Task-report-executor')).toMatch(/^allowed /);
  });

  it('denies the same role in an account outside the DR OU (aws:PrincipalOrgPaths)', async () => {
    expect(await callbackFrom(OUTSIDE_OU, 'DRS-Orchestration-Task-report-executor')).toBe('AccessDenied');
  });

  it('denies another role of an account in the DR OU (aws:PrincipalArn)', async () => {
    expect(await callbackFrom(IN_OU, 'Someone-Else')).toBe('AccessDenied');
  });
});
