/**
 * Least privilege proven in the emulator (issue 5 item 6): the staging role's policies are read
 * from the synthesized iam-roles template and given to `DRS-Orchestration-Role` in every staging
 * account of the demo fleet. Every action then runs through the real ASL, tasks and SDK with no
 * AccessDenied; and for each granted action, a run without that one action fails somewhere.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRecoverySnapshotsCommand, DrsClient } from '@aws-sdk/client-drs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { loadStagingRolePolicy, type PolicyDocumentJson } from '../../infra/policies.js';
import { templateToYaml } from '../../infra/synth.js';
import {
  evaluatePolicies,
  type PolicyDocument as IamPolicyDocument,
} from '../../src/emulator/auth/iam-policy.js';
import { demoFleet } from '../../src/emulator/fleet/demo.js';
import type { Fleet, PolicyDocument } from '../../src/emulator/fleet/types.js';
import { fromAws, withOrigin } from '../_helpers/cross-region-fleet.js';
import { output, serversTagged } from '../e2e/helpers.js';
import { startWorld, type World } from '../e2e/world.js';
import { synthesize } from './support.js';

const built = synthesize({ stacks: ['iam-roles'] });
const templatePath = join(mkdtempSync(join(tmpdir(), 'drs-lp-')), 'iam-roles.yaml');
writeFileSync(
  templatePath,
  templateToYaml(built.template(built.iamRoles as NonNullable<typeof built.iamRoles>).toJSON()),
);

const SINGLE = { 'DR-Test': 'single' };
/** One server of 111111111111 that is an EC2 instance of 333333333333, whose DRS is in us-west-2. */
const CROSS_REGION = { 'DR-Test': 'cross-region' };
const ORIGIN = { accountId: '333333333333', region: 'us-west-2' };

type Statement = Record<string, unknown> & { Effect: string; Action: string | string[] };

/** The demo fleet with the template's policies on every staging role, minus `without`. */
function fleetWithTemplatePolicies(without?: string): Fleet {
  const fleet = withOrigin(demoFleet(), '111111111111', ORIGIN, (s, i) =>
    i === 199 ? fromAws(s, ORIGIN, CROSS_REGION) : s,
  );
  const accounts = fleet.accounts.map((account) => ({
    ...account,
    roles: (account.roles ?? []).map((role) => {
      if (role.name !== 'DRS-Orchestration-Role') return role;
      const staging = loadStagingRolePolicy(templatePath, {
        accountId: account.accountId,
        region: account.region,
      });
      const policies = staging.policyDocuments.map((doc: PolicyDocumentJson) => ({
        ...doc,
        Statement: (doc.Statement as Statement[])
          .map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => a !== without) }))
          .filter((s) => s.Action.length > 0),
      }));
      return { ...role, policies: policies as PolicyDocument[] };
    }),
  }));
  return { ...fleet, accounts } as Fleet;
}

