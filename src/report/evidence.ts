/**
 * The evidence model: one function turns a run's Step Functions histories (as GetExecutionHistory
 * gives them: the root execution and, for a runbook, each wave's main execution) and its outputs
 * into the {@link ReportSource} that report.json holds, the HTML page renders, `drs-orch report`
 * lists and the table summarises. The workflow's report task (src/tasks/write-report.ts) and the
 * CLI (src/cli/reports.ts) both call {@link buildEvidence}, so the deployed report and the local
 * report of one run carry the same facts.
 *
 * What it reads, and why only this: the root's history (input, end, each approval, each wave's
 * main execution), each main's history when given (its steps: discovery, batches, accounts,
 * aggregation), and each main's output (per-server results, skipped servers, warnings, each
 * account's executor times and each DRS job's own times). It never reads the executors' or the
 * map-run children's histories: the report task cannot (they run in the staging accounts), so a
 * report that used them would say more locally than deployed. Pure: no I/O; a truncated output's
 * full copy is fetched by the caller ({@link truncatedResults}) and handed in.
 */
import {
  type ExecutionFacts,
  factsOfHistory,
  type HistoryEventLike,
  isoTime,
  parsedJson,
  type RunHistories,
  type StateSpan,
} from './history.js';
import {
  REPORT_VERSION,
  type ReportAccount,
  type ReportApproval,
  type ReportJob,
  type ReportJobLogEvent,
  type ReportNote,
  type ReportObjectiveFigures,
  type ReportObjectives,
  type ReportOutcome,
  type ReportServer,
  type ReportSource,
  type ReportStep,
  type ReportTotals,
  type ReportWarning,
  type ReportWave,
} from './model.js';
import { runbookStepEntries } from './runbook-steps.js';

/** A wave as the runbook declares it. */
export interface DeclaredWave {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly approval?: boolean;
  readonly rtoTargetMinutes?: number;
}

