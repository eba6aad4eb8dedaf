/**
 * Renders stored DRS records as the model's output shapes (SourceServer, Job, JobLog,
 * RecoveryInstance, RecoverySnapshot). Timestamps are strings matching the model's
 * `ISO8601DatetimeString` pattern; durations are ISO-8601 durations.
 */
import { Random } from '../../random.js';
import { type DrsAccount, ec2Id } from './account.js';
import type { JobRecord, LaunchActionsPlan, RecoveryInstanceRecord, SourceServerRecord } from './records.js';

/** Epoch ms -> `2025-01-06T09:00:00.000Z`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Seconds -> ISO-8601 duration (`PT42S`, `P3DT4H`). */
export function isoDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec || (!h && !m) ? `${sec}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time && (time !== '0S' || !days) ? `T${time}` : ''}`;
}

const INIT_STEPS = [
  'WAIT',
  'CREATE_SECURITY_GROUP',
  'LAUNCH_REPLICATION_SERVER',
  'BOOT_REPLICATION_SERVER',
  'AUTHENTICATE_WITH_SERVICE',
  'DOWNLOAD_REPLICATION_SOFTWARE',
  'CREATE_STAGING_DISKS',
  'ATTACH_STAGING_DISKS',
  'PAIR_REPLICATION_SERVER_WITH_AGENT',
  'CONNECT_AGENT_TO_REPLICATION_SERVER',
  'START_DATA_TRANSFER',
] as const;

const AGENT_VERSION = '4.9.6';

/** The `stagingArea` of a source server: NOT_EXTENDED, or where an extended server's staging server is and whether DRS can read it. */
function stagingAreaOf(account: DrsAccount, s: SourceServerRecord): Record<string, unknown> {
  if (s.staging === undefined) return { status: 'NOT_EXTENDED' };
  const error = account.extensionError(s);
  return {
    status: error === undefined ? 'EXTENDED' : 'EXTENSION_ERROR',
    stagingAccountID: s.staging.accountId,
    stagingSourceServerArn: s.staging.sourceServerArn,
    ...(error === undefined ? {} : { errorMessage: error }),
  };
}

