/**
 * The step driver: what a runbook step does next, given what its last call answered. The waves
 * workflow (`statemachines/waves.asl.json`) makes the calls itself with Step Functions service
 * integrations (aws-sdk:ssm, aws-sdk:route53, lambda:invoke, sns:publish.waitForTaskToken) and
 * asks this driver, through the `run-step` task, which call comes next; so timeouts, retries,
 * polling and the step's record are one pure function, the same on AWS and locally. Pure.
 */
import { approvalVerdict } from '../contract/approval.js';
import { DNS_CHANGES_PATH, type ResolvedStep, type StepInstance } from '../contract/runbook-steps.js';

/** The calls (and pauses) the workflow makes for a step: one ASL state each. */
export type StepCall =
  | 'StartAutomation'
  | 'GetAutomation'
  | 'SendCommand'
  | 'ListInvocations'
  | 'Invoke'
  | 'ListRecords'
  | 'ChangeRecords'
  | 'GetChange'
  | 'SaveRecords'
  | 'LoadRecords'
  | 'HealthStatus'
  | 'Approve'
  | 'Wait'
  | 'Done';

/** The error of a failed attempt, as Step Functions reports a state's error. */
export interface StepError {
  readonly error: string;
  readonly cause: string;
}

/** One attempt of a step. */
export interface StepAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly error?: StepError;
}

/** The record of a finished step: in the wave's output, the step log and the evidence report. */
export interface StepOutcome {
  readonly name: string;
  readonly kind: string;
  readonly wave: string;
  readonly phase: string;
  readonly status: 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationSeconds: number;
  readonly attempts: readonly StepAttempt[];
  /** What the step produced (per-instance results, the function's answer, the records changed, ...). */
  readonly result?: unknown;
  readonly error?: StepError;
  /** A failed step that let the runbook go on (continueOnFailure). */
  readonly continued?: boolean;
}

/** The driver's memory between calls (kept in the workflow's state, opaque to it). */
export interface StepState {
  readonly attempt: number;
  readonly startedAt: string;
  readonly attemptStartedAt: string;
  readonly deadlineMs: number;
  readonly phase: string;
  readonly attempts: readonly StepAttempt[];
  readonly data: Readonly<Record<string, unknown>>;
}

/** What the runbook tells a step about itself. */
export interface StepRunbookContext {
  readonly name?: string;
  readonly action: string;
  readonly executionId?: string;
  /** Where manual steps are announced. */
  readonly topicArn?: string;
}

/** One call of the driver. */
export interface StepDriveEvent {
  readonly step: ResolvedStep;
  readonly runbook: StepRunbookContext;
  readonly wave: { readonly number: number; readonly name: string };
  /** Recovered instances by wave name (each wave's `recoveryInstances` as the main workflow reported them). */
  readonly instances?: Readonly<Record<string, unknown>>;
  /**
   * The role SSM steps assume in the account that holds the recovered instances (its name; the
   * account and partition come from the instances and the execution's ARN). Instances of the
   * orchestrator account, or of a run whose execution ARN names no account, are reached without it.
   * @default {@link DEFAULT_STEP_ROLE_NAME}
   */
  readonly stepRoleName?: string;
  /** Absent on the first call of the step. */
  readonly state?: StepState;
  /** What the last call answered: `{ response }`, or the caught error `{ Error, Cause }`. */
  readonly io?: Readonly<Record<string, unknown>>;
}

/** The driver's answer: the next call, its request and the time it may take. */
export interface StepDrive {
  readonly next: StepCall;
  readonly request: Readonly<Record<string, unknown>>;
  /** For Wait. */
  readonly waitSeconds: number;
  /** For a call: the seconds left to the attempt's deadline (at least 1). */
  readonly timeoutSeconds: number;
  readonly state: StepState;
  /** For Done. */
  readonly outcome?: StepOutcome;
}

/** The role in each staging (or recovery) account that the waves workflow's SSM calls assume (ASL placeholder `${RunbookStepsRoleName}`). */
export const DEFAULT_STEP_ROLE_NAME = 'DRS-Orchestration-Runbook-Steps';

/**
 * One SSM call of a step in one account: the workflow maps over them (one Task each, with the
 * account's role as its `Credentials` when `roleArn` is set) and answers their responses in order.
 */
