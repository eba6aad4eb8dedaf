/**
 * Seeded fleet generator: accounts x source servers with tags following the design's recommended
 * tag schema (5.2: DR-Wave, DR-Application, DR-Role, DR-Tier, DR-StagingAccount, DR-Enabled).
 */
import { registryParameters } from '../../contract/staging-accounts.js';
import { Random } from '../random.js';
import type {
  DataReplicationState,
  Fleet,
  FleetAccount,
  FleetRole,
  FleetSourceServer,
  FleetSsmParameter,
} from './types.js';

/** Options of {@link generateFleet}. */
export interface GenerateFleetOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Staging account IDs, or how many to make (111111111111, 222222222222, ...). @default 3 */
  readonly accounts?: number | readonly string[];
  /** @default 200 */
  readonly serversPerAccount?: number;
  /** Region of the staging accounts. @default 'us-east-2' */
  readonly region?: string;
  /**
   * Regions of the staging accounts, given to them in turn (a fleet spread over several DR
   * Regions). @default [region]
   */
  readonly regions?: readonly string[];
  /** @default '123456789012' */
  readonly orchestratorAccountId?: string;
  /** @default 'us-east-1' */
  readonly orchestratorRegion?: string;
  /** Application names. @default ['HRP', 'HealthEdge', 'Connectors'] */
  readonly applications?: readonly string[];
  /** @default 4 */
  readonly waves?: number;
  /** Servers (outside wave 1) that are not in CONTINUOUS replication. @default 0 */
  readonly notContinuous?: number;
  /** Tag one wave-1 server `DR-Test=single`. @default false */
  readonly singleTestServer?: boolean;
  /** Role name created in every staging account, trusting the orchestrator. @default 'DRS-Orchestration-Role' */
  readonly roleName?: string;
  /** ISO start time. @default none (the wall clock at start) */
  readonly startTime?: string;
  /**
   * One recovery (target) account every staging account recovers into (DRS user guide, "Using
   * multiple staging accounts with DRS"): the registry names it as each entry's `recoveryAccount`,
   * each staging account holds the `DRSStagingAccountRole_<target>` that lets the target's DRS
   * read it, and with `extended` every source server is already an extended source server there.
   * @default none: each staging account recovers in itself
   */
  readonly recoveryAccount?: {
    readonly accountId: string;
    /** @default the first staging Region */
    readonly region?: string;
    /** Extend every staging server into it when the fleet loads. @default true */
    readonly extended?: boolean;
  };
}

/** The role DRS assumes in a staging account to read it for a target account (DRS: "Staging role"). */
export function stagingAccountRoleName(targetAccountId: string): string {
  return `DRSStagingAccountRole_${targetAccountId}`;
}

/**
 * The staging role of a staging account for one target account, as the DRS console's Trusted
 * accounts page creates it (DRS user guide, "Adding a trusted account"): DRS may assume it on behalf
 * of source servers of the target account only.
 */
export function stagingAccountRole(targetAccountId: string): FleetRole {
  return {
    name: stagingAccountRoleName(targetAccountId),
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'drs.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
          Condition: {
            StringLike: { 'sts:SourceIdentity': targetAccountId, 'aws:SourceAccount': targetAccountId },
            ArnLike: { 'aws:SourceArn': 'arn:aws:drs:*:*:source-server/*' },
          },
        },
      ],
    },
  };
}

const ROLES = [
  { name: 'DBServer', short: 'db', weight: 0.2 },
  { name: 'AppServer', short: 'app', weight: 0.45 },
  { name: 'WebServer', short: 'web', weight: 0.35 },
] as const;
const STALLED_STATES: readonly DataReplicationState[] = [
  'STALLED',
  'INITIAL_SYNC',
  'DISCONNECTED',
  'BACKLOG',
  'PAUSED',
  'RESCAN',
];

