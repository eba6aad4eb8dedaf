/**
 * discover: matching source servers in every staging account, in parallel, every page.
 */

import type { SourceServer } from '@aws-sdk/client-drs';
import {
  ErrorNames,
  isDrsOrchestrationError,
  ServerCountMismatch,
  ValidationError,
  type ValidationProblem,
} from '../contract/errors.js';
import { type RecoveryTarget, recoveryTargets } from '../contract/recovery-topology.js';
import type { ResolvedStagingAccount } from '../contract/staging-accounts.js';
import type { AccountIssue, AccountRef, AccountWork, DiscoveryResult } from '../core/model.js';
import { launchOrder, targetCapacityProblem } from '../core/recovery-topology.js';
import { formatTags, matchesTags, noMatchHint } from '../core/tags.js';
import { storeAccountServers } from './account-servers.js';
import type { TaskDeps } from './deps.js';
import { readStagingAccountRegistry } from './registry.js';
import {
  type CorrelationConflict,
  correlationConflicts,
  correlationIdOf,
  launchKindOf,
  listAllSourceServers,
  stagingAccountOf,
} from './shared.js';
import type { DiscoverEvent } from './types.js';

/** Actions that work on existing recovery instances. */
const INSTANCE_ACTIONS = new Set(['failback', 'terminate', 'status']);

/** Actions that launch recovery instances (and adopt launches of their correlation id). */
const LAUNCH_ACTIONS = new Set(['failover', 'drill']);

/** The refusal of a run whose correlation id was already used for something else on its servers. */
function conflictError(
  correlationId: string,
  conflicts: readonly (CorrelationConflict & { accountId: string })[],
): ValidationError {
  const first = conflicts[0] as CorrelationConflict & { accountId: string };
  const more = conflicts.length > 1 ? ` and ${conflicts.length - 1} more requested server(s)` : '';
  return new ValidationError([
    {
      pointer: '/metadata/correlationId',
      message: `${JSON.stringify(correlationId)} was already used for ${first.usedFor} on source server ${first.sourceServerId} (account ${first.accountId}, job ${first.jobId})${more}; its launches cannot be this run's: use a new correlation id`,
    },
  ]);
}

/**
 * The refusal of a run whose tags matched another number of servers than `expectedServers`: how
 * many, where, the accounts that could not be read, and (for none) the tag keys that exist.
 */
function countMismatch(
  tags: Readonly<Record<string, string>>,
  expected: number,
  matched: number,
  scanned: number,
  denied: readonly AccountIssue[],
  tagKeys: ReadonlySet<string>,
): ServerCountMismatch {
  const unread =
    denied.length > 0
      ? `; ${denied.length} staging account(s) could not be read (${denied.map((d) => `${d.accountId}: ${d.errorCode}`).join(', ')})`
      : '';
  const hint = matched === 0 ? noMatchHint(tags, [...tagKeys].sort().slice(0, 50)) : '';
  return new ServerCountMismatch(
    `expected ${expected} source server(s) for ${formatTags(tags)}, matched ${matched} in ${scanned} staging account(s)${unread}${hint}; nothing was started`,
  );
}

/**
 * Reads the staging-account registry from SSM (one parameter per account under its path) and finds, in each account at once, the source servers
 * carrying every input tag. An account that cannot be reached (its role cannot be assumed, or DRS
 * keeps failing) is reported in `deniedAccounts`; the others go on.
 *
 * For failover and drill, a correlation id whose launches on a requested server are of another
 * kind (or were terminated since) refuses the whole run before anything launches.
 *
 * @throws {ValidationError} when the registry is empty or a parameter of it is invalid, or the correlation id
 *   was already used for something else on a requested server.
 * @throws {ServerCountMismatch} when `options.expectedServers` is set and the tags matched another
 *   number of servers (before anything starts).
 */