/** `SourceServer` output shape. */
export function sourceServerJson(
  account: DrsAccount,
  s: SourceServerRecord,
  now: number,
): Record<string, unknown> {
  const rep = account.replication(s, now);
  const connected = rep.state !== 'DISCONNECTED' && rep.state !== 'STOPPED';
  // Minute granularity keeps the rendered server stable (and cacheable) between minutes.
  // An agent whose site is down was last seen when the outage began.
  const seenMs = rep.error === 'AGENT_NOT_SEEN' && rep.stalledSince !== undefined ? rep.stalledSince : now;
  const seen = connected ? Math.floor(seenMs / 60_000) * 60_000 : s.addedMs + 86_400_000;
  const initial = rep.state === 'INITIAL_SYNC' || rep.state === 'INITIATING';
  const dataReplicationInfo: Record<string, unknown> = {
    lagDuration: isoDuration(rep.lagSeconds),
    replicatedDisks: s.disks.map((d) => ({
      deviceName: d.deviceName,
      totalStorageBytes: d.bytes,
      replicatedStorageBytes: initial ? Math.floor(d.bytes * 0.4) : d.bytes,
      rescannedStorageBytes: 0,
      backloggedStorageBytes: rep.state === 'BACKLOG' ? Math.floor(d.bytes * 0.05) : 0,
      volumeStatus: 'REGULAR',
    })),
    dataReplicationState: rep.state,
    dataReplicationInitiation: {
      startDateTime: iso(s.addedMs),
      steps: INIT_STEPS.map((name) => ({
        name,
        status: initial && name === 'START_DATA_TRANSFER' ? 'IN_PROGRESS' : 'SUCCEEDED',
      })),
    },
    stagingAvailabilityZone: `${account.region}a`,
  };
  if (initial) dataReplicationInfo.etaDateTime = iso(s.initialSync?.syncedMs ?? seen + 3 * 3_600_000);
  if (rep.state === 'STALLED') {
    const error = rep.error ?? 'UNSTABLE_NETWORK';
    dataReplicationInfo.dataReplicationError = {
      error,
      rawError:
        error === 'AGENT_NOT_SEEN'
          ? `agent not seen by the service since ${iso(rep.stalledSince ?? s.addedMs)}`
          : `replication stalled since ${iso(rep.stalledSince ?? s.addedMs)}`,
    };
  } else if (rep.state === 'DISCONNECTED') {
    dataReplicationInfo.dataReplicationError = {
      error: 'AGENT_NOT_SEEN',
      rawError: 'agent not seen by the service',
    };
  }
  const lifeCycle: Record<string, unknown> = {
    addedToServiceDateTime: iso(s.addedMs),
    firstByteDateTime: iso(s.addedMs + 600_000),
    elapsedReplicationDuration: isoDuration((seen - s.addedMs) / 1000),
    lastSeenByServiceDateTime: iso(seen),
  };
  let lastLaunchResult = 'NOT_STARTED';
  if (s.lastLaunch) {
    const job = account.job(s.lastLaunch.jobID);
    const plan = job?.servers.find((p) => p.sourceServerID === s.sourceServerID);
    let status = plan ? account.launchStatus(plan, now) : 'FAILED';
    if (
      status === 'LAUNCHED' &&
      plan?.recoveryInstanceID &&
      !account.instance(plan.recoveryInstanceID) &&
      plan.settled
    ) {
      status = 'TERMINATED';
    }
    lifeCycle.lastLaunch = {
      initiated: {
        apiCallDateTime: iso(s.lastLaunch.apiCallMs),
        jobID: s.lastLaunch.jobID,
        type: s.lastLaunch.type,
      },
      status,
    };
    lastLaunchResult =
      status === 'PENDING' || status === 'IN_PROGRESS'
        ? 'PENDING'
        : status === 'FAILED'
          ? 'FAILED'
          : 'SUCCEEDED';
  }
  const out: Record<string, unknown> = {
    sourceServerID: s.sourceServerID,
    arn: s.arn,
    tags: s.tags,
    lastLaunchResult,
    dataReplicationInfo,
    lifeCycle,
    sourceProperties: {
      lastUpdatedDateTime: iso(s.addedMs),
      recommendedInstanceType: s.recommendedInstanceType,
      identificationHints: {
        fqdn: s.fqdn,
        hostname: s.hostname,
        ...(s.awsInstanceID !== undefined && { awsInstanceID: s.awsInstanceID }),
      },
      networkInterfaces: [{ macAddress: s.macAddress, ips: s.ips, isPrimary: true }],
      disks: s.disks,
      cpus: s.cpus,
      ramBytes: s.ramBytes,
      os: { fullString: s.os },
      supportsNitroInstances: true,
    },
    stagingArea: stagingAreaOf(account, s),
    sourceCloudProperties:
      s.originEnvironment === 'AWS'
        ? {
            ...(s.originAccountID ? { originAccountID: s.originAccountID } : {}),
            ...(s.originRegion
              ? { originRegion: s.originRegion, originAvailabilityZone: `${s.originRegion}a` }
              : {}),
          }
        : {},
    replicationDirection: s.replicationDirection ?? 'FAILOVER',
    agentVersion: AGENT_VERSION,
  };
  if (s.recoveryInstanceID) out.recoveryInstanceId = s.recoveryInstanceID;
  if (s.reversedDirectionSourceServerArn)
    out.reversedDirectionSourceServerArn = s.reversedDirectionSourceServerArn;
  return out;
}

/** The instant the rendered server may change next (for the JSON cache). */
export function sourceServerValidUntil(account: DrsAccount, s: SourceServerRecord, now: number): number {
  let until = Math.floor(now / 60_000) * 60_000 + 60_000;
  if (s.lastLaunch) {
    const plan = account.job(s.lastLaunch.jobID)?.servers.find((p) => p.sourceServerID === s.sourceServerID);
    if (plan) {
      if (plan.startMs > now) until = Math.min(until, plan.startMs);
      else if (plan.endMs !== null && plan.endMs > now) until = Math.min(until, plan.endMs);
    }
  }
  for (const t of [s.initialSync?.initiatedMs, s.initialSync?.syncedMs]) {
    if (t !== undefined && t > now) until = Math.min(until, t);
  }
  const stalled = account.replicationFault(s)?.since;
  if (stalled !== undefined && stalled > now) until = Math.min(until, stalled);
  return until;
}

