/**
 * AWS Step Functions (JSON 1.0, `AWSStepFunctions.*`, SigV4 service `states`): StartExecution,
 * DescribeExecution, GetExecutionHistory, ListExecutions and StopExecution on the state machines
 * a backend hosts. This module keeps executions and their histories and speaks the wire format;
 * running executions is the job of a {@link StepFunctionsBackend} (the port), which reports every
 * history event (numbered by the backend) of the executions it runs. The emulator knows no
 * workflow: `drs-orch serve` plugs the local runtime in (src/cli/targets/serve-workflows.ts).
 */
import { randomUUID } from 'node:crypto';
import { DocumentRejected, readDocument } from '../../../contract/index.js';
import { jsonResponse, missingMemberMessage } from '../../protocols/json.js';
import { type Page, type PageKey, paginate } from '../../protocols/paginator.js';
import { fail, jsonInput } from '../../protocols/service-errors.js';
import { jsonBodyOf, nonEmpty } from '../../registry.js';
import type { EmulatorResponse, OperationAuthorization, Operations, ServiceContext } from '../../types.js';

/**
 * Why a task output (already valid JSON) is ambiguous: a key that appears twice in one object,
 * e.g. `output: duplicate key "approved" at /approved (line 1)`; undefined when none does. Read
 * with the strict document reader (one linear pass); its other limits are set out of the way.
 */
function duplicateKeyOf(output: string): string | undefined {
  try {
    readDocument(output, {
      name: 'output',
      format: 'json',
      limits: { maxBytes: 4 * MAX_INPUT, maxDepth: 100_000, maxAliases: 0 },
    });
    return undefined;
  } catch (err) {
    if (err instanceof DocumentRejected && err.limit === 'duplicate-key') return err.message;
    return undefined;
  }
}

/** Status of an execution (the model's `ExecutionStatus`, without redrive). */
export type SfnExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A state machine the emulator hosts. */
export interface SfnStateMachine {
  /** `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  readonly arn: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** What the backend runs for it (e.g. `main`, `executor`). */
  readonly machine: string;
  /** Its Amazon States Language definition (JSON), as DescribeStateMachine answers it. */
  readonly definition?: string;
  /** The role it runs as. @default `arn:aws:iam::<account>:role/service-role/StepFunctions-<name>-role` */
  readonly roleArn?: string;
}

/**
 * The definition DescribeStateMachine answers for a hosted machine whose host gave none: a valid
 * one-state machine that says so, rather than a definition the machine does not run.
 */
function unknownDefinition(machine: SfnStateMachine): string {
  return JSON.stringify({
    Comment: `${machine.name}: hosted by the emulator (${machine.machine}); its host did not give its definition`,
    StartAt: 'Hosted',
    States: { Hosted: { Type: 'Succeed' } },
  });
}

/** A history event as a backend reports it: numbered by the backend, per execution. */
export interface SfnReportedEvent {
  readonly executionArn: string;
  /** Who the execution is; an `ExecutionStarted` of an unknown ARN registers a (child) execution. */
  readonly execution: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly parentExecutionArn?: string;
  };
  readonly id: number;
  readonly previousEventId: number;
  /** The model's `HistoryEventType`. */
  readonly type: string;
  readonly timestampMs: number;
  /** The members of the event's `<x>EventDetails`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An execution the service has registered and asks a backend to run. */
export interface SfnStartRequest {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachine: SfnStateMachine;
  /** The input as given (a JSON string) and parsed. */
  readonly input: string;
  readonly parsedInput: unknown;
}

/** An answer to a task token (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat). */
export type SfnTaskAnswer =
  | { readonly kind: 'success' /** JSON string */; readonly output: string }
  | { readonly kind: 'failure'; readonly error?: string; readonly cause?: string }
  | { readonly kind: 'heartbeat' };

/**
 * The port the Step Functions service runs executions through. The emulator ships none: without
 * a backend it hosts no state machine.
 */