/** How the root ended, when its history does not say yet (a stopped execution's EventBridge event). */
export interface ExecutionEnd {
  readonly status: string;
  readonly time: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What {@link buildEvidence} reads. */
export interface EvidenceInput {
  readonly kind: 'runbook' | 'action';
  /** The root execution: a waves execution (runbook) or a main execution (action). */
  readonly rootArn: string;
  /** Histories by execution ARN: the root's, and each wave main's when it could be read. */
  readonly histories: RunHistories;
  /**
   * Where it ran (`sim (demo fleet, x1000)`, `aws ...`).
   * @default `sfn <state machine ARN>` (an execution hosted by Step Functions)
   */
  readonly target?: string;
  /** When the source is written (ISO). */
  readonly generatedAt: string;
  /** Who started it when the input's `metadata.initiatedBy` names nobody (the CLI's `user@host`). */
  readonly operator?: string;
  /** The root's end when its history has none and no report state ran (a stopped execution). */
  readonly end?: ExecutionEnd;
  /** Full results of outputs cut to fit, by their `resultLocation`. */
  readonly fullResults?: ReadonlyMap<string, unknown>;
  /** Decisions given at the prompt, a cancellation. */
  readonly notes?: readonly ReportNote[];
  /** What could not be read, and why. */
  readonly gaps?: readonly string[];
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

/** `sfn arn:...:stateMachine:<name>`: where a Step Functions execution ran. */
export function targetOfExecution(executionArn: string): string {
  return `sfn ${executionArn
    .split(':')
    .slice(0, 7)
    .join(':')
    .replace(/:execution:/, ':stateMachine:')}`;
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

function tagsOf(v: unknown): Record<string, string> | undefined {
  return isRecord(v)
    ? (Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) as Record<string, string>)
    : undefined;
}

/** The fields a result row of any list may carry. */
function rowFields(r: Rec): Partial<ReportServer> {
  const launch = str(r.launchTime);
  const ready = str(r.readyTime);
  return opt({
    name: str(r.sourceServerHostname) ?? str(r.hostname),
    tags: tagsOf(r.tags),
    accountId: str(r.stagingAccountId) ?? str(r.accountId),
    region: str(r.region),
    jobId: str(r.jobId) ?? (isRecord(r.lastLaunch) ? str(r.lastLaunch.jobId) : undefined),
    recoveryPointTime: str(r.recoveryPointTime),
    replicatedUntil: str(r.replicatedUntil),
    dataLossSeconds: num(r.dataLossSeconds),
    usedPreviousSnapshot: r.usedPreviousSnapshot === true ? true : undefined,
    recoveryTimeSeconds: num(r.recoveryTimeSeconds),
    instanceId: str(r.ec2InstanceId),
    privateIp: str(r.privateIp),
    health: healthOf(r),
    readyTime: ready,
    launchToReadySeconds: seconds(launch, ready),
    launchTime: launch,
  });
}

/**
 * Per-server rows of one design-3.2 output: `servers` (status and the rest), `recoveryInstances`,
 * `failedServers`, and `skippedServers` (each with its reason), one row per source server.
 */
export function serversOfOutput(wave: number, output: unknown): ReportServer[] {
  if (!isRecord(output)) return [];
  const rows = new Map<string, ReportServer>();
  const each = (list: unknown, add: (id: string, r: Rec) => void): void => {
    for (const r of Array.isArray(list) ? list : []) {
      if (isRecord(r) && str(r.sourceServerId) !== undefined) add(r.sourceServerId as string, r);
    }
  };
  each(output.servers, (id, r) => {
    rows.set(id, {
      wave,
      sourceServerId: id,
      ...rowFields(r),
      outcome: str(r.outcome) ?? 'unknown',
      ...opt({ reason: str(r.reason) }),
    });
  });
  each(output.recoveryInstances, (id, r) => {
    const previous = rows.get(id);
    rows.set(id, {
      ...previous,
      wave,
      sourceServerId: id,
      ...rowFields(r),
      outcome: previous?.outcome ?? 'succeeded',
      ...opt({ reason: previous?.reason ?? str(r.warning) }),
    });
  });
  each(output.failedServers, (id, r) => {
    const code = str(r.errorCode);
    const reason = [code, str(r.errorMessage)].filter((s) => s !== undefined).join(': ');
    rows.set(id, {
      ...rows.get(id),
      wave,
      sourceServerId: id,
      ...rowFields(r),
      outcome: code === 'JobTimeout' ? 'timeout' : 'failed',
      ...(reason !== '' && { reason }),
    });
  });
  each(output.skippedServers, (id, r) => {
    const reason = [str(r.reasonCode), str(r.reason)].filter((x) => x !== undefined).join(': ');
    rows.set(id, {
      ...rows.get(id),
      wave,
      sourceServerId: id,
      ...rowFields(r),
      outcome: 'skipped',
      ...(reason !== '' && { reason }),
    });
  });
  return [...rows.values()];
}

/**
 * The accounts and DRS jobs of one design-3.2 output, from its `stagingAccountResults`: each
 * executor's start and end and each job's DRS creation and end times. Entries without a start
 * time are left out.
 */
export function timelineOfOutput(
  wave: number,
  output: unknown,
): { accounts: ReportAccount[]; jobs: ReportJob[] } {
  const accounts: ReportAccount[] = [];
  const jobs: ReportJob[] = [];
  const results =
    isRecord(output) && Array.isArray(output.stagingAccountResults) ? output.stagingAccountResults : [];
  // Jobs taken over from another run (DRS allows one job per server), with that run's correlation id.
  const adopted = new Map<string, string>();
  for (const j of isRecord(output) && Array.isArray(output.adoptedJobs) ? output.adoptedJobs : []) {
    if (isRecord(j) && str(j.jobId) !== undefined) adopted.set(j.jobId as string, str(j.correlationId) ?? '');
  }
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
        ...opt({
          endTime: str(j.endTime) ?? str(a.endTime),
          adoptedFrom: str(j.adoptedFrom) ?? adopted.get(j.jobId as string),
          logEvents: logEventsOf(j.logEvents),
          logEventsOmitted: num(j.logEventsOmitted),
        }),
      });
    }
  }
  return { accounts, jobs };
}

/** A job record's `logEvents` (absent when there are none or none is well formed). */
function logEventsOf(list: unknown): ReportJobLogEvent[] | undefined {
  const out: ReportJobLogEvent[] = [];
  for (const e of Array.isArray(list) ? list : []) {
    if (!isRecord(e) || str(e.event) === undefined || str(e.time) === undefined) continue;
    out.push({
      event: e.event as string,
      time: e.time as string,
      ...opt({ sourceServerId: str(e.sourceServerID) }),
    });
  }
  return out.length > 0 ? out : undefined;
}

/** The warnings of one output, each with the servers of `rows` its text names. */
export function warningsOfOutput(
  wave: number,
  output: unknown,
  rows: readonly ReportServer[],
): ReportWarning[] {
  const list = isRecord(output) && Array.isArray(output.warnings) ? output.warnings : [];
  return list
    .filter((w): w is string => typeof w === 'string' && w !== '')
    .map((text) => ({
      wave,
      text,
      sourceServerIds: rows
        .filter(
          (r) =>
            text.includes(r.sourceServerId) ||
            (r.name !== undefined && r.name !== '' && text.includes(r.name)),
        )
        .map((r) => r.sourceServerId),
    }));
}