/** A recovery snapshot of the single test server, read through the staging role like the tasks do. */
async function snapshotOfSingleServer(world: World): Promise<string> {
  const [server] = serversTagged(world, SINGLE);
  const account = world.emu.state.account(server?.accountId ?? '');
  const common = { endpoint: world.emu.endpoint, region: account?.region ?? 'us-east-2' };
  const sts = new STSClient({ ...common, credentials: world.emu.credentials });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${server?.accountId}:role/DRS-Orchestration-Role`,
      RoleSessionName: 'least-privilege-test',
    }),
  );
  const drs = new DrsClient({
    ...common,
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    },
  });
  // Without drs:DescribeRecoverySnapshots (one of the removal runs) a well-formed unknown id is used.
  const listed = await drs
    .send(new DescribeRecoverySnapshotsCommand({ sourceServerID: server?.id ?? '' }))
    .catch(() => ({ items: [] }));
  return listed.items?.[0]?.snapshotID ?? 'pit-00000000000000000';
}

/**
 * The actions each scenario runs, in order (pit-drill: a drill at a recovery snapshot; the
 * cross-region pair: failover, then Region-to-Region failback, of an AWS-origin server).
 */
const ACTIONS = [
  'drill',
  'status',
  'terminate',
  'pit-drill',
  'terminate',
  'failover',
  'failback',
  'failover-cross-region',
  'failback-cross-region',
];

/** The input of an ACTIONS entry. */
async function inputOf(world: World, action: string): Promise<Record<string, unknown>> {
  if (action === 'pit-drill')
    return {
      action: 'drill',
      tags: SINGLE,
      options: { pointInTimeSnapshot: await snapshotOfSingleServer(world) },
    };
  if (action === 'failover-cross-region') return { action: 'failover', tags: CROSS_REGION };
  // Reverse replication syncs for up to 90 virtual minutes, then the recovery there takes up to 45.
  if (action === 'failback-cross-region')
    return { action: 'failback', tags: CROSS_REGION, options: { maxWaitMinutes: 240 } };
  return { action, tags: SINGLE };
}

/** Every action of ACTIONS on one server; the outcome of each run and the service calls made. */
async function runEveryAction(
  fleet: Fleet,
): Promise<
  { action: string; status: string; errors: string[] }[] & { quotaCalls?: number; jobLogCalls?: number }
> {
  const world = await startWorld({ fleet });
  try {
    const outcomes: { action: string; status: string; errors: string[] }[] = [];
    for (const action of ACTIONS) {
      if (action === 'failback') world.emu.clock.advance(2 * 3_600_000);
      const result = await world.run('main', await inputOf(world, action));
      const out = result.output === undefined ? undefined : output(result.output);
      const text = JSON.stringify(result.output ?? result.cause ?? '');
      outcomes.push({
        action,
        status: result.status === 'SUCCEEDED' ? (out?.status ?? 'none') : result.status,
        errors: [...new Set(text.match(/(AccessDenied\w*|CrossAccountAccessDenied)[^"]{0,200}/g) ?? [])],
      });
      // One failed action is all a removal run has to show; the rest would only cost time.
      if (outcomes.at(-1)?.status !== 'success') break;
    }
    return Object.assign(outcomes, {
      quotaCalls: world.emu.state.callTotal({ service: 'servicequotas', operation: 'GetServiceQuota' }),
      jobLogCalls: world.emu.state.callTotal({ service: 'drs', operation: 'DescribeJobLogItems' }),
    });
  } finally {
    await world.stop();
  }
}

const granted = [
  ...new Set(
    loadStagingRolePolicy(templatePath, { accountId: '111111111111', region: 'us-east-2' })
      .policyDocuments.flatMap((d) => d.Statement as Statement[])
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Action].flat()),
  ),
].sort();

describe('E2E: least privilege of DRS-Orchestration-Role (from templates/iam-roles.yaml)', () => {
  it('runs drill, status, terminate, a point-in-time drill, failover and failback (on premises and Region to Region) with no AccessDenied', async () => {
    const outcomes = await runEveryAction(fleetWithTemplatePolicies());
    expect([...outcomes]).toEqual(
      ACTIONS.map((action) => ({
        action,
        status: 'success',
        errors: [],
      })),
    );
  });

  // Denied quota reads degrade by design to the conservative default quotas (docs/architecture.md §3),
  // so their removal fails nothing: the proof of use is that partition makes the call, and that
  // the deployed policy allows it. A denied job log read costs the report its job log items, not
  // the run (src/tasks/recovery.ts readJobLogs), so the same holds for drs:DescribeJobLogItems.
  const GRACEFUL = new Set(['servicequotas:GetServiceQuota', 'drs:DescribeJobLogItems']);

  it.each(granted.filter((a) => !GRACEFUL.has(a)))(
    'needs %s: without it some action fails',
    async (action) => {
      const outcomes = await runEveryAction(fleetWithTemplatePolicies(action));
      expect(outcomes.filter((o) => o.status !== 'success').map((o) => o.action)).not.toEqual([]);
    },
  );

  it('reads the DRS quotas with servicequotas:GetServiceQuota, which the policy allows (and survives without)', async () => {
    const withIt = await runEveryAction(fleetWithTemplatePolicies());
    expect(withIt.quotaCalls).toBeGreaterThan(0);
    const docs = loadStagingRolePolicy(templatePath, { accountId: '111111111111', region: 'us-east-2' })
      .policyDocuments as unknown as IamPolicyDocument[];
    const quota = 'arn:aws:servicequotas:us-east-2:111111111111:drs/L-B827C881';
    expect(evaluatePolicies(docs, { action: 'servicequotas:GetServiceQuota', resource: quota })).toBe(
      'Allow',
    );
    const without = await runEveryAction(fleetWithTemplatePolicies('servicequotas:GetServiceQuota'));
    expect(without.map((o) => o.status)).toEqual(ACTIONS.map(() => 'success'));
  });

  it('reads each finished job log with drs:DescribeJobLogItems, which the policy allows (and survives without)', async () => {
    const withIt = await runEveryAction(fleetWithTemplatePolicies());
    expect(withIt.jobLogCalls).toBeGreaterThan(0);
    const without = await runEveryAction(fleetWithTemplatePolicies('drs:DescribeJobLogItems'));
    expect(without.map((o) => o.status)).toEqual(ACTIONS.map(() => 'success'));
    expect(without.jobLogCalls).toBeGreaterThan(0);
  });
});
