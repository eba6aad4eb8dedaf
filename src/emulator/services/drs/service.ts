/**
 * The DRS service handler (restJson1): routes `POST /<Operation>` and `/tags/{resourceArn}`,
 * validates input against the model, runs the operation on the caller's account and renders the
 * model's output shapes.
 */

import { compareKeys, type Page, type PageKey, paginate as paginateBy } from '../../protocols/paginator.js';
import type { ServiceError } from '../../protocols/service-errors.js';
import type { EmulatorRequest, EmulatorResponse, Operations, ServiceContext } from '../../types.js';
import type { DrsAccount } from './account.js';
import { conflict, notFound, quotaExceeded, stagingUnreadable, uninitialized, validation } from './errors.js';
import { createExtendedServer, extensibleServers, stagingAccountsOf } from './extended.js';
import {
  LAUNCH_OPERATIONS,
  launchSettings,
  launchTemplateIdOf,
  planLaunchActions,
} from './launch-settings.js';
import { drsModel, type FieldProblem, validateShape } from './model.js';
import type { JobRecord, LaunchTemplateUse, RecoveryInstanceRecord, SourceServerRecord } from './records.js';
import { replicationOperations, type StagingNetwork } from './replication-settings.js';
import {
  iso,
  jobJson,
  jobLogJson,
  recoveryInstanceJson,
  recoverySnapshots,
  sourceServerJson,
  sourceServerValidUntil,
} from './serialize.js';
import { parseServerArn, stagingAccessError } from './staging-access.js';

/** DRS quotas in force for one account. */
export interface DrsQuotas {
  readonly serversPerJob: number;
  readonly serversInAllActiveJobs: number;
  readonly concurrentJobs: number;
  readonly jobsPerSourceServer: number;
  readonly replicatingServers: number;
  /** Source servers (extended ones included) the account may hold as a target account. */
  readonly sourceServersPerTargetAccount?: number;
}

/** What the DRS service needs from the world. */
export interface DrsPorts {
  /** The DRS of an account, or undefined when the account is not in the fleet. */
  account(accountId: string): DrsAccount | undefined;
  quotas(accountId: string): DrsQuotas;
  /**
   * An operation changed another account's DRS (ReverseReplication creates a server in the
   * origin account): it is journaled with the caller's.
   */
  changed?(accountId: string): void;
  /**
   * The default version of an EC2 launch template of the account (EC2 owns them): a launch
   * uses it. Undefined when EC2 is not served (the launch then uses DRS's own defaults).
   */
  launchTemplate?(accountId: string, region: string, launchTemplateId: string): LaunchTemplateUse | undefined;
  /** The account's recovery network (EC2's), where the replication staging area is. */
  stagingNetwork?(accountId: string, region: string): StagingNetwork | undefined;
}

/** Largest page the emulator returns (maxResults above it is capped). */
export const MAX_PAGE = 1000;

type Body = Record<string, unknown>;

/** One HTTP route of the model: method, and the request URI as a pattern with its labels. */
interface Route {
  readonly operation: string;
  readonly method: string;
  readonly path: RegExp;
}

/**
 * The routes of every operation of the model subset, from its `http` traits (`POST
 * /StartRecovery`, `GET /tags/{resourceArn}`): routing is derived from the vendored model, so
 * serving an operation is extracting it (extract-model.mjs) and implementing it.
 */