/** Worst data loss and recovery time of servers. */
function figuresOf(servers: readonly ReportServer[]): ReportObjectiveFigures {
  let loss: number | undefined;
  let rto: number | undefined;
  let recovered = 0;
  let previous = 0;
  for (const s of servers) {
    if (s.instanceId === undefined && s.dataLossSeconds === undefined && s.recoveryTimeSeconds === undefined)
      continue;
    recovered++;
    if (s.usedPreviousSnapshot === true) previous++;
    if (s.dataLossSeconds !== undefined) loss = Math.max(loss ?? 0, s.dataLossSeconds);
    if (s.recoveryTimeSeconds !== undefined) rto = Math.max(rto ?? 0, s.recoveryTimeSeconds);
  }
  return {
    ...opt({ worstDataLossSeconds: loss, recoveryTimeSeconds: rto }),
    recovered,
    previousSnapshot: previous,
  };
}

/**
 * RPO and RTO achieved, at a glance: the worst data loss and the longest recovery time overall,
 * per wave and per account, and the five servers with the most data loss (then the longest
 * recovery). The table of an output and the report both use it.
 */
export function objectivesOf(servers: readonly ReportServer[]): ReportObjectives {
  const by = <K extends string | number>(key: (s: ReportServer) => K | undefined): Map<K, ReportServer[]> => {
    const m = new Map<K, ReportServer[]>();
    for (const s of servers) {
      const k = key(s);
      if (k === undefined) continue;
      m.set(k, [...(m.get(k) ?? []), s]);
    }
    return m;
  };
  const waves = [...by((s) => s.wave).entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, list]) => ({ wave, ...figuresOf(list) }));
  const accounts = [...by((s) => s.accountId).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([accountId, list]) => ({ accountId, ...figuresOf(list) }));
  const worstServers = servers
    .filter((s) => s.dataLossSeconds !== undefined || s.recoveryTimeSeconds !== undefined)
    .sort(
      (a, b) =>
        (b.dataLossSeconds ?? -1) - (a.dataLossSeconds ?? -1) ||
        (b.recoveryTimeSeconds ?? -1) - (a.recoveryTimeSeconds ?? -1) ||
        a.sourceServerId.localeCompare(b.sourceServerId),
    )
    .slice(0, 5)
    .map((s) => ({
      wave: s.wave,
      sourceServerId: s.sourceServerId,
      ...opt({
        name: s.name,
        accountId: s.accountId,
        dataLossSeconds: s.dataLossSeconds,
        recoveryTimeSeconds: s.recoveryTimeSeconds,
        usedPreviousSnapshot: s.usedPreviousSnapshot,
      }),
    }));
  return { overall: figuresOf(servers), waves, accounts, worstServers };
}

/** The state of the main machine that writes its report, and the waves machine's. */
const ACTION_REPORT_STATE = 'WriteReport';
const RUNBOOK_REPORT_STATE = 'WriteRunbookReport';
/** The waves machine's states read here. */
const RUN_WAVE = 'RunWave';
const REQUEST_APPROVAL = 'RequestApproval';
const CHECK_APPROVAL = 'CheckApproval';

/** The main machine's steps shown in a wave's step log, with their names there. */
const MAIN_STEPS: Readonly<Record<string, string>> = {
  ValidateInput: 'validate',
  DiscoverServers: 'discover',
  NoServersFound: 'discover',
  PartitionByAccount: 'batches',
  ExecutePerAccount: 'accounts',
  AggregateResults: 'aggregate',
  AggregateFailure: 'aggregate',
};

/** The order of a wave's steps that start at the same moment. */
const STEP_ORDER = [
  'approval',
  'validate',
  'discover',
  'batches',
  'accounts',
  'account',
  'drs job',
  'health checks',
  'aggregate',
];

/** One wave's main execution, from its own history or, without it, from the runbook's RunWave. */
interface WaveRun {
  readonly number: number;
  readonly arn?: string;
  readonly start?: string;
  end?: string;
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly facts?: ExecutionFacts;
}

/**
 * How an execution ended as its report sees it: when it ran its report state, that state's start
 * (the run's own work ended there; the report and notification follow) and the output handed to
 * it, so the report the workflow writes from inside and the one the CLI writes afterwards agree;
 * else its terminal event.
 */