export interface AccountCall {
  /** The account of the instances; absent for the orchestrator's own account. */
  readonly accountId?: string;
  readonly roleArn?: string;
  /** The attempt's time left (the Task's TimeoutSecondsPath). */
  readonly timeoutSeconds: number;
  readonly request: Readonly<Record<string, unknown>>;
}

/** SendCommand's limit on InstanceIds (one page of ListCommandInvocations reports them all). */
export const MAX_COMMAND_INSTANCES = 50;

/** Largest share of a command's output kept per instance (characters). */
export const OUTPUT_LIMIT = 400;

/** Route 53's rule: a health check is healthy when more than 18 % of its checkers say so. */
const HEALTHY_SHARE = 0.18;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The launched instances of a wave's `recoveryInstances`. */
export function stepInstances(raw: unknown): StepInstance[] {
  if (!Array.isArray(raw)) return [];
  const out: StepInstance[] = [];
  for (const r of raw) {
    if (!isRecord(r) || r.status !== 'launched' || typeof r.ec2InstanceId !== 'string') continue;
    out.push({
      instanceId: r.ec2InstanceId,
      // The instance lives where the server recovers: its recovery (target) account when it has
      // one (an extended source server), else its staging account.
      ...(typeof (r.recoveryAccountId ?? r.stagingAccountId) === 'string' && {
        accountId: String(r.recoveryAccountId ?? r.stagingAccountId),
      }),
      ...(typeof r.privateIp === 'string' && { privateIp: r.privateIp }),
      ...(typeof r.sourceServerHostname === 'string' && { hostname: r.sourceServerHostname }),
    });
  }
  return out;
}

/** A step attempt's failure (thrown inside the driver, turned into a retry or the outcome). */
class AttemptFailed extends Error {
  constructor(
    readonly error: string,
    cause: string,
    readonly result?: unknown,
    /** Never retried (a rejected manual step). */
    readonly final = false,
  ) {
    super(cause);
  }
}

const fqdn = (name: string): string => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

/**
 * Decides the next call of a step.
 *
 * @example
 * driveStep({ step, runbook: { action: 'drill' }, wave: { number: 1, name: 'db' } }, now)
 * // { next: 'SendCommand', request: { DocumentName: 'AWS-RunShellScript', InstanceIds: [...] }, ... }
 */
export function driveStep(event: StepDriveEvent, now: Date): StepDrive {
  const { step } = event;
  const at = now.toISOString();
  const nowMs = now.getTime();
  const state: StepState = event.state ?? {
    attempt: 1,
    startedAt: at,
    attemptStartedAt: at,
    deadlineMs: nowMs + step.timeoutSeconds * 1000,
    phase: 'start',
    attempts: [],
    data: {},
  };
  const io = event.io ?? {};
  try {
    if (typeof io.Error === 'string' && state.phase !== 'retry') {
      throw callError(step, state, io.Error, typeof io.Cause === 'string' ? io.Cause : '');
    }
    return advance(event, state, io.response, nowMs);
  } catch (err) {
    if (!(err instanceof AttemptFailed)) throw err;
    const attempt: StepAttempt = {
      attempt: state.attempt,
      startedAt: state.attemptStartedAt,
      endedAt: at,
      error: { error: err.error, cause: err.message },
    };
    const attempts = [...state.attempts, attempt];
    if (!err.final && state.attempt <= step.retries) {
      const retry: StepState = {
        ...state,
        phase: 'retry',
        attempts,
        data: {},
      };
      if (step.retryIntervalSeconds > 0) return pause(retry, step.retryIntervalSeconds);
      return advance(event, restart(retry, step, nowMs, at), undefined, nowMs);
    }
    return done(event, { ...state, attempts }, at, {
      status: 'failed',
      error: attempt.error as StepError,
      ...(err.result !== undefined && { result: err.result }),
    });
  }
}

function restart(state: StepState, step: ResolvedStep, nowMs: number, at: string): StepState {
  return {
    ...state,
    attempt: state.attempt + 1,
    attemptStartedAt: at,
    deadlineMs: nowMs + step.timeoutSeconds * 1000,
    phase: 'start',
    data: {},
  };
}