const ROUTES: readonly Route[] = Object.values(drsModel.operations).map((op) => ({
  operation: op.name,
  method: op.http.method,
  path: new RegExp(
    `^${op.http.requestUri
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  ),
}));

/** Resolves the DRS operation name of a request from the model's routes (for routing and call counting). */
export function drsOperationOf(req: Pick<EmulatorRequest, 'method' | 'rawPath'>): string | undefined {
  return ROUTES.find((r) => r.method === req.method && r.path.test(req.rawPath))?.operation;
}

interface CacheEntry {
  version: number;
  generation: number;
  validUntil: number;
  json: string;
}

interface PageCacheEntry {
  signature: string;
  generation: number;
  validUntil: number;
  body: Buffer;
}

/** Creates the DRS handler over the world's accounts. */
export function createDrsService(ports: DrsPorts, faultGeneration: () => number = () => 0): Operations {
  const cache = new WeakMap<SourceServerRecord, CacheEntry>();
  // Whole DescribeSourceServers pages, rendered once: polling the same page thousands of times a
  // second then only costs a signature check and a socket write.
  const pages = new WeakMap<DrsAccount, Map<string, PageCacheEntry>>();
  // Rendered jobs, valid until the job's next planned transition (or a tag change).
  const jobCache = new WeakMap<JobRecord, { validUntil: number; json: string }>();
  const renderJob = (account: DrsAccount, job: JobRecord, now: number): string => {
    const hit = jobCache.get(job);
    if (hit && now < hit.validUntil) return hit.json;
    const json = JSON.stringify(jobJson(account, job, now));
    jobCache.set(job, { validUntil: nextJobChange(job, now), json });
    return json;
  };

  const serverJson = (account: DrsAccount, s: SourceServerRecord, now: number): string => {
    const hit = cache.get(s);
    const generation = faultGeneration();
    if (
      hit &&
      hit.version === s.version &&
      hit.generation === generation &&
      now < hit.validUntil &&
      now >= hit.validUntil - 60_000
    ) {
      return hit.json;
    }
    const json = JSON.stringify(sourceServerJson(account, s, now));
    cache.set(s, {
      version: s.version,
      generation,
      validUntil: sourceServerValidUntil(account, s, now),
      json,
    });
    return json;
  };

  const operations: Record<
    string,
    (a: DrsAccount, body: Body, now: number, req: EmulatorRequest) => EmulatorResponse | string | Buffer
  > = {
    DescribeSourceServers(account, body, now, req) {
      const filters = (body.filters ?? {}) as {
        sourceServerIDs?: string[];
        hardwareId?: string;
        stagingAccountIDs?: string[];
      };
      let servers: readonly SourceServerRecord[] = account.servers();
      if (filters.sourceServerIDs && filters.sourceServerIDs.length > 0) {
        const ids = new Set(filters.sourceServerIDs);
        servers = servers.filter((s) => ids.has(s.sourceServerID));
      }
      if (filters.hardwareId) servers = servers.filter((s) => s.macAddress === filters.hardwareId);
      // Only extended source servers have a staging account.
      if (filters.stagingAccountIDs && filters.stagingAccountIDs.length > 0) {
        const ids = new Set(filters.stagingAccountIDs);
        servers = servers.filter((s) => s.staging !== undefined && ids.has(s.staging.accountId));
      }
      const ordinal = serverOrdinals(account.servers());
      const page = paginate(servers, body, 'DescribeSourceServers', (s) => [ordinal.get(s) ?? -1]);
      const key = req.body.toString('utf8');
      let byKey = pages.get(account);
      if (!byKey) {
        byKey = new Map();
        pages.set(account, byKey);
      }
      let signature = `${page.items.length}`;
      for (const s of page.items) signature += `,${s.version}`;
      const generation = faultGeneration();
      const hit = byKey.get(key);
      if (hit && hit.signature === signature && hit.generation === generation && now < hit.validUntil)
        return hit.body;
      let validUntil = Number.POSITIVE_INFINITY;
      const parts = page.items.map((s) => {
        const json = serverJson(account, s, now);
        validUntil = Math.min(validUntil, cache.get(s)?.validUntil ?? now);
        return json;
      });
      const out = Buffer.from(
        `{"items":[${parts.join(',')}]${page.nextToken ? `,"nextToken":${JSON.stringify(page.nextToken)}` : ''}}`,
        'utf8',
      );
      if (byKey.size > 64) byKey.clear();
      byKey.set(key, {
        signature,
        generation,
        validUntil: page.items.length > 0 ? validUntil : now + 60_000,
        body: out,
      });
      return out;
    },

    DescribeJobs(account, body, now) {
      const filters = (body.filters ?? {}) as { jobIDs?: string[]; fromDate?: string; toDate?: string };
      // Jobs are only ever appended (newest last): a job's position is its key, newest first.
      const all = account.jobs();
      const position = new Map(all.map((j, i) => [j, i]));
      const jobKey = (j: JobRecord): PageKey => [position.get(j) ?? -1];
      let jobs: JobRecord[] = [...all].reverse();
      if (filters.jobIDs && filters.jobIDs.length > 0) {
        const ids = new Set(filters.jobIDs);
        jobs = jobs.filter((j) => ids.has(j.jobID));
      }
      if (filters.fromDate) {
        const from = Date.parse(filters.fromDate);
        jobs = jobs.filter((j) => j.createdMs >= from);
      }
      if (filters.toDate) {
        const to = Date.parse(filters.toDate);
        jobs = jobs.filter((j) => j.createdMs <= to);
      }
      const page = paginate(jobs, body, 'DescribeJobs', jobKey, 'desc');
      const items = page.items.map((j) => renderJob(account, j, now)).join(',');
      return `{"items":[${items}]${page.nextToken ? `,"nextToken":${JSON.stringify(page.nextToken)}` : ''}}`;
    },

    DescribeJobLogItems(account, body, now) {
      const job = account.job(body.jobID as string);
      // Log items are only ever appended, so an item's position is its key.
      const logs = (job ? jobLogJson(job, now) : []).map((item, i) => ({ item, i }));
      const page = paginate(logs, body, `DescribeJobLogItems/${String(body.jobID)}`, (l) => [l.i]);
      return JSON.stringify({ items: page.items.map((l) => l.item), ...tokenOf(page) });
    },

    DescribeRecoveryInstances(account, body, now) {
      const filters = (body.filters ?? {}) as { recoveryInstanceIDs?: string[]; sourceServerIDs?: string[] };
      const instanceKey = (r: RecoveryInstanceRecord): PageKey => [r.launchedMs, r.recoveryInstanceID];
      let items: readonly RecoveryInstanceRecord[] = [...account.instances()].sort((a, b) =>
        compareKeys(instanceKey(a), instanceKey(b)),
      );
      if (filters.recoveryInstanceIDs && filters.recoveryInstanceIDs.length > 0) {
        const ids = new Set(filters.recoveryInstanceIDs);
        items = items.filter((r) => ids.has(r.recoveryInstanceID));
      }
      if (filters.sourceServerIDs && filters.sourceServerIDs.length > 0) {
        const ids = new Set(filters.sourceServerIDs);
        items = items.filter((r) => ids.has(r.sourceServerID));
      }
      const page = paginate(items, body, 'DescribeRecoveryInstances', instanceKey);
      return JSON.stringify({
        items: page.items.map((r) => recoveryInstanceJson(account, r, now)),
        ...tokenOf(page),
      });
    },

    DescribeRecoverySnapshots(account, body, now) {
      const server = account.server(body.sourceServerID as string);
      const filters = (body.filters ?? {}) as { fromDateTime?: string; toDateTime?: string };
      let snaps = server ? recoverySnapshots(account, server, now) : [];
      if (filters.fromDateTime) {
        const from = Date.parse(filters.fromDateTime);
        snaps = snaps.filter((s) => s.timestampMs >= from);
      }
      if (filters.toDateTime) {
        const to = Date.parse(filters.toDateTime);
        snaps = snaps.filter((s) => s.timestampMs <= to);
      }
      if (body.order === 'DESC') snaps.reverse();
      const page = paginate(
        snaps,
        body,
        `DescribeRecoverySnapshots/${String(body.sourceServerID)}`,
        (s) => [s.timestampMs],
        body.order === 'DESC' ? 'desc' : 'asc',
      );
      return JSON.stringify({
        items: page.items.map((s) => ({
          snapshotID: s.snapshotID,
          sourceServerID: body.sourceServerID,
          expectedTimestamp: iso(s.timestampMs),
          timestamp: iso(s.timestampMs),
          ebsSnapshots: s.ebsSnapshots,
        })),
        ...tokenOf(page),
      });
    },

    StartRecovery(account, body, now) {
      checkTagCount((body.tags as Record<string, string>) ?? {}, 'the job');
      const requested = body.sourceServers as { sourceServerID: string; recoverySnapshotID?: string }[];
      const unique = [...new Map(requested.map((r) => [r.sourceServerID, r])).values()];
      const known = unique.filter((r) => account.server(r.sourceServerID));
      const quotas = ports.quotas(account.accountId);
      if (known.length > quotas.serversPerJob) {
        throw quotaExceeded(
          `Cannot start a job with ${known.length} source servers; the quota is ${quotas.serversPerJob} source servers per job`,
          'L-B827C881',
          'JOB',
        );
      }
      checkCapacity(account, known.length, now, quotas);
      const busy = busyServers(account, now);
      for (const r of known) {
        const jobID = busy.get(r.sourceServerID);
        if (jobID) {
          throw conflict(
            `Source server ${r.sourceServerID} is already participating in active job ${jobID}`,
            r.sourceServerID,
            'SOURCE_SERVER',
          );
        }
      }
      const plan = unique.map((r) => {
        if (r.recoverySnapshotID === undefined) return { sourceServerID: r.sourceServerID };
        const server = account.server(r.sourceServerID);
        const snap = server
          ? recoverySnapshots(account, server, now).find((s) => s.snapshotID === r.recoverySnapshotID)
          : undefined;
        if (server && !snap) {
          throw validation(
            `Recovery snapshot ${r.recoverySnapshotID} not found for source server ${r.sourceServerID}`,
            'fieldValidationFailed',
            [
              {
                name: 'sourceServers.recoverySnapshotID',
                message: `snapshot ${r.recoverySnapshotID} does not exist`,
              },
            ],
          );
        }
        return { sourceServerID: r.sourceServerID, ...(snap ? { pointInTimeMs: snap.timestampMs } : {}) };
      });
      const job = account.planLaunch(
        plan,
        body.isDrill === true,
        { ...((body.tags as Record<string, string>) ?? {}) },
        now,
      );
      // DRS launches with each server's launch configuration as it is when the job starts.
      for (const p of job.servers) {
        const server = account.server(p.sourceServerID);
        if (!server) continue;
        const settings = launchSettings(account, server);
        const actions =
          p.outcome === 'LAUNCHED' && p.endMs !== null
            ? planLaunchActions(account, server, job.jobID, p.endMs, (actionId) =>
                account.faults.launchActionFailure(server.sourceServerID, actionId),
              )
            : undefined;
        const template = ports.launchTemplate?.(
          account.accountId,
          account.region,
          launchTemplateIdOf(server.sourceServerID),
        );
        // Right-sizing (BASIC, IN_AWS) picks the instance type itself; with NONE the launch
        // template's instance type is the one launched (what instance-type synchronizers rely on).
        let fromTemplate: LaunchTemplateUse | undefined;
        if (template !== undefined) {
          const { instanceType, ...network } = template;
          fromTemplate =
            settings.targetInstanceTypeRightSizingMethod === 'NONE' && instanceType !== undefined
              ? { instanceType, ...network }
              : network;
        }
        p.launch = {
          stopped: settings.launchDisposition === 'STOPPED',
          ...(fromTemplate === undefined ? {} : { template: fromTemplate }),
          copyTags: settings.copyTags,
          ...(settings.copyPrivateIp && server.ips[0] !== undefined ? { privateIp: server.ips[0] } : {}),
          ...(actions === undefined ? {} : { actions }),
        };
        // The job completes when the last post-launch action of its servers has run.
        const lastRun = actions?.runs.at(-1)?.endMs;
        if (lastRun !== undefined && job.endMs !== null && lastRun > job.endMs) job.endMs = lastRun;
      }
      const jobEnd = job.events.findIndex((e) => e.event === 'JOB_END');
      if (jobEnd >= 0 && job.endMs !== null && job.events[jobEnd]?.atMs !== job.endMs) {
        job.events.splice(jobEnd, 1);
        job.events.push({ atMs: job.endMs, event: 'JOB_END' });
      }
      account.addJob(job);
      return JSON.stringify({ job: jobJson(account, job, now) });
    },

    TerminateRecoveryInstances(account, body, now) {
      const ids = [...new Set(body.recoveryInstanceIDs as string[])];
      const known = ids
        .map((id) => account.instance(id))
        .filter((r): r is RecoveryInstanceRecord => r !== undefined);
      const quotas = ports.quotas(account.accountId);
      checkCapacity(account, known.length, now, quotas);
      const busy = busyServers(account, now);
      for (const r of known) {
        const jobID = busy.get(r.sourceServerID);
        if (jobID) {
          throw conflict(
            `Recovery instance ${r.recoveryInstanceID} of source server ${r.sourceServerID} is participating in active job ${jobID}`,
            r.recoveryInstanceID,
            'RECOVERY_INSTANCE',
          );
        }
      }
      const job = account.planTerminate(
        known.map((r) => r.recoveryInstanceID),
        now,
      );
      account.addJob(job);
      return JSON.stringify({ job: jobJson(account, job, now) });
    },

    StartFailbackLaunch(account, body, now) {
      checkTagCount((body.tags as Record<string, string>) ?? {}, 'the job');
      const ids = [...new Set(body.recoveryInstanceIDs as string[])];
      const instances: RecoveryInstanceRecord[] = [];
      const unknown: FieldProblem[] = [];
      for (const id of ids) {
        const r = account.instance(id);
        if (r) instances.push(r);
        else unknown.push({ name: 'recoveryInstanceIDs', message: `recovery instance ${id} does not exist` });
      }
      if (unknown.length > 0)
        throw validation('Invalid recovery instance IDs', 'fieldValidationFailed', unknown);
      for (const r of instances) {
        const state = account.failbackState(r, now);
        if (state !== 'FAILBACK_READY_FOR_LAUNCH') {
          throw conflict(
            `Recovery instance ${r.recoveryInstanceID} failback state is ${state}; failback launch requires FAILBACK_READY_FOR_LAUNCH`,
            r.recoveryInstanceID,
            'RECOVERY_INSTANCE',
          );
        }
      }
      const quotas = ports.quotas(account.accountId);
      checkCapacity(account, instances.length, now, quotas);
      const busy = busyServers(account, now);
      for (const r of instances) {
        const jobID = busy.get(r.sourceServerID);
        if (jobID) {
          throw conflict(
            `Source server ${r.sourceServerID} is participating in active job ${jobID}`,
            r.sourceServerID,
            'SOURCE_SERVER',
          );
        }
      }
      const job = account.planFailback(instances, { ...((body.tags as Record<string, string>) ?? {}) }, now);
      account.addJob(job);
      for (const r of instances) account.startFailback(r, job);
      return JSON.stringify({ job: jobJson(account, job, now) });
    },

    ReverseReplication(account, body, now) {
      const id = body.recoveryInstanceID as string;
      const r = account.instance(id);
      if (!r) throw notFound(`Recovery instance ${id} not found`, id, 'RECOVERY_INSTANCE');
      if (r.originEnvironment !== 'AWS') {
        throw validation(
          `Recovery instance ${id} originates on premises; reverse replication requires an AWS-origin source server (fail back on-premises servers with the Failback Client and StartFailbackLaunch)`,
          'other',
        );
      }
      if (r.isDrill)
        throw validation(
          `Recovery instance ${id} is a drill instance; reverse replication requires a recovery`,
          'other',
        );
      const server = account.server(r.sourceServerID);
      if (!server)
        throw notFound(`Source server ${r.sourceServerID} not found`, r.sourceServerID, 'SOURCE_SERVER');
      if (server.replicationDirection === 'FAILBACK') {
        // On AWS this re-protects a failed-back instance by resuming the original server's
        // replication; the emulator does not model that (EMULATOR.md, "Not modelled").
        throw validation(
          `Recovery instance ${id} was launched from a FAILBACK-direction source server; re-protecting it (replication back to ${server.originRegion}) is not modelled by the emulator`,
          'other',
        );
      }
      if (server.reversedDirectionSourceServerArn) {
        throw conflict(
          `Reverse replication of recovery instance ${id} already started: source server ${server.reversedDirectionSourceServerArn} replicates it back`,
          id,
          'RECOVERY_INSTANCE',
        );
      }
      const region = server.originRegion ?? account.region;
      const originAccountId = server.originAccountID ?? account.accountId;
      const origin = ports.account(originAccountId);
      // The reversed server lives in the origin Region's DRS, which must be initialized there.
      if (!origin || origin.region !== region) {
        throw uninitialized(
          `Account ${originAccountId} has not initialized Elastic Disaster Recovery in region ${region}, the origin of recovery instance ${id}; reverse replication needs DRS initialized there`,
        );
      }
      origin.settle(now);
      const reversed = origin.createReversedServer(account, server, r, now);
      server.reversedDirectionSourceServerArn = reversed.arn;
      server.version++;
      ports.changed?.(origin.accountId);
      return JSON.stringify({ reversedDirectionSourceServerArn: reversed.arn });
    },

    CreateExtendedSourceServer(account, body, now) {
      const arn = body.sourceServerArn as string;
      const ref = parseServerArn(arn);
      if (ref === undefined) {
        throw validation(`Invalid source server ARN ${arn}`, 'fieldValidationFailed', [
          { name: 'sourceServerArn', message: 'must be a DRS source server ARN' },
        ]);
      }
      if (ref.accountId === account.accountId) {
        throw validation(
          `Source server ${ref.sourceServerID} is in this account; only a staging account's server can be extended`,
          'other',
        );
      }
      const links = account.links;
      const denied =
        links === undefined
          ? 'Failed to access the staging account'
          : stagingAccessError(links, account.accountId, ref.accountId);
      if (denied !== undefined) throw stagingUnreadable(denied);
      const staging = links?.account(ref.accountId);
      const from = staging?.server(ref.sourceServerID);
      if (staging === undefined || from === undefined) {
        throw notFound(`Source server ${arn} not found`, ref.sourceServerID, 'SOURCE_SERVER');
      }
      if (from.staging !== undefined) {
        throw validation(
          `Source server ${arn} is itself an extension of ${from.staging.sourceServerArn} and cannot be extended`,
          'other',
        );
      }
      const existing = account.servers().find((s) => s.staging?.sourceServerArn === arn);
      if (existing !== undefined) {
        throw validation(
          `Source server ${arn} is already extended into this account as ${existing.sourceServerID}`,
          'other',
        );
      }
      const max = ports.quotas(account.accountId).sourceServersPerTargetAccount ?? 3000;
      if (account.servers().length >= max) {
        throw quotaExceeded(
          `Cannot extend source server ${arn}: this account holds ${account.servers().length} source servers, the quota is ${max}`,
          // The emulator knows no Service Quotas code for this quota.
          '',
          'SOURCE_SERVER',
        );
      }
      checkTagCount((body.tags as Record<string, string>) ?? {}, 'the extended source server');
      const created = createExtendedServer(
        account,
        from,
        ref.accountId,
        (body.tags as Record<string, string>) ?? {},
        now,
      );
      return `{"sourceServer":${serverJson(account, created, now)}}`;
    },

    ListExtensibleSourceServers(account, body) {
      const stagingId = body.stagingAccountID as string;
      const links = account.links;
      const denied =
        links === undefined
          ? 'Failed to access the staging account'
          : stagingAccessError(links, account.accountId, stagingId);
      if (denied !== undefined) throw stagingUnreadable(denied);
      const staging = links?.account(stagingId) as DrsAccount;
      const items = extensibleServers(account, staging);
      const ordinal = serverOrdinals(staging.servers());
      const page = paginate(
        items,
        { ...body, maxResults: Math.min(Number(body.maxResults ?? 300), 300) },
        `ListExtensibleSourceServers/${stagingId}`,
        (s) => [ordinal.get(s) ?? -1],
      );
      return JSON.stringify({
        items: page.items.map((s) => ({ arn: s.arn, hostname: s.hostname, tags: { ...s.tags } })),
        ...tokenOf(page),
      });
    },

    ListStagingAccounts(account, body) {
      const ids = stagingAccountsOf(account).map((accountID, i) => ({ accountID, i }));
      const page = paginate(
        ids,
        { ...body, maxResults: Math.min(Number(body.maxResults ?? 50), 50) },
        'ListStagingAccounts',
        (a) => [a.i],
      );
      return JSON.stringify({
        accounts: page.items.map((a) => ({ accountID: a.accountID })),
        ...tokenOf(page),
      });
    },

    ListTagsForResource(account, body) {
      const resource = findResource(account, body.resourceArn as string);
      return JSON.stringify({ tags: resource.tags });
    },

    TagResource(account, body) {
      const resource = findResource(account, body.resourceArn as string, (j) => jobCache.delete(j));
      const merged = { ...resource.tags, ...(body.tags as Record<string, string>) };
      checkTagCount(merged, body.resourceArn as string);
      Object.assign(resource.tags, body.tags as Record<string, string>);
      resource.touch();
      return '';
    },

    UntagResource(account, body) {
      const resource = findResource(account, body.resourceArn as string, (j) => jobCache.delete(j));
      for (const key of body.tagKeys as string[]) delete resource.tags[key];
      resource.touch();
      return '';
    },
  };

  for (const [name, run] of Object.entries(LAUNCH_OPERATIONS))
    operations[name] = (account, body) => run(account, body);
  for (const [name, run] of Object.entries(
    replicationOperations((account) => ports.stagingNetwork?.(account.accountId, account.region)),
  ))
    operations[name] = (account, body, now) => run(account, body, now);

  /** Runs one operation on the caller's account: input parsed and validated against the model. */
  const serve = async (
    operation: string,
    req: EmulatorRequest,
    ctx: ServiceContext,
  ): Promise<EmulatorResponse> => {
    const body = parseInput(operation, req);
    const account = ports.account(ctx.principal.accountId);
    if (!account || account.region !== req.region) {
      throw uninitialized(
        `Account ${ctx.principal.accountId} has not initialized Elastic Disaster Recovery in region ${req.region}`,
      );
    }
    const now = ctx.now().getTime();
    account.settle(now);
    const result = operations[operation]?.(account, body, now, req);
    if (result === undefined) throw validation(`Unknown operation: ${operation}`, 'unknownOperation');
    if (typeof result !== 'string' && !Buffer.isBuffer(result)) return result;
    const op = drsModel.operations[operation];
    return {
      status: op?.http.responseCode ?? 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': ctx.requestId },
      body: result,
    };
  };
  return Object.fromEntries(
    Object.keys(operations).map((name) => [
      name,
      (req: EmulatorRequest, ctx: ServiceContext) => serve(name, req, ctx),
    ]),
  );
}

