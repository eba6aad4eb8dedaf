/**
 * A Distributed Map's iteration: one child execution of the Map's ItemProcessor (a "map run"
 * child, `execution:<machine>/<label>:<id>`), with its own history, transitions and payload
 * metering, as Step Functions runs it; the Map waits for it like a `.sync` child.
 */
import { randomUUID } from 'node:crypto';
import { namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution-host.js';
import type { ScheduledTask } from '../scheduler.js';

/**
 * Runs one item as a child execution and returns its output. A failed child fails the Map run
 * with `States.ExceedToleratedFailureThreshold` (no failures are tolerated by default), naming the
 * child and its error.
 */
export async function runMapChild(
  host: ExecutionHost,
  parent: Execution,
  binding: { readonly mapName: string; readonly label: string },
  input: unknown,
  scheduled: ScheduledTask | undefined,
): Promise<unknown> {
  const child = host.execute(parent.machine, input, {
    name: randomUUID(),
    parent,
    region: parent.region,
    accountId: parent.accountId,
    ...(parent.account ? { account: parent.account } : {}),
    mapRun: binding,
  });
  const { exec, outcome } = await (scheduled
    ? scheduled.blockOn(child, `its map run child execution (${binding.label})`)
    : child);
  if (outcome.status === 'SUCCEEDED') return outcome.output ?? null;
  throw namedError(
    'States.ExceedToleratedFailureThreshold',
    `the map run of ${binding.mapName} failed: child execution ${exec.arn} ended ${outcome.status} (${outcome.error ?? ''}: ${outcome.cause ?? ''})`,
  );
}
