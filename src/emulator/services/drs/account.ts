/**
 * One account's DRS: its records plus the derived views (job status, launch status, failback
 * state) computed from the virtual clock, and the side effects of finished jobs applied lazily
 * in time order when the account is next looked at.
 */
import type { ReplicationFault } from '../../faults.js';
import type { DataReplicationState } from '../../fleet/types.js';
import { Random } from '../../random.js';
import { applyDefaultLaunchSettings } from './launch-settings.js';
import type {
  DrsAccountState,
  FailbackState,
  JobRecord,
  JobServerPlan,
  LaunchStatus,
  PlannedEvent,
  RecoveryInstanceRecord,
  SourceServerRecord,
} from './records.js';
import { extensionError, type StagingLinks } from './staging-access.js';

/** What the account needs from the fault plan. */
export interface DrsFaultPort {
  isLaunchFailure(sourceServerID: string): boolean;
  isStuck(sourceServerID: string): boolean;
  /** The failureReason a post-launch action run of this server ends with, or undefined (it succeeds). */
  launchActionFailure(sourceServerID: string, actionId: string): string | undefined;
  /** The fault breaking a server's replication (site outage or stall), if any; may lie ahead. */
  replicationFault(
    accountId: string,
    sourceServerID: string,
    tags: Readonly<Record<string, string>>,
  ): ReplicationFault | undefined;
  /** Changes whenever the plan changes. */
  readonly generation: number;
}

/** Job status (model enum `JobStatus`). */
export type JobStatus = 'PENDING' | 'STARTED' | 'COMPLETED';

const MINUTE = 60_000;

/**
 * States in which a server has no recovery snapshot: none taken yet (INITIATING, INITIAL_SYNC) or
 * all deleted (StopReplication deletes a server's snapshots; DisconnectSourceServer deletes its
 * replication resources). A launch of such a server fails with USING_PREVIOUS_SNAPSHOT_FAILED.
 */
export const NO_SNAPSHOT_STATES: ReadonlySet<DataReplicationState> = new Set([
  'INITIATING',
  'INITIAL_SYNC',
  'STOPPED',
  'DISCONNECTED',
]);

/**
 * States in which the agent is replicating, so a launch takes a fresh on-demand snapshot
 * (SNAPSHOT_START/SNAPSHOT_END). Any other state with snapshots (STALLED, PAUSED) logs
 * SNAPSHOT_FAIL and falls back to the newest point-in-time snapshot (USING_PREVIOUS_SNAPSHOT).
 */
export const SNAPSHOT_STATES: ReadonlySet<DataReplicationState> = new Set([
  'CONTINUOUS',
  'BACKLOG',
  'CREATING_SNAPSHOT',
  'RESCAN',
]);

/** Effective replication of a server at a point in time. */
export interface ReplicationView {
  state: DataReplicationState;
  lagSeconds: number;
  /** When a fault stalled it. */
  stalledSince?: number;
  /** `dataReplicationError.error` of a fault. */
  error?: ReplicationFault['error'];
}

/** Account-level DRS with indexes over its records. */
export class DrsAccount {
  readonly state: DrsAccountState;
  readonly rng: Random;
  readonly #servers = new Map<string, SourceServerRecord>();
  readonly #instances = new Map<string, RecoveryInstanceRecord>();
  readonly #jobs = new Map<string, JobRecord>();
  /** Jobs with side effects not yet applied or not yet COMPLETED. */
  readonly #open = new Set<JobRecord>();
  readonly faults: DrsFaultPort;
  /**
   * The world beyond this account, for extended source servers (set by the world; absent in a
   * DRS account used on its own, whose servers are then never in EXTENSION_ERROR).
   */
  links?: StagingLinks<DrsAccount>;

  /** Why an extended server of this account cannot be read in its staging account (EXTENSION_ERROR), if it cannot. */
  extensionError(server: SourceServerRecord): string | undefined {
    return this.links === undefined ? undefined : extensionError(this.links, this, server);
  }

  constructor(state: DrsAccountState, faults: DrsFaultPort) {
    this.state = state;
    this.faults = faults;
    this.rng = new Random(0);
    this.rng.state = state.rngState;
    for (const s of state.servers) this.#servers.set(s.sourceServerID, s);
    for (const i of state.instances) this.#instances.set(i.recoveryInstanceID, i);
    for (const j of state.jobs) {
      this.#jobs.set(j.jobID, j);
      // Finished jobs leave the open set at the next settle; loading is one pass either way.
      this.#open.add(j);
    }
  }