export async function discover(event: DiscoverEvent, deps: TaskDeps): Promise<DiscoveryResult> {
  const { request } = event;
  const path = deps.env.stagingAccountsPath;
  const configured = await readStagingAccountRegistry(deps.aws.orchestrator.ssm, path);
  const withInstances = INSTANCE_ACTIONS.has(request.action);
  const correlationId = correlationIdOf(request, event.execution);
  const conflicts: (CorrelationConflict & { accountId: string })[] = [];
  const tagKeys = new Set<string>();

  // Staging accounts that name a recovery account are worked on there, as extended source servers
  // (one unit of work per target account, launched within its quotas); the others in themselves.
  const targets = recoveryTargets(configured);
  const units: { config: ResolvedStagingAccount | RecoveryTarget; ref: AccountRef }[] = [
    ...configured
      .filter((c) => c.recoveryAccount === undefined)
      .map((c) => ({ config: c, ref: { accountId: c.accountId, region: c.region, roleArn: c.roleArn } })),
    ...targets.map((t) => ({
      config: t,
      ref: { accountId: t.account.accountId, region: t.account.region, roleArn: t.account.roleArn },
    })),
  ];
  const capacityProblems: ValidationProblem[] = [];
  const failbackProblems: ValidationProblem[] = [];

  const outcomes = await Promise.all(
    units.map(async ({ config, ref }): Promise<AccountWork | AccountIssue> => {
      const target = 'stagingAccountIds' in config ? config : undefined;
      try {
        const ports = deps.aws.account(ref);
        await ports.connect();
        const all = await listAllSourceServers(ports.drs);
        let servers = all;
        if (target !== undefined) {
          const problem = targetCapacityProblem(
            ref.accountId,
            all.length,
            target.account.maxSourceServers,
            `${registryEntryOf(configured, target)}/recoveryAccount/maxSourceServers`,
          );
          if (problem !== undefined) capacityProblems.push(problem);
          // Only the extended servers of the staging accounts registered behind this target.
          const behind = new Set(target.stagingAccountIds);
          servers = all.filter((s) => behind.has(stagingAccountOf(s) ?? ''));
        }
        let matching = servers.filter((s) => s.sourceServerID && matchesTags(s.tags, request.tags));
        if (target !== undefined) {
          const order = launchOrder(
            matching.map((s) => ({
              sourceServerId: s.sourceServerID as string,
              stagingAccountId: stagingAccountOf(s) as string,
              tags: s.tags,
            })),
            target.stagingAccountIds,
          );
          const byId = new Map(matching.map((s) => [s.sourceServerID as string, s]));
          matching = order.map((id) => byId.get(id) as (typeof matching)[number]);
        }
        for (const s of servers) for (const key of Object.keys(s.tags ?? {})) tagKeys.add(key);
        const work: AccountWork = {
          ...ref,
          serverIds: matching.map((s) => s.sourceServerID as string),
          maxServers:
            target !== undefined
              ? target.account.maxSourceServers
              : (config as ResolvedStagingAccount).maxServers,
        };
        if (LAUNCH_ACTIONS.has(request.action)) {
          const found = await correlationConflicts(ports.drs, matching, correlationId, launchKindOf(request));
          conflicts.push(...found.map((c) => ({ ...c, accountId: ref.accountId })));
        }
        if (request.action === 'failback' && target !== undefined && matching.length > 0) {
          failbackProblems.push(extendedFailbackProblem(ref.accountId, matching));
        }
        if (request.action === 'failback') {
          const origins = originsOf(matching, configured);
          if (origins.length > 0) work.origins = origins;
        }
        if (withInstances) {
          work.recoveryInstanceIds = matching.flatMap((s) =>
            s.recoveryInstanceId ? [s.recoveryInstanceId] : [],
          );
        }
        deps.log?.info('discovered servers', {
          accountId: ref.accountId,
          scanned: servers.length,
          matching: matching.length,
        });
        return work;
      } catch (err) {
        const errorCode = isDrsOrchestrationError(err) ? err.name : ErrorNames.DRSServiceError;
        const errorMessage = err instanceof Error ? err.message : String(err);
        deps.log?.warn('staging account skipped', { accountId: ref.accountId, errorCode, errorMessage });
        return { accountId: ref.accountId, region: ref.region, errorCode, errorMessage };
      }
    }),
  );

  // Refused before anything launches, in every account (design: idempotency lives in DRS tags).
  if (conflicts.length > 0) throw conflictError(correlationId, conflicts);
  if (capacityProblems.length > 0) throw new ValidationError(capacityProblems, 'staging account registry');
  if (failbackProblems.length > 0) throw new ValidationError(failbackProblems, 'failback');
  const found = outcomes.filter((o): o is AccountWork => 'serverIds' in o && o.serverIds.length > 0);
  const deniedAccounts = outcomes.filter((o): o is AccountIssue => 'errorCode' in o);
  const totalServers = found.reduce((n, a) => n + a.serverIds.length, 0);
  const expected = request.options.expectedServers;
  if (expected !== undefined && totalServers !== expected) {
    throw countMismatch(request.tags, expected, totalServers, configured.length, deniedAccounts, tagKeys);
  }
  // The ids stay out of the main machine's state (50 x 300 ids pass 256 KiB): see account-servers.ts.
  const accounts = await Promise.all(found.map((work) => storeAccountServers(work, event, deps)));
  return {
    totalServers,
    accounts,
    deniedAccounts,
    scannedAccounts: configured.length,
    // Only when nothing matched (for the warning that names what exists); it costs payload otherwise.
    ...(totalServers === 0 && { tagKeys: [...tagKeys].sort().slice(0, 50) }),
  };
}

