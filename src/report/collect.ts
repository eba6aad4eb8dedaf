/**
 * Builds a report's JSON source from what an execution did: its events (the local runtime's, or
 * Step Functions history mapped to the same shape) and its outputs. Pure: no I/O; a truncated
 * output's full copy is fetched by the caller and handed in.
 */
import { isMapRunChild } from '../core/execution-arn.js';
import {
  REPORT_VERSION,
  type ReportAccount,
  type ReportApproval,
  type ReportJob,
  type ReportNote,
  type ReportOutcome,
  type ReportServer,
  type ReportSource,
  type ReportTotals,
  type ReportWave,
} from './model.js';

/** The events the recorder reads (a structural subset of the runtime's `RuntimeEvent`). */
export type RecordedEvent =
  | {
      readonly type: 'ExecutionStarted';
      readonly time: string;
      readonly machine: string;
      readonly executionArn: string;
      readonly parentExecutionArn?: string;
      readonly accountId?: string;
      readonly input?: unknown;
    }
  | {
      readonly type: 'ExecutionSucceeded';
      readonly time: string;
      readonly machine: string;
      readonly executionArn: string;
      readonly output: unknown;
    }
  | {
      readonly type: 'ExecutionFailed';
      readonly time: string;
      readonly machine: string;
      readonly executionArn: string;
      readonly status: string;
      readonly error: string;
      readonly cause: string;
    }
  | {
      readonly type: 'StateEntered' | 'StateExited';
      readonly time: string;
      readonly machine: string;
      readonly executionArn: string;
      readonly state: string;
      readonly input?: unknown;
      readonly output?: unknown;
    }
  | { readonly type: string; readonly time: string; readonly executionArn: string; readonly machine: string };

/** A wave as the runbook declares it. */
export interface DeclaredWave {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly approval?: boolean;
  readonly rtoTargetMinutes?: number;
}

/** What the report is about, beyond the events. */
export interface ReportContext {
  readonly kind: 'runbook' | 'action';
  readonly title: string;
  readonly target: string;
  readonly input: unknown;
  /** The runbook's waves (kind runbook). */
  readonly waves?: readonly DeclaredWave[];
  /** When the source is written (ISO). */
  readonly generatedAt: string;
}