/**
 * When each recovery instance of a job starts launching (its LAUNCH_START event). A job's events
 * never change after planning, so the index is built once per job: a poll of a large job then costs
 * one lookup per server instead of a scan of every event.
 */
const launchStarts = new WeakMap<JobRecord, ReadonlyMap<string, number>>();

function launchStartOf(job: JobRecord, recoveryInstanceID: string): number | undefined {
  let index = launchStarts.get(job);
  if (!index) {
    const built = new Map<string, number>();
    for (const e of job.events) {
      if (e.event === 'LAUNCH_START' && e.targetInstanceID !== undefined) {
        built.set(e.targetInstanceID, Math.min(e.atMs, built.get(e.targetInstanceID) ?? e.atMs));
      }
    }
    index = built;
    launchStarts.set(job, index);
  }
  return index.get(recoveryInstanceID);
}

/**
 * `LaunchActionsStatus` of a launched server at `now`: every planned run, IN_PROGRESS until its
 * end, then SUCCEEDED or FAILED with its `failureReason`; the SSM agent's discovery time once seen.
 */
function launchActionsStatusJson(plan: LaunchActionsPlan, now: number): Record<string, unknown> {
  return {
    ...(now >= plan.ssmAgentDiscoveryMs ? { ssmAgentDiscoveryDatetime: iso(plan.ssmAgentDiscoveryMs) } : {}),
    runs: plan.runs.map((r) => {
      const done = now >= r.endMs;
      return {
        action: r.action,
        runId: r.runId,
        status: !done ? 'IN_PROGRESS' : r.failureReason === undefined ? 'SUCCEEDED' : 'FAILED',
        ...(done && r.failureReason !== undefined ? { failureReason: r.failureReason } : {}),
      };
    }),
  };
}

/** `Job` output shape. */
export function jobJson(account: DrsAccount, job: JobRecord, now: number): Record<string, unknown> {
  const status = account.jobStatus(job, now);
  const out: Record<string, unknown> = {
    jobID: job.jobID,
    arn: job.arn,
    type: job.type,
    initiatedBy: job.initiatedBy,
    creationDateTime: iso(job.createdMs),
    status,
    participatingServers: job.servers.map((p) => {
      const launchStatus = account.launchStatus(p, now);
      const launching = job.type === 'LAUNCH' && job.initiatedBy !== 'FAILBACK';
      const showInstance =
        p.recoveryInstanceID !== undefined &&
        (!launching || (launchStartOf(job, p.recoveryInstanceID) ?? Number.POSITIVE_INFINITY) <= now);
      const actions = launchStatus === 'LAUNCHED' ? p.launch?.actions : undefined;
      return {
        sourceServerID: p.sourceServerID,
        ...(showInstance ? { recoveryInstanceID: p.recoveryInstanceID } : {}),
        launchStatus,
        ...(actions === undefined ? {} : { launchActionsStatus: launchActionsStatusJson(actions, now) }),
      };
    }),
    tags: job.tags,
    participatingResources: [],
  };
  if (status === 'COMPLETED' && job.endMs !== null) out.endDateTime = iso(job.endMs);
  return out;
}

/** `JobLog` items of a job visible at `now`. */
export function jobLogJson(job: JobRecord, now: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of job.events) {
    if (e.atMs > now) break;
    const eventData: Record<string, unknown> = {};
    if (e.sourceServerID) eventData.sourceServerID = e.sourceServerID;
    if (e.conversionServerID) eventData.conversionServerID = e.conversionServerID;
    if (e.targetInstanceID) eventData.targetInstanceID = e.targetInstanceID;
    if (e.rawError) eventData.rawError = e.rawError;
    out.push({ logDateTime: iso(e.atMs), event: e.event, eventData });
  }
  return out;
}