export interface StepFunctionsBackend {
  /** The state machines hosted for an account (in every region). */
  stateMachines(accountId: string): readonly SfnStateMachine[];
  /**
   * Runs a newly registered execution, reporting each history event of it and of the child
   * executions it starts, in order per execution (`ExecutionStarted` first, a terminal event
   * last). Settles when the run is over; a rejection fails the execution (`States.Runtime`).
   */
  start(request: SfnStartRequest, report: (event: SfnReportedEvent) => void): Promise<void>;
  /**
   * Stops a running execution (StopExecution): the backend reports its `ExecutionAborted` (with
   * `error`/`cause` as given) before returning true, then aborts its run.
   * @returns false when the backend runs no such execution
   */
  stop(executionArn: string, reason: { readonly error?: string; readonly cause?: string }): boolean;
  /**
   * Answers a task token of a running `.waitForTaskToken` Task.
   * @returns `ok`; `closed` for a token this backend issued whose Task is over (answered, timed
   *   out, its execution stopped): TaskTimedOut; `unknown` for a well-formed token it never
   *   issued: TaskDoesNotExist; `invalid` for a string that cannot be a token: InvalidToken
   */
  answerTask(token: string, answer: SfnTaskAnswer): 'ok' | 'closed' | 'unknown' | 'invalid';
  /**
   * The state machine whose running Task holds `token`: IAM authorizes SendTaskSuccess,
   * SendTaskFailure and SendTaskHeartbeat on it. Absent or `undefined`: authorized on `*`.
   */
  taskOwner?(token: string): string | undefined;
}

/** One history event as the model's `HistoryEvent` (timestamps in epoch milliseconds here). */
export interface SfnHistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly type: string;
  readonly timestampMs: number;
  /** The `<x>EventDetails` member name and its value, e.g. `executionStartedEventDetails`. */
  readonly detailsKey?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The member of `HistoryEvent` that carries the details of each event type. */
const DETAILS_KEY: Readonly<Record<string, string>> = {
  ExecutionStarted: 'executionStartedEventDetails',
  ExecutionSucceeded: 'executionSucceededEventDetails',
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  MapStateStarted: 'mapStateStartedEventDetails',
  MapRunStarted: 'mapRunStartedEventDetails',
  MapRunFailed: 'mapRunFailedEventDetails',
  TaskScheduled: 'taskScheduledEventDetails',
  TaskStarted: 'taskStartedEventDetails',
  TaskSubmitted: 'taskSubmittedEventDetails',
  TaskSucceeded: 'taskSucceededEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  LambdaFunctionScheduled: 'lambdaFunctionScheduledEventDetails',
  LambdaFunctionSucceeded: 'lambdaFunctionSucceededEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
};

/** Details members that carry execution data (dropped with `includeExecutionData: false`). */
const DATA_MEMBERS = new Set(['input', 'output', 'parameters']);