/** How a caught call error reads as an attempt's failure. */
function callError(step: ResolvedStep, state: StepState, error: string, cause: string): AttemptFailed {
  if (error === 'States.Timeout') {
    return new AttemptFailed(
      'States.Timeout',
      `step ${step.name} timed out after ${step.timeoutSeconds} seconds`,
    );
  }
  if (step.kind === 'manual' && error === 'ApprovalRejected') {
    return new AttemptFailed('ApprovalRejected', cause, undefined, true);
  }
  if (step.kind === 'dns' && state.phase === 'loaded' && /ParameterNotFound/.test(error)) {
    return new AttemptFailed(
      'DnsRestoreNotFound',
      `nothing was saved under ${step.restore}: no failover dns step with saveAs ${step.restore} ran (${DNS_CHANGES_PATH}/${step.restore})`,
    );
  }
  return new AttemptFailed(error, cause);
}

function remaining(state: StepState, nowMs: number): number {
  return Math.max(1, Math.ceil((state.deadlineMs - nowMs) / 1000));
}

function call(next: StepCall, request: Record<string, unknown>, state: StepState, nowMs: number): StepDrive {
  return { next, request, waitSeconds: 0, timeoutSeconds: remaining(state, nowMs), state };
}

function pause(state: StepState, seconds: number): StepDrive {
  return {
    next: 'Wait',
    request: {},
    waitSeconds: Math.max(0, Math.round(seconds)),
    timeoutSeconds: 1,
    state,
  };
}

/** Waits `pollSeconds` before the next status check, or fails the attempt at its deadline. */
function poll(step: ResolvedStep, state: StepState, nowMs: number, phase: string, what: string): StepDrive {
  if (nowMs >= state.deadlineMs) {
    throw new AttemptFailed(
      'States.Timeout',
      `step ${step.name} timed out after ${step.timeoutSeconds} seconds (${what})`,
    );
  }
  const left = Math.ceil((state.deadlineMs - nowMs) / 1000);
  return pause({ ...state, phase }, Math.min(step.pollSeconds, left));
}

function done(
  event: StepDriveEvent,
  state: StepState,
  at: string,
  end: { status: 'succeeded' | 'failed'; result?: unknown; error?: StepError },
): StepDrive {
  const { step } = event;
  const attempts =
    end.status === 'succeeded'
      ? [...state.attempts, { attempt: state.attempt, startedAt: state.attemptStartedAt, endedAt: at }]
      : state.attempts;
  const outcome: StepOutcome = {
    name: step.name,
    kind: step.kind,
    wave: step.wave,
    phase: step.phase,
    status: end.status,
    startedAt: state.startedAt,
    endedAt: at,
    durationSeconds: Math.max(0, Math.round((Date.parse(at) - Date.parse(state.startedAt)) / 1000)),
    attempts,
    ...(end.result !== undefined && { result: end.result }),
    ...(end.error !== undefined && { error: end.error }),
    ...(end.status === 'failed' && step.continueOnFailure && { continued: true }),
  };
  return {
    next: 'Done',
    request: {},
    waitSeconds: 0,
    timeoutSeconds: 1,
    state: { ...state, phase: 'done' },
    outcome,
  };
}

function instancesOf(event: StepDriveEvent): StepInstance[] {
  const from = event.step.instancesFrom;
  if (from === undefined) return [];
  const all = event.instances ?? {};
  const key = Object.keys(all).find((k) => k.toLowerCase() === from.toLowerCase());
  const list = stepInstances(key === undefined ? undefined : all[key]);
  return list;
}

function needInstances(event: StepDriveEvent): StepInstance[] {
  const list = instancesOf(event);
  if (list.length === 0) {
    throw new AttemptFailed(
      'NoRecoveredInstances',
      `step ${event.step.name} acts on the recovered instances of wave ${event.step.instancesFrom ?? '?'}, and it has none launched`,
    );
  }
  return list;
}

/** One account's share of a step's instances and the role that reaches them (none: the orchestrator's). */
interface AccountGroup {
  readonly accountId?: string;
  readonly roleArn?: string;
  readonly instanceIds: string[];
}

const EXECUTION_ARN = /^arn:(aws[a-z-]*):states:[a-z0-9-]+:(\d{12}):execution:/;

/**
 * The instances by account, in the order they first appear, each account other than the
 * orchestrator's with the step role's ARN there.
 */
function byAccount(event: StepDriveEvent, instances: readonly StepInstance[]): AccountGroup[] {
  const arn = EXECUTION_ARN.exec(event.runbook.executionId ?? '');
  const groups = new Map<string, { accountId?: string; roleArn?: string; instanceIds: string[] }>();
  for (const i of instances) {
    const remote = arn !== null && i.accountId !== undefined && i.accountId !== arn[2];
    const key = remote ? (i.accountId as string) : '';
    let group = groups.get(key);
    if (!group) {
      group = remote
        ? {
            accountId: key,
            roleArn: `arn:${arn?.[1]}:iam::${key}:role/${event.stepRoleName ?? DEFAULT_STEP_ROLE_NAME}`,
            instanceIds: [],
          }
        : { instanceIds: [] };
      groups.set(key, group);
    }
    group.instanceIds.push(i.instanceId);
  }
  return [...groups.values()];
}