  get accountId(): string {
    return this.state.accountId;
  }

  get region(): string {
    return this.state.region;
  }

  server(id: string): SourceServerRecord | undefined {
    return this.#servers.get(id);
  }

  instance(id: string): RecoveryInstanceRecord | undefined {
    return this.#instances.get(id);
  }

  job(id: string): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  /** Keeps the generator state in the serializable record. */
  syncRng(): void {
    this.state.rngState = this.rng.state;
  }

  /** Applies every side effect due at `now` (instances launched or terminated), oldest first. */
  settle(now: number): void {
    if (this.#open.size === 0) return;
    const due: { job: JobRecord; plan: JobServerPlan }[] = [];
    for (const job of this.#open) {
      for (const plan of job.servers) {
        if (!plan.settled && plan.endMs !== null && plan.endMs <= now) due.push({ job, plan });
      }
    }
    due.sort((a, b) => (a.plan.endMs ?? 0) - (b.plan.endMs ?? 0));
    for (const { job, plan } of due) this.#apply(job, plan);
    for (const job of [...this.#open]) {
      if (job.endMs !== null && job.endMs <= now && job.servers.every((p) => p.settled))
        this.#open.delete(job);
    }
  }

  #apply(job: JobRecord, plan: JobServerPlan): void {
    plan.settled = true;
    const server = this.#servers.get(plan.sourceServerID);
    if (
      job.type === 'LAUNCH' &&
      job.initiatedBy !== 'FAILBACK' &&
      plan.outcome === 'LAUNCHED' &&
      plan.recoveryInstanceID
    ) {
      // DRS keeps one recovery instance per source server: a new launch replaces the previous one.
      if (server?.recoveryInstanceID && server.recoveryInstanceID !== plan.recoveryInstanceID) {
        this.#removeInstance(server.recoveryInstanceID);
      }
      const endMs = plan.endMs ?? job.createdMs;
      const instance: RecoveryInstanceRecord = {
        recoveryInstanceID: plan.recoveryInstanceID,
        arn: `arn:aws:drs:${this.region}:${this.accountId}:recovery-instance/${plan.recoveryInstanceID}`,
        sourceServerID: plan.sourceServerID,
        jobID: job.jobID,
        isDrill: job.isDrill,
        launchedMs: endMs,
        pointInTimeMs: plan.pointInTimeMs ?? job.createdMs,
        privateIp: plan.launch?.privateIp ?? plan.privateIp ?? '10.0.0.10',
        tags: plan.launch?.copyTags === false ? {} : { ...(server?.tags ?? {}) },
        ...(plan.launch?.stopped === true ? { stopped: true } : {}),
        originEnvironment: server?.originEnvironment ?? 'ON_PREMISES',
        instanceType: plan.launch?.template?.instanceType ?? server?.recommendedInstanceType ?? 'm5.large',
        ...(plan.launch?.template === undefined ? {} : { network: plan.launch.template }),
      };
      if (!job.isDrill && instance.originEnvironment === 'ON_PREMISES') {
        instance.failbackReadyMs = endMs + this.#failbackDelay(plan.recoveryInstanceID);
      }
      this.state.instances.push(instance);
      this.#instances.set(instance.recoveryInstanceID, instance);
      if (server) {
        server.recoveryInstanceID = instance.recoveryInstanceID;
        server.version++;
      }
    } else if (job.type === 'TERMINATE' && plan.recoveryInstanceID) {
      this.#removeInstance(plan.recoveryInstanceID);
    }
  }

  /** Seeded per instance so it does not depend on the order instances settle in. */
  #failbackDelay(instanceId: string): number {
    const r = new Random(`failback/${instanceId}`);
    return r.int(20, 90) * MINUTE;
  }