/** An execution: its description and its history. */
export class ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly stateMachine: SfnStateMachine;
  /** The input as given (a JSON string). */
  readonly input: string;
  readonly startMs: number;
  /** The execution that started this one (`.sync:2` children). */
  readonly parentArn: string | undefined;
  status: SfnExecutionStatus = 'RUNNING';
  stopMs: number | undefined;
  /** JSON string. */
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  readonly #events: SfnHistoryEvent[] = [];

  constructor(init: {
    arn: string;
    name: string;
    stateMachine: SfnStateMachine;
    input: string;
    startMs: number;
    parentArn?: string;
  }) {
    this.arn = init.arn;
    this.name = init.name;
    this.stateMachine = init.stateMachine;
    this.input = init.input;
    this.startMs = init.startMs;
    this.parentArn = init.parentArn;
  }

  /** The history so far, oldest first. */
  get events(): readonly SfnHistoryEvent[] {
    return this.#events;
  }

  /**
   * Appends a history event a backend reported (ids are the backend's), unless the execution has
   * closed; a terminal event closes it with the status, output or error and cause it carries.
   */
  append(event: SfnReportedEvent): void {
    if (this.status !== 'RUNNING') return;
    this.#push(event.type, event.timestampMs, event.id, event.previousEventId, event.details);
    const status = TERMINAL_STATUS[event.type];
    if (status === undefined) return;
    const details = event.details ?? {};
    this.status = status;
    this.stopMs = event.timestampMs;
    if (status === 'SUCCEEDED') this.output = typeof details.output === 'string' ? details.output : 'null';
    else {
      this.error = typeof details.error === 'string' ? details.error : undefined;
      this.cause = typeof details.cause === 'string' ? details.cause : undefined;
    }
  }

  #push(
    type: string,
    timestampMs: number,
    id: number,
    previousEventId: number,
    details: Readonly<Record<string, unknown>> | undefined,
  ): void {
    const key =
      DETAILS_KEY[type] ??
      (type.endsWith('StateEntered')
        ? 'stateEnteredEventDetails'
        : type.endsWith('StateExited')
          ? 'stateExitedEventDetails'
          : undefined);
    this.#events.push({
      id,
      previousEventId,
      type,
      timestampMs,
      ...(key === undefined ? {} : { detailsKey: key, details: details ?? {} }),
    });
  }

  /**
   * Closes a running execution without its backend (the backend failed or does not know it):
   * the terminal event follows the newest one. A closed execution stays as it ended.
   */
  close(
    status: Exclude<SfnExecutionStatus, 'RUNNING'>,
    atMs: number,
    result: { error?: string; cause?: string },
  ): void {
    if (this.status !== 'RUNNING') return;
    const details = {
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(result.cause === undefined ? {} : { cause: result.cause }),
    };
    const last = this.#events.at(-1)?.id ?? 0;
    const type = Object.keys(TERMINAL_STATUS).find((t) => TERMINAL_STATUS[t] === status) ?? 'ExecutionFailed';
    this.append({
      executionArn: this.arn,
      execution: { stateMachineArn: this.stateMachine.arn, name: this.name },
      id: last + 1,
      previousEventId: last,
      type,
      timestampMs: atMs,
      details,
    });
  }
}

const TERMINAL_STATUS: Readonly<Record<string, Exclude<SfnExecutionStatus, 'RUNNING'>>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** The executions of every account, in start order. */
export class StepFunctionsState {
  readonly #executions = new Map<string, ExecutionRecord>();

  /** An execution by ARN. */
  get(arn: string): ExecutionRecord | undefined {
    return this.#executions.get(arn);
  }

  /** Registers a new execution. */
  add(record: ExecutionRecord): ExecutionRecord {
    this.#executions.set(record.arn, record);
    return record;
  }