/** The per-account calls of `groups`, each with its request. */
function accountCalls(
  groups: readonly AccountGroup[],
  timeoutSeconds: number,
  request: (g: AccountGroup, index: number) => Record<string, unknown>,
): AccountCall[] {
  return groups.map((g, index) => ({
    ...(g.accountId !== undefined && { accountId: g.accountId }),
    ...(g.roleArn !== undefined && { roleArn: g.roleArn }),
    timeoutSeconds,
    request: request(g, index),
  }));
}

/** The responses of a per-account Map, in call order. */
function responsesOf(response: unknown): Record<string, unknown>[] {
  return Array.isArray(response) ? response.map((r) => (isRecord(r) ? r : {})) : [];
}

function groupsOf(data: Readonly<Record<string, unknown>>): (AccountGroup & { id: string })[] {
  return Array.isArray(data.groups) ? (data.groups as (AccountGroup & { id: string })[]) : [];
}

function ssmParameters(step: ResolvedStep, extra: Record<string, string[]> = {}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(step.parameters ?? {})) out[k] = Array.isArray(v) ? v : [v];
  return { ...out, ...extra };
}

function advance(event: StepDriveEvent, state0: StepState, response: unknown, nowMs: number): StepDrive {
  const { step } = event;
  const at = new Date(nowMs).toISOString();
  const state = state0.phase === 'retry' ? restart(state0, step, nowMs, at) : state0;
  const res = isRecord(response) ? response : {};
  const data = state.data;
  const go = (
    next: StepCall,
    request: Record<string, unknown>,
    phase: string,
    extra: Record<string, unknown> = {},
  ) => call(next, request, { ...state, phase, data: { ...data, ...extra } }, nowMs);
  const ok = (result: unknown) => done(event, state, at, { status: 'succeeded', result });

  switch (step.kind) {
    case 'ssm-automation': {
      if (state.phase === 'start') {
        // With instancesParameter the document acts on the recovered instances: one execution in
        // each account that holds some, as the step role there; without, one in the orchestrator's.
        const groups: AccountGroup[] = step.instancesParameter
          ? byAccount(event, needInstances(event))
          : [{ instanceIds: [] }];
        const request = (g: AccountGroup) => ({
          DocumentName: step.document,
          DocumentVersion: step.documentVersion ?? '$DEFAULT',
          Parameters: ssmParameters(
            step,
            step.instancesParameter ? { [step.instancesParameter]: g.instanceIds } : {},
          ),
        });
        return go(
          'StartAutomation',
          { calls: accountCalls(groups, remaining(state, nowMs), request) },
          'started',
          {
            groups,
          },
        );
      }
      if (state.phase === 'started') {
        const responses = responsesOf(response);
        const groups = groupsOf(data).map((g, i) => ({
          ...g,
          id: String(responses[i]?.AutomationExecutionId ?? ''),
        }));
        return poll(step, { ...state, data: { ...data, groups } }, nowMs, 'poll', 'automation running');
      }
      const groups = groupsOf(data);
      if (state.phase === 'poll') {
        return go(
          'GetAutomation',
          {
            calls: accountCalls(groups, remaining(state, nowMs), (g) => ({
              AutomationExecutionId: (g as AccountGroup & { id: string }).id,
            })),
          },
          'status',
        );
      }
      const responses = responsesOf(response);
      const executions = groups.map((g, i) => {
        const exec = isRecord(responses[i]?.AutomationExecution)
          ? (responses[i]?.AutomationExecution as Record<string, unknown>)
          : {};
        return {
          ...(g.accountId !== undefined && { accountId: g.accountId }),
          automationExecutionId: g.id,
          status: String(exec.AutomationExecutionStatus ?? 'Pending'),
          ...(isRecord(exec.Outputs) && { outputs: exec.Outputs }),
          ...(g.instanceIds.length > 0 && { instanceIds: g.instanceIds }),
          ...(typeof exec.FailureMessage === 'string' && { failureMessage: exec.FailureMessage }),
        };
      });
      const failedStates = ['Failed', 'Cancelled', 'TimedOut', 'CompletedWithFailure', 'Rejected'];
      const failed = executions.filter((e) => failedStates.includes(e.status));
      const running = executions.filter((e) => e.status !== 'Success' && !failedStates.includes(e.status));
      const [only] = executions;
      const status = failed[0]?.status ?? running[0]?.status ?? 'Success';
      const result = {
        automationExecutionId: executions.map((e) => e.automationExecutionId).join(', '),
        status,
        ...(executions.length === 1 && only?.outputs !== undefined && { outputs: only.outputs }),
        ...(executions.length > 1 && { executions }),
      };
      if (running.length > 0) return poll(step, state, nowMs, 'poll', `automation ${status}`);
      if (failed.length === 0) return ok(result);
      throw new AttemptFailed(
        'SsmAutomationFailed',
        failed
          .map(
            (e) =>
              `automation ${e.automationExecutionId}${e.accountId ? ` (account ${e.accountId})` : ''} ended ${e.status}${e.failureMessage ? `: ${e.failureMessage}` : ''}`,
          )
          .join('; '),
        result,
      );
    }
    case 'ssm-command': {
      if (state.phase === 'start') {
        const instances = needInstances(event);
        if (instances.length > MAX_COMMAND_INSTANCES) {
          throw new AttemptFailed(
            'ValidationError',
            `step ${step.name} would run on ${instances.length} instances; SendCommand takes at most ${MAX_COMMAND_INSTANCES} (use an ssm-automation step for more)`,
            undefined,
            true,
          );
        }
        // One command in each account that holds some of the instances, as the step role there.
        const groups = byAccount(event, instances);
        const request = (g: AccountGroup) => ({
          DocumentName: step.document,
          DocumentVersion: step.documentVersion ?? '$DEFAULT',
          InstanceIds: g.instanceIds,
          Parameters: ssmParameters(step),
          Comment: `drs-orch runbook step ${step.name}`.slice(0, 100),
        });
        return go('SendCommand', { calls: accountCalls(groups, remaining(state, nowMs), request) }, 'sent', {
          groups,
        });
      }
      if (state.phase === 'sent') {
        const responses = responsesOf(response);
        const groups = groupsOf(data).map((g, i) => {
          const command = isRecord(responses[i]?.Command)
            ? (responses[i]?.Command as Record<string, unknown>)
            : {};
          return { ...g, id: String(command.CommandId ?? '') };
        });
        return poll(step, { ...state, data: { ...data, groups } }, nowMs, 'poll', 'command running');
      }
      const groups = groupsOf(data);
      const commandId = groups.map((g) => g.id).join(', ');
      if (state.phase === 'poll') {
        return go(
          'ListInvocations',
          {
            calls: accountCalls(groups, remaining(state, nowMs), (g) => ({
              CommandId: (g as AccountGroup & { id: string }).id,
              Details: true,
              MaxResults: 50,
            })),
          },
          'status',
        );
      }
      // Merged per instance: each account's invocations answer for that account's instances.
      type InstanceResult = { instanceId: string; status: string; accountId?: string };
      const seen = new Map<string, InstanceResult>();
      responsesOf(response).forEach((res, i) => {
        const accountId = groups[i]?.accountId;
        for (const inv of Array.isArray(res.CommandInvocations) ? res.CommandInvocations : []) {
          if (!isRecord(inv) || typeof inv.InstanceId !== 'string') continue;
          const plugin =
            Array.isArray(inv.CommandPlugins) && isRecord(inv.CommandPlugins[0]) ? inv.CommandPlugins[0] : {};
          seen.set(inv.InstanceId, {
            instanceId: inv.InstanceId,
            ...(accountId !== undefined && { accountId }),
            status: String(inv.Status ?? 'Pending'),
            ...(typeof plugin.ResponseCode === 'number' && { responseCode: plugin.ResponseCode }),
            ...(typeof plugin.Output === 'string' && { output: plugin.Output.slice(0, OUTPUT_LIMIT) }),
          });
        }
      });
      const results = groups.flatMap((g) =>
        g.instanceIds.map(
          (id): InstanceResult =>
            seen.get(id) ?? {
              instanceId: id,
              ...(g.accountId !== undefined && { accountId: g.accountId }),
              status: 'Pending',
            },
        ),
      );
      const terminal = (s: string) => !['Pending', 'InProgress', 'Delayed', 'Cancelling'].includes(s);
      if (!results.every((r) => terminal(r.status))) {
        return poll(step, state, nowMs, 'poll', 'command running');
      }
      const result = {
        commandId,
        ...(groups.length > 1 && {
          commands: groups.map((g) => ({
            ...(g.accountId !== undefined && { accountId: g.accountId }),
            commandId: g.id,
          })),
        }),
        instances: results,
      };
      const failed = results.filter((r) => r.status !== 'Success');
      if (failed.length > 0) {
        throw new AttemptFailed(
          'SsmCommandFailed',
          `command ${commandId} failed on ${failed.length} of ${results.length} instances: ${failed
            .slice(0, 5)
            .map((r) => `${r.instanceId} ${r.status}`)
            .join(', ')}`,
          result,
        );
      }
      return ok(result);
    }
    case 'lambda': {
      if (state.phase === 'start') {
        return go(
          'Invoke',
          {
            FunctionName: step.function,
            Payload: {
              payload: step.payload ?? {},
              runbook: event.runbook,
              wave: event.wave,
              step: { name: step.name, attempt: state.attempt },
              instances: instancesOf(event),
            },
          },
          'invoked',
        );
      }
      const answer = res.Payload;
      if (isRecord(answer) && answer.ok === false) {
        const why = typeof answer.error === 'string' ? answer.error : JSON.stringify(answer).slice(0, 500);
        throw new AttemptFailed(
          'LambdaStepFailed',
          `function ${step.function} answered ok: false (${why})`,
          answer,
        );
      }
      return ok(answer ?? null);
    }
    case 'dns':
      return step.restore === undefined
        ? dnsChange(event, state, res, nowMs, go, ok)
        : dnsRestore(event, state, res, nowMs, go, ok);
    case 'wait': {
      if (step.minutes !== undefined) {
        if (state.phase === 'start') {
          const seconds = step.minutes * 60;
          if (seconds > step.timeoutSeconds) {
            return pause({ ...state, phase: 'overdue' }, step.timeoutSeconds);
          }
          return pause({ ...state, phase: 'waited' }, seconds);
        }
        if (state.phase === 'overdue') {
          throw new AttemptFailed(
            'States.Timeout',
            `step ${step.name} timed out after ${step.timeoutSeconds} seconds (waiting ${step.minutes} minutes)`,
          );
        }
        return ok({ waitedMinutes: step.minutes });
      }
      if (state.phase === 'start' || state.phase === 'poll') {
        return go('HealthStatus', { HealthCheckId: step.healthCheckId }, 'status');
      }
      const observations = Array.isArray(res.HealthCheckObservations) ? res.HealthCheckObservations : [];
      const healthy = observations.filter(
        (o) =>
          isRecord(o) &&
          isRecord(o.StatusReport) &&
          String(o.StatusReport.Status ?? '').startsWith('Success'),
      ).length;
      const result = { healthCheckId: step.healthCheckId, checkers: observations.length, healthy };
      if (observations.length > 0 && healthy / observations.length > HEALTHY_SHARE) return ok(result);
      return poll(
        step,
        { ...state, data: { last: result } },
        nowMs,
        'poll',
        `health check ${step.healthCheckId} unhealthy`,
      );
    }
    case 'manual': {
      if (state.phase === 'start') {
        const execution = event.runbook.executionId ?? '';
        return go(
          'Approve',
          {
            TopicArn: step.topicArn ?? event.runbook.topicArn,
            Subject:
              `DRS orchestration: approve step ${step.name} (wave ${event.wave.number} ${event.wave.name}, ${event.runbook.action})`.slice(
                0,
                100,
              ),
            Message: [
              `Step "${step.name}" of wave ${event.wave.number} "${event.wave.name}" (${event.runbook.action}) waits for you.`,
              `Execution: ${execution}`,
              '',
              'Instructions:',
              step.instructions ?? '',
              '',
              'To approve:',
              `drs-orch approve ${execution} --comment "<what you checked>"`,
              '',
              'To reject (the step fails):',
              `drs-orch approve ${execution} --reject --comment "<reason>"`,
              '',
              `Without an answer within ${step.timeoutSeconds} seconds the step fails with States.Timeout.`,
            ].join('\n'),
          },
          'asked',
        );
      }
      const verdict = approvalVerdict(response);
      if (verdict.approved) return ok(verdict.decision);
      throw new AttemptFailed(
        'ApprovalRejected',
        JSON.stringify({
          ...(verdict.decision?.approvedBy !== undefined && { rejectedBy: verdict.decision.approvedBy }),
          at: verdict.decision?.at ?? at,
          comment: verdict.reason,
        }),
        undefined,
        true,
      );
    }
  }
  throw new AttemptFailed(
    'ValidationError',
    `step ${String((step as { name?: string }).name)} has an unknown kind`,
  );
}

