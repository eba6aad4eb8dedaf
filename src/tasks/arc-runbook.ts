/**
 * arc-runbook: runs one of our runbooks from an AWS ARC Region switch plan's custom-action Lambda
 * execution block. Region switch invokes the function and, when it does not succeed, invokes it
 * again after the block's retry interval until the block's timeout (the ARC developer guide,
 * "Custom action Lambda execution block"). So the function is idempotent: its first call starts
 * the waves execution (named after the invocation, so a repeated invocation finds it again), and
 * every call answers by that execution: success only when the runbook ended `success`; an error
 * (`RunbookRunning`, or `RunbookFailed` with the runbook's status and reason) otherwise, which
 * Region switch counts as "not yet succeeded". The runbook is the waves input in
 * `DRS_RUNBOOK_INPUT` (JSON, as `drs-orch`'s `wavesInput` makes it), the machine
 * `DRS_WAVES_STATE_MACHINE_ARN`.
 */
import { createHash } from 'node:crypto';
import type { StatesPort } from '../aws/ports.js';
import { RunbookFailed, RunbookRunning, ValidationError } from '../contract/index.js';

/** What the block needs: Step Functions of the orchestrator account. */
export interface ArcRunbookDeps {
  readonly states: Pick<StatesPort, 'startExecution' | 'describeExecution'>;
}

/** Where the runbook runs and what it is (the function's environment). */
export interface ArcRunbookConfig {
  /** `DRS_WAVES_STATE_MACHINE_ARN`. */
  readonly stateMachineArn?: string;
  /** `DRS_RUNBOOK_INPUT`: the waves input (JSON). */
  readonly input?: string;
}

/** What a successful block answers. */
export interface ArcRunbookResult {
  readonly status: 'success';
  readonly executionArn: string;
  readonly runbookStatus: string;
  readonly reportLocation?: string;
}

/** The execution name of an invocation: the same event, the same name (at most 80 characters). */
export function arcExecutionName(event: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(event ?? null))
    .digest('hex');
  return `arc-region-switch-${digest.slice(0, 40)}`;
}

function parseInput(text: string | undefined): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    value = undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Array.isArray((value as { waves?: unknown }).waves)
  ) {
    throw new ValidationError(
      [
        {
          pointer: '/DRS_RUNBOOK_INPUT',
          message: 'must be the waves input of a runbook (JSON with waves), as drs-orch makes it',
        },
      ],
      'configuration',
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Starts the runbook for this invocation, or finds the execution a previous invocation started,
 * and answers by it.
 *
 * @throws {RunbookRunning} while it runs; {@link RunbookFailed} when it ended without success
 * @example await arcRunbook(event, { states }, { stateMachineArn, input }) // { status: 'success', executionArn, ... }
 */
export async function arcRunbook(
  event: unknown,
  deps: ArcRunbookDeps,
  config: ArcRunbookConfig,
): Promise<ArcRunbookResult> {
  const stateMachineArn = config.stateMachineArn;
  if (stateMachineArn === undefined || !stateMachineArn.startsWith('arn:')) {
    throw new ValidationError(
      [{ pointer: '/DRS_WAVES_STATE_MACHINE_ARN', message: 'must be the ARN of the waves state machine' }],
      'configuration',
    );
  }
  const input = parseInput(config.input);
  const name = arcExecutionName(event);
  const states = deps.states;
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    await states.startExecution({ stateMachineArn, name, input });
  } catch (err) {
    // A repeated invocation: the execution of this name exists (running or ended).
    const e = err as { name?: string; cause?: { name?: string } };
    if (e.name !== 'ExecutionAlreadyExists' && e.cause?.name !== 'ExecutionAlreadyExists') throw err;
  }
  const described = await states.describeExecution({ executionArn });
  if (described.status === 'RUNNING') {
    throw new RunbookRunning(
      `runbook execution ${executionArn} is running; Region switch invokes this block again after its retry interval`,
    );
  }
  const output: Record<string, unknown> =
    typeof described.output === 'object' && described.output !== null
      ? (described.output as Record<string, unknown>)
      : {};
  const runbookStatus = typeof output.status === 'string' ? output.status : described.status.toLowerCase();
  if (described.status !== 'SUCCEEDED' || runbookStatus !== 'success') {
    const why = [output.reason, described.error, described.cause]
      .filter((x) => typeof x === 'string' && x !== '')
      .join(': ');
    throw new RunbookFailed(
      `runbook execution ${executionArn} ended ${runbookStatus}${why ? ` (${why})` : ''}`,
    );
  }
  return {
    status: 'success',
    executionArn,
    runbookStatus,
    ...(typeof output.reportLocation === 'string' && { reportLocation: output.reportLocation }),
  };
}