/** `RecoveryInstance` output shape. */
export function recoveryInstanceJson(
  account: DrsAccount,
  r: RecoveryInstanceRecord,
  now: number,
): Record<string, unknown> {
  const s = account.server(r.sourceServerID);
  const failbackState = account.failbackState(r, now);
  const failback: Record<string, unknown> = {
    state: failbackState,
    failbackToOriginalServer: true,
    failbackLaunchType: 'RECOVERY',
  };
  if (r.failbackJobID) failback.failbackJobID = r.failbackJobID;
  if (r.failbackInitiationMs !== undefined) failback.failbackInitiationTime = iso(r.failbackInitiationMs);
  if (r.failbackReadyMs !== undefined && now >= r.failbackReadyMs) {
    failback.failbackClientID = `fbc-${r.recoveryInstanceID.slice(2, 12)}`;
    failback.failbackClientLastSeenByServiceDateTime = iso(Math.floor(now / 60_000) * 60_000);
    failback.agentLastSeenByServiceDateTime = iso(Math.floor(now / 60_000) * 60_000);
  }
  const out: Record<string, unknown> = {
    ec2InstanceID: r.recoveryInstanceID,
    ec2InstanceState: r.stopped === true ? 'STOPPED' : 'RUNNING',
    jobID: r.jobID,
    recoveryInstanceID: r.recoveryInstanceID,
    sourceServerID: r.sourceServerID,
    arn: r.arn,
    tags: r.tags,
    failback,
    recoveryInstanceProperties: {
      lastUpdatedDateTime: iso(r.launchedMs),
      identificationHints: {
        hostname: s?.hostname ?? r.recoveryInstanceID,
        ...(s ? { fqdn: s.fqdn } : {}),
        awsInstanceID: r.recoveryInstanceID,
      },
      networkInterfaces: [{ macAddress: macFor(r.recoveryInstanceID), ips: [r.privateIp], isPrimary: true }],
      disks: (s?.disks ?? []).map((d, i) => ({
        internalDeviceName: d.deviceName,
        bytes: d.bytes,
        ebsVolumeID: volumeIdOf(r.recoveryInstanceID, i),
      })),
      cpus: s?.cpus ?? [],
      ramBytes: s?.ramBytes ?? 0,
      os: { fullString: s?.os ?? 'unknown' },
    },
    pointInTimeSnapshotDateTime: iso(r.pointInTimeMs),
    isDrill: r.isDrill,
    originEnvironment: r.originEnvironment,
    agentVersion: AGENT_VERSION,
  };
  if (!r.isDrill && r.originEnvironment === 'ON_PREMISES') {
    const replicating =
      failbackState === 'FAILBACK_READY_FOR_LAUNCH' || failbackState === 'FAILBACK_IN_PROGRESS';
    out.dataReplicationInfo = {
      dataReplicationState: replicating
        ? 'CONTINUOUS'
        : failbackState === 'FAILBACK_COMPLETED'
          ? 'STOPPED'
          : 'NOT_STARTED',
      replicatedDisks: [],
    };
  }
  return out;
}

/** The EBS volume DRS attached to a recovery instance for its source server's disk `index`. */
export function volumeIdOf(recoveryInstanceID: string, index: number): string {
  return `vol-${new Random(`${recoveryInstanceID}/${index}`).hex(8)}`;
}

/** The MAC address of a recovery instance's primary network interface. */
export function macFor(id: string): string {
  const r = new Random(`mac/${id}`);
  return `02:${[0, 0, 0, 0, 0].map(() => r.hex(2)).join(':')}`;
}

/** One point-in-time snapshot. */
export interface SnapshotView {
  readonly snapshotID: string;
  readonly timestampMs: number;
  readonly ebsSnapshots: readonly string[];
}

/**
 * Point-in-time snapshots DRS keeps for a server at `now` (times from
 * {@link DrsAccount.snapshotTimes}). IDs are derived from server and slot, so they are stable.
 */
export function recoverySnapshots(account: DrsAccount, s: SourceServerRecord, now: number): SnapshotView[] {
  return account.snapshotTimes(s, now).map((t) => {
    const r = new Random(`${s.sourceServerID}/pit/${t}`);
    return {
      snapshotID: `pit-${r.hex(17)}`,
      timestampMs: t,
      ebsSnapshots: s.disks.map(() => ec2Id('snap', r)),
    };
  });
}