  #removeInstance(id: string): void {
    const instance = this.#instances.get(id);
    if (!instance) return;
    this.#instances.delete(id);
    const at = this.state.instances.indexOf(instance);
    if (at >= 0) this.state.instances.splice(at, 1);
    const server = this.#servers.get(instance.sourceServerID);
    if (server?.recoveryInstanceID === id) {
      delete server.recoveryInstanceID;
      server.version++;
    }
  }

  /** Job status at `now`. */
  jobStatus(job: JobRecord, now: number): JobStatus {
    if (now < job.startedMs) return 'PENDING';
    if (job.endMs === null || now < job.endMs) return 'STARTED';
    return 'COMPLETED';
  }

  /** One server's launch status in a job at `now`. */
  launchStatus(plan: JobServerPlan, now: number): LaunchStatus {
    if (now < plan.startMs) return 'PENDING';
    if (plan.endMs === null || now < plan.endMs) return 'IN_PROGRESS';
    return plan.outcome;
  }

  /** Jobs not COMPLETED at `now`. */
  activeJobs(now: number): JobRecord[] {
    const out: JobRecord[] = [];
    for (const job of this.#open) if (job.endMs === null || now < job.endMs) out.push(job);
    return out;
  }

  /** Failback state of a recovery instance at `now`. */
  failbackState(instance: RecoveryInstanceRecord, now: number): FailbackState {
    if (instance.failbackOverride) return instance.failbackOverride;
    if (instance.failbackJobID) {
      const job = this.#jobs.get(instance.failbackJobID);
      const plan = job?.servers.find((p) => p.recoveryInstanceID === instance.recoveryInstanceID);
      if (plan && (plan.endMs === null || now < plan.endMs)) return 'FAILBACK_IN_PROGRESS';
      return 'FAILBACK_COMPLETED';
    }
    if (instance.failbackReadyMs !== undefined && now >= instance.failbackReadyMs)
      return 'FAILBACK_READY_FOR_LAUNCH';
    return 'FAILBACK_NOT_STARTED';
  }

  /** The fault breaking a server's replication, if any (may lie ahead of `now`). */
  replicationFault(server: SourceServerRecord): ReplicationFault | undefined {
    return this.faults.replicationFault(this.accountId, server.sourceServerID, server.tags);
  }

  /**
   * Effective replication at `now`: a site outage or stall fault overrides the stored state with
   * STALLED, and the lag grows from the moment the agent stopped reporting.
   */
  replication(server: SourceServerRecord, now: number): ReplicationView {
    const sync = server.initialSync;
    if (sync !== undefined && now < sync.syncedMs) {
      return { state: now < sync.initiatedMs ? 'INITIATING' : 'INITIAL_SYNC', lagSeconds: 0 };
    }
    const fault = this.replicationFault(server);
    if (fault !== undefined && now >= fault.since) {
      return {
        state: 'STALLED',
        lagSeconds: server.lagSeconds + Math.floor((now - fault.since) / 1000),
        stalledSince: fault.since,
        error: fault.error,
      };
    }
    return { state: server.replicationState, lagSeconds: server.lagSeconds };
  }

  /**
   * Times (ascending) of the point-in-time snapshots DRS keeps for a server at `now`: every 10
   * minutes for the last hour, hourly for the last day, daily for the last week, none from before
   * the first sync and none newer than the replicated data (`now - lag`: a stalled server gets no
   * new ones). None in {@link NO_SNAPSHOT_STATES}, nor for a server stalled by an outage before its
   * first sync finished.
   */
  snapshotTimes(server: SourceServerRecord, now: number): number[] {
    const rep = this.replication(server, now);
    // A server whose first sync never finished before its site was lost stays without snapshots.
    if (NO_SNAPSHOT_STATES.has(rep.state) || NO_SNAPSHOT_STATES.has(server.replicationState)) return [];
    const until = now - rep.lagSeconds * 1000;
    // Snapshots start 10 minutes after the first byte, or when a reversed server's first sync ends.
    const after = server.initialSync?.syncedMs ?? server.addedMs + 600_000;
    const slots = new Set<number>();
    const add = (step: number, count: number): void => {
      const last = Math.floor(until / step) * step;
      for (let k = 0; k < count; k++) {
        const t = last - k * step;
        if (t > after) slots.add(t);
      }
    };
    add(600_000, 6);
    add(3_600_000, 24);
    add(86_400_000, 7);
    return [...slots].sort((a, b) => a - b);
  }

  /** Records a job. */
  addJob(job: JobRecord): void {
    this.state.jobs.push(job);
    this.#jobs.set(job.jobID, job);
    this.#open.add(job);
  }

  /**
   * Adds a source server (ReverseReplication creates one in the origin account); as DRS does for
   * a newly added server, the account's launch configuration template becomes its launch settings.
   */
  addServer(server: SourceServerRecord): void {
    this.state.servers.push(server);
    this.#servers.set(server.sourceServerID, server);
    applyDefaultLaunchSettings(this, server);
  }

  /**
   * The server ReverseReplication creates in this (the origin) account for `instance`, a recovery
   * instance of `from` (another account, in another Region): it replicates that instance back
   * here, FAILBACK direction, from scratch (INITIATING 1-4 virtual minutes, then INITIAL_SYNC for
   * 20-90, seeded per instance), then CONTINUOUS.
   */
  createReversedServer(
    from: { region: string; accountId: string },
    original: SourceServerRecord,
    instance: RecoveryInstanceRecord,
    now: number,
  ): SourceServerRecord {
    const id = `s-${this.rng.hex(17)}`;
    this.syncRng();
    const r = new Random(`reverse/${instance.recoveryInstanceID}`);
    const initiatedMs = now + r.int(1, 4) * MINUTE;
    const server: SourceServerRecord = {
      sourceServerID: id,
      arn: `arn:aws:drs:${this.region}:${this.accountId}:source-server/${id}`,
      tags: {},
      hostname: original.hostname,
      fqdn: original.fqdn,
      os: original.os,
      replicationState: 'CONTINUOUS',
      lagSeconds: 0,
      originEnvironment: 'AWS',
      originAccountID: from.accountId,
      originRegion: from.region,
      ips: [instance.privateIp],
      macAddress: original.macAddress,
      disks: original.disks.map((d) => ({ ...d })),
      cpus: original.cpus.map((c) => ({ ...c })),
      ramBytes: original.ramBytes,
      recommendedInstanceType: instance.instanceType,
      addedMs: now,
      replicationDirection: 'FAILBACK',
      reversedDirectionSourceServerArn: original.arn,
      initialSync: { initiatedMs, syncedMs: initiatedMs + r.int(20, 90) * MINUTE },
      awsInstanceID: instance.recoveryInstanceID,
      version: 0,
    };
    this.addServer(server);
    return server;
  }

  /** Marks an instance as failing back under `job`. */
  startFailback(instance: RecoveryInstanceRecord, job: JobRecord): void {
    instance.failbackJobID = job.jobID;
    instance.failbackInitiationMs = job.createdMs;
    delete instance.failbackOverride;
  }

  /** Deterministic new IDs, formed as DRS forms them: 17 lower-case hex digits. */
  newJobId(): string {
    return `drsjob-${this.rng.hex(17)}`;
  }

  /** An EC2 instance ID as EC2 forms them today: `i-0` and 16 hex digits (17 after `i-`). */
  newInstanceId(): string {
    return ec2Id('i', this.rng);
  }

  /** Draws the full plan of a LAUNCH job (recovery or drill) at `now`. */
  planLaunch(
    requested: readonly { sourceServerID: string; pointInTimeMs?: number }[],
    isDrill: boolean,
    tags: Record<string, string>,
    now: number,
  ): JobRecord {
    const rng = this.rng;
    const jobID = this.newJobId();
    const startedMs = now + rng.int(5, 30) * 1000;
    const events: PlannedEvent[] = [{ atMs: startedMs, event: 'JOB_START' }];
    const servers: JobServerPlan[] = [];
    let endMs: number | null = startedMs + 5000;
    for (const req of requested) {
      const server = this.#servers.get(req.sourceServerID);
      if (!server) {
        events.push({ atMs: startedMs, event: 'SERVER_SKIPPED', sourceServerID: req.sourceServerID });
        continue;
      }
      const startMs = startedMs + rng.int(0, 20) * 1000;
      // Skewed towards shorter launches: 4 to 45 minutes, median ~14.
      const total = Math.round((4 + 41 * rng.next() ** 1.6) * MINUTE);
      const snapshotEnd = startMs + Math.round(total * 0.08);
      const conversionStart = snapshotEnd + 2000;
      const conversionEnd = startMs + Math.round(total * 0.7);
      const launchStart = conversionEnd + 2000;
      const end = startMs + total;
      const conversionServerID = ec2Id('i', rng);
      const recoveryInstanceID = this.newInstanceId();
      const privateIp = `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(4, 254)}`;
      const sid = server.sourceServerID;
      const replication = this.replication(server, now);
      let failAt = startMs;
      let pointInTimeMs: number | undefined = req.pointInTimeMs;
      const linkError = this.extensionError(server);
      if (linkError !== undefined) {
        // DRS cannot read the staging server of an extended server: nothing to launch from.
        failAt = startMs + rng.int(5, 30) * 1000;
        pointInTimeMs = undefined;
        events.push({
          atMs: failAt,
          event: 'SNAPSHOT_FAIL',
          sourceServerID: sid,
          rawError: `EXTENSION_ERROR: ${linkError}`,
        });
      } else if (pointInTimeMs !== undefined) {
        events.push({ atMs: startMs, event: 'USING_PREVIOUS_SNAPSHOT', sourceServerID: sid });
      } else if (SNAPSHOT_STATES.has(replication.state)) {
        events.push({ atMs: startMs, event: 'SNAPSHOT_START', sourceServerID: sid });
        events.push({ atMs: snapshotEnd, event: 'SNAPSHOT_END', sourceServerID: sid });
        // The on-demand snapshot holds what reached the staging disks: the data of `lag` ago.
        pointInTimeMs = startMs - replication.lagSeconds * 1000;
      } else {
        // No agent to snapshot (STALLED, PAUSED, no replication at all): DRS falls back to the
        // newest point-in-time snapshot, or fails the server when there is none.
        const snapshotFail = startMs + rng.int(5, 15) * 1000;
        events.push({
          atMs: snapshotFail,
          event: 'SNAPSHOT_FAIL',
          sourceServerID: sid,
          rawError: `Failed to take a snapshot of ${sid}: data replication state is ${replication.state}`,
        });
        pointInTimeMs = this.snapshotTimes(server, now).at(-1);
        if (pointInTimeMs === undefined) {
          failAt = snapshotFail + rng.int(5, 60) * 1000;
          events.push({
            atMs: failAt,
            event: 'USING_PREVIOUS_SNAPSHOT_FAILED',
            sourceServerID: sid,
            rawError: `Source server ${sid} has no point-in-time snapshot to launch from (data replication state ${replication.state})`,
          });
        } else {
          events.push({ atMs: snapshotFail, event: 'USING_PREVIOUS_SNAPSHOT', sourceServerID: sid });
        }
      }
      let plan: JobServerPlan;
      if (pointInTimeMs === undefined) {
        plan = { sourceServerID: sid, startMs, endMs: failAt, outcome: 'FAILED', settled: false };
      } else {
        events.push({
          atMs: conversionStart,
          event: 'CONVERSION_START',
          sourceServerID: sid,
          conversionServerID,
        });
        const stuck = this.faults.isStuck(sid);
        const fails = this.faults.isLaunchFailure(sid);
        if (stuck) {
          plan = { sourceServerID: sid, startMs, endMs: null, outcome: 'IN_PROGRESS', settled: false };
        } else {
          events.push({
            atMs: conversionEnd,
            event: 'CONVERSION_END',
            sourceServerID: sid,
            conversionServerID,
          });
          events.push({
            atMs: launchStart,
            event: 'LAUNCH_START',
            sourceServerID: sid,
            targetInstanceID: recoveryInstanceID,
          });
          if (fails) {
            events.push({
              atMs: end,
              event: 'LAUNCH_FAILED',
              sourceServerID: sid,
              targetInstanceID: recoveryInstanceID,
              rawError: `Failed to launch recovery instance for ${sid}: InsufficientInstanceCapacity: We currently do not have sufficient ${server.recommendedInstanceType} capacity in the Availability Zone you requested`,
            });
            plan = { sourceServerID: sid, startMs, endMs: end, outcome: 'FAILED', settled: false };
          } else {
            plan = {
              sourceServerID: sid,
              recoveryInstanceID,
              startMs,
              endMs: end,
              outcome: 'LAUNCHED',
              pointInTimeMs,
              privateIp,
              settled: false,
            };
          }
        }
      }
      servers.push(plan);
      endMs = endMs === null || plan.endMs === null ? null : Math.max(endMs, plan.endMs);
      server.lastLaunch = { jobID, type: isDrill ? 'DRILL' : 'RECOVERY', apiCallMs: now };
      server.version++;
    }
    if (endMs !== null) {
      endMs += rng.int(5, 15) * 1000;
      events.push({ atMs: endMs, event: 'JOB_END' });
    }
    events.sort((a, b) => a.atMs - b.atMs);
    this.syncRng();
    return {
      jobID,
      arn: `arn:aws:drs:${this.region}:${this.accountId}:job/${jobID}`,
      type: 'LAUNCH',
      initiatedBy: isDrill ? 'START_DRILL' : 'START_RECOVERY',
      createdMs: now,
      startedMs,
      endMs,
      isDrill,
      tags,
      servers,
      events,
    };
  }

  /** Draws a TERMINATE job for known instances (unknown IDs are skipped, as DRS does). */
  planTerminate(instanceIds: readonly string[], now: number): JobRecord {
    const rng = this.rng;
    const jobID = this.newJobId();
    const startedMs = now + rng.int(2, 10) * 1000;
    const events: PlannedEvent[] = [{ atMs: startedMs, event: 'JOB_START' }];
    const servers: JobServerPlan[] = [];
    let endMs = startedMs + 3000;
    for (const id of instanceIds) {
      const instance = this.#instances.get(id);
      if (!instance) continue;
      const end = startedMs + rng.int(30, 180) * 1000;
      const sid = instance.sourceServerID;
      events.push({ atMs: startedMs, event: 'CLEANUP_START', sourceServerID: sid, targetInstanceID: id });
      events.push({ atMs: end, event: 'CLEANUP_END', sourceServerID: sid, targetInstanceID: id });
      servers.push({
        sourceServerID: sid,
        recoveryInstanceID: id,
        startMs: startedMs,
        endMs: end,
        outcome: 'TERMINATED',
        settled: false,
      });
      endMs = Math.max(endMs, end);
    }
    endMs += rng.int(2, 8) * 1000;
    events.push({ atMs: endMs, event: 'JOB_END' });
    events.sort((a, b) => a.atMs - b.atMs);
    this.syncRng();
    return {
      jobID,
      arn: `arn:aws:drs:${this.region}:${this.accountId}:job/${jobID}`,
      type: 'TERMINATE',
      initiatedBy: 'TERMINATE_RECOVERY_INSTANCES',
      createdMs: now,
      startedMs,
      endMs,
      isDrill: false,
      tags: {},
      servers,
      events,
    };
  }

  /** Draws a FAILBACK launch job for instances that are ready. */
  planFailback(
    instances: readonly RecoveryInstanceRecord[],
    tags: Record<string, string>,
    now: number,
  ): JobRecord {
    const rng = this.rng;
    const jobID = this.newJobId();
    const startedMs = now + rng.int(5, 20) * 1000;
    const events: PlannedEvent[] = [{ atMs: startedMs, event: 'JOB_START' }];
    const servers: JobServerPlan[] = [];
    let endMs: number | null = startedMs + 3000;
    for (const instance of instances) {
      const sid = instance.sourceServerID;
      const stuck = this.faults.isStuck(sid);
      const end = stuck ? null : startedMs + rng.int(10, 40) * MINUTE;
      events.push({
        atMs: startedMs,
        event: 'LAUNCH_START',
        sourceServerID: sid,
        targetInstanceID: instance.recoveryInstanceID,
      });
      servers.push({
        sourceServerID: sid,
        recoveryInstanceID: instance.recoveryInstanceID,
        startMs: startedMs,
        endMs: end,
        outcome: 'LAUNCHED',
        settled: false,
      });
      endMs = endMs === null || end === null ? null : Math.max(endMs, end);
    }
    if (endMs !== null) {
      endMs += rng.int(5, 15) * 1000;
      events.push({ atMs: endMs, event: 'JOB_END' });
    }
    events.sort((a, b) => a.atMs - b.atMs);
    this.syncRng();
    return {
      jobID,
      arn: `arn:aws:drs:${this.region}:${this.accountId}:job/${jobID}`,
      type: 'LAUNCH',
      initiatedBy: 'FAILBACK',
      createdMs: now,
      startedMs,
      endMs,
      isDrill: false,
      tags,
      servers,
      events,
    };
  }

  /** All recovery instances (after `settle`). */
  instances(): readonly RecoveryInstanceRecord[] {
    return this.state.instances;
  }

  servers(): readonly SourceServerRecord[] {
    return this.state.servers;
  }

  jobs(): readonly JobRecord[] {
    return this.state.jobs;
  }
}

/**
 * A 17-digit EC2 resource ID (`i-0…`, `snap-0…`): the leading 0 of today's long IDs, then 16 hex
 * digits. It draws 17 digits like before so every later seeded value stays the same.
 */
export function ec2Id(prefix: string, rng: { hex(n: number): string }): string {
  return `${prefix}-0${rng.hex(17).slice(1)}`;
}
