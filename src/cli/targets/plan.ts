/**
 * `drs-orch plan` on the local targets: runs the plan task (src/tasks/plan.ts) with the runtime
 * environment's task deps and maps its steps to progress events. The plan itself is the task's;
 * this only adapts it to the CLI.
 */

import type { RuntimeEnv } from '../../runtime/types.js';
import type { TaskDeps } from '../../tasks/deps.js';
import type { PlanReport, PlanStep } from '../../tasks/plan.js';
import type { ProgressEvent, ProgressListener } from '../session.js';

/** The progress event of a plan step: the main machine's states, then each account's executor. */
function progressOf(step: PlanStep): ProgressEvent {
  if (step.accountId === undefined) return { type: 'StateEntered', machine: 'main', state: step.step };
  if (step.step === 'AccountPlanned') {
    return { type: 'ExecutionSucceeded', machine: 'executor', accountId: step.accountId };
  }
  return { type: 'StateEntered', machine: 'executor', accountId: step.accountId, state: step.step };
}

/**
 * Computes what a run of `input` would do, with zero mutating calls.
 *
 * @throws {ValidationError} when the input is invalid (the validate task's own check).
 */
export async function planOrchestration(
  input: Record<string, unknown>,
  env: RuntimeEnv,
  onEvent: ProgressListener,
): Promise<PlanReport> {
  // Loaded on first use, like the runtime loads the tasks: commands that never plan skip them.
  const { plan } = await import('../../tasks/plan.js');
  const name = `drs-orch-plan-${env.now().getTime()}`;
  const execution = {
    id: `arn:${env.partition ?? 'aws'}:states:${env.region}:${env.accountId}:execution:drs-orchestration-main:${name}`,
    name,
    startTime: env.now().toISOString(),
  };
  const deps = env.taskDeps({ machine: 'main', progress: () => {} }) as TaskDeps;
  return plan({ input, execution }, deps, (step) => onEvent(progressOf(step)));
}