/** The 12-digit ID of the n-th generated staging account (1 -> 111111111111, 10 -> 900000000010). */
export function stagingAccountId(n: number): string {
  return n < 10 ? String(n).repeat(12) : `9${String(n).padStart(11, '0')}`;
}

function weighted<T extends { weight: number }>(r: Random, items: readonly T[]): T {
  let x = r.next();
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new RangeError('no items to choose from');
  return last;
}

/** The orchestrator's role executors answer the main execution through (infra: iam-roles-stack.ts). */
export const EXECUTOR_CALLBACK_ROLE_NAME = 'DRS-Orchestration-Executor-Callback';

/**
 * The executor-callback role of an orchestrator: assumable from the staging accounts only, and
 * allowed nothing but SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat on the main state
 * machine (`drs-orchestration-main`, the local runtime's name for it), as the deployed role is.
 */
export function executorCallbackRole(
  orchestrator: string,
  region: string,
  staging: readonly string[],
): FleetRole {
  return {
    name: EXECUTOR_CALLBACK_ROLE_NAME,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: staging.map((id) => `arn:aws:iam::${id}:root`) },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
            // The main machine and its Distributed Map's child executions (`main/<label>`).
            Resource: [
              `arn:aws:states:${region}:${orchestrator}:stateMachine:drs-orchestration-main`,
              `arn:aws:states:${region}:${orchestrator}:stateMachine:drs-orchestration-main/*`,
            ],
          },
        ],
      },
    ],
  };
}

/**
 * The orchestrator's staging-account registry for these staging accounts: one SSM parameter per
 * account under `/drs-orchestration/staging-accounts`.
 */
export function stagingAccountParameters(
  accounts: readonly FleetAccount[],
  roleName: string,
  recoveryAccount?: { accountId: string; region: string },
): FleetSsmParameter[] {
  return registryParameters(
    accounts.map((a, i) => ({
      accountId: a.accountId,
      region: a.region,
      roleArn: `arn:aws:iam::${a.accountId}:role/${roleName}`,
      maxServers: 300,
      priority: i + 1,
      ...(recoveryAccount && {
        recoveryAccount: {
          accountId: recoveryAccount.accountId,
          region: recoveryAccount.region,
          roleArn: `arn:aws:iam::${recoveryAccount.accountId}:role/${roleName}`,
        },
      }),
    })),
  ).map((p) => ({ ...p, type: 'String' as const }));
}

/**
 * Generates a fleet: the orchestrator account (SSM parameters `/drs-orchestration/staging-accounts/<id>`,
 * results bucket, `dr-notifications` topic) and staging accounts with tagged source servers.
 * @example generateFleet({ seed: 7, accounts: 10, serversPerAccount: 300 })
 */