function endOf(
  x: ExecutionFacts,
  reportState: string,
): { end?: string; status: string; output?: unknown; error?: string; cause?: string } {
  const report = x.states.find((s) => s.name === reportState);
  if (report === undefined) {
    return { ...opt({ end: x.end, output: x.output, error: x.error, cause: x.cause }), status: x.status };
  }
  const given = isRecord(report.input) ? report.input : {};
  const output =
    reportState === ACTION_REPORT_STATE ? (isRecord(given.final) ? given.final.output : undefined) : given;
  // The waves workflow's validation ends fail the execution in a Fail state after the report.
  const failure =
    isRecord(output) && str(output.failState) !== undefined && isRecord(output.error)
      ? output.error
      : undefined;
  const status = failure !== undefined ? 'FAILED' : x.status === 'RUNNING' ? 'SUCCEEDED' : x.status;
  return {
    end: report.entered,
    status,
    output,
    ...opt({
      error: x.error ?? str(failure?.Error),
      cause: x.cause ?? str(failure?.Cause),
    }),
  };
}

/** The wave number a waves state works on (`current.number` of its input), else undefined. */
function waveNumberOf(span: StateSpan): number | undefined {
  return isRecord(span.input) && isRecord(span.input.current) ? num(span.input.current.number) : undefined;
}

/** Each wave's main execution of a runbook, from RunWave's `.sync:2` events and the mains' own histories. */
function waveRunsOf(root: ExecutionFacts, histories: RunHistories): WaveRun[] {
  const runs: WaveRun[] = [];
  for (const span of root.states.filter((s) => s.name === RUN_WAVE)) {
    const submitted = isRecord(span.submitted) ? span.submitted : {};
    const result = isRecord(span.result) ? span.result : undefined;
    const failure = isRecord(parsedJson(span.cause)) ? (parsedJson(span.cause) as Rec) : undefined;
    const arn = str(submitted.ExecutionArn) ?? str(result?.ExecutionArn) ?? str(failure?.ExecutionArn);
    const number = waveNumberOf(span) ?? runs.length + 1;
    const events = arn === undefined ? undefined : histories.get(arn);
    if (arn !== undefined && events !== undefined && events.length > 0) {
      const facts = factsOfHistory(arn, events);
      const end = endOf(facts, ACTION_REPORT_STATE);
      runs.push({ number, arn, ...opt({ start: facts.start, ...end }), status: end.status, facts });
      continue;
    }
    const start =
      isoTime(submitted.StartDate) ??
      isoTime(result?.StartDate) ??
      isoTime(failure?.StartDate) ??
      span.entered;
    if (result !== undefined) {
      runs.push({
        number,
        ...opt({ arn, end: isoTime(result.StopDate) ?? span.answered }),
        start,
        status: 'SUCCEEDED',
        output: isRecord(result.Output) ? result.Output : parsedJson(result.Output),
      });
    } else if (span.error !== undefined) {
      runs.push({
        number,
        ...opt({
          arn,
          end: isoTime(failure?.StopDate) ?? span.answered,
          error: str(failure?.Error) ?? span.error,
          cause: str(failure?.Cause) ?? span.cause,
        }),
        start,
        status: str(failure?.Status) ?? 'FAILED',
      });
    } else {
      runs.push({ number, ...opt({ arn }), start, status: 'RUNNING' });
    }
  }
  return runs;
}

/** The output a wave's servers come from: the full result when the inline one was cut. */
function fullOutputOf(
  output: unknown,
  full: ReadonlyMap<string, unknown>,
): { output: unknown; cut?: string } {
  const location = isRecord(output) ? str(output.resultLocation) : undefined;
  if (location === undefined) return { output };
  if (full.has(location)) return { output: full.get(location) };
  return { output, cut: location };
}

/**
 * Full results the report needs: the `resultLocation` of every main output that was cut to fit
 * Step Functions' payload limit. Fetch them and hand them to {@link buildEvidence} as `fullResults`.
 */
export function truncatedResults(input: Pick<EvidenceInput, 'kind' | 'rootArn' | 'histories'>): string[] {
  const root = factsOfHistory(input.rootArn, input.histories.get(input.rootArn) ?? []);
  const outputs =
    input.kind === 'action'
      ? [endOf(root, ACTION_REPORT_STATE).output]
      : waveRunsOf(root, input.histories).map((w) => w.output);
  return outputs
    .map((o) => (isRecord(o) ? str(o.resultLocation) : undefined))
    .filter((l): l is string => l !== undefined);
}