/** Parses body / labels / query into the input structure and validates it against the model. */
function parseInput(operation: string, req: EmulatorRequest): Body {
  let body: Body = {};
  const text = req.body.length > 0 ? req.body.toString('utf8') : '';
  if (text.trim() !== '' && operation !== 'ListTagsForResource' && operation !== 'UntagResource') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw validation('Unable to parse request body as JSON', 'cannotParse');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw validation('Request body must be a JSON object', 'cannotParse');
    }
    body = parsed as Body;
  }
  if (operation === 'ListStagingAccounts') {
    const max = req.query.get('maxResults');
    const token = req.query.get('nextToken');
    body = {
      ...(max === null ? {} : { maxResults: Number(max) }),
      ...(token === null ? {} : { nextToken: token }),
    };
  }
  if (req.rawPath.startsWith('/tags/')) {
    let arn: string;
    try {
      arn = decodeURIComponent(req.rawPath.slice('/tags/'.length));
    } catch {
      throw validation('Unable to decode resourceArn', 'cannotParse');
    }
    body = { ...body, resourceArn: arn };
    if (operation === 'UntagResource') body.tagKeys = req.query.getAll('tagKeys');
  }
  const shape = drsModel.operations[operation]?.input?.shape;
  if (shape) {
    const problems: FieldProblem[] = [];
    validateShape(drsModel, shape, body, '', problems);
    if (operation === 'UntagResource' && (body.tagKeys as string[]).length === 0) {
      problems.push({ name: 'tagKeys', message: "Member 'tagKeys' must not be null" });
    }
    // AWS reserves the `aws:` prefix: no caller may set (or remove) such a tag.
    const tags = body.tags;
    const keys = [
      ...(typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? Object.keys(tags) : []),
      ...(operation === 'UntagResource' ? (body.tagKeys as string[]) : []),
    ];
    for (const key of keys.filter((k) => k.toLowerCase().startsWith('aws:'))) {
      problems.push({
        name: operation === 'UntagResource' ? 'tagKeys' : 'tags',
        message: `Tag key '${key}' is invalid: keys starting with 'aws:' are reserved for AWS use`,
      });
    }
    if (problems.length > 0) {
      throw validation(
        `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.map((p) => p.message).join('; ')}`,
        'fieldValidationFailed',
        problems,
      );
    }
  }
  return body;
}