interface Exec {
  readonly arn: string;
  readonly machine: string;
  readonly parent?: string;
  readonly accountId?: string;
  readonly start: string;
  readonly input: unknown;
  end?: string;
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Drops the undefined members (exactOptionalPropertyTypes). */
function opt<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function seconds(start: string | undefined, end: string | undefined): number | undefined {
  if (start === undefined || end === undefined) return undefined;
  const s = Date.parse(start);
  const e = Date.parse(end);
  return Number.isNaN(s) || Number.isNaN(e) ? undefined : Math.max(0, Math.round((e - s) / 1000));
}

/** Server counts of a list of server rows. */
export function totalsOf(servers: readonly ReportServer[]): ReportTotals {
  const t = { servers: servers.length, succeeded: 0, failed: 0, skipped: 0, timedOut: 0 };
  for (const s of servers) {
    if (s.outcome === 'failed') t.failed++;
    else if (s.outcome === 'timeout') t.timedOut++;
    else if (s.outcome === 'skipped') t.skipped++;
    else t.succeeded++;
  }
  return t;
}

/**
 * A server's health as the result tells it: up with both EC2 status checks (`readyTime`), the
 * post-launch actions' outcome, or a `health` field when one is given.
 */
function healthOf(r: Rec): string | undefined {
  const parts: string[] = [];
  if (str(r.health) !== undefined) parts.push(r.health as string);
  if (str(r.readyTime) !== undefined)
    parts.push(`status checks ok ${(r.readyTime as string).replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`);
  if (isRecord(r.postLaunchActions) && str(r.postLaunchActions.status) !== undefined) {
    const failed = Array.isArray(r.postLaunchActions.failed) ? r.postLaunchActions.failed.length : 0;
    parts.push(
      `post-launch ${String(r.postLaunchActions.status).toLowerCase()}${failed ? ` (${failed} failed)` : ''}`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Rank for sorting: failures first, then timeouts, skipped, the rest. */
function outcomeRank(outcome: string): number {
  return outcome === 'failed' ? 0 : outcome === 'timeout' ? 1 : outcome === 'skipped' ? 2 : 3;
}

/** Per-server rows of one design-3.2 output. */
export function serversOfOutput(wave: number, output: unknown): ReportServer[] {
  if (!isRecord(output)) return [];
  const rows = new Map<string, ReportServer>();
  const tagsOf = (v: unknown): Record<string, string> | undefined =>
    isRecord(v)
      ? (Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) as Record<string, string>)
      : undefined;
  const optional = (r: Rec): Partial<ReportServer> =>
    opt({
      name: str(r.sourceServerHostname),
      tags: tagsOf(r.tags),
      accountId: str(r.stagingAccountId),
      jobId: str(r.jobId) ?? (isRecord(r.lastLaunch) ? str(r.lastLaunch.jobId) : undefined),
      recoveryPointTime: str(r.recoveryPointTime),
      dataLossSeconds: num(r.dataLossSeconds),
      instanceId: str(r.ec2InstanceId),
      privateIp: str(r.privateIp),
      health: healthOf(r),
      launchTime: str(r.launchTime),
    });
  for (const r of Array.isArray(output.servers) ? output.servers : []) {
    if (!isRecord(r) || str(r.sourceServerId) === undefined) continue;
    const id = r.sourceServerId as string;
    rows.set(id, {
      wave,
      sourceServerId: id,
      ...optional(r),
      outcome: str(r.outcome) ?? 'unknown',
      ...opt({ reason: str(r.reason) }),
    });
  }
  for (const r of Array.isArray(output.recoveryInstances) ? output.recoveryInstances : []) {
    if (!isRecord(r) || str(r.sourceServerId) === undefined) continue;
    const id = r.sourceServerId as string;
    const previous = rows.get(id);
    rows.set(id, {
      ...previous,
      wave,
      sourceServerId: id,
      ...optional(r),
      outcome: previous?.outcome ?? 'succeeded',
    });
  }
  for (const r of Array.isArray(output.failedServers) ? output.failedServers : []) {
    if (!isRecord(r) || str(r.sourceServerId) === undefined) continue;
    const id = r.sourceServerId as string;
    const code = str(r.errorCode);
    const reason = [code, str(r.errorMessage)].filter((s) => s !== undefined).join(': ');
    rows.set(id, {
      ...rows.get(id),
      wave,
      sourceServerId: id,
      ...optional(r),
      outcome: code === 'JobTimeout' ? 'timeout' : 'failed',
      ...(reason !== '' && { reason }),
    });
  }
  return [...rows.values()];
}

/**
 * The accounts and DRS jobs of one design-3.2 output, from its `stagingAccountResults`: each
 * executor's start and end and each job's DRS creation and end times (a deployed run's report has
 * no executor events; the executors report these times in their summaries). Entries without a
 * start time are left out.
 */
export function timelineOfOutput(
  wave: number,
  output: unknown,
): { accounts: ReportAccount[]; jobs: ReportJob[] } {
  const accounts: ReportAccount[] = [];
  const jobs: ReportJob[] = [];
  const results =
    isRecord(output) && Array.isArray(output.stagingAccountResults) ? output.stagingAccountResults : [];
  for (const a of results) {
    if (!isRecord(a) || str(a.accountId) === undefined) continue;
    const accountId = a.accountId as string;
    const start = str(a.startTime);
    if (start !== undefined) {
      accounts.push({
        wave,
        accountId,
        ...opt({ region: str(a.region) }),
        status: str(a.status) ?? 'unknown',
        startTime: start,
        ...opt({ endTime: str(a.endTime) }),
      });
    }
    for (const j of Array.isArray(a.jobs) ? a.jobs : []) {
      if (!isRecord(j) || str(j.jobId) === undefined) continue;
      const jobStart = str(j.startTime) ?? start;
      if (jobStart === undefined) continue;
      jobs.push({
        wave,
        accountId,
        jobId: j.jobId as string,
        servers: num(j.servers) ?? 0,
        startTime: jobStart,
        ...opt({ endTime: str(j.endTime) ?? str(a.endTime) }),
      });
    }
  }
  return { accounts, jobs };
}

/**
 * Records an execution's events as they happen and turns them into a {@link ReportSource}.
 * Reads the runtime's objects without keeping them: jobs are folded in on the fly.
 *
 * @example
 * const recorder = new ReportRecorder();
 * await runStateMachine({ ..., onEvent: (e) => recorder.onEvent(e) });
 * const source = recorder.build({ kind: 'action', title: 'drill DR-Wave=1', target: 'sim', input, generatedAt });
 */
export class ReportRecorder {
  readonly #execs = new Map<string, Exec>();
  readonly #order: string[] = [];
  readonly #jobs = new Map<
    string,
    { exec: string; accountId: string; jobId: string; servers: number; start: string; end?: string }
  >();
  readonly #approvals = new Map<number, { requestedAt?: string; decidedAt?: string; answer?: Rec }>();
  readonly #pendingApproval = new Map<string, number>();
  readonly #notes: ReportNote[] = [];
  readonly #gaps: string[] = [];

  /** Adds a note (a decision given at the prompt, a cancellation). */
  note(time: string, text: string): void {
    this.#notes.push({ time, text });
  }

  /** Adds a gap: something the report could not include, and why. */
  gap(text: string): void {
    this.#gaps.push(text);
  }

  /** Folds one event in. */
  onEvent(event: RecordedEvent): void {
    const e = event as RecordedEvent & Rec;
    switch (e.type) {
      case 'ExecutionStarted': {
        if (this.#execs.has(e.executionArn)) return;
        this.#execs.set(e.executionArn, {
          arn: e.executionArn,
          machine: e.machine,
          ...(str(e.parentExecutionArn) !== undefined && { parent: e.parentExecutionArn as string }),
          ...(str(e.accountId) !== undefined && { accountId: e.accountId as string }),
          start: e.time,
          input: e.input,
          status: 'RUNNING',
        });
        this.#order.push(e.executionArn);
        return;
      }
      case 'ExecutionSucceeded': {
        const x = this.#execs.get(e.executionArn);
        if (!x) return;
        x.end = e.time;
        x.status = 'SUCCEEDED';
        x.output = e.output;
        return;
      }
      case 'ExecutionFailed': {
        const x = this.#execs.get(e.executionArn);
        if (!x) return;
        x.end = e.time;
        x.status = String(e.status);
        Object.assign(x, opt({ error: str(e.error), cause: str(e.cause) }));
        return;
      }
      case 'StateEntered': {
        if (e.state === 'RequestApproval' && isRecord(e.input) && isRecord(e.input.current)) {
          const n = num(e.input.current.number);
          if (n !== undefined) {
            this.#pendingApproval.set(e.executionArn, n);
            this.#approvals.set(n, { requestedAt: e.time });
          }
        }
        return;
      }
      case 'StateExited': {
        if (e.state === 'RequestApproval' || e.state === 'CheckApproval') {
          const n = this.#pendingApproval.get(e.executionArn);
          const a = n === undefined ? undefined : this.#approvals.get(n);
          if (!a) return;
          // The answer arrives when RequestApproval ends; what it means is CheckApproval's
          // output (the answer read through the approval schema), kept for a wave whose result
          // never reaches the output (it failed). RequestApproval's raw answer is never a decision.
          if (e.state === 'RequestApproval') {
            a.decidedAt = e.time;
            return;
          }
          const checked =
            isRecord(e.output) && isRecord(e.output.current) ? e.output.current.approval : undefined;
          if (isRecord(checked)) a.answer = checked;
          return;
        }
        const run = isRecord(e.output) && isRecord(e.output.run) ? e.output.run : undefined;
        const x = this.#execs.get(e.executionArn);
        if (!run || !Array.isArray(run.jobs) || !x) return;
        for (const j of run.jobs) {
          if (!isRecord(j) || str(j.jobId) === undefined) continue;
          const id = j.jobId as string;
          let job = this.#jobs.get(id);
          if (!job) {
            job = {
              exec: x.arn,
              accountId: x.accountId ?? '',
              jobId: id,
              servers: Array.isArray(j.serverIds) ? j.serverIds.length : 0,
              // DRS's creation time when the run state has it, else the poll that first saw it.
              start: str(j.startedAt) ?? e.time,
            };
            this.#jobs.set(id, job);
          }
          if (j.finished === true && job.end === undefined) job.end = str(j.endedAt) ?? e.time;
        }
        return;
      }
      default:
        return;
    }
  }

  /** Whether any execution was recorded (targets without engine events record none). */
  get empty(): boolean {
    return this.#order.length === 0;
  }

  /** Main executions whose output was cut to fit (`resultLocation`): fetch these for {@link build}. */
  truncated(): { executionArn: string; location: string }[] {
    const out: { executionArn: string; location: string }[] = [];
    for (const x of this.#execs.values()) {
      const location = x.machine === 'main' && isRecord(x.output) ? str(x.output.resultLocation) : undefined;
      if (location !== undefined) out.push({ executionArn: x.arn, location });
    }
    return out;
  }

  /** The root execution: the first one started without a parent. */
  #root(): Exec | undefined {
    for (const arn of this.#order) {
      const x = this.#execs.get(arn);
      if (x && x.parent === undefined) return x;
    }
    return undefined;
  }

  /**
   * Builds the report source.
   *
   * @param fullOutputs full design-3.2 outputs of main executions whose inline lists were
   *   truncated (`resultLocation`), by execution ARN
   */
  /**
   * The run an execution works for: its parent, or the parent of the Distributed Map child that
   * started it (the main machine starts each executor from its account's map run child).
   */
  #ownerOf(x: Exec): string | undefined {
    const parent = x.parent === undefined ? undefined : this.#execs.get(x.parent);
    return parent && isMapRunChild(parent.arn) ? parent.parent : x.parent;
  }