/** The waves a runbook declared, from its input; without it, the waves its output names. */
function declaredWaves(input: unknown, output: unknown): DeclaredWave[] {
  if (isRecord(input) && Array.isArray(input.waves)) {
    return input.waves.filter(isRecord).map((w, i) => ({
      name: typeof w.name === 'string' ? w.name : `wave ${i + 1}`,
      tags: tagsOf(w.tags) ?? {},
      approval: w.approval === true,
      ...(typeof w.rtoTargetMinutes === 'number' && { rtoTargetMinutes: w.rtoTargetMinutes }),
    }));
  }
  const results = isRecord(output) && isRecord(output.waves) ? output.waves : {};
  const total =
    isRecord(output) && typeof output.totalWaves === 'number'
      ? output.totalWaves
      : Object.keys(results).length;
  return Array.from({ length: total }, (_, i) => {
    const r = isRecord(results[`wave${i + 1}`]) ? (results[`wave${i + 1}`] as Rec) : {};
    const approval = isRecord(r.approval) ? r.approval : undefined;
    return {
      name: typeof r.name === 'string' ? r.name : `wave ${i + 1}`,
      tags: {},
      approval: approval !== undefined && approval.required !== false,
    };
  });
}

/** An approval's times and the answer CheckApproval read, per wave number. */
interface ApprovalTimes {
  requestedAt?: string;
  decidedAt?: string;
  answer?: Rec;
}

function approvalsOf(root: ExecutionFacts): Map<number, ApprovalTimes> {
  const out = new Map<number, ApprovalTimes>();
  let last: number | undefined;
  for (const span of root.states) {
    if (span.name === REQUEST_APPROVAL) {
      last = waveNumberOf(span);
      if (last === undefined) continue;
      // The answer's time is the decision's (a caught rejection may have no StateExited).
      out.set(last, { requestedAt: span.entered, ...opt({ decidedAt: span.answered ?? span.exited }) });
    } else if (span.name === CHECK_APPROVAL) {
      // What the answer means: CheckApproval's output (the answer read through the approval
      // schema). RequestApproval's raw answer is never a decision.
      const n = waveNumberOf(span) ?? last;
      const checked =
        isRecord(span.output) && isRecord(span.output.current) ? span.output.current.approval : undefined;
      const times = n === undefined ? undefined : out.get(n);
      if (times && isRecord(checked)) times.answer = checked;
    }
  }
  return out;
}