  /** Every execution, oldest first (for inspection). */
  all(): ExecutionRecord[] {
    return [...this.#executions.values()];
  }
}

/** What the Step Functions handler works with. */
export interface StepFunctionsPorts {
  readonly state: StepFunctionsState;
  /** Runs the executions. @default none: no state machine is hosted */
  readonly backend?: StepFunctionsBackend;
  /** Virtual now, epoch ms (for what the service records itself). */
  nowMs(): number;
}

/** Takes a backend's reports into the executions' records (registering child executions). */
function reporter(ports: StepFunctionsPorts): (event: SfnReportedEvent) => void {
  return (event) => {
    let record = ports.state.get(event.executionArn);
    if (!record && event.type === 'ExecutionStarted') {
      const m = ARN.exec(event.executionArn);
      const accountId = m?.[2] ?? '';
      const region = m?.[1] ?? '';
      const smArn = event.execution.stateMachineArn;
      const stateMachine = ports.backend?.stateMachines(accountId).find((sm) => sm.arn === smArn) ?? {
        arn: smArn,
        name: smArn.slice(smArn.lastIndexOf(':') + 1),
        accountId,
        region,
        machine: '',
      };
      const input = event.details?.input;
      record = ports.state.add(
        new ExecutionRecord({
          arn: event.executionArn,
          name: event.execution.name,
          stateMachine,
          input: typeof input === 'string' ? input : '{}',
          startMs: event.timestampMs,
          ...(event.execution.parentExecutionArn === undefined
            ? {}
            : { parentArn: event.execution.parentExecutionArn }),
        }),
      );
    }
    record?.append(event);
  };
}

/**
 * Stops every running execution (the emulator is stopping): ABORTED with `States.Aborted`.
 */
export function stopAllExecutions(ports: StepFunctionsPorts): void {
  const reason = { error: 'States.Aborted', cause: 'the emulator stopped' };
  for (const e of ports.state.all()) {
    if (e.status !== 'RUNNING') continue;
    ports.backend?.stop(e.arn, reason);
    e.close('ABORTED', ports.nowMs(), reason);
  }
}

/** The JSON protocol version of Step Functions. */
export const VERSION = '1.0' as const;
/** Its `X-Amz-Target` prefix. */
export const PREFIX = 'AWSStepFunctions';
/** The input limit of StartExecution (`SensitiveData` max length). */
const MAX_INPUT = 262_144;
/** Characters Step Functions refuses in execution names. */
const BAD_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** Whether a name breaks Step Functions' rules (reserved characters or control characters). */
function badName(name: string): boolean {
  if (BAD_NAME_CHARS.test(name)) return true;
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
const ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution|express):(.+)$/;
const DEFAULT_PAGE = 100;

/** One page through the kernel paginator (a token it did not issue is the descriptor's InvalidToken). */
function pageOf<T>(
  items: readonly T[],
  scope: string,
  key: (item: T) => PageKey,
  descending: boolean,
  max: number,
  input: Record<string, unknown>,
): Page<T> {
  const token = typeof input.nextToken === 'string' ? input.nextToken : undefined;
  return paginate(items, { scope, key, order: descending ? 'desc' : 'asc', max, token });
}

/** Epoch seconds, as the JSON protocols send timestamps. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** `states:<Operation>` on the state machine or execution ARN the input member names (`*` when none). */
function onMember(member: 'stateMachineArn' | 'executionArn'): OperationAuthorization {
  return (req, _principal, operation) => ({
    action: `states:${operation}`,
    resources: nonEmpty(jsonBodyOf(req)?.[member]) ?? '*',
    region: req.region,
  });
}

/** The Step Functions operations over its executions and backend. */
export function createStepFunctionsHandler(ports: StepFunctionsPorts): Operations {
  const { state, backend } = ports;
  const report = reporter(ports);

  const error = (
    type: string,
    message: string,
    _requestId: string,
    extra?: Record<string, unknown>,
  ): never => {
    throw fail({ code: type, message, ...(extra ? { extra } : {}) });
  };
  const ok = (body: unknown, requestId: string): EmulatorResponse => jsonResponse(body, requestId, VERSION);
  const validation = (message: string, requestId: string, reason?: string) =>
    error('ValidationException', message, requestId, reason === undefined ? undefined : { reason });

  /** Checks a string member's type and length; answers the error or undefined. */
  function checkString(
    input: Record<string, unknown>,
    member: string,
    requestId: string,
    opts: { required?: boolean; min?: number; max: number },
  ): EmulatorResponse | undefined {
    const value = input[member];
    if (value === undefined || value === null) {
      return opts.required ? validation(missingMemberMessage(member), requestId) : undefined;
    }
    if (typeof value !== 'string') {
      throw fail({
        code: 'SerializationException',
        message: `STRING_VALUE can not be converted to ${member}`,
      });
    }
    if (value.length < (opts.min ?? 1) || value.length > opts.max) {
      return validation(
        `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length ${
          value.length > opts.max
            ? `less than or equal to ${opts.max}`
            : `greater than or equal to ${opts.min ?? 1}`
        }`,
        requestId,
      );
    }
    return undefined;
  }

  function checkPageSize(input: Record<string, unknown>, requestId: string): EmulatorResponse | number {
    const raw = input.maxResults;
    if (raw === undefined || raw === null) return DEFAULT_PAGE;
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      throw fail({
        code: 'SerializationException',
        message: 'NUMBER_VALUE can not be converted to maxResults',
      });
    }
    if (raw < 0 || raw > 1000) {
      return validation(
        `1 validation error detected: Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must have value ${
          raw < 0 ? 'greater than or equal to 0' : 'less than or equal to 1000'
        }`,
        requestId,
      );
    }
    // 0 means the default page size.
    return raw === 0 ? DEFAULT_PAGE : raw;
  }