function tokenOf<T>(page: Page<T>): { nextToken?: string } {
  return page.nextToken ? { nextToken: page.nextToken } : {};
}

const ordinals = new WeakMap<readonly SourceServerRecord[], Map<SourceServerRecord, number>>();

/** A server's position in its account's list (the list never changes order), as its page key. */
function serverOrdinals(servers: readonly SourceServerRecord[]): Map<SourceServerRecord, number> {
  let map = ordinals.get(servers);
  // ReverseReplication appends a server to the origin account's list: index it again.
  if (!map || map.size !== servers.length) {
    map = new Map(servers.map((s, i) => [s, i]));
    ordinals.set(servers, map);
  }
  return map;
}

/** One page of a DRS list (maxResults capped at {@link MAX_PAGE}); a foreign token is the descriptor's ValidationException. */
function paginate<T>(
  items: readonly T[],
  body: Body,
  scope: string,
  key: (item: T) => PageKey,
  order: 'asc' | 'desc' = 'asc',
): Page<T> {
  const max = Math.min(typeof body.maxResults === 'number' ? body.maxResults : MAX_PAGE, MAX_PAGE);
  return paginateBy(items, {
    scope,
    key,
    order,
    max,
    token: typeof body.nextToken === 'string' ? body.nextToken : undefined,
  });
}