/**
 * The refusal of a failback whose tags select extended source servers. The DRS user guide documents
 * recovery, drills and termination from the target account of extended servers ("Using multiple
 * staging accounts with DRS") and failback only from the account a server replicates in (or, for
 * EC2 instances, by reversed replication between two accounts, "Performing a cross-account
 * failback"); nothing on failing back a recovery instance of an extended server, so the run is
 * refused before anything starts rather than tried against an undocumented path.
 */
function extendedFailbackProblem(
  targetAccountId: string,
  matching: readonly SourceServer[],
): ValidationProblem {
  const staging = [...new Set(matching.map((s) => stagingAccountOf(s) ?? ''))].sort().join(', ');
  return {
    pointer: '/action',
    message: `failback of extended source servers is not supported: recovery account ${targetAccountId} holds ${matching.length} of them for these tags (staging account(s) ${staging}); the DRS user guide documents no failback of extended source servers (only drills and recoveries from the target account). Nothing was started: confirm a failback path with AWS for these servers, or narrow --tags to servers that recover in their own staging account (README "Choosing a topology")`,
  };
}

/** The registry entry (`/stagingAccounts/<i>`) that first names a target account. */
function registryEntryOf(configured: readonly ResolvedStagingAccount[], target: RecoveryTarget): string {
  const index = configured.findIndex((c) => c.recoveryAccount?.accountId === target.account.accountId);
  return `/stagingAccounts/${index}`;
}

/**
 * The registered accounts that AWS-origin servers among `servers` came from: their
 * `sourceCloudProperties` origin account and Region, where a Region-to-Region failback recovers
 * them (the failback decision fails a server whose origin is not registered).
 */
function originsOf(servers: readonly SourceServer[], configured: readonly AccountRef[]): AccountRef[] {
  const wanted = new Set(
    servers.flatMap((s) => {
      const c = s.sourceCloudProperties;
      return c?.originAccountID && c.originRegion ? [`${c.originAccountID}|${c.originRegion}`] : [];
    }),
  );
  return configured
    .filter((c) => wanted.has(`${c.accountId}|${c.region}`))
    .map((c) => ({ accountId: c.accountId, region: c.region, roleArn: c.roleArn }));
}