  /** Parses an ARN of `kind`; answers InvalidArn for anything else. */
  function parseArn(
    arn: string,
    kind: 'stateMachine' | 'execution',
    requestId: string,
  ):
    | { ok: true; region: string; accountId: string; rest: string }
    | { ok: false; response: EmulatorResponse } {
    const m = ARN.exec(arn);
    if (!m) {
      return {
        ok: false,
        response: error('InvalidArn', `Invalid Arn: 'Unable to parse arn: '${arn}''`, requestId),
      };
    }
    if (m[3] !== kind) {
      return {
        ok: false,
        response: error(
          'InvalidArn',
          `Invalid Arn: 'Resource type not valid in this context: ${m[3]}'`,
          requestId,
        ),
      };
    }
    return { ok: true, region: m[1] ?? '', accountId: m[2] ?? '', rest: m[4] ?? '' };
  }

  /** An execution the caller may see, or the error to answer. */
  function findExecution(
    input: Record<string, unknown>,
    ctx: ServiceContext,
    region: string,
  ): { ok: true; execution: ExecutionRecord } | { ok: false; response: EmulatorResponse } {
    const bad = checkString(input, 'executionArn', ctx.requestId, { required: true, max: 256 });
    if (bad) return { ok: false, response: bad };
    const arn = input.executionArn as string;
    const parsed = parseArn(arn, 'execution', ctx.requestId);
    if (!parsed.ok) return parsed;
    const execution = state.get(arn);
    // Executions of other accounts and regions do not exist for this caller.
    if (!execution || parsed.accountId !== ctx.principal.accountId || parsed.region !== region) {
      return {
        ok: false,
        response: error('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, ctx.requestId),
      };
    }
    return { ok: true, execution };
  }

  function findStateMachine(
    arn: string,
    ctx: ServiceContext,
    region: string,
  ): { ok: true; machine: SfnStateMachine } | { ok: false; response: EmulatorResponse } {
    const parsed = parseArn(arn, 'stateMachine', ctx.requestId);
    if (!parsed.ok) return parsed;
    const machine = backend
      ?.stateMachines(ctx.principal.accountId)
      .find((m) => m.arn === arn && m.region === region);
    if (!machine) {
      return {
        ok: false,
        response: error('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, ctx.requestId),
      };
    }
    return { ok: true, machine };
  }

  function startExecution(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const { requestId } = ctx;
    const bad =
      checkString(input, 'stateMachineArn', requestId, { required: true, max: 256 }) ??
      checkString(input, 'name', requestId, { max: 80 }) ??
      checkString(input, 'input', requestId, { min: 0, max: MAX_INPUT }) ??
      checkString(input, 'traceHeader', requestId, { min: 0, max: 256 });
    if (bad) return bad;
    const found = findStateMachine(input.stateMachineArn as string, ctx, region);
    if (!found.ok) return found.response;
    const machine = found.machine;
    const name = (input.name as string | undefined) ?? randomUUID();
    if (badName(name)) return error('InvalidName', `Invalid Name: '${name}'`, requestId);
    const text = (input.input as string | undefined) ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(text);
    } catch (err) {
      return error(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(err as Error).message}'`,
        requestId,
      );
    }
    const arn = `arn:aws:states:${machine.region}:${machine.accountId}:execution:${machine.name}:${name}`;
    const existing = state.get(arn);
    if (existing) {
      // Standard workflows: the same name and input while running is the same execution.
      if (existing.status === 'RUNNING' && existing.input === text) {
        return ok({ executionArn: existing.arn, startDate: seconds(existing.startMs) }, requestId);
      }
      return error('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`, requestId);
    }
    const startMs = ctx.now().getTime();
    const execution = state.add(
      new ExecutionRecord({ arn, name, stateMachine: machine, input: text, startMs }),
    );
    // findStateMachine found it, so there is a backend. Its ExecutionStarted comes through report.
    backend
      ?.start({ executionArn: arn, name, stateMachine: machine, input: text, parsedInput }, report)
      .catch((err: unknown) => {
        execution.close('FAILED', ports.nowMs(), {
          error: 'States.Runtime',
          cause: err instanceof Error ? err.message : String(err),
        });
      });
    return ok({ executionArn: arn, startDate: seconds(startMs) }, requestId);
  }

  function describeExecution(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const found = findExecution(input, ctx, region);
    if (!found.ok) return found.response;
    const e = found.execution;
    const metadataOnly = input.includedData === 'METADATA_ONLY';
    return ok(
      {
        executionArn: e.arn,
        stateMachineArn: e.stateMachine.arn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startMs),
        ...(e.stopMs === undefined ? {} : { stopDate: seconds(e.stopMs) }),
        ...(metadataOnly ? {} : { input: e.input, inputDetails: { included: true } }),
        ...(e.output === undefined || metadataOnly
          ? {}
          : { output: e.output, outputDetails: { included: true } }),
        ...(e.error === undefined ? {} : { error: e.error }),
        ...(e.cause === undefined ? {} : { cause: e.cause }),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      },
      ctx.requestId,
    );
  }