/** Most tags one DRS resource may carry (DRS API reference, TagResource). */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Refuses more than {@link MAX_TAGS_PER_RESOURCE} tags on one resource, as DRS does. */
function checkTagCount(tags: Readonly<Record<string, string>>, resource: string): void {
  const n = Object.keys(tags).length;
  if (n > MAX_TAGS_PER_RESOURCE) {
    throw validation(
      `Too many tags: ${resource} would have ${n} tags; a resource can have at most ${MAX_TAGS_PER_RESOURCE}`,
      'fieldValidationFailed',
      [{ name: 'tags', message: `Member must have at most ${MAX_TAGS_PER_RESOURCE} entries, got ${n}` }],
    );
  }
}

/** Source servers in active jobs -> that job's ID. */
function busyServers(account: DrsAccount, now: number): Map<string, string> {
  const busy = new Map<string, string>();
  for (const job of account.activeJobs(now))
    for (const p of job.servers) busy.set(p.sourceServerID, job.jobID);
  return busy;
}

function checkCapacity(account: DrsAccount, adding: number, now: number, quotas: DrsQuotas): void {
  const active = account.activeJobs(now);
  if (active.length >= quotas.concurrentJobs) {
    throw quotaExceeded(
      `Cannot start a job: ${active.length} jobs are active; the quota is ${quotas.concurrentJobs} concurrent jobs`,
      'L-D88FAC3A',
      'JOB',
    );
  }
  const inJobs = active.reduce((n, j) => n + j.servers.length, 0);
  if (inJobs + adding > quotas.serversInAllActiveJobs) {
    throw quotaExceeded(
      `Cannot add ${adding} source servers: ${inJobs} are in active jobs; the quota is ${quotas.serversInAllActiveJobs} source servers in all active jobs`,
      'L-05AFA8C6',
      'SOURCE_SERVER',
    );
  }
}

