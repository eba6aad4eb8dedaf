/**
 * Lambda entry of an ARC Region switch custom-action block that runs a runbook
 * (`src/tasks/arc-runbook.ts`; docs/runbook-steps.md, "A place in ARC Region switch"). Not one of
 * the workflow's tasks: deployed by the deployer's own plan stack, with `DRS_WAVES_STATE_MACHINE_ARN`
 * and `DRS_RUNBOOK_INPUT` in its environment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createAwsPorts } from '../aws/index.js';
import { type ArcRunbookResult, arcRunbook } from '../tasks/arc-runbook.js';

/** The Lambda handler: Region switch's event in, success or an error out. */
export async function handler(event: unknown): Promise<ArcRunbookResult> {
  const aws = createAwsPorts({
    region: process.env.AWS_REGION ?? 'us-east-1',
    now: () => new Date(),
    sleep: async (ms) => {
      await sleep(ms);
    },
  });
  return arcRunbook(
    event,
    { states: aws.orchestrator.states },
    {
      ...(process.env.DRS_WAVES_STATE_MACHINE_ARN !== undefined && {
        stateMachineArn: process.env.DRS_WAVES_STATE_MACHINE_ARN,
      }),
      ...(process.env.DRS_RUNBOOK_INPUT !== undefined && { input: process.env.DRS_RUNBOOK_INPUT }),
    },
  );
}
