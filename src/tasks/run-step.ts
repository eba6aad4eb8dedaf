/**
 * run-step: the waves workflow's step driver (`src/core/runbook-step.ts`) as a task. The
 * workflow makes each step's AWS calls with its own service integrations and asks this task,
 * with what the last call answered, which call comes next; when the step is over it appends the
 * step's record to the wave's step log. No AWS access.
 */
import { driveStep, type StepDrive, type StepDriveEvent, type StepOutcome } from '../core/runbook-step.js';
import type { TaskDeps } from './deps.js';

/** The Task state's input: the driver's event and the wave's step log so far. */
export interface RunStepEvent extends StepDriveEvent {
  readonly log?: readonly StepOutcome[];
}

/** The driver's answer; with `log` (the wave's step log with this step appended) when the step is over. */
export type RunStepResult = StepDrive & { readonly log?: readonly StepOutcome[] };

/**
 * Decides a step's next call.
 *
 * @example
 * await runStep({ step, runbook: { action: 'drill' }, wave: { number: 1, name: 'db' }, state: null }, deps)
 * // { next: 'SendCommand', request: {...}, timeoutSeconds: 3600, state: {...} }
 */
export async function runStep(event: RunStepEvent, deps: TaskDeps): Promise<RunStepResult> {
  const drive = driveStep(
    { ...event, ...(event.state === null && { state: undefined }) } as StepDriveEvent,
    deps.now(),
  );
  if (drive.outcome === undefined) return drive;
  const o = drive.outcome;
  deps.log?.info(`runbook step ${o.name} ${o.status}`, {
    wave: o.wave,
    kind: o.kind,
    attempts: o.attempts.length,
    ...(o.error !== undefined && { error: o.error }),
  });
  return { ...drive, log: [...(Array.isArray(event.log) ? event.log : []), o] };
}
