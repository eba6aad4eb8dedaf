/**
 * `drs-orch plan` on the local targets: runs the plan task (src/tasks/plan.ts) with the runtime
 * environment's task deps and shows its steps as the history events a run's states would be (the
 * live view reads one event type). The plan itself is the task's; this only adapts it to the CLI.
 * `drs-orch extend` runs its task here the same way.
 */

import type { HistoryEventLike } from '../../report/index.js';
import type { RuntimeEnv } from '../../runtime/types.js';
import type { TaskDeps } from '../../tasks/deps.js';
import type { ExtendResult } from '../../tasks/extend.js';
import type { PlanReport, PlanStep } from '../../tasks/plan.js';
import type { ExecutionRef, ProgressListener } from '../session.js';

/** The history event of a plan step: the main machine's states, then each account's executor. */
function historyOf(planArn: string, step: PlanStep, now: Date): [ExecutionRef, HistoryEventLike] {
  if (step.accountId === undefined)
    return [
      { arn: planArn, machine: 'main' },
      { type: 'TaskStateEntered', timestamp: now, details: { name: step.step } },
    ];
  const executor = { arn: `${planArn}-${step.accountId}`, machine: 'executor', accountId: step.accountId };
  if (step.step === 'AccountPlanned')
    return [executor, { type: 'ExecutionSucceeded', timestamp: now, details: {} }];
  return [executor, { type: 'TaskStateEntered', timestamp: now, details: { name: step.step } }];
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
  return plan({ input, execution }, deps, (step) => onEvent(...historyOf(execution.id, step, env.now())));
}

/**
 * Runs the extend task (src/tasks/extend.ts) with the runtime environment's task deps, as the
 * executor-less one-off it is: it reads the registry and the accounts and creates what is missing.
 *
 * @throws {ValidationError} when the registry is invalid.
 */
export async function extendServers(
  tags: Readonly<Record<string, string>>,
  env: RuntimeEnv,
): Promise<ExtendResult> {
  // Loaded on first use, like the plan task.
  const { extend } = await import('../../tasks/extend.js');
  const deps = env.taskDeps({ machine: 'main', progress: () => {} }) as TaskDeps;
  return extend({ tags: { ...tags } }, deps);
}
