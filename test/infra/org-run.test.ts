/**
 * Issue 21 acceptance: a whole run (the real ASL, tasks and SDK against the emulator) in which the
 * staging accounts' executors act as their own task roles, as their Lambdas do on AWS, and meet
 * the orchestrator account's resources as main-orchestrator deploys them: the results bucket's
 * policy, its KMS key's policy (SSE-KMS) and the callback role's trust policy, read from the
 * synthesized template. An account in
 * the DR OU stores its records and answers the main execution; the same roles in an account
 * outside the OU are refused by both (aws:PrincipalOrgPaths), over the real S3 and STS SDKs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../infra/config.js';
import {
  EXECUTOR_CALLBACK_ROLE_NAME,
  executorTaskRoleName,
  ORCHESTRATOR_KEY_ALIAS,
  resultsBucketName,
} from '../../infra/names.js';
import { loadTemplateRoles } from '../../infra/policies.js';
import { templateToYaml } from '../../infra/synth.js';
import {
  FLEET_DR_OU_PATH,
  FLEET_ORGANIZATION_ID,
  FLEET_PLATFORM_OU_PATH,
} from '../../src/emulator/auth/organization.js';
import type { Fleet, FleetKmsKey, FleetRole } from '../../src/emulator/fleet/types.js';
import { generateFleet } from '../../src/emulator/index.js';
import type { S3State } from '../../src/emulator/services/s3/s3.js';
import type { RuntimeAccount, RuntimeEnv, TaskRegistry, TaskScope } from '../../src/runtime/index.js';
import { runStateMachine } from '../../src/runtime/index.js';
import { createTaskDeps } from '../../src/tasks/deps.js';
import { tasks as defaultTasks } from '../../src/tasks/index.js';
import { output } from '../e2e/helpers.js';
import { startWorld, type World } from '../e2e/world.js';
import { DeployedWorld } from './deployed-world.js';
import { synthesize } from './support.js';

const ORCHESTRATOR = '123456789012';
const REGION = 'us-east-1';
const IN_OU = '111111111111';
const OUTSIDE_OU = '222222222222';
const BUCKET = resultsBucketName(ORCHESTRATOR, REGION);

/**
 * main-orchestrator as deployed for the fleet's organization: the results bucket's policy, its
 * KMS key (key policy and alias) and the callback role.
 */
function deployedOrchestrator(): { bucketPolicy: string; key: FleetKmsKey; callbackRole: FleetRole } {
  const config = {
    ...loadDeploymentConfig(),
    orchestratorAccountId: ORCHESTRATOR,
    region: REGION,
    organizationId: FLEET_ORGANIZATION_ID,
    drOrganizationalUnitPath: FLEET_DR_OU_PATH,
  };
  const built = synthesize({ stacks: ['main-orchestrator'], config });
  const main = built.main as NonNullable<typeof built.main>;
  const world = new DeployedWorld(built, {
    'main-orchestrator': { accountId: ORCHESTRATOR, region: REGION },
  });
  const [policy] = world
    .ofType('AWS::S3::BucketPolicy')
    .filter((p) => world.render(p.stack, p.properties.Bucket) === BUCKET);
  if (policy === undefined) throw new Error(`main-orchestrator has no policy for ${BUCKET}`);
  const bucketPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: world.statementsOf(policy.stack, policy.properties.PolicyDocument),
  });
  const [keyResource] = world.ofType('AWS::KMS::Key');
  if (keyResource === undefined) throw new Error('main-orchestrator has no key');
  const key: FleetKmsKey = {
    keyId: world.arnOf(keyResource).split('/').pop() as string,
    aliases: [ORCHESTRATOR_KEY_ALIAS],
    policy: {
      Version: '2012-10-17',
      Statement: world.statementsOf(keyResource.stack, keyResource.properties.KeyPolicy),
    } as unknown as FleetKmsKey['policy'],
  };
  const path = join(mkdtempSync(join(tmpdir(), 'drs-org-run-')), 'main-orchestrator.yaml');
  writeFileSync(path, templateToYaml(built.template(main).toJSON()));
  const callback = loadTemplateRoles(path, { accountId: ORCHESTRATOR, region: REGION }).find(
    (r) => r.roleName === EXECUTOR_CALLBACK_ROLE_NAME,
  );
  if (callback === undefined) throw new Error('main-orchestrator has no callback role');
  return {
    bucketPolicy,
    key,
    callbackRole: {
      name: EXECUTOR_CALLBACK_ROLE_NAME,
      trustPolicy: callback.trustPolicy as FleetRole['trustPolicy'],
      policies: Object.values(callback.policies) as unknown as FleetRole['policies'],
    } as FleetRole,
  };
}

const EXECUTOR_TASKS = Object.keys(defaultTasks);