  function getExecutionHistory(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const found = findExecution(input, ctx, region);
    if (!found.ok) return found.response;
    const e = found.execution;
    const size = checkPageSize(input, ctx.requestId);
    if (typeof size !== 'number') return size;
    const reverse = input.reverseOrder === true;
    const withData = input.includeExecutionData !== false;
    if (input.nextToken !== undefined && input.nextToken !== null) {
      const bad = checkString(input, 'nextToken', ctx.requestId, { max: 1024 });
      if (bad) return bad;
    }
    const all = reverse ? [...e.events].reverse() : e.events;
    // Event ids only grow, so the last id returned is the page key. A page that reaches the end of
    // a running history still ends without a token (as AWS does): followers poll again.
    const history = pageOf(
      all,
      `GetExecutionHistory|${e.arn}|${reverse}`,
      (ev) => [ev.id],
      reverse,
      size,
      input,
    );
    const events = history.items.map((ev) => {
      const details =
        ev.details === undefined
          ? undefined
          : withData
            ? ev.details
            : Object.fromEntries(Object.entries(ev.details).filter(([k]) => !DATA_MEMBERS.has(k)));
      return {
        timestamp: seconds(ev.timestampMs),
        type: ev.type,
        id: ev.id,
        previousEventId: ev.previousEventId,
        ...(ev.detailsKey === undefined ? {} : { [ev.detailsKey]: details }),
      };
    });
    return ok(
      { events, ...(history.nextToken === undefined ? {} : { nextToken: history.nextToken }) },
      ctx.requestId,
    );
  }