type Go = (
  next: StepCall,
  request: Record<string, unknown>,
  phase: string,
  extra?: Record<string, unknown>,
) => StepDrive;

/** A record set as Route 53 answers it (the fields we keep and write back). */
interface RecordSet {
  readonly Name: string;
  readonly Type: string;
  readonly TTL?: number;
  readonly SetIdentifier?: string;
  readonly Weight?: number;
  readonly Failover?: string;
  readonly HealthCheckId?: string;
  readonly ResourceRecords?: readonly { readonly Value: string }[];
}

const sameSet = (a: RecordSet, b: RecordSet): boolean =>
  fqdn(a.Name) === fqdn(b.Name) && a.Type === b.Type && (a.SetIdentifier ?? '') === (b.SetIdentifier ?? '');

function compactSet(raw: Record<string, unknown>): RecordSet {
  return {
    Name: String(raw.Name ?? ''),
    Type: String(raw.Type ?? ''),
    ...(typeof raw.TTL === 'number' && { TTL: raw.TTL }),
    ...(typeof raw.SetIdentifier === 'string' && { SetIdentifier: raw.SetIdentifier }),
    ...(typeof raw.Weight === 'number' && { Weight: raw.Weight }),
    ...(typeof raw.Failover === 'string' && { Failover: raw.Failover }),
    ...(typeof raw.HealthCheckId === 'string' && { HealthCheckId: raw.HealthCheckId }),
    ...(Array.isArray(raw.ResourceRecords) && {
      ResourceRecords: raw.ResourceRecords.filter(isRecord).map((r) => ({ Value: String(r.Value ?? '') })),
    }),
  };
}