/** A wave's approval decision. */
function approvalOf(
  number: number,
  d: DeclaredWave,
  times: ApprovalTimes | undefined,
  result: Rec | undefined,
  rootOutput: Rec | undefined,
  rootStatus: string,
): ReportApproval | undefined {
  if (d.approval !== true) return undefined;
  const at = opt({ requestedAt: times?.requestedAt, decidedAt: times?.decidedAt });
  // A rejection: the run stopped at this wave (SendTaskFailure, or CheckApproval read a "no" or a
  // malformed answer), or the checked answer says so (the run did not get to its end).
  const rejected = (cause: string | undefined): ReportApproval => {
    const p = parsedJson(cause);
    const parsed = isRecord(p) ? p : undefined;
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
  const given = (result && isRecord(result.approval) ? result.approval : undefined) ?? times?.answer;
  if (given?.approved === true) {
    return {
      decision: 'approved',
      ...at,
      ...opt({ by: str(given.approvedBy), comment: str(given.comment), decidedAt: str(given.at) }),
    };
  }
  if (given?.approved === false) return rejected(str(given.cause));
  if (times?.requestedAt !== undefined && times.decidedAt === undefined && rootStatus !== 'RUNNING') {
    return { decision: 'pending', ...at };
  }
  return undefined;
}

function outcomeOf(status: string, out: Rec | undefined): ReportOutcome {
  if (status === 'ABORTED') return 'aborted';
  if (status === 'TIMED_OUT') return 'timeout';
  if (status === 'RUNNING') return 'running';
  const s = str(out?.status);
  const known: readonly string[] = ['success', 'partial', 'failed', 'timeout', 'rejected', 'stopped'];
  if (s !== undefined && known.includes(s)) return s as ReportOutcome;
  return 'failed';
}

/** A wave's step log: its main's steps, each account and DRS job, health checks, its approval. */
function stepsOf(
  run: WaveRun | undefined,
  approval: ReportApproval | undefined,
  rows: readonly ReportServer[],
  accounts: readonly ReportAccount[],
  jobs: readonly ReportJob[],
  output: unknown,
): ReportStep[] {
  const steps: ReportStep[] = [];
  if (approval?.requestedAt !== undefined) {
    steps.push({
      time: approval.requestedAt,
      ...opt({ endTime: approval.decidedAt }),
      step: 'approval',
      status: approval.decision,
      ...opt({
        detail:
          [approval.by && `by ${approval.by}`, approval.comment].filter(Boolean).join(': ') || undefined,
      }),
    });
  }
  const out = isRecord(output) ? output : {};
  const summary = isRecord(out.summary) ? out.summary : {};
  for (const span of run?.facts?.states ?? []) {
    const step = MAIN_STEPS[span.name];
    if (step === undefined) continue;
    let detail: string | undefined;
    let status = span.error !== undefined ? 'failed' : span.exited === undefined ? 'running' : 'ok';
    if (span.name === 'DiscoverServers') {
      const skipped = rows.filter((r) => r.outcome === 'skipped').length;
      detail = `${num(summary.totalServers) ?? rows.length} source servers matched${skipped ? `, ${skipped} skipped` : ''}`;
    } else if (span.name === 'NoServersFound') {
      status = 'warning';
      detail = 'no source server matched the tags';
    } else if (span.name === 'ExecutePerAccount') {
      detail = `${accounts.length} staging account${accounts.length === 1 ? '' : 's'}`;
    } else if (span.name === 'AggregateResults' || span.name === 'AggregateFailure') {
      detail = str(out.status) !== undefined ? `outcome ${String(out.status)}` : undefined;
      if (span.name === 'AggregateFailure') status = 'failed';
    } else if (span.error !== undefined) detail = [span.error, span.cause].filter(Boolean).join(': ');
    steps.push({
      time: span.entered,
      ...opt({ endTime: span.exited ?? span.answered }),
      step,
      status,
      ...opt({ detail }),
    });
  }
  for (const a of accounts) {
    steps.push({
      time: a.startTime,
      ...opt({ endTime: a.endTime }),
      step: 'account',
      status: a.status,
      detail: `${a.accountId}${a.region ? ` ${a.region}` : ''}`,
    });
  }
  for (const j of jobs) {
    const inJob = rows.filter((r) => r.jobId === j.jobId);
    const failed = inJob.filter((r) => r.outcome === 'failed' || r.outcome === 'timeout').length;
    // What DRS logged for the job, as the run read it from the job log (never inferred from the
    // servers' rows): a count per event on the job's step, and each item as its own step.
    const logged = new Map<string, number>();
    for (const e of j.logEvents ?? []) logged.set(e.event, (logged.get(e.event) ?? 0) + 1);
    const items = [
      `${j.servers} server${j.servers === 1 ? '' : 's'}`,
      ...(j.adoptedFrom !== undefined
        ? [`taken over from run ${j.adoptedFrom === '' ? '(no correlation id)' : j.adoptedFrom}`]
        : []),
      ...[...logged].map(([event, n]) => `${event}: ${n}`),
      ...(j.logEventsOmitted ? [`${j.logEventsOmitted} more job log items not kept`] : []),
      ...(failed > 0 ? [`${failed} failed`] : []),
    ];
    steps.push({
      time: j.startTime,
      ...opt({ endTime: j.endTime }),
      step: `drs job ${j.jobId}`,
      status: failed > 0 ? 'failed' : j.endTime === undefined ? 'running' : 'completed',
      detail: `${j.accountId}: ${items.join(', ')}`,
    });
    for (const e of j.logEvents ?? []) {
      steps.push({
        time: e.time,
        step: `drs job ${j.jobId} ${e.event}`,
        status:
          e.event === 'USING_PREVIOUS_SNAPSHOT'
            ? 'warning'
            : e.event === 'SERVER_SKIPPED'
              ? 'skipped'
              : 'failed',
        detail: `${j.accountId}${e.sourceServerId ? `: source server ${e.sourceServerId}` : ''}`,
      });
    }
  }
  const launched = rows.filter((r) => r.launchTime !== undefined);
  if (launched.length > 0) {
    const ready = launched.filter((r) => r.readyTime !== undefined);
    const first = launched.map((r) => r.launchTime as string).sort()[0] as string;
    const last = ready
      .map((r) => r.readyTime as string)
      .sort()
      .at(-1);
    const slowest = Math.max(0, ...ready.map((r) => r.launchToReadySeconds ?? 0));
    steps.push({
      time: first,
      ...opt({ endTime: last }),
      step: 'health checks',
      status: ready.length === launched.length ? 'ok' : 'warning',
      detail: `${ready.length} of ${launched.length} instances passed both EC2 status checks${ready.length > 0 ? `, slowest launch to ready ${slowest} s` : ''}`,
    });
  }
  // At the same moment (discrete time often starts several steps at once), in the order they run.
  const rank = (step: string): number => {
    const i = STEP_ORDER.findIndex((p) => step.startsWith(p));
    return i === -1 ? STEP_ORDER.length : i;
  };
  return steps.sort((a, b) => a.time.localeCompare(b.time) || rank(a.step) - rank(b.step));
}

/** `drill DR-Wave=1,DR-App=x`: an action's title from its input. */
function actionTitle(input: unknown): string {
  const i = isRecord(input) ? input : {};
  const tags = isRecord(i.tags)
    ? Object.entries(i.tags)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')
    : '';
  return `${String(i.action ?? 'unknown')} ${tags}`.trim();
}

/**
 * Builds the evidence model of a run from its histories and outputs: the one function behind
 * report.json, the HTML page, `drs-orch report`'s listing and the table's objectives.
 *
 * @example
 * const source = buildEvidence({ kind: 'action', rootArn, histories: new Map([[rootArn, events]]), generatedAt });
 */
export function buildEvidence(input: EvidenceInput): ReportSource {
  const events: readonly HistoryEventLike[] = input.histories.get(input.rootArn) ?? [];
  const root = factsOfHistory(input.rootArn, events);
  if (
    root.status === 'RUNNING' &&
    input.end !== undefined &&
    !root.states.some((s) => s.name.startsWith('Write'))
  ) {
    root.status = input.end.status;
    root.end = input.end.time;
    if (input.end.error !== undefined) root.error = input.end.error;
    if (input.end.cause !== undefined) root.cause = input.end.cause;
  }
  const ended = endOf(root, input.kind === 'action' ? ACTION_REPORT_STATE : RUNBOOK_REPORT_STATE);
  const rootOutputAny = ended.output;
  const rootOutput = isRecord(rootOutputAny) ? rootOutputAny : undefined;
  const full = input.fullResults ?? new Map<string, unknown>();
  const gaps: string[] = [...(input.gaps ?? [])];
  const given = root.input;

  const runs: WaveRun[] =
    input.kind === 'action'
      ? [
          {
            number: 1,
            arn: input.rootArn,
            ...opt({
              start: root.start,
              end: ended.end,
              output: rootOutputAny,
              error: ended.error,
              cause: ended.cause,
            }),
            status: ended.status,
            facts: root,
          },
        ]
      : waveRunsOf(root, input.histories);
  const declared: DeclaredWave[] =
    input.kind === 'runbook'
      ? declaredWaves(given, rootOutput)
      : [
          {
            name: actionTitle(given ?? rootOutput),
            tags: tagsOf(isRecord(given) ? given.tags : undefined) ?? {},
          },
        ];
  const waveResults = isRecord(rootOutput?.waves) ? rootOutput.waves : {};
  const approvals = approvalsOf(root);
  const servers: ReportServer[] = [];
  const accounts: ReportAccount[] = [];
  const jobs: ReportJob[] = [];
  const warnings: ReportWarning[] = [];
  const waves: ReportWave[] = declared.map((d, i) => {
    const number = i + 1;
    const run = runs.find((r) => r.number === number);
    const { output, cut } = fullOutputOf(run?.output, full);
    if (cut !== undefined) {
      gaps.push(`wave ${number}: the per-server lists were truncated; the full result is at ${cut}`);
    }
    const rows = serversOfOutput(number, output);
    servers.push(...rows);
    warnings.push(...warningsOfOutput(number, output, rows));
    const timeline = run ? timelineOfOutput(number, output) : { accounts: [], jobs: [] };
    accounts.push(...timeline.accounts);
    jobs.push(...timeline.jobs);
    const result = isRecord(waveResults[`wave${number}`]) ? (waveResults[`wave${number}`] as Rec) : undefined;
    // Without the wave's execution (its history could not be read), the wave's summary in the
    // runbook's output still says how it ended.
    const status = run
      ? (str(isRecord(run.output) ? run.output.status : undefined) ??
        (run.status === 'RUNNING' ? 'running' : run.status.toLowerCase()))
      : (str(result?.status) ?? 'not run');
    const duration = seconds(run?.start, run?.end);
    const approval = approvalOf(number, d, approvals.get(number), result, rootOutput, ended.status);
    const message = isRecord(run?.output) ? str(run.output.message) : (run?.cause ?? undefined);
    return {
      number,
      name: d.name,
      tags: d.tags,
      status,
      ...opt({ startTime: run?.start, endTime: run?.end, durationSeconds: duration }),
      ...(d.rtoTargetMinutes !== undefined && { rtoTargetMinutes: d.rtoTargetMinutes }),
      ...(d.rtoTargetMinutes !== undefined &&
        duration !== undefined && { rtoMet: duration <= d.rtoTargetMinutes * 60 }),
      approvalRequired: d.approval === true,
      ...(approval && { approval }),
      ...(message !== undefined && { message }),
      totals: totalsOf(rows),
      // The runbook's own steps of this wave (SSM, DNS, waits, manual checks) join its step log.
      steps: [
        ...stepsOf(run, approval, rows, timeline.accounts, timeline.jobs, output),
        ...runbookStepEntries(result?.steps),
        ...(num(rootOutput?.stoppedAtWave) === number ? runbookStepEntries(rootOutput?.steps) : []),
      ].sort((a, b) => a.time.localeCompare(b.time)),
    };
  });

  servers.sort(
    (a, b) =>
      outcomeRank(a.outcome) - outcomeRank(b.outcome) ||
      a.wave - b.wave ||
      (a.name ?? a.sourceServerId).localeCompare(b.name ?? b.sourceServerId),
  );
  const metadata = isRecord(given) && isRecord(given.metadata) ? given.metadata : {};
  const outcome = outcomeOf(ended.status, rootOutput);
  const notes = [...(input.notes ?? [])];
  if (ended.status === 'ABORTED')
    notes.push({ time: ended.end ?? input.generatedAt, text: 'execution stopped (cancelled)' });
  const reason =
    str(rootOutput?.reason) ??
    (isRecord(rootOutput?.error) ? str(rootOutput.error.Cause) : undefined) ??
    (isRecord(rootOutput?.error) && str(rootOutput.error.code) !== undefined
      ? `${String(rootOutput.error.code)}: ${str(rootOutput.error.message) ?? ''}`
      : undefined) ??
    (ended.status !== 'SUCCEEDED'
      ? [ended.error, ended.cause].filter(Boolean).join(': ') || undefined
      : undefined);
  const duration = seconds(root.start, ended.end);
  const name = input.rootArn.split(':').pop() ?? 'unknown';
  const totals = totalsOf(servers);
  const statusNote =
    ended.status === 'SUCCEEDED' && outcome !== 'success'
      ? `Step Functions says SUCCEEDED because the workflow itself ran to its end; the outcome is ${outcome} because ${
          outcome === 'partial'
            ? `${totals.failed + totals.timedOut} of ${totals.servers} servers did not recover${totals.skipped ? ` and ${totals.skipped} were skipped` : ''}`
            : (reason ?? 'of the servers\u2019 results')
        }`
      : undefined;
  const description = isRecord(given) ? str(given.description) : undefined;
  return {
    reportVersion: REPORT_VERSION,
    kind: input.kind,
    title:
      input.kind === 'runbook'
        ? (str(isRecord(given) ? given.name : undefined) ??
          `${String(isRecord(given) ? given.action : (rootOutput?.action ?? 'unknown'))} runbook, ${declared.length} wave${declared.length === 1 ? '' : 's'}`)
        : actionTitle(given ?? rootOutput),
    ...opt({ description }),
    action: str(isRecord(given) ? given.action : undefined) ?? str(rootOutput?.action) ?? 'unknown',
    execution: {
      name,
      arn: input.rootArn,
      target: input.target ?? targetOfExecution(input.rootArn),
      outcome,
      status: ended.status === 'RUNNING' && root.start === undefined ? 'UNKNOWN' : ended.status,
      startTime: root.start ?? input.generatedAt,
      ...opt({ endTime: ended.end, durationSeconds: duration, reason, statusNote }),
    },
    startedBy: opt({
      initiatedBy: str(metadata.initiatedBy) ?? input.operator,
      ticketId: str(metadata.ticketId),
      correlationId: str(metadata.correlationId) ?? name,
    }),
    input: given ?? (rootOutput ? { action: rootOutput.action, metadata: rootOutput.metadata } : {}),
    waves,
    accounts,
    jobs,
    servers,
    totals: { ...totals, waves: waves.length, wavesRun: waves.filter((w) => w.status !== 'not run').length },
    objectives: objectivesOf(servers),
    warnings,
    notes: notes.sort((a, b) => a.time.localeCompare(b.time)),
    gaps,
    generatedAt: input.generatedAt,
  };
}