  function listExecutions(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const { requestId } = ctx;
    if (input.stateMachineArn === undefined && input.mapRunArn === undefined) {
      return validation(
        'Must provide a StateMachine ARN or MapRun ARN',
        requestId,
        'MISSING_REQUIRED_PARAMETER',
      );
    }
    // A map run (`mapRun:<machine>/<label>:<execution name>`) lists the Distributed Map's child
    // executions: those of the qualified machine `<machine>/<label>` started by that execution.
    let scope: { arn: string; matches: (e: ExecutionRecord) => boolean };
    if (input.mapRunArn !== undefined) {
      const mapRun = String(input.mapRunArn);
      const m = /^(arn:[^:]+:states:[^:]+:\d{12}):mapRun:([^/:]+)\/([^:]+):([^:]+)$/.exec(mapRun);
      const machineArn = m ? `${m[1]}:stateMachine:${m[2]}/${m[3]}` : '';
      const parentArn = m ? `${m[1]}:execution:${m[2]}:${m[4]}` : '';
      if (!m || !state.all().some((e) => e.arn === parentArn)) {
        return error('ResourceNotFound', `Resource not found: '${mapRun}'`, requestId, {
          resourceName: mapRun,
        });
      }
      scope = { arn: mapRun, matches: (e) => e.stateMachine.arn === machineArn && e.parentArn === parentArn };
    } else {
      const bad = checkString(input, 'stateMachineArn', requestId, { required: true, max: 256 });
      if (bad) return bad;
      const found = findStateMachine(input.stateMachineArn as string, ctx, region);
      if (!found.ok) return found.response;
      scope = { arn: found.machine.arn, matches: (e) => e.stateMachine.arn === found.machine.arn };
    }
    const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
    const filter = input.statusFilter;
    if (filter !== undefined && !statuses.includes(String(filter))) {
      return validation(
        `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${statuses.join(', ')}]`,
        requestId,
      );
    }
    const size = checkPageSize(input, requestId);
    if (typeof size !== 'number') return size;
    if (input.nextToken !== undefined && input.nextToken !== null) {
      const badToken = checkString(input, 'nextToken', requestId, { max: 3096 });
      if (badToken) return badToken;
    }
    // Newest first, as Step Functions lists them; executions are only ever added, so an
    // execution's position is its page key.
    const every = state.all();
    const position = new Map(every.map((e, i) => [e, i]));
    const matching = every
      .filter((e) => scope.matches(e) && (filter === undefined || e.status === filter))
      .reverse();
    const listed = pageOf(
      matching,
      `ListExecutions|${scope.arn}|${String(filter ?? '')}`,
      (e) => [position.get(e) ?? -1],
      true,
      size,
      input,
    );
    return ok(
      {
        executions: listed.items.map((e) => ({
          executionArn: e.arn,
          stateMachineArn: e.stateMachine.arn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startMs),
          ...(e.stopMs === undefined ? {} : { stopDate: seconds(e.stopMs) }),
          redriveCount: 0,
        })),
        ...(listed.nextToken === undefined ? {} : { nextToken: listed.nextToken }),
      },
      requestId,
    );
  }

  function stopExecution(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const bad =
      checkString(input, 'error', ctx.requestId, { min: 0, max: 256 }) ??
      checkString(input, 'cause', ctx.requestId, { min: 0, max: 32_768 });
    if (bad) return bad;
    const found = findExecution(input, ctx, region);
    if (!found.ok) return found.response;
    const e = found.execution;
    if (e.status === 'RUNNING') {
      const reason = {
        ...(typeof input.error === 'string' ? { error: input.error } : {}),
        ...(typeof input.cause === 'string' ? { cause: input.cause } : {}),
      };
      // The backend records the ExecutionAborted (closing the record) and aborts the run.
      backend?.stop(e.arn, reason);
      e.close('ABORTED', ctx.now().getTime(), reason);
    }
    // A closed execution stays as it ended; the call answers its stop date.
    return ok({ stopDate: seconds(e.stopMs ?? ctx.now().getTime()) }, ctx.requestId);
  }

  /**
   * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: answer a `.waitForTaskToken` Task.
   * Errors as Step Functions gives them: InvalidToken (not a token), TaskDoesNotExist (no such
   * task), TaskTimedOut (the task is over: answered, timed out or its execution stopped),
   * InvalidOutput (output that is not JSON, or, stricter than AWS, has a key twice).
   */
  function sendTask(kind: SfnTaskAnswer['kind'], input: Record<string, unknown>, ctx: ServiceContext) {
    const { requestId } = ctx;
    const bad =
      checkString(input, 'taskToken', requestId, { required: true, max: 2048 }) ??
      (kind === 'success'
        ? checkString(input, 'output', requestId, { required: true, min: 0, max: MAX_INPUT })
        : undefined) ??
      (kind === 'failure'
        ? (checkString(input, 'error', requestId, { min: 0, max: 256 }) ??
          checkString(input, 'cause', requestId, { min: 0, max: 32_768 }))
        : undefined);
    if (bad) return bad;
    const token = input.taskToken as string;
    let answer: SfnTaskAnswer;
    if (kind === 'success') {
      const output = input.output as string;
      try {
        JSON.parse(output);
      } catch {
        return error('InvalidOutput', `Invalid Output: '${output.slice(0, 100)}'`, requestId);
      }
      // Stricter than AWS documents (InvalidOutput: "not valid JSON"): an output with a key twice
      // means two things (`{"approved":false,"approved":true}` reads as a yes to a parser keeping
      // the last key, as a no to a person reading the first), so it is refused, never guessed at.
      const duplicate = duplicateKeyOf(output);
      if (duplicate !== undefined) {
        return error('InvalidOutput', `Invalid Output: ${duplicate}; send each key once`, requestId);
      }
      answer = { kind: 'success', output };
    } else if (kind === 'failure') {
      answer = {
        kind: 'failure',
        ...(typeof input.error === 'string' ? { error: input.error } : {}),
        ...(typeof input.cause === 'string' ? { cause: input.cause } : {}),
      };
    } else answer = { kind: 'heartbeat' };
    const result = backend?.answerTask(token, answer) ?? 'invalid';
    switch (result) {
      case 'ok':
        return ok({}, requestId);
      case 'closed':
        return error('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'", requestId);
      case 'unknown':
        return error('TaskDoesNotExist', 'Task does not exist', requestId);
      default:
        return error('InvalidToken', "Invalid Token: 'Invalid token'", requestId);
    }
  }

  /**
   * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat: IAM scopes them to the state machine
   * whose Task the token belongs to (Service Authorization Reference), which only the backend
   * that issued the token knows; a token no Task holds is checked on `*`.
   */
  const onTaskOwner: OperationAuthorization = (req, _principal, operation) => {
    const token = nonEmpty(jsonBodyOf(req)?.taskToken);
    return {
      action: `states:${operation}`,
      resources: (token === undefined ? undefined : backend?.taskOwner?.(token)) ?? '*',
      region: req.region,
    };
  };
  /** When each hosted machine was first seen (its creationDate: it exists from the emulator's start). */
  const created = new Map<string, number>();
  const creationOf = (m: SfnStateMachine, now: number): number => {
    const at = created.get(m.arn) ?? now;
    created.set(m.arn, at);
    return at;
  };

  /** ListStateMachines: the caller's machines in the Region, by name, in pages (default 100). */
  function listStateMachines(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const size = checkPageSize(input, ctx.requestId);
    if (typeof size !== 'number') return size;
    const now = ctx.now().getTime();
    const machines = [...(backend?.stateMachines(ctx.principal.accountId) ?? [])]
      .filter((m) => m.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const listed = pageOf(machines, `ListStateMachines|${region}`, (m) => [m.name], false, size, input);
    return ok(
      {
        stateMachines: listed.items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: seconds(creationOf(m, now)),
        })),
        ...(listed.nextToken === undefined ? {} : { nextToken: listed.nextToken }),
      },
      ctx.requestId,
    );
  }

  /** DescribeStateMachine: a hosted machine with its definition and role. */
  function describeStateMachine(input: Record<string, unknown>, region: string, ctx: ServiceContext) {
    const bad = checkString(input, 'stateMachineArn', ctx.requestId, { required: true, max: 256 });
    if (bad) return bad;
    const found = findStateMachine(input.stateMachineArn as string, ctx, region);
    if (!found.ok) return found.response;
    const m = found.machine;
    return ok(
      {
        stateMachineArn: m.arn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definition ?? unknownDefinition(m),
        roleArn: m.roleArn ?? `arn:aws:iam::${m.accountId}:role/service-role/StepFunctions-${m.name}-role`,
        type: 'STANDARD',
        creationDate: seconds(creationOf(m, ctx.now().getTime())),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      },
      ctx.requestId,
    );
  }

  const onMachine = onMember('stateMachineArn');
  const onExecution = onMember('executionArn');
  return {
    ListStateMachines: (req, ctx) => listStateMachines(jsonInput(req), req.region, ctx),
    DescribeStateMachine: {
      run: (req, ctx) => describeStateMachine(jsonInput(req), req.region, ctx),
      iam: onMachine,
    },
    StartExecution: { run: (req, ctx) => startExecution(jsonInput(req), req.region, ctx), iam: onMachine },
    DescribeExecution: {
      run: (req, ctx) => describeExecution(jsonInput(req), req.region, ctx),
      iam: onExecution,
    },
    GetExecutionHistory: {
      run: (req, ctx) => getExecutionHistory(jsonInput(req), req.region, ctx),
      iam: onExecution,
    },
    ListExecutions: { run: (req, ctx) => listExecutions(jsonInput(req), req.region, ctx), iam: onMachine },
    StopExecution: { run: (req, ctx) => stopExecution(jsonInput(req), req.region, ctx), iam: onExecution },
    SendTaskSuccess: { run: (req, ctx) => sendTask('success', jsonInput(req), ctx), iam: onTaskOwner },
    SendTaskFailure: { run: (req, ctx) => sendTask('failure', jsonInput(req), ctx), iam: onTaskOwner },
    SendTaskHeartbeat: { run: (req, ctx) => sendTask('heartbeat', jsonInput(req), ctx), iam: onTaskOwner },
  };
}