export function generateFleet(opts: GenerateFleetOptions = {}): Fleet {
  const seed = opts.seed ?? 1;
  const r = new Random(`${seed}/generate`);
  const ids =
    typeof opts.accounts === 'object'
      ? [...opts.accounts]
      : Array.from({ length: opts.accounts ?? 3 }, (_, i) => stagingAccountId(i + 1));
  const orchestrator = opts.orchestratorAccountId ?? '123456789012';
  const regions = opts.regions?.length ? opts.regions : [opts.region ?? 'us-east-2'];
  const apps = opts.applications ?? ['HRP', 'HealthEdge', 'Connectors'];
  const waves = opts.waves ?? 4;
  const perAccount = opts.serversPerAccount ?? 200;
  const roleName = opts.roleName ?? 'DRS-Orchestration-Role';
  const counters = new Map<string, number>();
  const staging: FleetAccount[] = ids.map((accountId, a) => {
    const region = regions[a % regions.length] as string;
    const servers: FleetSourceServer[] = [];
    for (let i = 0; i < perAccount; i++) {
      const app = r.pick(apps);
      const wave = Math.min(waves, 1 + Math.floor(r.next() ** 0.8 * waves));
      const role = weighted(r, ROLES);
      const tier =
        wave === 1
          ? r.next() < 0.8
            ? 'Critical'
            : 'Standard'
          : r.pick(['Standard', 'Standard', 'NonCritical', 'Critical']);
      const key = `${app}/${role.short}`;
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      const hostname = `${app.toLowerCase()}-${role.short}-${String(n).padStart(3, '0')}`;
      servers.push({
        hostname,
        tags: {
          Name: hostname,
          'DR-Wave': String(wave),
          'DR-Application': app,
          'DR-Role': role.name,
          'DR-Tier': tier,
          'DR-StagingAccount': `staging-${a + 1}`,
          'DR-Enabled': r.next() < 0.95 ? 'true' : 'false',
        },
      });
    }
    return {
      accountId,
      region,
      name: `staging-${a + 1}`,
      roles: [
        ...(opts.recoveryAccount ? [stagingAccountRole(opts.recoveryAccount.accountId)] : []),
        {
          name: roleName,
          trustPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${orchestrator}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      ],
      sourceServers: servers,
    };
  });
  // Spread the not-CONTINUOUS servers over the accounts, never in wave 1.
  const candidates = staging.flatMap((acc) =>
    (acc.sourceServers ?? []).map((s, i) => ({ acc, i, s })).filter((x) => x.s.tags?.['DR-Wave'] !== '1'),
  );
  for (let k = 0; k < (opts.notContinuous ?? 0) && candidates.length > 0; k++) {
    const at = Math.floor(r.next() * candidates.length);
    const [pick] = candidates.splice(at, 1);
    if (!pick) break;
    const servers = pick.acc.sourceServers as FleetSourceServer[];
    servers[pick.i] = {
      ...pick.s,
      replicationState: STALLED_STATES[k % STALLED_STATES.length] ?? 'STALLED',
      lagSeconds: 3600 + k * 977,
    };
  }
  if (opts.singleTestServer) {
    const first = staging[0]?.sourceServers as FleetSourceServer[] | undefined;
    const i = first?.findIndex((s) => s.tags?.['DR-Wave'] === '1' && s.tags['DR-Enabled'] === 'true') ?? -1;
    const s = first?.[i];
    if (first && s) first[i] = { ...s, tags: { ...s.tags, 'DR-Test': 'single' } };
  }
  const target = opts.recoveryAccount
    ? {
        accountId: opts.recoveryAccount.accountId,
        region: opts.recoveryAccount.region ?? (regions[0] as string),
      }
    : undefined;
  // The executor of a target account runs there, and answers the main execution like a staging account's.
  const executorAccounts = target ? [...ids, target.accountId] : ids;
  const orchestratorAccount: FleetAccount = {
    accountId: orchestrator,
    region: opts.orchestratorRegion ?? 'us-east-1',
    name: 'orchestrator',
    ssmParameters: stagingAccountParameters(staging, roleName, target),
    s3Buckets: [{ name: `drs-orchestration-results-${orchestrator}`, allowAccounts: executorAccounts }],
    snsTopics: ['dr-notifications'],
    roles: [executorCallbackRole(orchestrator, opts.orchestratorRegion ?? 'us-east-1', executorAccounts)],
  };
  const recovery: FleetAccount[] = target
    ? [
        {
          accountId: target.accountId,
          region: target.region,
          name: 'recovery',
          roles: [
            {
              name: roleName,
              trustPolicy: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { AWS: `arn:aws:iam::${orchestrator}:root` },
                    Action: 'sts:AssumeRole',
                  },
                ],
              },
            },
          ],
          ...(opts.recoveryAccount?.extended !== false && { extendedFrom: ids }),
        },
      ]
    : [];
  return {
    name: 'generated',
    seed,
    ...(opts.startTime ? { startTime: opts.startTime } : {}),
    orchestratorAccountId: orchestrator,
    accounts: [orchestratorAccount, ...staging, ...recovery],
  };
}