/** Polls GetChange after a change, until INSYNC. */
function changePoll(
  step: ResolvedStep,
  state: StepState,
  res: Record<string, unknown>,
  nowMs: number,
  go: Go,
  finish: () => StepDrive,
): StepDrive | undefined {
  if (state.phase === 'changed' || state.phase === 'change-status') {
    const info = isRecord(res.ChangeInfo) ? res.ChangeInfo : {};
    const id = String(info.Id ?? state.data.changeId ?? '');
    if (info.Status === 'INSYNC') return finish();
    return poll(
      step,
      { ...state, data: { ...state.data, changeId: id } },
      nowMs,
      'change-poll',
      `change ${id} PENDING`,
    );
  }
  if (state.phase === 'change-poll') return go('GetChange', { Id: state.data.changeId }, 'change-status');
  return undefined;
}

function dnsChange(
  event: StepDriveEvent,
  state: StepState,
  res: Record<string, unknown>,
  nowMs: number,
  go: Go,
  ok: (result: unknown) => StepDrive,
): StepDrive {
  const { step } = event;
  const records = step.records ?? [];
  if (state.phase === 'start') {
    const first = [...records.map((r) => fqdn(r.name))].sort()[0] ?? '';
    return go(
      'ListRecords',
      { HostedZoneId: step.hostedZoneId, StartRecordName: first, MaxItems: 300 },
      'listed',
    );
  }
  if (state.phase === 'listed') {
    const existing = (Array.isArray(res.ResourceRecordSets) ? res.ResourceRecordSets : [])
      .filter(isRecord)
      .map(compactSet);
    const ips = records.some((r) => r.values === undefined)
      ? needInstances(event).map((i) => i.privateIp)
      : [];
    if (ips.some((ip) => ip === undefined)) {
      throw new AttemptFailed(
        'NoRecoveredInstances',
        `a recovered instance of wave ${step.instancesFrom ?? '?'} has no private IP`,
      );
    }
    const applied: RecordSet[] = records.map((r) => ({
      Name: fqdn(r.name),
      Type: r.type,
      TTL: r.ttl ?? 60,
      ...(r.setIdentifier !== undefined && { SetIdentifier: r.setIdentifier }),
      ...(r.weight !== undefined && { Weight: r.weight }),
      ...(r.failover !== undefined && { Failover: r.failover }),
      ...(r.healthCheckId !== undefined && { HealthCheckId: r.healthCheckId }),
      ResourceRecords: (r.values ?? (ips as string[])).map((Value) => ({ Value })),
    }));
    const previous = applied.map((a) => existing.find((e) => sameSet(e, a)) ?? null);
    return go(
      'ChangeRecords',
      {
        HostedZoneId: step.hostedZoneId,
        ChangeBatch: {
          Comment: `drs-orch runbook step ${step.name}`,
          Changes: applied.map((ResourceRecordSet) => ({ Action: 'UPSERT', ResourceRecordSet })),
        },
      },
      'changed',
      { applied, previous },
    );
  }
  const result = () => ({
    hostedZoneId: step.hostedZoneId,
    changeId: state.data.changeId,
    records: state.data.applied,
    previous: state.data.previous,
    ...(step.saveAs !== undefined && { savedAs: `${DNS_CHANGES_PATH}/${step.saveAs}` }),
  });
  if (state.phase === 'changed' && step.saveAs !== undefined) {
    const info = isRecord(res.ChangeInfo) ? res.ChangeInfo : {};
    return go(
      'SaveRecords',
      {
        Name: `${DNS_CHANGES_PATH}/${step.saveAs}`,
        Type: 'String',
        Overwrite: true,
        Value: JSON.stringify({
          hostedZoneId: step.hostedZoneId,
          applied: state.data.applied,
          previous: state.data.previous,
        }),
      },
      'saved',
      { changeId: String(info.Id ?? ''), changeStatus: info.Status },
    );
  }
  if (state.phase === 'saved') {
    if (state.data.changeStatus === 'INSYNC') return ok(result());
    return poll(step, state, nowMs, 'change-poll', `change ${String(state.data.changeId)} PENDING`);
  }
  const polled = changePoll(step, state, res, nowMs, go, () => ok(result()));
  if (polled) return polled;
  throw new AttemptFailed('States.Runtime', `dns step ${step.name} in unknown phase ${state.phase}`);
}