  build(ctx: ReportContext, fullOutputs: ReadonlyMap<string, unknown> = new Map()): ReportSource {
    const root = this.#root();
    const all = this.#order.map((a) => this.#execs.get(a) as Exec);
    const mains = all.filter(
      (x) =>
        x.machine === 'main' &&
        !isMapRunChild(x.arn) &&
        (root?.machine === 'main' ? x === root : x.parent === root?.arn),
    );
    const rootOutput = isRecord(root?.output) ? root.output : undefined;
    const gaps: string[] = [...this.#gaps];

    const declared: readonly DeclaredWave[] =
      ctx.kind === 'runbook'
        ? (ctx.waves ?? [])
        : [
            {
              name: ctx.title,
              tags: (isRecord(ctx.input) && isRecord(ctx.input.tags) ? ctx.input.tags : {}) as Record<
                string,
                string
              >,
            },
          ];
    const waveResults = isRecord(rootOutput?.waves) ? rootOutput.waves : {};
    const servers: ReportServer[] = [];
    const accounts: ReportAccount[] = [];
    const jobs: ReportJob[] = [];
    const waves: ReportWave[] = declared.map((d, i) => {
      const number = i + 1;
      const main = mains[i];
      let output: unknown = main?.output;
      if (main && fullOutputs.has(main.arn)) output = fullOutputs.get(main.arn);
      else if (isRecord(output) && str(output.resultLocation) !== undefined) {
        gaps.push(
          `wave ${number}: the per-server lists were truncated; the full result is at ${String(output.resultLocation)}`,
        );
      }
      const rows = serversOfOutput(number, output);
      servers.push(...rows);
      const executors = main
        ? all.filter((x) => x.machine === 'executor' && this.#ownerOf(x) === main.arn)
        : [];
      if (main && executors.length === 0) {
        // No executor events (a deployed run): the output's per-account results carry the times.
        const timeline = timelineOfOutput(number, output);
        accounts.push(...timeline.accounts);
        jobs.push(...timeline.jobs);
      }
      if (main) {
        for (const x of executors) {
          const acc = isRecord(x.input) && isRecord(x.input.account) ? x.input.account : {};
          const out = isRecord(x.output) ? x.output : {};
          accounts.push({
            wave: number,
            accountId: x.accountId ?? str(acc.accountId) ?? '',
            ...opt({ region: str(acc.region) }),
            status: str(out.status) ?? x.status.toLowerCase(),
            startTime: x.start,
            ...(x.end !== undefined && { endTime: x.end }),
          });
          for (const j of this.#jobs.values()) {
            if (j.exec !== x.arn) continue;
            jobs.push({
              wave: number,
              accountId: j.accountId,
              jobId: j.jobId,
              servers: j.servers,
              startTime: j.start,
              ...((j.end ?? x.end) !== undefined && { endTime: j.end ?? x.end }),
            });
          }
        }
      }
      const result = isRecord(waveResults[`wave${number}`])
        ? (waveResults[`wave${number}`] as Rec)
        : undefined;
      // Without the wave's execution (its history could not be read), the wave's summary in the
      // runbook's output still says how it ended.
      const status = main
        ? (str(isRecord(main.output) ? main.output.status : undefined) ??
          (main.status === 'RUNNING' ? 'running' : main.status.toLowerCase()))
        : (str(result?.status) ?? 'not run');
      const duration = seconds(main?.start, main?.end);
      const approval = this.#approvalOf(number, d, result, rootOutput, root);
      const message = isRecord(main?.output) ? str(main.output.message) : (main?.cause ?? undefined);
      return {
        number,
        name: d.name,
        tags: d.tags,
        status,
        ...(main && { startTime: main.start }),
        ...(main?.end !== undefined && { endTime: main.end }),
        ...(duration !== undefined && { durationSeconds: duration }),
        ...(d.rtoTargetMinutes !== undefined && { rtoTargetMinutes: d.rtoTargetMinutes }),
        ...(d.rtoTargetMinutes !== undefined &&
          duration !== undefined && { rtoMet: duration <= d.rtoTargetMinutes * 60 }),
        approvalRequired: d.approval === true,
        ...(approval && { approval }),
        ...(message !== undefined && { message }),
        totals: totalsOf(rows),
      };
    });

    servers.sort(
      (a, b) =>
        outcomeRank(a.outcome) - outcomeRank(b.outcome) ||
        a.wave - b.wave ||
        (a.name ?? a.sourceServerId).localeCompare(b.name ?? b.sourceServerId),
    );
    const metadata = isRecord(ctx.input) && isRecord(ctx.input.metadata) ? ctx.input.metadata : {};
    const outcome = this.#outcome(root, rootOutput);
    const notes = [...this.#notes];
    if (root?.status === 'ABORTED')
      notes.push({ time: root.end ?? ctx.generatedAt, text: 'execution stopped (cancelled)' });
    const reason =
      str(rootOutput?.reason) ??
      (isRecord(rootOutput?.error) ? str(rootOutput.error.Cause) : undefined) ??
      (root?.status !== 'SUCCEEDED'
        ? [root?.error, root?.cause].filter(Boolean).join(': ') || undefined
        : undefined);
    const duration = seconds(root?.start, root?.end);
    const correlation = str(metadata.correlationId) ?? root?.arn.split(':').pop();
    return {
      reportVersion: REPORT_VERSION,
      kind: ctx.kind,
      title: ctx.title,
      action: str(isRecord(ctx.input) ? ctx.input.action : undefined) ?? 'unknown',
      execution: {
        name: root?.arn.split(':').pop() ?? 'unknown',
        arn: root?.arn ?? 'unknown',
        target: ctx.target,
        outcome,
        status: root?.status ?? 'UNKNOWN',
        startTime: root?.start ?? ctx.generatedAt,
        ...(root?.end !== undefined && { endTime: root.end }),
        ...(duration !== undefined && { durationSeconds: duration }),
        ...(reason !== undefined && { reason }),
      },
      startedBy: {
        ...opt({
          initiatedBy: str(metadata.initiatedBy),
          ticketId: str(metadata.ticketId),
          correlationId: correlation,
        }),
      },
      input: ctx.input,
      waves,
      accounts,
      jobs,
      servers,
      totals: {
        ...totalsOf(servers),
        waves: waves.length,
        wavesRun: waves.filter((w) => w.status !== 'not run').length,
      },
      notes: notes.sort((a, b) => a.time.localeCompare(b.time)),
      gaps,
      generatedAt: ctx.generatedAt,
    };
  }

  #approvalOf(
    number: number,
    d: DeclaredWave,
    result: Rec | undefined,
    rootOutput: Rec | undefined,
    root: Exec | undefined,
  ): ReportApproval | undefined {
    if (d.approval !== true) return undefined;
    const times = this.#approvals.get(number) ?? {};
    const at = {
      ...(times.requestedAt !== undefined && { requestedAt: times.requestedAt }),
      ...(times.decidedAt !== undefined && { decidedAt: times.decidedAt }),
    };
    // A rejection: the run stopped at this wave (SendTaskFailure, or CheckApproval read a "no"
    // or a malformed answer), or the checked answer says so (the run did not get to its end).
    const rejected = (cause: string | undefined): ReportApproval => {
      let parsed: Rec | undefined;
      try {
        const p: unknown = cause ? JSON.parse(cause) : undefined;
        parsed = isRecord(p) ? p : undefined;
      } catch {
        parsed = undefined;
      }
      return {
        decision: 'rejected',
        ...at,
        ...opt({
          by: str(parsed?.rejectedBy),
          decidedAt: str(parsed?.at),
          comment: parsed ? str(parsed.comment) : cause,
        }),
      };
    };
    if (rootOutput && num(rootOutput.stoppedAtWave) === number) {
      if (rootOutput.status === 'rejected') return rejected(str(rootOutput.reason));
      if (rootOutput.status === 'timeout') return { decision: 'timeout', ...at };
    }
    // Only an answer CheckApproval read as approved: true is an approval.
    const given = (result && isRecord(result.approval) ? result.approval : undefined) ?? times.answer;
    if (given?.approved === true) {
      return {
        decision: 'approved',
        ...at,
        ...opt({ by: str(given.approvedBy), comment: str(given.comment), decidedAt: str(given.at) }),
      };
    }
    if (given?.approved === false) return rejected(str(given.cause));
    if (times.requestedAt !== undefined && times.decidedAt === undefined && root?.status !== 'RUNNING') {
      return { decision: 'pending', ...at };
    }
    return undefined;
  }

  #outcome(root: Exec | undefined, out: Rec | undefined): ReportOutcome {
    if (!root) return 'failed';
    if (root.status === 'ABORTED') return 'aborted';
    if (root.status === 'TIMED_OUT') return 'timeout';
    if (root.status === 'RUNNING') return 'running';
    const s = str(out?.status);
    const known: readonly ReportOutcome[] = [
      'success',
      'partial',
      'failed',
      'timeout',
      'rejected',
      'stopped',
    ];
    if (s !== undefined && (known as readonly string[]).includes(s)) return s as ReportOutcome;
    return 'failed';
  }
}