/** An executor task's role: its Lambda stands in as the orchestrator root assuming it. */
function taskRole(taskId: string): FleetRole {
  return {
    name: executorTaskRoleName(taskId),
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

/** Two staging accounts (one in the DR OU, one outside it) and the orchestrator as deployed. */
function fleet(callbackRole: FleetRole, key: FleetKmsKey): Fleet {
  const base = generateFleet({ seed: 21, accounts: [IN_OU, OUTSIDE_OU], serversPerAccount: 6 });
  return {
    ...base,
    accounts: base.accounts.map((a) => {
      if (a.accountId === ORCHESTRATOR) {
        return {
          ...a,
          // SSE-KMS with the orchestrator key, as deployed: writes need its key policy too.
          s3Buckets: [{ name: BUCKET, kmsKeyId: key.keyId }],
          kmsKeys: [key],
          roles: [...(a.roles ?? []).filter((r) => r.name !== EXECUTOR_CALLBACK_ROLE_NAME), callbackRole],
        };
      }
      return {
        ...a,
        ...(a.accountId === OUTSIDE_OU ? { organizationPath: FLEET_PLATFORM_OU_PATH } : {}),
        roles: [...(a.roles ?? []), ...EXECUTOR_TASKS.map(taskRole)],
      };
    }),
  };
}

const EXECUTOR_ACCOUNT = Symbol('executor account');

/**
 * The world's runtime env, except that every executor task acts as its own role in its staging
 * account (`DRS-Orchestration-Task-<task>`), its own account's DRS reached with those credentials
 * and the results bucket and callback role as that role: what its Lambda does on AWS.
 */
function executorsAsTaskRoles(world: World): RuntimeEnv {
  const { env, emu } = world;
  const sts = new STSClient({ endpoint: emu.endpoint, region: REGION, credentials: emu.credentials });
  const sessions = new Map<string, Promise<unknown>>();
  const depsAs = (taskId: string, scope: TaskScope & { account: RuntimeAccount }) => {
    const key = `${scope.account.accountId}/${taskId}`;
    let deps = sessions.get(key);
    if (deps === undefined) {
      deps = sts
        .send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${scope.account.accountId}:role/${executorTaskRoleName(taskId)}`,
            RoleSessionName: taskId,
          }),
        )
        .then(({ Credentials: c }) =>
          createTaskDeps({
            endpoint: emu.endpoint,
            credentials: {
              accessKeyId: c?.AccessKeyId ?? '',
              secretAccessKey: c?.SecretAccessKey ?? '',
              sessionToken: c?.SessionToken ?? '',
            },
            region: scope.account.region,
            ambientAccountId: scope.account.accountId,
            resultsBucket: BUCKET,
            resultsBucketRegion: REGION,
            now: () => emu.clock.now(),
            sleep: (world.scheduler as NonNullable<World['scheduler']>).sleep,
            env: {},
            progress: scope.progress,
          }),
        );
      sessions.set(key, deps);
    }
    return deps;
  };
  const wrapped = Object.fromEntries(
    Object.entries(defaultTasks).map(([taskId, fn]) => [
      taskId,
      async (event: never, deps: Record<symbol, unknown>) => {
        const scope = deps?.[EXECUTOR_ACCOUNT] as (TaskScope & { account: RuntimeAccount }) | undefined;
        return fn(event, (scope === undefined ? deps : await depsAs(taskId, scope)) as never);
      },
    ]),
  ) as unknown as TaskRegistry;
  return {
    ...env,
    tasks: wrapped,
    taskDeps: (scope) => {
      const deps = env.taskDeps(scope) as Record<string | symbol, unknown>;
      return scope.machine === 'executor' ? { ...deps, [EXECUTOR_ACCOUNT]: scope } : deps;
    },
  };
}

describe('Org run: a drill across the DR OU and an account outside it, with the deployed policies', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('stores and reports the records of the account in the DR OU; refuses the outside account’s write and callback', async () => {
    const { bucketPolicy, key, callbackRole } = deployedOrchestrator();
    world = await startWorld({ fleet: fleet(callbackRole, key), env: { resultsBucket: BUCKET } });
    await new S3Client({
      endpoint: world.emu.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: world.emu.credentials,
    }).send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: bucketPolicy }));

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { 'DR-Enabled': 'true' }, options: { continueOnFailure: true } },
      env: executorsAsTaskRoles(world),
    });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    const byAccount = Object.fromEntries(out.stagingAccountResults.map((r) => [r.accountId, r]));
    const keys = [
      ...((world.emu.state.services.get('s3') as unknown as S3State).bucket(BUCKET)?.objects.keys() ?? []),
    ];
    // What each executor wrote (discover, in the orchestrator account, writes work/<account>.json).
    // What each executor wrote (discover, in the orchestrator account, writes work/<account>.json).
    const accountRecords = (accountId: string) =>
      keys.filter((k) => k.startsWith('results/') && k.endsWith(`/accounts/${accountId}.json`));
    // Both accounts ran their drill (their own DRS, with their own task roles).
    expect(byAccount[IN_OU]?.status).toBe('success');
    expect(byAccount[OUTSIDE_OU]?.status).toBe('success');
    // Inside the OU: the records are in the bucket under results/, and the executor called back.
    expect(accountRecords(IN_OU)).toHaveLength(1);
    // Outside the OU: the bucket policy refused the write (the records travel inline, the output
    // says AccessDenied) and the callback role's trust refused its answer.
    expect(accountRecords(OUTSIDE_OU)).toEqual([]);
    const warnings = out.warnings ?? [];
    expect(warnings.filter((w) => w.includes(OUTSIDE_OU) && w.includes('AccessDenied'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes(IN_OU))).toEqual([]);
    expect(world.emu.state.callTotal({ service: 'states', operation: 'SendTaskSuccess' })).toBe(1);
  });
});