interface TaggableResource {
  readonly tags: Record<string, string>;
  touch(): void;
}

/** The first planned instant after `now` at which the rendered job changes. */
function nextJobChange(job: JobRecord, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  const consider = (t: number | null): void => {
    if (t !== null && t > now && t < next) next = t;
  };
  consider(job.startedMs);
  consider(job.endMs);
  for (const p of job.servers) {
    consider(p.startMs);
    consider(p.endMs);
  }
  for (const e of job.events) consider(e.atMs);
  return next;
}

function findResource(
  account: DrsAccount,
  arn: string,
  onJobChange?: (job: JobRecord) => void,
): TaggableResource {
  const m = /^arn:aws:drs:([a-z0-9-]+):(\d{12}):(source-server|job|recovery-instance)\/(.+)$/.exec(arn);
  const missing = (): ServiceError => notFound(`Resource ${arn} not found`, arn, 'RESOURCE');
  if (!m || m[1] !== account.region || m[2] !== account.accountId) throw missing();
  const id = m[4] ?? '';
  if (m[3] === 'source-server') {
    const s = account.server(id);
    if (!s) throw missing();
    return {
      tags: s.tags,
      touch: () => {
        s.version++;
      },
    };
  }
  if (m[3] === 'job') {
    const j = account.job(id);
    if (!j) throw missing();
    return {
      tags: j.tags,
      touch: () => {
        onJobChange?.(j);
      },
    };
  }
  const r = account.instance(id);
  if (!r) throw missing();
  return { tags: r.tags, touch: () => undefined };
}