function dnsRestore(
  event: StepDriveEvent,
  state: StepState,
  res: Record<string, unknown>,
  nowMs: number,
  go: Go,
  ok: (result: unknown) => StepDrive,
): StepDrive {
  const { step } = event;
  const name = `${DNS_CHANGES_PATH}/${step.restore}`;
  if (state.phase === 'start') return go('LoadRecords', { Name: name }, 'loaded');
  if (state.phase === 'loaded') {
    const parameter = isRecord(res.Parameter) ? res.Parameter : {};
    let saved: { hostedZoneId?: unknown; applied?: unknown; previous?: unknown };
    try {
      saved = JSON.parse(String(parameter.Value ?? '')) as typeof saved;
    } catch {
      throw new AttemptFailed('DnsRestoreNotFound', `${name} does not hold what a dns step saved`);
    }
    const applied = (Array.isArray(saved.applied) ? saved.applied : []).filter(isRecord).map(compactSet);
    const previous = Array.isArray(saved.previous) ? saved.previous : [];
    if (typeof saved.hostedZoneId !== 'string' || applied.length === 0) {
      throw new AttemptFailed('DnsRestoreNotFound', `${name} does not hold what a dns step saved`);
    }
    const changes = applied.map((a, i) => {
      const before = previous[i];
      return isRecord(before)
        ? { Action: 'UPSERT', ResourceRecordSet: compactSet(before) }
        : { Action: 'DELETE', ResourceRecordSet: a };
    });
    return go(
      'ChangeRecords',
      {
        HostedZoneId: saved.hostedZoneId,
        ChangeBatch: {
          Comment: `drs-orch runbook step ${step.name} (restore ${step.restore})`,
          Changes: changes,
        },
      },
      'changed',
      {
        hostedZoneId: saved.hostedZoneId,
        restored: changes.filter((c) => c.Action === 'UPSERT').map((c) => c.ResourceRecordSet),
        deleted: changes.filter((c) => c.Action === 'DELETE').map((c) => c.ResourceRecordSet),
      },
    );
  }
  const polled = changePoll(step, state, res, nowMs, go, () =>
    ok({
      hostedZoneId: state.data.hostedZoneId,
      changeId: state.data.changeId,
      restoredFrom: name,
      restored: state.data.restored,
      deleted: state.data.deleted,
    }),
  );
  if (polled) return polled;
  throw new AttemptFailed('States.Runtime', `dns step ${step.name} in unknown phase ${state.phase}`);
}
